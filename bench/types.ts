/** One benchmark figure. */
export interface BenchResult {
  /** Dotted name, e.g. `adapter.frames_per_s.1518`. */
  name: string;
  /** The measured value. */
  value: number;
  /** Its unit. */
  unit: string;
}

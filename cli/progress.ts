/**
 * Progress of a long `nicsim lan` run on a terminal: a bar over the simulated time to cover, the
 * event rate and the estimated wall-clock time left; and, terminal or not, one warning when the
 * run is on course to take very long.
 * @module
 */

/** Where a run stands: simulated time reached, the span to cover, events so far, wall-clock ms spent. */
export interface ProgressPoint {
  /** Simulated time reached, ns. */
  simNs: number;
  /** Simulated time the run started at, ns. */
  startNs: number;
  /** Simulated time the run ends at, ns. */
  endNs: number;
  /** Events executed so far. */
  events: number;
  /** Wall-clock milliseconds since the run started. */
  wallMs: number;
}

/** A wall-clock duration as `1 h 05 min`, `3 min 20 s` or `12 s`. */
export function formatWall(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** Fraction of the simulated span covered, 0..1. */
export function fractionDone(p: ProgressPoint): number {
  const span = p.endNs - p.startNs;
  return span <= 0 ? 1 : Math.min(1, Math.max(0, (p.simNs - p.startNs) / span));
}

/** Estimated wall-clock ms left at the pace so far (undefined before anything is done). */
export function etaMs(p: ProgressPoint): number | undefined {
  const f = fractionDone(p);
  if (f <= 0 || p.wallMs <= 0) return undefined;
  return (p.wallMs * (1 - f)) / f;
}

/** One progress line: `[#####.....]  42%  simulated 0.420 of 1.100 s · 1.2 M events/s · about 12 s left`. */
export function formatProgress(p: ProgressPoint, width = 24): string {
  const f = fractionDone(p);
  const filled = Math.round(f * width);
  const rate = p.events / Math.max(0.001, p.wallMs / 1000);
  const eta = etaMs(p);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%` +
    `  simulated ${((p.simNs - p.startNs) / 1e9).toFixed(3)} of ${((p.endNs - p.startNs) / 1e9).toFixed(3)} s` +
    ` · ${rate >= 1e6 ? (rate / 1e6).toFixed(2) + ' M' : Math.round(rate / 1e3) + ' k'} events/s` +
    (eta === undefined ? '' : ` · about ${formatWall(eta)} left`)
  );
}

/** Wall-clock time after which a run deserves a warning, ms. */
export const LONG_RUN_MS = 5 * 60_000;

/**
 * The warning for a run on course to take longer than {@link LONG_RUN_MS} in total, once 3 s of
 * it have passed (so the pace is roughly known); null otherwise.
 */
export function longRunWarning(p: ProgressPoint): string | null {
  const eta = etaMs(p);
  if (eta === undefined || p.wallMs < 3000) return null;
  if (p.wallMs + eta < LONG_RUN_MS) return null;
  return `warning: at this pace the run takes about ${formatWall(p.wallMs + eta)} in all (fewer --stations, a shorter --seconds or 10BASE-T run faster; Ctrl-C stops it)`;
}

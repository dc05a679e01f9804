/**
 * The measurement harness of `npm run bench`: every figure is the median of `reps` repetitions of
 * at least `minTimeS` of wall time each, after `warmupS` of warm-up in the same session, with the
 * minimum and maximum of the repetitions beside it. Throughput figures are also reported as a
 * ratio to a floor measured in the same run (see {@link FloorRatio}), so runs on different
 * machines compare.
 *
 * A benchmark is a {@link BenchCase} in the registry (bench/cases.ts): a name, a unit, a goal,
 * how its ratio to the floor is defined, and a workload the harness steps until the time is up.
 * @module
 */

/** A monotonic clock in seconds (performance.now() by default; tests inject a fake one). */
export type Clock = () => number;

/** The wall clock of the harness. */
export const wallClock: Clock = () => performance.now() / 1000;

/** A workload the harness steps: each step does some work and returns the units it completed. */
export interface Session {
  /** Does one slice of work (a millisecond or so) and returns how many units (frames, datagrams) it completed. */
  step(): number | Promise<number>;
  /** Checks the run was clean and releases the workload (throws when the figure would be wrong). */
  close?(): void | Promise<void>;
}

/** A goal: the value must be at least `min`, at most `max`, or exactly `equals`. */
export interface Goal {
  /** Lower bound (inclusive). */
  min?: number;
  /** Upper bound (inclusive). */
  max?: number;
  /** Exact value. */
  equals?: number;
  /** How the goal is written in the table when the bound alone does not say it (e.g. `≥ 2 × real time`). */
  note?: string;
}

/** How a throughput figure is compared with a floor figure measured in the same run. */
export interface FloorRatio {
  /** Name of the floor figure (a case of kind `rate`). */
  floor: string;
  /** The floor figure is divided by this (2: one CRC-32 on transmit and one on receive). */
  divisor: number;
  /** Multiplies the figure's value into the floor's unit (frames/s); 1 for frames/s. */
  toFloorUnit: number;
  /** The ratio's definition, printed under the table. */
  definition: string;
  /** Goal of the ratio. */
  goal?: Goal;
  /** Seconds of each floor slice for this ratio when its floor is a workload whose short slices swing (default: the run's floor slice). */
  sliceS?: number;
}

interface CaseCommon {
  /** Dotted name, e.g. `adapter.frames_per_s.1518`. */
  name: string;
  /** Unit of the value. */
  unit: string;
  /** Decimal places the value is reported with (default 0). */
  digits?: number;
  /** Goal of the figure itself. */
  goal?: Goal;
  /** Its ratio to a floor (throughput figures). */
  ratio?: FloorRatio;
  /** Repetitions for this case when fewer than the run's suit it (a long scale run); never more than the run's. */
  reps?: number;
  /** Runs in the same process as this earlier case when both are selected (a figure that reads what that one measured). */
  sameProcessAs?: string;
  /** Runs only when `--only` names it (a study of the design, not part of the default run and its time budget). */
  onRequest?: boolean;
  /** Seconds of warm-up this case needs at least (a workload that takes seconds to reach its pace); the run's warm-up when longer. */
  warmupS?: number;
}

/** A throughput: `scale` × units completed per wall-clock second. */
export interface RateCase extends CaseCommon {
  /** Kind. */
  kind: 'rate';
  /** Units per second are multiplied by this (default 1; e.g. datagram bits / 10^6 for Mb/s). */
  scale?: number;
  /** Builds the workload (not timed). */
  open(): Session | Promise<Session>;
}

/**
 * A slowdown: (units/s of `base`) ÷ (units/s of `test`), stepping the two workloads alternately
 * within each repetition until each has run `minTimeS`, so both see the same machine.
 */
export interface SlowdownCase extends CaseCommon {
  /** Kind. */
  kind: 'slowdown';
  /** Builds the two workloads. */
  open(): { base: Session; test: Session } | Promise<{ base: Session; test: Session }>;
}

/** A deterministic figure (simulated time, not wall time): computed once. */
export interface ExactCase extends CaseCommon {
  /** Kind. */
  kind: 'exact';
  /** Computes the value. */
  compute(): number | Promise<number>;
}

/** One benchmark of the registry. */
export type BenchCase = RateCase | SlowdownCase | ExactCase;

/** One reported figure. */
export interface Figure {
  /** Dotted name. */
  name: string;
  /** The median of the repetitions (rounded to the case's digits). */
  value: number;
  /** Its unit. */
  unit: string;
  /** The smallest repetition. */
  min: number;
  /** The largest repetition. */
  max: number;
  /** Repetitions measured. */
  runs: number;
  /** The goal, when there is one. */
  goal?: Goal;
  /** Whether the reported (rounded) median meets the goal (absent without a goal). */
  met?: boolean;
  /** For a ratio: how it is defined. */
  definition?: string;
}

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Repetitions per figure (default 5). */
  reps: number;
  /** Minimum wall time of one repetition, s (default 1). */
  minTimeS: number;
  /** Wall time of the warm-up before the first repetition, s (default 0.5). */
  warmupS: number;
  /** Wall time of the floor slice after each repetition of a figure with a ratio, s (default 0.2). */
  floorSliceS: number;
  /** The clock (default {@link wallClock}). */
  clock?: Clock;
}

/** The defaults: 5 repetitions of ≥ 1 s after 0.5 s of warm-up, floor slices of 0.2 s. */
export const DEFAULT_MEASURE: MeasureOptions = { reps: 5, minTimeS: 1, warmupS: 0.5, floorSliceS: 0.2 };

/** The median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, minimum and maximum of repetitions. */
export interface Stats {
  /** Median. */
  median: number;
  /** Minimum. */
  min: number;
  /** Maximum. */
  max: number;
  /** Count. */
  runs: number;
}

/** Summarizes repetitions. */
export function stats(xs: readonly number[]): Stats {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
}

/** Whether `value` meets `goal`. */
export function meets(value: number, goal: Goal): boolean {
  if (goal.min !== undefined && !(value >= goal.min)) return false;
  if (goal.max !== undefined && !(value <= goal.max)) return false;
  if (goal.equals !== undefined && value !== goal.equals) return false;
  return true;
}

/** Steps `s` until at least `seconds` of `clock` have passed; returns units completed and the time taken. */
export async function runFor(s: Session, seconds: number, clock: Clock): Promise<{ units: number; seconds: number }> {
  let units = 0;
  const start = clock();
  let now = start;
  do {
    const r = s.step();
    units += typeof r === 'number' ? r : await r;
    now = clock();
  } while (now - start < seconds);
  return { units, seconds: now - start };
}

/**
 * Steps `base` and `test` alternately (`test` first on odd repetitions) until each has run at
 * least `seconds`; returns the slowdown, (base units/s) ÷ (test units/s).
 */
export async function runSlowdown(base: Session, test: Session, seconds: number, clock: Clock, testFirst = false): Promise<number> {
  const acc = { base: { units: 0, s: 0 }, test: { units: 0, s: 0 } };
  const one = async (which: 'base' | 'test') => {
    const session = which === 'base' ? base : test;
    const t0 = clock();
    const r = session.step();
    acc[which].units += typeof r === 'number' ? r : await r;
    acc[which].s += clock() - t0;
  };
  while (acc.base.s < seconds || acc.test.s < seconds) {
    if (testFirst) {
      await one('test');
      await one('base');
    } else {
      await one('base');
      await one('test');
    }
  }
  return acc.base.units / acc.base.s / (acc.test.units / acc.test.s);
}

/** The warm-up a case gets: the run's, or the case's own when longer (a workload that takes longer to reach its pace). Measuring and `--against` both use it. */
export function warmupOf(c: BenchCase, runWarmupS: number): number {
  return Math.max(runWarmupS, c.warmupS ?? 0);
}

/** A floor workload to time in a short slice after each repetition of a case with a ratio. */
export interface FloorSlice {
  /** The floor's workload (opened once per run). */
  session: Session;
  /** Its scale (units/s × scale = the floor's value). */
  scale: number;
  /** Seconds of each slice (default: the run's floor slice). */
  sliceS?: number;
}

/** What {@link measureCase} measured. */
export interface CaseReps {
  /** The value of each repetition. */
  reps: number[];
  /** The floor's value in the slice right after each repetition (when a floor slice was given). */
  floorReps?: number[];
}

/**
 * Measures one case: warm-up, then `reps` repetitions (one for an exact case). With `floor`, each
 * repetition of a rate case is followed by a `floorSliceS` slice of the floor workload, so each
 * repetition's ratio compares it with the floor on the machine as it was at that moment.
 */
export async function measureCase(c: BenchCase, o: MeasureOptions, floor?: FloorSlice): Promise<CaseReps> {
  const clock = o.clock ?? wallClock;
  if (c.kind === 'exact') return { reps: [await c.compute()] };
  const reps: number[] = [];
  if (c.kind === 'rate') {
    const s = await c.open();
    const scale = c.scale ?? 1;
    const floorReps: number[] = [];
    const warmupS = warmupOf(c, o.warmupS);
    if (warmupS > 0) await runFor(s, warmupS, clock);
    const n = Math.min(o.reps, c.reps ?? o.reps);
    for (let i = 0; i < n; i++) {
      const r = await runFor(s, o.minTimeS, clock);
      reps.push((r.units / r.seconds) * scale);
      if (floor) {
        const f = await runFor(floor.session, floor.sliceS ?? o.floorSliceS, clock);
        floorReps.push((f.units / f.seconds) * floor.scale);
      }
    }
    await s.close?.();
    return floor ? { reps, floorReps } : { reps };
  }
  const { base, test } = await c.open();
  // each workload gets the warm-up and the minimum time of a repetition (they alternate step by step)
  const warmupS = warmupOf(c, o.warmupS);
  if (warmupS > 0) await runSlowdown(base, test, warmupS, clock);
  const n = Math.min(o.reps, c.reps ?? o.reps);
  for (let i = 0; i < n; i++) reps.push(await runSlowdown(base, test, o.minTimeS, clock, i % 2 === 1));
  await base.close?.();
  await test.close?.();
  return { reps };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The figure of a case from its repetitions. */
export function figureOf(c: BenchCase, reps: readonly number[]): Figure {
  const s = stats(reps);
  const d = c.digits ?? 0;
  const f: Figure = { name: c.name, value: round(s.median, d), unit: c.unit, min: round(s.min, d), max: round(s.max, d), runs: s.runs };
  if (c.goal) {
    f.goal = c.goal;
    f.met = meets(f.value, c.goal);
  }
  return f;
}

/** Name of the ratio figure of `name`. */
export function ratioName(name: string): string {
  return `${name}.ratio_to_floor`;
}

/**
 * The ratio figure of a case: repetition i's value (in the floor's unit) divided by (the floor's
 * value in the slice after repetition i) ÷ divisor; median, min and max of those ratios, three decimals.
 */
export function ratioFigureOf(c: BenchCase, reps: readonly number[], floorReps: readonly number[]): Figure {
  const r = c.ratio!;
  if (floorReps.length !== reps.length) throw new Error(`${c.name}: ${reps.length} repetitions but ${floorReps.length} floor slices`);
  const s = stats(reps.map((x, i) => (x * r.toFloorUnit) / (floorReps[i] / r.divisor)));
  const f: Figure = { name: ratioName(c.name), value: round(s.median, 3), unit: 'ratio', min: round(s.min, 3), max: round(s.max, 3), runs: s.runs, definition: r.definition };
  if (r.goal) {
    f.goal = r.goal;
    f.met = meets(f.value, r.goal);
  }
  return f;
}

/** The cases `--only PREFIX` selects: those whose name, or ratio name, starts with PREFIX, plus the floors their ratios need; without PREFIX, all but those run on request. */
export function selectCases(all: readonly BenchCase[], only: string | undefined): BenchCase[] {
  const wanted = all.filter((c) => (only === undefined ? c.onRequest !== true : c.name.startsWith(only) || (c.ratio !== undefined && ratioName(c.name).startsWith(only))));
  const floors = new Set(wanted.flatMap((c) => (c.ratio ? [c.ratio.floor] : [])));
  return all.filter((c) => wanted.includes(c) || floors.has(c.name));
}

/**
 * The selected cases split into the groups that each run in a fresh process, in registry order:
 * one case per process, except a case that names another with `sameProcessAs` (and that one is
 * selected) joins its group. The floors a group's ratios need are opened inside that process.
 */
export function processGroups(cases: readonly BenchCase[]): BenchCase[][] {
  const groups: BenchCase[][] = [];
  const groupOf = new Map<string, BenchCase[]>();
  for (const c of cases) {
    const host = c.sameProcessAs !== undefined ? groupOf.get(c.sameProcessAs) : undefined;
    const g = host ?? [];
    if (host === undefined) groups.push(g);
    g.push(c);
    groupOf.set(c.name, g);
  }
  return groups;
}

/**
 * Runs `cases` in registry order; calls `onFigure` as each figure is ready. A ratio's floor is
 * looked up in `registry` (default: `cases`) and opened here as a workload of its own, timed in
 * slices beside the figure.
 */
export async function runCases(cases: readonly BenchCase[], o: MeasureOptions, onFigure: (f: Figure) => void = () => {}, registry: readonly BenchCase[] = cases): Promise<Figure[]> {
  const out: Figure[] = [];
  const emit = (f: Figure) => {
    out.push(f);
    onFigure(f);
  };
  const floors = new Map<string, FloorSlice>();
  const floorOf = async (name: string, of: string): Promise<FloorSlice> => {
    let f = floors.get(name);
    if (f === undefined) {
      const c = registry.find((x) => x.name === name);
      if (c === undefined || c.kind !== 'rate') throw new Error(`${of}: its floor ${name} is not a rate benchmark of this run`);
      f = { session: await c.open(), scale: c.scale ?? 1 };
      floors.set(name, f);
    }
    return f;
  };
  for (const c of cases) {
    const shared = c.ratio && c.kind === 'rate' ? await floorOf(c.ratio.floor, c.name) : undefined;
    const floor = shared && c.ratio?.sliceS !== undefined ? { ...shared, sliceS: c.ratio.sliceS } : shared;
    const m = await measureCase(c, o, floor);
    emit(figureOf(c, m.reps));
    if (c.ratio) {
      if (m.floorReps === undefined) throw new Error(`${c.name}: only a rate benchmark has a ratio to the floor`);
      emit(ratioFigureOf(c, m.reps, m.floorReps));
    }
  }
  for (const f of floors.values()) await f.session.close?.();
  return out;
}

/** The machine a run was made on. */
export interface Machine {
  /** Processors available to node. */
  nproc: number;
  /** CPU model (from /proc/cpuinfo on Linux, through os.cpus()). */
  cpu: string;
  /** Node version. */
  node: string;
}

/** The JSON document of `npm run bench -- --json`. */
export interface BenchReport {
  /** When the run started (ISO 8601). */
  date: string;
  /** Where it ran. */
  machine: Machine;
  /** How it measured. */
  reps: number;
  /** Minimum wall time per repetition, s. */
  minTimeS: number;
  /** Warm-up per figure, s. */
  warmupS: number;
  /** Floor slice after each repetition of a figure with a ratio, s. */
  floorSliceS: number;
  /** The machine's 1-minute load average when the run started (other work on the machine slows every figure). */
  loadAverage: number;
  /** The figures, in registry order, each ratio after its figure. */
  figures: Figure[];
}

const nf = (digits: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function fmt(x: number, unit: string): string {
  const digits = unit === 'ratio' ? 3 : Number.isInteger(x) ? 0 : 3;
  return nf(digits).format(x);
}

/** How a goal is written in the table. */
export function goalText(g: Goal | undefined, unit: string): string {
  if (g === undefined) return '—';
  const parts: string[] = [];
  if (g.equals !== undefined) parts.push(`= ${fmt(g.equals, unit)}`);
  if (g.min !== undefined) parts.push(`≥ ${fmt(g.min, unit)}`);
  if (g.max !== undefined) parts.push(`≤ ${fmt(g.max, unit)}`);
  return g.note ? `${parts.join(' ')} (${g.note})` : parts.join(' ');
}

/** Columns of the table. */
export interface TableLayout {
  /** Width of the name column. */
  name: number;
}

/** The header line(s) of the table. */
export function tableHeader(r: Omit<BenchReport, 'figures'>, layout: TableLayout): string {
  const m = r.machine;
  return (
    `nicsim bench, ${r.date}, ${m.nproc} × ${m.cpu}, node ${m.node}, load average ${r.loadAverage.toFixed(2)} at start\n` +
    `each figure: median of ${r.reps} repetitions of ≥ ${r.minTimeS} s wall time after ${r.warmupS} s warm-up; min–max of the repetitions;\n` +
    `each ratio: repetition ÷ floor timed in a ${r.floorSliceS} s slice right after it (a ratio whose definition names its own slice: in that one)\n\n` +
    `${'name'.padEnd(layout.name)}  ${'median'.padStart(12)}  ${'min–max'.padStart(23)}  ${'unit'.padEnd(8)}  goal\n`
  );
}

/** One row of the table: the figure, its spread, its goal and `✗ short` when the median misses it. */
export function tableRow(f: Figure, layout: TableLayout, exact = false): string {
  const spread = f.runs > 1 ? `${fmt(f.min, f.unit)}–${fmt(f.max, f.unit)}` : exact ? '(exact)' : '(1 run)';
  const mark = f.met === undefined ? '' : f.met ? '  ✓' : '  ✗ short';
  return `${f.name.padEnd(layout.name)}  ${fmt(f.value, f.unit).padStart(12)}  ${spread.padStart(23)}  ${f.unit.padEnd(8)}  ${goalText(f.goal, f.unit)}${mark}\n`;
}

/** The legend under the table: each ratio definition once, and how a ratio's min–max is computed. */
export function tableFooter(figures: readonly Figure[], floorSliceS: number): string {
  const defs = [...new Set(figures.flatMap((f) => (f.definition ? [f.definition] : [])))];
  const short = figures.filter((f) => f.met === false).length;
  let s = `\n${short} of ${figures.filter((f) => f.met !== undefined).length} goals short.\n`;
  if (defs.length > 0) {
    s += `\n*.ratio_to_floor: each repetition divided by the floor timed in a ${floorSliceS} s slice right after it (or the slice its definition names); median, min and max of those ratios (1 = as fast as the floor):\n`;
    for (const d of defs) s += `  ${d}\n`;
  }
  return s;
}

/** The options of `npm run bench`. */
export interface BenchArgs extends MeasureOptions {
  /** Print JSON instead of the table. */
  json: boolean;
  /** Only the figures whose names start with this. */
  only?: string;
  /** Print usage and exit. */
  help: boolean;
  /** Compare with this other tree (a git commit or a directory with a build) instead (`bench/compare.ts`). */
  against?: string;
  /** With `against`: rounds of paired slices (default 10). */
  rounds: number;
  /** With `against`: CPU seconds per slice (default 0.5). */
  sliceS: number;
}

/** The usage line. */
export const USAGE =
  'usage: npm run bench -- [--json] [--only PREFIX] [--in-process] [--reps N (≥ 1, default 5)] [--min-time SECONDS (> 0, default 1)] [--warmup SECONDS (≥ 0, default 0.5)] [--floor-slice SECONDS (> 0, default 0.2)]' +
  ' | npm run bench -- --against REF (a git commit, or a directory with a build) [--only PREFIX] [--json] [--in-process] [--rounds N (≥ 1, default 10)] [--slice SECONDS (> 0, default 0.5)] [--warmup SECONDS]';

const COUNT = { ok: (n: number) => Number.isInteger(n) && n >= 1 && n <= 1000, what: 'an integer from 1 to 1000' };
const SECONDS = { ok: (n: number) => n > 0 && n <= 600, what: 'seconds, more than 0 and at most 600' };

/** The numeric options: the field each sets, and what it accepts. */
const NUMERIC_OPTIONS: Readonly<Record<string, { key: 'reps' | 'minTimeS' | 'warmupS' | 'floorSliceS' | 'rounds' | 'sliceS'; ok: (n: number) => boolean; what: string }>> = {
  '--reps': { key: 'reps', ...COUNT },
  '--min-time': { key: 'minTimeS', ...SECONDS },
  '--warmup': { key: 'warmupS', ok: (n) => n >= 0 && n <= 600, what: 'seconds, from 0 to 600' },
  '--floor-slice': { key: 'floorSliceS', ...SECONDS },
  '--rounds': { key: 'rounds', ...COUNT },
  '--slice': { key: 'sliceS', ...SECONDS },
};

/** Parses the options of `npm run bench`; returns a one-line error message for bad ones. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | { error: string } {
  const a: BenchArgs = { json: false, help: false, rounds: 10, sliceS: 0.5, ...DEFAULT_MEASURE };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    given.add(arg);
    const numeric = Object.prototype.hasOwnProperty.call(NUMERIC_OPTIONS, arg) ? NUMERIC_OPTIONS[arg] : undefined; // (not `toString` & co.)
    if (numeric !== undefined) {
      const v = argv[++i];
      if (v === undefined) return { error: `${arg} needs a value` };
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x) || !numeric.ok(x)) return { error: `${arg} must be ${numeric.what}, not '${v}'` };
      a[numeric.key] = x;
      continue;
    }
    switch (arg) {
      case '--json':
        a.json = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      case '--only': {
        const v = argv[++i];
        if (v === undefined || v === '' || v.startsWith('--')) return { error: '--only needs a PREFIX' };
        a.only = v;
        break;
      }
      case '--against': {
        const v = argv[++i];
        if (v === undefined || v === '' || v.startsWith('--')) return { error: '--against needs a git commit or a directory' };
        a.against = v;
        break;
      }
      default:
        return { error: `unknown option '${arg}'` };
    }
  }
  // each mode's own options: a figure's repetitions, or a comparison's rounds
  const wrong = a.against !== undefined ? ['--reps', '--min-time', '--floor-slice'] : ['--rounds', '--slice'];
  const misplaced = wrong.find((o) => given.has(o));
  if (misplaced !== undefined) return { error: a.against !== undefined ? `${misplaced} does not go with --against (use --rounds and --slice)` : `${misplaced} goes with --against REF` };
  return a;
}

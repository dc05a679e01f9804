/**
 * The benchmark harness's bookkeeping, on fake workloads and a fake clock: how many steps and
 * repetitions it runs, the median/min/max it reports, ratios to the floor, goals, option parsing
 * and the JSON document. No real throughput is timed here.
 */
import { describe, expect, test } from 'vitest';
import {
  measureCase,
  median,
  parseBenchArgs,
  processGroups,
  runCases,
  selectCases,
  tableRow,
  type BenchCase,
  type BenchReport,
  type Clock,
  type MeasureOptions,
  type Session,
} from '../../bench/harness.js';
import { CASES, CRC_FLOOR, realTimeFramesPerS } from '../../bench/cases.js';
import { runBench } from './run.js';

/** A fake clock and a workload whose every step takes `dt` fake seconds and completes `units[i]` units (cycling). */
function fake(dt: number, units: number[]) {
  let t = 0;
  const clock: Clock = () => t;
  let calls = 0;
  let closed = 0;
  const session: Session = {
    step() {
      t += dt;
      return units[calls++ % units.length];
    },
    close() {
      closed++;
    },
  };
  return { clock, session, calls: () => calls, closed: () => closed };
}

const opts = (clock: Clock, o: Partial<MeasureOptions> = {}): MeasureOptions => ({ reps: 5, minTimeS: 1, warmupS: 0.5, floorSliceS: 0.25, clock, ...o });

describe('statistics', () => {
  test('median of odd and even counts, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('measureCase', () => {
  test('warm-up, then reps repetitions of at least minTimeS each; warm-up steps not counted', async () => {
    // 0.25 s per step: warm-up 0.5 s = 2 steps, each repetition 1 s = 4 steps.
    // Per-step units so that the five repetitions run at 40, 8, 400, 80, 4 units/s.
    const perRep = [10, 2, 100, 20, 1];
    const units = [999, 999, ...perRep.flatMap((u) => [u, u, u, u])];
    const f = fake(0.25, units);
    const c: BenchCase = { kind: 'rate', name: 'x.rate', unit: 'u/s', open: () => f.session };
    const { reps } = await measureCase(c, opts(f.clock));
    expect(f.calls()).toBe(2 + 5 * 4);
    expect(reps).toEqual([40, 8, 400, 80, 4]);
    expect(f.closed()).toBe(1);
  });

  test('a repetition runs whole steps until minTimeS has passed, and the rate uses the time actually taken', async () => {
    const f = fake(0.4, [4]); // 3 steps = 1.2 s ≥ 1 s for 12 units → 10 units/s
    const { reps } = await measureCase({ kind: 'rate', name: 'x', unit: 'u/s', open: () => f.session }, opts(f.clock, { reps: 3, warmupS: 0 }));
    expect(f.calls()).toBe(9);
    expect(reps.map((r) => Math.round(r * 1e9) / 1e9)).toEqual([10, 10, 10]);
  });

  test('scale turns units/s into the unit (datagrams/s → Mb/s)', async () => {
    const f = fake(0.5, [1000]); // 2000 datagrams/s of 1472 bytes
    const { reps } = await measureCase({ kind: 'rate', name: 'x', unit: 'Mb/s', scale: (1472 * 8) / 1e6, open: () => f.session }, opts(f.clock, { reps: 1 }));
    expect(reps[0]).toBeCloseTo(23.552, 9);
  });

  test('slowdown: base rate ÷ test rate per repetition, each side run for minTimeS', async () => {
    let t = 0;
    const clock: Clock = () => t;
    const order: string[] = [];
    const mk = (name: string, dt: number): Session => ({
      step() {
        order.push(name);
        t += dt;
        return 10;
      },
    });
    const { reps } = await measureCase({ kind: 'slowdown', name: 'x', unit: 'ratio', open: () => ({ base: mk('b', 0.25), test: mk('t', 0.5) }) }, opts(clock, { reps: 2, warmupS: 0 }));
    expect(reps).toEqual([2, 2]); // 40 units/s ÷ 20 units/s
    // the test side needs 2 steps, the base side keeps alternating with it: 4 steps each; the second repetition starts with test
    expect(order.join('')).toBe('btbtbtbt' + 'tbtbtbtb');
  });

  test('slowdown: each side warms up for the run\'s warm-up (or the case\'s own, when longer) and the case\'s reps cap the run\'s', async () => {
    let t = 0;
    const clock: Clock = () => t;
    const order: string[] = [];
    const mk = (name: string): Session => ({
      step() {
        order.push(name);
        t += 0.25;
        return 10;
      },
    });
    const open = () => ({ base: mk('b'), test: mk('t') });
    await measureCase({ kind: 'slowdown', name: 'x', unit: 'ratio', open }, opts(clock, { reps: 1, warmupS: 0.5 }));
    // warm-up: 0.5 s each = 2 steps each; one repetition: 1 s each = 4 steps each
    expect(order.join('')).toBe('btbt' + 'btbtbtbt');
    order.length = 0;
    const { reps } = await measureCase({ kind: 'slowdown', name: 'x', unit: 'ratio', warmupS: 1, reps: 2, open }, opts(clock, { reps: 5, warmupS: 0.5 }));
    expect(order.filter((x) => x === 'b')).toHaveLength(4 + 2 * 4);
    expect(reps).toHaveLength(2);
  });

  test('a timed figure of one repetition shows "(1 run)", an exact one "(exact)"', () => {
    const f = { name: 'x', value: 5, unit: 'u/s', min: 5, max: 5, runs: 1 };
    expect(tableRow(f, { name: 10 })).toContain('(1 run)');
    expect(tableRow(f, { name: 10 }, true)).toContain('(exact)');
    expect(tableRow({ ...f, min: 4, max: 6, runs: 3 }, { name: 10 }, true)).toContain('4–6');
  });

  test('an exact case is computed once: one run, min = max = value', async () => {
    let n = 0;
    const figs = await runCases([{ kind: 'exact', name: 'x.ns', unit: 'ns', goal: { equals: 7 }, compute: () => ++n * 7 }], opts(() => 0));
    expect(n).toBe(1);
    expect(figs).toEqual([{ name: 'x.ns', value: 7, unit: 'ns', min: 7, max: 7, runs: 1, goal: { equals: 7 }, met: true }]);
  });
});

describe('runCases and the report', () => {
  /**
   * Two workloads on one fake clock, 0.25 s per step (warm-up 2 steps, a repetition 4, a floor
   * slice 1): a figure at 1000, 3000, 2000, 500, 1500 frames/s, and a floor whose own figure runs
   * at 4000 frames/s and whose slices (its second session) run at `slices` units per step.
   */
  const mkCases = (slices: number[]) => {
    let t = 0;
    const clock: Clock = () => t;
    const log: string[] = [];
    const on = (name: string, units: number[]): Session => {
      let i = 0;
      return {
        step() {
          t += 0.25;
          log.push(name);
          return units[Math.min(i++, units.length - 1)]; // the last entry repeats
        },
      };
    };
    let floorOpens = 0;
    const floor: BenchCase = { kind: 'rate', name: 'floor.f', unit: 'frames/s', open: () => (floorOpens++ === 0 ? on('F', [1000]) : on('f', slices)) };
    const sys: BenchCase = {
      kind: 'rate',
      name: 'sys.frames_per_s',
      unit: 'frames/s',
      goal: { min: 2000 },
      ratio: { floor: 'floor.f', divisor: 2, toFloorUnit: 1, definition: 'frames/s ÷ (floor.f ÷ 2)', goal: { min: 0.9 } },
      open: () => on('s', [0, 0, ...[250, 750, 500, 125, 375].flatMap((u) => [u, u, u, u])]),
    };
    return { clock, floor, sys, log };
  };

  test('each figure reports median, min, max and runs; each repetition\'s ratio divides by the floor slice after it ÷ divisor', async () => {
    // floor slices at 4000, 2000, 4000, 1000, 4000 frames/s: two-CRC-style floors 2000, 1000, 2000, 500, 2000
    const { clock, floor, sys, log } = mkCases([1000, 500, 1000, 250, 1000]);
    const seen: string[] = [];
    const figs = await runCases([floor, sys], opts(clock), (f) => seen.push(f.name));
    expect(seen).toEqual(['floor.f', 'sys.frames_per_s', 'sys.frames_per_s.ratio_to_floor']);
    // the floor's own figure: warm-up and 5 × 4 steps; then the figure: warm-up, and a floor slice after each repetition
    expect(log.join('')).toBe('F'.repeat(22) + 'ss' + 'ssssf'.repeat(5));
    expect(figs[0]).toEqual({ name: 'floor.f', value: 4000, unit: 'frames/s', min: 4000, max: 4000, runs: 5 });
    expect(figs[1]).toEqual({ name: 'sys.frames_per_s', value: 1500, unit: 'frames/s', min: 500, max: 3000, runs: 5, goal: { min: 2000 }, met: false });
    // ratios 1000/2000, 3000/1000, 2000/2000, 500/500, 1500/2000 = 0.5, 3, 1, 1, 0.75
    expect(figs[2]).toEqual({
      name: 'sys.frames_per_s.ratio_to_floor',
      value: 1,
      unit: 'ratio',
      min: 0.5,
      max: 3,
      runs: 5,
      goal: { min: 0.9 },
      met: true,
      definition: 'frames/s ÷ (floor.f ÷ 2)',
    });
    expect(tableRow(figs[1], { name: 30 })).toContain('✗ short');
    expect(tableRow(figs[2], { name: 30 })).toContain('✓');
    expect(tableRow(figs[0], { name: 30 })).not.toMatch(/✓|✗/);

    // the JSON document: one object, every figure with name, value, unit, min, max, runs
    const report: BenchReport = { date: '2026-01-01T00:00:00.000Z', machine: { nproc: 2, cpu: 'x', node: 'v20' }, reps: 5, minTimeS: 1, warmupS: 0.5, floorSliceS: 0.25, loadAverage: 0.1, figures: figs };
    const doc = JSON.parse(JSON.stringify(report)) as BenchReport;
    expect(Object.keys(doc)).toEqual(['date', 'machine', 'reps', 'minTimeS', 'warmupS', 'floorSliceS', 'loadAverage', 'figures']);
    for (const f of doc.figures) expect(Object.keys(f).slice(0, 6)).toEqual(['name', 'value', 'unit', 'min', 'max', 'runs']);
  });

  test('a ratio may time its floor in longer slices than the run\'s (a floor workload whose short slices swing)', async () => {
    const { clock, floor, sys, log } = mkCases([1000]);
    sys.ratio = { ...sys.ratio!, sliceS: 0.75 };
    await runCases([floor, sys], opts(clock, { reps: 2 }));
    // the figure's part: warm-up (2 steps), then each repetition (4 steps) and its floor slice of 3 steps, not 1
    expect(log.slice(log.indexOf('s')).join('')).toBe('ss' + 'ssssfff' + 'ssssfff');
  });

  test('a case may ask for a longer warm-up than the run\'s, never a shorter one', async () => {
    const { clock, floor, sys, log } = mkCases([1000]);
    sys.warmupS = 1; // 4 steps of 0.25 s instead of the run's 2
    await runCases([floor, sys], opts(clock, { reps: 1 }));
    expect(log.slice(log.indexOf('s')).join('')).toBe('ssss' + 'ssssf');
    const short = mkCases([1000]);
    short.sys.warmupS = 0.1; // the run's 0.5 s still applies
    await runCases([short.floor, short.sys], opts(short.clock, { reps: 1 }));
    expect(short.log.slice(short.log.indexOf('s')).join('')).toBe('ss' + 'ssssf');
  });

  test('a ratio whose floor is not among the cases is an error', async () => {
    const { clock, sys } = mkCases([1000]);
    await expect(runCases([sys], opts(clock, { reps: 1 }))).rejects.toThrow(/floor floor\.f is not a rate benchmark of this run/);
  });

  test('a ratio\'s floor comes from the registry when the process runs only the figure', async () => {
    const { clock, floor, sys } = mkCases([1000]);
    const figs = await runCases([sys], opts(clock, { reps: 1 }), () => {}, [floor, sys]);
    expect(figs.map((f) => f.name)).toEqual(['sys.frames_per_s', 'sys.frames_per_s.ratio_to_floor']);
  });
});

describe('one process per benchmark', () => {
  test('each selected case is a group of its own, except one that reads what another measured (sameProcessAs)', () => {
    const groups = (only?: string) => processGroups(selectCases(CASES, only)).map((g) => g.map((c) => c.name));
    expect(groups('adapter.frames_per_s.1518')).toEqual([[CRC_FLOOR], ['adapter.frames_per_s.1518']]);
    expect(groups('scale.')).toEqual([
      ['scale.frames_per_s.10hosts'],
      ['scale.frames_per_s.100hosts'],
      ['scale.frames_per_s.1000hosts', 'scale.heap_bytes_per_host.1000hosts', 'scale.rss_bytes_per_host.1000hosts'],
    ]);
    // alone, the memory figure builds its own network in its own process
    expect(groups('scale.heap')).toEqual([['scale.heap_bytes_per_host.1000hosts']]);
    expect(groups(undefined).flat()).toEqual(CASES.filter((c) => !c.onRequest).map((c) => c.name));
  });

  test('npm run bench runs each figure in a child process and reports what the children measured', async () => {
    for (const extra of [[], ['--in-process']]) {
      const r = runBench(['--json', '--only', 'floor.copy', '--reps', '1', '--min-time', '0.05', '--warmup', '0', ...extra]);
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout) as BenchReport;
      expect(doc.figures.map((f) => f.name)).toEqual(['floor.copy_frames_per_s.1518']);
      expect(doc.figures[0].value).toBeGreaterThan(1000);
    }
    // a child given a name that is no benchmark says so in one line and exits with code 2
    expect(runBench(['--child', 'no.such.case'])).toMatchObject({ status: 2, stderr: "bench: unknown benchmark in 'no.such.case'\n" });
  }, 60_000);
});

describe('selectCases (--only)', () => {
  const names = (only?: string) => selectCases(CASES, only).map((c) => c.name);

  test('a prefix selects its benchmarks plus the floor their ratios need, in registry order', () => {
    expect(names('adapter.frames_per_s.1518')).toEqual([CRC_FLOOR, 'adapter.frames_per_s.1518']);
    expect(names('stack.ping')).toEqual(['stack.ping_rtt_ns']);
    expect(names('floor.copy')).toEqual(['floor.copy_frames_per_s.1518']);
    expect(names('driver.frames_per_s.64.ratio')).toEqual([CRC_FLOOR, 'driver.frames_per_s.64']);
    expect(names('nothing')).toEqual([]);
    expect(names(undefined)).toEqual(CASES.filter((c) => !c.onRequest).map((c) => c.name));
  });

  test('a study run on request (the skeleton) is left out of the default run and runs when --only names it', () => {
    expect(CASES.filter((c) => c.onRequest).map((c) => c.name)).toEqual(['skeleton.frames_per_s.1518', 'skeleton.frames_per_s.64', 'driver.frames_per_s.64', 'stack.udp_goodput_mbps.itr195']);
    // every figure with a goal runs by default
    expect(CASES.filter((c) => c.onRequest && (c.goal !== undefined || c.ratio?.goal !== undefined))).toEqual([]);
    expect(names(undefined)).not.toContain('skeleton.frames_per_s.64');
    expect(names('skeleton.')).toEqual([CRC_FLOOR, 'skeleton.frames_per_s.1518', 'skeleton.frames_per_s.64']);
    expect(names('skeleton.frames_per_s.64.ratio')).toEqual([CRC_FLOOR, 'skeleton.frames_per_s.64']);
  });
});

describe('the registry', () => {
  test('names are unique; every ratio names a rate figure that runs before it', () => {
    const seen = new Set<string>();
    for (const c of CASES) {
      expect(seen.has(c.name)).toBe(false);
      if (c.ratio) {
        const floor = CASES.find((f) => f.name === c.ratio!.floor);
        expect(floor?.kind).toBe('rate');
        expect(seen.has(c.ratio.floor)).toBe(true);
      }
      seen.add(c.name);
    }
    expect(seen.has('floor.crc32_frames_per_s.1518')).toBe(true);
    expect(seen.has('floor.copy_frames_per_s.1518')).toBe(true);
  });

  test('the issue-13 goals', () => {
    const get = (n: string) => CASES.find((c) => c.name === n)!;
    expect(Math.round(realTimeFramesPerS(1000))).toBe(81_274);
    expect(get('adapter.frames_per_s.1518').ratio).toMatchObject({ floor: CRC_FLOOR, divisor: 2, goal: { min: 0.5 } });
    expect(get('driver.frames_per_s.1518').ratio?.goal?.min).toBe(0.333);
    expect(get('stack.udp_goodput_mbps').ratio).toMatchObject({ divisor: 2, toFloorUnit: 1e6 / (1472 * 8), goal: { min: 0.333 } });
    expect(get('adapter.signal_frames_per_s.1000BASE-X').goal?.min).toBe(162_548);
    expect(get('faults.ber_overhead').goal).toEqual({ max: 1.1 });
  });
});

describe('parseBenchArgs', () => {
  test('defaults: 5 repetitions of ≥ 1 s after 0.5 s of warm-up', () => {
    expect(parseBenchArgs([])).toEqual({ json: false, help: false, reps: 5, minTimeS: 1, warmupS: 0.5, floorSliceS: 0.2, rounds: 10, sliceS: 0.5 });
    expect(parseBenchArgs(['--json', '--only', 'adapter.', '--reps', '7', '--min-time', '0.2', '--warmup', '0', '--floor-slice', '0.1'])).toEqual({
      json: true,
      help: false,
      only: 'adapter.',
      reps: 7,
      minTimeS: 0.2,
      warmupS: 0,
      floorSliceS: 0.1,
      rounds: 10,
      sliceS: 0.5,
    });
  });

  test('bad options give one-line errors', () => {
    expect(parseBenchArgs(['--bogus'])).toEqual({ error: "unknown option '--bogus'" });
    expect(parseBenchArgs(['toString'])).toEqual({ error: "unknown option 'toString'" });
    expect(parseBenchArgs(['__proto__'])).toEqual({ error: "unknown option '__proto__'" });
    expect(parseBenchArgs(['--only'])).toEqual({ error: '--only needs a PREFIX' });
    expect(parseBenchArgs(['--reps'])).toEqual({ error: '--reps needs a value' });
    expect(parseBenchArgs(['--reps', '0'])).toEqual({ error: "--reps must be an integer from 1 to 1000, not '0'" });
    expect(parseBenchArgs(['--reps', '2.5'])).toHaveProperty('error');
    expect(parseBenchArgs(['--min-time', '0'])).toHaveProperty('error');
    expect(parseBenchArgs(['--min-time', 'abc'])).toHaveProperty('error');
    expect(parseBenchArgs(['--warmup', '-1'])).toHaveProperty('error');
    expect(parseBenchArgs(['--warmup', ''])).toHaveProperty('error');
    expect(parseBenchArgs(['--floor-slice', '0'])).toHaveProperty('error');
  });
});

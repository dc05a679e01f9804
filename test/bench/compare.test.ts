/**
 * `npm run bench -- --against REF`: the paired comparison's bookkeeping on fake workloads and a
 * fake clock (order of the slices, warm-up, the ratios it reports), which benchmarks it can
 * compare, how REF is found, and the command on the real build compared with itself.
 */
import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparable, compareCase, compareSessions, compareWarmupS, loadRegistry, resolveAgainst } from '../../bench/compare.js';
import { runBench } from './run.js';
import { parseBenchArgs, type BenchCase, type Clock, type RateCase, type Session } from '../../bench/harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Two fake workloads on one fake clock: every step takes 0.125 s; `old` completes 2 units a step, `new` 3 (or as given per slice of 4 steps). */
function pair(newUnits: (round: number) => number = () => 3) {
  let t = 0;
  const clock: Clock = () => t;
  const log: string[] = [];
  let newSteps = 0;
  const mk = (name: string, units: () => number): Session => ({
    step() {
      t += 0.125;
      log.push(name);
      return units();
    },
  });
  const old = mk('old', () => 2);
  const neu = mk('new', () => newUnits(Math.floor(newSteps++ / 4)));
  return { clock, log, old, neu };
}

describe('compareSessions', () => {
  test('warm-up of each, then rounds of one slice each, the order alternating; ratio new ÷ old per round', async () => {
    const p = pair();
    const c = await compareSessions('x', 'frames/s', 1, p.old, p.neu, { rounds: 4, sliceS: 0.5, warmupS: 0.25, clock: p.clock });
    // warm-up: 2 steps each; then 4 steps per slice (0.5 s of 0.125 s steps)
    const slices = p.log.slice(4).join(',').match(/(old,?){4}|(new,?){4}/g)!.map((s) => s.slice(0, 3));
    expect(p.log.slice(0, 4)).toEqual(['old', 'old', 'new', 'new']);
    expect(slices).toEqual(['old', 'new', 'new', 'old', 'old', 'new', 'new', 'old']);
    expect(c.old.median).toBeCloseTo(16); // 2 units per 0.125 s
    expect(c.new.median).toBeCloseTo(24);
    expect(c.ratio.median).toBeCloseTo(1.5);
    expect(c.ratio.runs).toBe(4);
  });

  test('reports the median and the spread of the per-round ratios, scaled units', async () => {
    // the new tree completes 3, 1, 4, 2 units a step in its four slices (warm-up excluded)
    const perRound = [3, 3, 1, 4, 2]; // (the first entry is the warm-up's)
    const p = pair((r) => perRound[r] ?? 2);
    const c = await compareSessions('x', 'Mb/s', 10, p.old, p.neu, { rounds: 4, sliceS: 0.5, warmupS: 0.5, clock: p.clock });
    expect(c.ratio.min).toBeCloseTo(0.5);
    expect(c.ratio.max).toBeCloseTo(2);
    expect(c.ratio.median).toBeCloseTo(1.25); // of 1.5, 0.5, 2, 1
    expect(c.old.median).toBeCloseTo(160); // 16 units/s × scale 10
  });
});

describe('which benchmarks can be compared', () => {
  const rate = (name: string): BenchCase => ({ kind: 'rate', name, unit: 'frames/s', open: () => ({ step: () => 1 }) });
  test('rate benchmarks the other tree has under the same name; the rest are listed with why', () => {
    const mine: BenchCase[] = [rate('a'), rate('b'), { kind: 'exact', name: 'c', unit: 'ns', compute: () => 1 }, { kind: 'slowdown', name: 'd', unit: 'ratio', open: () => ({ base: { step: () => 1 }, test: { step: () => 1 } }) }];
    const theirs: BenchCase[] = [rate('a'), { kind: 'exact', name: 'b', unit: 'ns', compute: () => 1 }];
    const r = comparable(mine, theirs);
    expect(r.both.map(([o, n]) => [o.name, n.name, o === theirs[0], n === mine[0]])).toEqual([['a', 'a', true, true]]);
    expect(r.skipped).toEqual([
      { name: 'b', why: 'not a rate benchmark in the other tree' },
      { name: 'c', why: 'computed once, not a rate' },
      { name: 'd', why: 'a slowdown of two workloads' },
    ]);
  });
});

describe('--against REF', () => {
  test('a directory with a build, a directory without one, something that is neither', () => {
    expect(resolveAgainst(join(root, 'dist'), root)).toEqual({ casesModule: join(root, 'dist', 'bench', 'cases.js') });
    expect(resolveAgainst(root, root)).toEqual({ casesModule: join(root, 'dist', 'bench', 'cases.js') });
    const empty = mkdtempSync(join(tmpdir(), 'nicsim-empty-'));
    try {
      expect(resolveAgainst(empty, root)).toEqual({ error: `${empty} holds no built nicsim (neither bench/cases.js nor dist/bench/cases.js)` });
    } finally {
      rmSync(empty, { recursive: true });
    }
    expect(resolveAgainst('no-such-ref-0123', root)).toEqual({ error: `--against no-such-ref-0123: neither a directory nor a git commit of ${root}` });
  });

  test('a relative directory is taken from where the command was typed (npm runs the script from the package root)', () => {
    expect(resolveAgainst('../dist', root, () => {}, join(root, 'test'))).toEqual({ casesModule: join(root, 'dist', 'bench', 'cases.js') });
    expect(resolveAgainst('dist', root, () => {}, root)).toEqual({ casesModule: join(root, 'dist', 'bench', 'cases.js') });
    expect(resolveAgainst('dist', root, () => {}, join(root, 'test'))).toMatchObject({ error: expect.stringContaining('neither a directory nor a git commit') });
  });

  test('a comparison warms each tree up for the run\'s warm-up or the benchmark\'s own, whichever is longer', async () => {
    const rate = (warmupS?: number): RateCase => ({ kind: 'rate', name: 'x', unit: 'u/s', warmupS, open: () => ({ step: () => 1 }) });
    const o = { rounds: 2, sliceS: 0.5, warmupS: 0.5 };
    expect(compareWarmupS(rate(), o)).toBe(0.5);
    expect(compareWarmupS(rate(1.5), o)).toBe(1.5);
    expect(compareWarmupS(rate(0.2), o)).toBe(0.5);
    // through compareCase: 1.5 s of (fake) CPU time per tree before the rounds
    let t = 0;
    const steps = { old: 0, new: 0 };
    const mk = (which: 'old' | 'new'): RateCase => ({
      kind: 'rate',
      name: 'x',
      unit: 'u/s',
      warmupS: 1.5,
      open: () => ({
        step: () => {
          steps[which]++;
          t += 0.25;
          return 1;
        },
      }),
    });
    const c = await compareCase(mk('old'), mk('new'), { ...o, clock: () => t });
    expect(c.warmupS).toBe(1.5);
    expect(steps).toEqual({ old: 6 + 2 * 2, new: 6 + 2 * 2 });
  });

  test.skipIf(!existsSync(join(root, '.git')))('a git commit is built once into a private directory and moved into place only when finished; an unfinished build is not used', async () => {
    const sha = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    const dir = join(tmpdir(), `nicsim-bench-${uid >= 0 ? uid : 'user'}`, sha.slice(0, 12));
    rmSync(dir, { recursive: true, force: true });
    // what an interrupted build leaves: the registry module written, the rest not, no marker
    // (in the private directory as the tool makes it: on a fresh machine the test makes it first)
    mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, 'dist', 'bench'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'bench', 'cases.js'), 'throw new Error("half-written build")\n');
    const messages: string[] = [];
    const r = resolveAgainst('HEAD', root, (m) => messages.push(m));
    expect(r).toEqual({ casesModule: join(dir, 'dist', 'bench', 'cases.js') });
    expect(messages).toHaveLength(1); // it built
    expect((await loadRegistry(join(dir, 'dist', 'bench', 'cases.js'))).map((c) => c.name)).toContain('adapter.frames_per_s.1518');
    expect(statSync(dirname(dir)).mode & 0o077).toBe(0);
    // the second time it is found as it is
    expect(resolveAgainst(sha, root, (m) => messages.push(m))).toEqual(r);
    expect(messages).toHaveLength(1);
  }, 120_000);

  test('options: --against needs a value; --rounds and --slice are checked like the others', () => {
    expect(parseBenchArgs(['--against'])).toEqual({ error: '--against needs a git commit or a directory' });
    expect(parseBenchArgs(['--against', '--json'])).toEqual({ error: '--against needs a git commit or a directory' });
    expect(parseBenchArgs(['--only', '--json'])).toEqual({ error: '--only needs a PREFIX' });
    expect(parseBenchArgs(['--rounds', '0'])).toEqual({ error: "--rounds must be an integer from 1 to 1000, not '0'" });
    expect(parseBenchArgs(['--slice', 'x'])).toEqual({ error: "--slice must be seconds, more than 0 and at most 600, not 'x'" });
    // each mode's own options
    expect(parseBenchArgs(['--rounds', '3'])).toEqual({ error: '--rounds goes with --against REF' });
    expect(parseBenchArgs(['--against', 'HEAD', '--reps', '3'])).toEqual({ error: '--reps does not go with --against (use --rounds and --slice)' });
    expect(parseBenchArgs(['--against', 'HEAD~1', '--rounds', '3', '--slice', '0.25'])).toMatchObject({ against: 'HEAD~1', rounds: 3, sliceS: 0.25 });
  });

  test('the build compared with itself: one row per benchmark, in a child process or in this one; bad REF exits 2', () => {
    const run = (extra: string[]) =>
      JSON.parse(runBench(['--against', join(root, 'dist'), '--json', '--only', 'floor.copy', '--rounds', '2', '--slice', '0.05', '--warmup', '0', ...extra]).stdout) as {
        comparisons: { name: string; ratio: { median: number; runs: number }; old: { median: number } }[];
        skipped: unknown[];
        rounds: number;
      };
    for (const extra of [[], ['--in-process']]) {
      const doc = run(extra);
      expect(doc.rounds).toBe(2);
      expect(doc.comparisons.map((c) => c.name)).toEqual(['floor.copy_frames_per_s.1518']);
      expect(doc.comparisons[0].ratio.runs).toBe(2);
      expect(doc.comparisons[0].ratio.median).toBeGreaterThan(0.2);
      expect(doc.comparisons[0].ratio.median).toBeLessThan(5);
      expect(doc.comparisons[0].old.median).toBeGreaterThan(1000);
      expect(doc.skipped).toEqual([]);
    }
    const bad = runBench(['--against', '/no/such/dir-or-ref']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--against /no/such/dir-or-ref: neither a directory nor a git commit');
  }, 60_000);
});

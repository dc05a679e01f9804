/**
 * `npm run bench -- --against REF`: is this tree faster or slower than another one? On a shared,
 * noisy machine two runs minutes apart differ by more than most changes do, so the two trees are
 * measured in one process, side by side: both open the same workload (the benchmark of that name
 * in each tree's registry), warm up, then run slices in turn — old then new, new then old, for
 * `rounds` rounds — and each round gives one ratio, new ÷ old, of units per second of CPU time
 * (the process's user + system time, so a slice the machine took away from us counts for
 * neither). The figure is the median of those ratios with their minimum and maximum.
 *
 * REF is a git commit (built once from `git archive` into a private directory of this user's under
 * the temporary directory, with this checkout's node_modules and compiler, and moved into place
 * only when finished) or a directory holding a built tree (`dist/`, or a directory with
 * `bench/cases.js`).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runFor, stats, warmupOf, type BenchCase, type Clock, type RateCase, type Session, type Stats } from './harness.js';

/** How a comparison measures. */
export interface CompareOptions {
  /** Rounds (each: one slice of each tree, the order alternating); default 10. */
  rounds: number;
  /** CPU time per slice, s; default 0.5. */
  sliceS: number;
  /** CPU time of each tree's warm-up, s; default 0.5. */
  warmupS: number;
  /** The clock (default {@link cpuClock}). */
  clock?: Clock;
}

/** The defaults: 10 rounds of 0.5 s slices after 0.5 s of warm-up each. */
export const DEFAULT_COMPARE: CompareOptions = { rounds: 10, sliceS: 0.5, warmupS: 0.5 };

/** Seconds of CPU time this process has used (user + system). */
export const cpuClock: Clock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** One benchmark measured in both trees. */
export interface Comparison {
  /** The benchmark. */
  name: string;
  /** Unit of `old` and `new`. */
  unit: string;
  /** Per round, new ÷ old: median, minimum, maximum, rounds. */
  ratio: Stats;
  /** The old tree's slices (unit per CPU-second × the case's scale). */
  old: Stats;
  /** The new tree's slices. */
  new: Stats;
  /** Seconds of CPU time each tree ran the workload before the rounds. */
  warmupS: number;
}

/** Measures `oldS` and `newS` (the same workload in two trees) in alternating slices; see the module comment. */
export async function compareSessions(name: string, unit: string, scale: number, oldS: Session, newS: Session, o: CompareOptions): Promise<Comparison> {
  const clock = o.clock ?? cpuClock;
  if (o.warmupS > 0) {
    await runFor(oldS, o.warmupS, clock);
    await runFor(newS, o.warmupS, clock);
  }
  const olds: number[] = [];
  const news: number[] = [];
  const slice = async (s: Session) => {
    const r = await runFor(s, o.sliceS, clock);
    return (r.units / r.seconds) * scale;
  };
  for (let i = 0; i < o.rounds; i++) {
    if (i % 2 === 0) {
      olds.push(await slice(oldS));
      news.push(await slice(newS));
    } else {
      news.push(await slice(newS));
      olds.push(await slice(oldS));
    }
  }
  return { name, unit, ratio: stats(news.map((n, i) => n / olds[i])), old: stats(olds), new: stats(news), warmupS: o.warmupS };
}

/** The warm-up a comparison of `c` gives each tree: {@link warmupOf} with the comparison's warm-up. */
export function compareWarmupS(c: RateCase, o: CompareOptions): number {
  return warmupOf(c, o.warmupS);
}

/** Opens the benchmark in both trees and compares them; both sessions are closed (and checked) after. */
export async function compareCase(oldCase: RateCase, newCase: RateCase, o: CompareOptions): Promise<Comparison> {
  const oldS = await oldCase.open();
  const newS = await newCase.open();
  const c = await compareSessions(newCase.name, newCase.unit, newCase.scale ?? 1, oldS, newS, { ...o, warmupS: compareWarmupS(newCase, o) });
  await oldS.close?.();
  await newS.close?.();
  return c;
}

/** The benchmarks `--against` can compare: the rate benchmarks of `cases` that the other tree has under the same name. */
export function comparable(cases: readonly BenchCase[], other: readonly BenchCase[]): { both: [RateCase, RateCase][]; skipped: { name: string; why: string }[] } {
  const both: [RateCase, RateCase][] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const c of cases) {
    const o = other.find((x) => x.name === c.name);
    if (c.kind !== 'rate') skipped.push({ name: c.name, why: c.kind === 'exact' ? 'computed once, not a rate' : 'a slowdown of two workloads' });
    else if (o === undefined || o.kind !== 'rate') skipped.push({ name: c.name, why: 'not a rate benchmark in the other tree' });
    else both.push([o, c]);
  }
  return { both, skipped };
}

/** Where the other tree's built registry is: `{ casesModule }`, or `{ error }` (one line). */
export function resolveAgainst(ref: string, repoRoot: string, build: (msg: string) => void = () => {}, cwd: string = process.env.INIT_CWD ?? process.cwd()): { casesModule: string } | { error: string } {
  // a directory is taken relative to where the command was typed (npm runs scripts from the package root, and says where in INIT_CWD)
  const asDir = resolve(cwd, ref);
  if (existsSync(asDir) && statSync(asDir).isDirectory()) {
    for (const p of [join(asDir, 'bench', 'cases.js'), join(asDir, 'dist', 'bench', 'cases.js')]) if (existsSync(p)) return { casesModule: p };
    return { error: `${ref} holds no built nicsim (neither bench/cases.js nor dist/bench/cases.js)` };
  }
  const rev = spawnSync('git', ['-C', repoRoot, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf8' });
  const sha = rev.status === 0 ? rev.stdout.trim() : '';
  if (!/^[0-9a-f]{40}$/.test(sha)) return { error: `--against ${ref}: neither a directory nor a git commit of ${repoRoot}` };
  // builds live in a directory of this user's (mode 700): a build found there is imported and run
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const base = join(tmpdir(), `nicsim-bench-${uid >= 0 ? uid : 'user'}`);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const st = statSync(base);
  if (uid >= 0 && (st.uid !== uid || (st.mode & 0o022) !== 0)) return { error: `--against: ${base} is not a private directory of this user` };
  const dir = join(base, sha.slice(0, 12));
  const casesModule = join(dir, 'dist', 'bench', 'cases.js');
  // a build is used only when it finished (its marker is written last, and it is moved into place whole)
  if (existsSync(join(dir, COMPLETE))) return { casesModule };
  build(`building ${ref} (${sha.slice(0, 12)}) into ${dir} …`);
  const stage = mkdtempSync(join(base, `${sha.slice(0, 12)}.`));
  const src = join(stage, 'src');
  mkdirSync(src);
  const tar = join(stage, 'src.tar');
  const failed = (what: string) => {
    rmSync(stage, { recursive: true, force: true });
    return { error: `--against ${ref}: ${what}` };
  };
  const tail = (r: ReturnType<typeof spawnSync>) => String(r.stderr ?? r.error ?? '').trim().split('\n').slice(-3).join(' ') || `exit code ${r.status}`;
  let r = spawnSync('git', ['-C', repoRoot, 'archive', '--format=tar', '-o', tar, sha], { encoding: 'utf8' });
  if (r.status !== 0) return failed(`git archive failed: ${tail(r)}`);
  r = spawnSync('tar', ['-xf', tar, '-C', src], { encoding: 'utf8' });
  if (r.status !== 0) return failed(`tar failed: ${tail(r)}`);
  // the other tree compiles with this checkout's compiler and runs with its packages
  const modules = join(repoRoot, 'node_modules');
  symlinkSync(modules, join(src, 'node_modules'), 'dir');
  symlinkSync(modules, join(stage, 'node_modules'), 'dir');
  r = spawnSync(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', join(src, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(join(stage, 'dist', 'bench', 'cases.js'))) {
    return failed(`building it failed: ${String(r.stdout ?? '').trim().split('\n').slice(0, 3).join(' ') || tail(r)}`);
  }
  // the sources and their archive are not needed to run the build
  rmSync(src, { recursive: true, force: true });
  rmSync(tar, { force: true });
  writeFileSync(join(stage, COMPLETE), `${sha}\n`);
  if (existsSync(join(dir, COMPLETE))) {
    // another run finished the same build meanwhile (and may be using it): keep that one
    rmSync(stage, { recursive: true, force: true });
    return { casesModule };
  }
  rmSync(dir, { recursive: true, force: true }); // an unfinished build of an earlier run
  try {
    renameSync(stage, dir);
  } catch {
    // another run moved its build into place first: use that one
    rmSync(stage, { recursive: true, force: true });
    if (!existsSync(join(dir, COMPLETE))) return { error: `--against ${ref}: could not move the build into ${dir}` };
  }
  return { casesModule };
}

/** The file a finished build of another tree gets last. */
const COMPLETE = 'complete';

/** Loads the registry (`CASES`) of a built tree. */
export async function loadRegistry(casesModule: string): Promise<readonly BenchCase[]> {
  const m = (await import(pathToFileURL(casesModule).href)) as { CASES?: readonly BenchCase[] };
  if (!Array.isArray(m.CASES)) throw new Error(`${casesModule} exports no CASES registry`);
  return m.CASES;
}

const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf3 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

/** The header of the comparison table. */
export function compareHeader(oldName: string, o: CompareOptions, width: number, longer: readonly { name: string; warmupS: number }[] = []): string {
  const own = longer.length === 0 ? '' : ` (${longer.map((l) => `${l.name}: ${l.warmupS} s, its own`).join('; ')})`;
  return (
    `new = this tree, old = ${oldName}; each ratio: new ÷ old per round of one ${o.sliceS} s slice of each (CPU time, order alternating), ${o.rounds} rounds after ${o.warmupS} s of warm-up each${own}; median (min–max)\n\n` +
    `${'name'.padEnd(width)}  ${'new/old'.padStart(7)}  ${'min–max'.padStart(13)}  ${'old median'.padStart(14)}  ${'new median'.padStart(14)}  unit (per second of CPU time)\n`
  );
}

/** The note under the comparison table. */
export const COMPARE_FOOTER = 'floor.* figures run the same code (zlib, a copy) in both trees: how far their ratio is from 1 is the noise of this run.\n';

/** One row of the comparison table. */
export function compareRow(c: Comparison, width: number): string {
  return `${c.name.padEnd(width)}  ${nf3.format(c.ratio.median).padStart(7)}  ${`${nf3.format(c.ratio.min)}–${nf3.format(c.ratio.max)}`.padStart(13)}  ${nf2.format(c.old.median).padStart(14)}  ${nf2.format(c.new.median).padStart(14)}  ${c.unit}\n`;
}

#!/usr/bin/env node
/**
 * `npm run bench`: runs the benchmarks of the registry (bench/cases.ts) through the harness
 * (bench/harness.ts) and prints a table, row by row as figures are ready, or with `--json` one
 * JSON document `{ date, machine, reps, minTimeS, warmupS, floorSliceS, loadAverage, figures:
 * [{ name, value, unit, min, max, runs, goal?, met?, definition? }] }`. `--only PREFIX` runs the
 * benchmarks whose names start with PREFIX (and the floors their ratios need), including those the
 * default run leaves out (`onRequest` in the registry: studies and figures without a goal); `--reps`,
 * `--min-time`, `--warmup` and `--floor-slice` set how each figure is measured. Bad options print
 * one line and exit with code 2.
 *
 * Each benchmark runs in a fresh node process (this script again, with `--child NAMES`), so no
 * figure depends on which workloads ran before it in the same engine: code the benchmarks share
 * (the adapter, the driver, IP) is compiled for the workload being measured, not for the mix of
 * everything measured earlier. `--in-process` runs them all in this process instead (profiling).
 *
 * `--against REF` compares this tree with another (a git commit or a built directory), each
 * benchmark measured in both side by side in one process (bench/compare.ts).
 * @module
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpus, availableParallelism, loadavg } from 'node:os';
import { CASES } from './cases.js';
import { COMPARE_FOOTER, compareCase, compareHeader, compareRow, compareWarmupS, comparable, loadRegistry, resolveAgainst, type CompareOptions, type Comparison } from './compare.js';
import { USAGE, parseBenchArgs, processGroups, ratioName, runCases, selectCases, tableFooter, tableHeader, tableRow, type BenchArgs, type BenchCase, type BenchReport, type Figure, type Machine, type RateCase } from './harness.js';

/** The internal option a child process gets: the names of the cases it runs, comma-separated. */
const CHILD = '--child';

function machine(): Machine {
  return { nproc: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };
}

/** The options a child repeats from its parent (measurement only: no --only, no --json). */
function childArgs(a: BenchArgs): string[] {
  return ['--reps', String(a.reps), '--min-time', String(a.minTimeS), '--warmup', String(a.warmupS), '--floor-slice', String(a.floorSliceS)];
}

/** Runs this script again in a fresh node process with `args`; calls `onJson` for each JSON line it prints; rejects with its last error line, named `what`. */
function runSelf(args: readonly string[], what: string, onJson: (value: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (l) => {
      if (l.trim() !== '') onJson(JSON.parse(l));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${what}: ${err.trim().split('\n').pop() || `exit code ${code}`}`));
    });
  });
}

/** Runs `group` in a fresh node process; calls `onFigure` for each figure as the child reports it. */
function runChild(group: readonly BenchCase[], a: BenchArgs, onFigure: (f: Figure) => void): Promise<void> {
  const names = group.map((c) => c.name).join(',');
  return runSelf([CHILD, names, ...childArgs(a)], names, (v) => onFigure(v as Figure));
}

/** The benchmarks `--only` selects, or null after saying in one line that it selects none. */
function selectedCases(only: string | undefined): BenchCase[] | null {
  const cases = selectCases(CASES, only);
  if (cases.length > 0) return cases;
  process.stderr.write(`bench: --only ${only} matches no benchmark (names start with ${[...new Set(CASES.map((c) => c.name.split('.')[0] + '.'))].join(', ')})\n`);
  return null;
}

/** Child mode: runs the named cases in this process, one JSON figure per line on stdout. */
async function child(names: string, rest: string[]): Promise<number> {
  const args = parseBenchArgs(rest);
  const wanted = names.split(',');
  const cases = CASES.filter((c) => wanted.includes(c.name));
  const bad = 'error' in args ? args.error : cases.length !== wanted.length ? `unknown benchmark in '${names}'` : null;
  if (bad !== null || 'error' in args) {
    process.stderr.write(`bench: ${bad}\n`);
    return 2;
  }
  await runCases(cases, args, (f) => process.stdout.write(JSON.stringify(f) + '\n'), CASES);
  return 0;
}

/** The internal option of a comparison's child process: the case's name and the other tree's registry module. */
const CHILD_COMPARE = '--child-compare';

function compareOptions(a: BenchArgs): CompareOptions {
  return { rounds: a.rounds, sliceS: a.sliceS, warmupS: a.warmupS };
}

/** Child mode of `--against`: compares one case, prints the comparison as one JSON line. */
async function childCompare(name: string, casesModule: string, rest: string[]): Promise<number> {
  const args = parseBenchArgs(['--against', casesModule, ...rest]);
  if ('error' in args) {
    process.stderr.write(`bench: ${args.error}\n`);
    return 2;
  }
  const { both } = comparable(
    CASES.filter((c) => c.name === name),
    await loadRegistry(casesModule),
  );
  if (both.length !== 1) {
    process.stderr.write(`bench: ${name} cannot be compared\n`);
    return 2;
  }
  process.stdout.write(JSON.stringify(await compareCase(both[0][0], both[0][1], compareOptions(args))) + '\n');
  return 0;
}

/** The benchmarks among `cases` whose own warm-up is longer than the run's, with the warm-up a comparison gives them. */
function longerWarmups(cases: readonly RateCase[], o: CompareOptions): { name: string; warmupS: number }[] {
  return cases.filter((c) => compareWarmupS(c, o) > o.warmupS).map((c) => ({ name: c.name, warmupS: compareWarmupS(c, o) }));
}

/** `--against REF`: each selected rate benchmark measured in both trees, side by side (bench/compare.ts). */
async function compareMain(args: BenchArgs, inProcess: boolean): Promise<number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const where = resolveAgainst(args.against!, root, (msg) => process.stderr.write(`bench: ${msg}\n`));
  if ('error' in where) {
    process.stderr.write(`bench: ${where.error}\n`);
    return 2;
  }
  const cases = selectedCases(args.only);
  if (cases === null) return 2;
  const { both, skipped } = comparable(cases, await loadRegistry(where.casesModule));
  const o = compareOptions(args);
  const width = Math.max(4, ...both.map(([, c]) => c.name.length));
  const head = { date: new Date().toISOString(), machine: machine(), against: args.against!, rounds: o.rounds, sliceS: o.sliceS, warmupS: o.warmupS, loadAverage: Math.round(loadavg()[0] * 100) / 100 };
  if (!args.json) process.stdout.write(`nicsim bench --against, ${head.date}, ${head.machine.nproc} × ${head.machine.cpu}, node ${head.machine.node}, load average ${head.loadAverage.toFixed(2)} at start\n` + compareHeader(args.against!, o, width, longerWarmups(both.map(([, c]) => c), o)));
  const comparisons: Comparison[] = [];
  for (const [oldCase, newCase] of both) {
    let c: Comparison;
    if (inProcess) c = await compareCase(oldCase, newCase, o);
    else c = await runCompareChild(newCase.name, where.casesModule, args);
    comparisons.push(c);
    if (!args.json) process.stdout.write(compareRow(c, width));
  }
  if (args.json) process.stdout.write(JSON.stringify({ ...head, comparisons, skipped }, null, 2) + '\n');
  else {
    process.stdout.write('\n' + (comparisons.some((c) => c.name.startsWith('floor.')) ? COMPARE_FOOTER : ''));
    for (const s of skipped) process.stdout.write(`not compared: ${s.name} (${s.why})\n`);
  }
  return 0;
}

/** Runs one comparison in a fresh node process. */
async function runCompareChild(name: string, casesModule: string, a: BenchArgs): Promise<Comparison> {
  let c: Comparison | undefined;
  await runSelf([CHILD_COMPARE, name, casesModule, '--rounds', String(a.rounds), '--slice', String(a.sliceS), '--warmup', String(a.warmupS)], name, (v) => (c = v as Comparison));
  if (c === undefined) throw new Error(`${name}: the comparison printed nothing`);
  return c;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === CHILD) return child(argv[1] ?? '', argv.slice(2));
  if (argv[0] === CHILD_COMPARE) return childCompare(argv[1] ?? '', argv[2] ?? '', argv.slice(3));
  const inProcess = argv.includes('--in-process');
  const args = parseBenchArgs(argv.filter((x) => x !== '--in-process'));
  if ('error' in args) {
    process.stderr.write(`bench: ${args.error}; ${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.against !== undefined) return compareMain(args, inProcess);
  const cases = selectedCases(args.only);
  if (cases === null) return 2;
  const head = { date: new Date().toISOString(), machine: machine(), reps: args.reps, minTimeS: args.minTimeS, warmupS: args.warmupS, floorSliceS: args.floorSliceS, loadAverage: Math.round(loadavg()[0] * 100) / 100 };
  const layout = { name: Math.max(4, ...cases.flatMap((c) => [c.name.length, c.ratio ? ratioName(c.name).length : 0])) };
  if (!args.json) process.stdout.write(tableHeader(head, layout));
  const exact = new Set(cases.filter((c) => c.kind === 'exact').map((c) => c.name));
  const onFigure = (f: Figure) => {
    if (!args.json) process.stdout.write(tableRow(f, layout, exact.has(f.name)));
  };
  let figures: Figure[];
  if (inProcess) figures = await runCases(cases, args, onFigure);
  else {
    figures = [];
    for (const group of processGroups(cases)) {
      await runChild(group, args, (f) => {
        figures.push(f);
        onFigure(f);
      });
    }
  }
  if (args.json) {
    const report: BenchReport = { ...head, figures };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else process.stdout.write(tableFooter(figures, args.floorSliceS));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

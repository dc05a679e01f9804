#!/usr/bin/env node
/**
 * `npm run bench`: runs the benchmarks of the registry (bench/cases.ts) through the harness
 * (bench/harness.ts) and prints a table, row by row as figures are ready, or with `--json` one
 * JSON document `{ date, machine, reps, minTimeS, warmupS, floorSliceS, loadAverage, figures:
 * [{ name, value, unit, min, max, runs, goal?, met?, definition? }] }`. `--only PREFIX` runs the
 * benchmarks whose names start with PREFIX (and the floors their ratios need); `--reps`,
 * `--min-time`, `--warmup` and `--floor-slice` set how each figure is measured. Bad options print
 * one line and exit with code 2.
 * @module
 */
import { cpus, availableParallelism, loadavg } from 'node:os';
import { CASES } from './cases.js';
import { USAGE, parseBenchArgs, ratioName, runCases, selectCases, tableFooter, tableHeader, tableRow, type BenchReport, type Machine } from './harness.js';

function machine(): Machine {
  return { nproc: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };
}

async function main(argv: string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if ('error' in args) {
    process.stderr.write(`bench: ${args.error}; ${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cases = selectCases(CASES, args.only);
  if (cases.length === 0) {
    process.stderr.write(`bench: --only ${args.only} matches no benchmark (names start with ${[...new Set(CASES.map((c) => c.name.split('.')[0] + '.'))].join(', ')})\n`);
    return 2;
  }
  const head = { date: new Date().toISOString(), machine: machine(), reps: args.reps, minTimeS: args.minTimeS, warmupS: args.warmupS, floorSliceS: args.floorSliceS, loadAverage: Math.round(loadavg()[0] * 100) / 100 };
  const layout = { name: Math.max(4, ...cases.flatMap((c) => [c.name.length, c.ratio ? ratioName(c.name).length : 0])) };
  if (!args.json) process.stdout.write(tableHeader(head, layout));
  const figures = await runCases(cases, args, (f) => {
    if (!args.json) process.stdout.write(tableRow(f, layout));
  });
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

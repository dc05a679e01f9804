#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark and prints a table, or with `--json` a JSON array of
 * `{ name, value, unit }`. `--only PREFIX` runs the benchmarks whose names start with PREFIX.
 * @module
 */
import type { BenchResult } from './types.js';
import { benchAdapter } from './adapter.js';
import { benchSignal } from './signal.js';
import { benchFaults } from './faults.js';
import { benchDriver } from './driver.js';
import { benchStack } from './stack.js';

interface Suite {
  prefix: string;
  run: () => BenchResult[] | Promise<BenchResult[]>;
}

const suites: Suite[] = [
  { prefix: 'adapter.', run: () => benchAdapter() },
  { prefix: 'driver.', run: () => benchDriver() },
  { prefix: 'stack.', run: () => benchStack() },
  { prefix: 'phy.', run: () => benchSignal() },
  { prefix: 'faults.', run: () => benchFaults() },
];

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const oi = argv.indexOf('--only');
  const only = oi >= 0 ? argv[oi + 1] : undefined;
  const unknown = argv.filter((a, i) => a !== '--json' && a !== '--only' && !(oi >= 0 && i === oi + 1));
  if (unknown.length > 0 || (oi >= 0 && only === undefined)) {
    process.stderr.write(`usage: npm run bench -- [--json] [--only PREFIX]\n`);
    return 2;
  }
  const results: BenchResult[] = [];
  for (const s of suites) {
    if (only && !s.prefix.startsWith(only) && !only.startsWith(s.prefix)) continue;
    for (const r of await s.run()) if (!only || r.name.startsWith(only)) results.push(r);
  }
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else {
    const w = Math.max(4, ...results.map((r) => r.name.length));
    process.stdout.write(`${'name'.padEnd(w)}  ${'value'.padStart(14)}  unit\n`);
    for (const r of results) process.stdout.write(`${r.name.padEnd(w)}  ${r.value.toLocaleString('en-US').padStart(14)}  ${r.unit}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

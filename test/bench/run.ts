/** Runs the built `npm run bench` entry point (dist/bench/main.js) for the bench tests. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built entry point. */
export const BENCH_MAIN = fileURLToPath(new URL('../../dist/bench/main.js', import.meta.url));

/** Runs it with `args`; its exit status and what it printed. */
export function runBench(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BENCH_MAIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

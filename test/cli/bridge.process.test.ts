/**
 * Beyond one process: the network of topology/examples/split-{a,b}.json — a client and a router in
 * one `nicsim bridge` process, a server in another, joined by a UDP link — exchanges pings and a
 * TCP echo of 200 kB, each process paced to the wall clock; SIGINT ends the server's process with
 * its summary and exit status 0. Runs the compiled CLI (built into a scratch folder first).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const out = join(root, `.test-dist-${process.pid}`);
const tmp = mkdtempSync(join(tmpdir(), 'nicsim-split-'));

function withPorts(file: string, from: [number, number], to: [number, number]): string {
  let text = readFileSync(join(root, 'topology/examples', file), 'utf8');
  text = text.replaceAll(String(from[0]), String(to[0])).replaceAll(String(from[1]), String(to[1])).replace('"../topology.schema.json"', '"schema"');
  const path = join(tmp, file);
  writeFileSync(path, text);
  return path;
}

function runCli(args: string[]) {
  const child = spawn(process.execPath, [join(out, 'cli/main.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, done, out: () => stdout, err: () => stderr };
}

describe('two nicsim processes joined by a UDP link', () => {
  beforeAll(() => {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'ignore' });
  }, 120_000);
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  test('split-a pings and echoes through split-b; SIGINT stops split-b with a summary', async () => {
    const base = 40000 + (process.pid % 10000) * 2;
    const a = withPorts('split-a.json', [9100, 9101], [base, base + 1]);
    const b = withPorts('split-b.json', [9100, 9101], [base, base + 1]);
    const server = runCli(['bridge', b, '--no-status']);
    await new Promise((r) => setTimeout(r, 1500));
    const client = runCli(['bridge', a, '--until-done', '--seconds', '30', '--json']);
    expect(await client.done).toBe(0);
    const summary = JSON.parse(client.out());
    expect(summary.steps.map((s: { what: string; ok: boolean }) => [s.what, s.ok])).toEqual([
      ['client: ping 10.0.1.2', true],
      ['client: echo 200000 bytes via 10.0.1.2:7', true],
    ]);
    expect(summary.steps[0].text).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    expect(summary.steps[0].text).toMatch(/ttl=63/);
    server.child.kill('SIGINT');
    expect(await server.done).toBe(0);
    expect(server.out()).toMatch(/^== summary ==\ntoA: \d+ frames in \(\d+ bytes\), \d+ out/m);
    expect(server.out()).toMatch(/server counters: .*tcp\.passiveOpens=1/);
    expect(server.err()).toContain(`toA: udp 127.0.0.1:${base + 1} <-> 127.0.0.1:${base}`);
  }, 60_000);
});

/**
 * `nicsim bridge` against the real Linux stack: socat bridges a TAP device to the bridge's UDP
 * link (one frame per datagram), the TAP device is moved into a network namespace this test
 * creates (10.77.0.1/24 on Linux, 10.77.0.2/24 emulated), and Linux's own tools talk to the
 * emulated host and back: arping, ping (-s 4000, -R), nc -u to the echo service, dig against the
 * emulated DNS server, a datagram with a bad checksum (dropped and counted), ICMP port
 * unreachable, curl against the emulated web server; from the emulated side ping, a DNS lookup against a responder in the namespace and
 * an HTTP fetch from python3 -m http.server; TCP both ways (echo, curl, fetch), then again with
 * --ber 1e-6 on the emulated cable, delivering the exact bytes. tshark on the TAP device finds no malformed frame
 * and no bad checksum from the emulated host.
 *
 * Traffic goes only to addresses inside the namespace (and the loopback UDP between socat and the
 * bridge); every tool has a count and a timeout. Skipped (with the reason) where network
 * namespaces, TAP devices or the tools are not available.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync, execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeCommand } from '../../cli/bridge.js';
import { runStep, defaultPage } from '../../topology/services.js';
import type { BuiltTopology } from '../../topology/file.js';
import * as e1000 from '../../hw/registers/e1000.js';

const NS = `nicsim-t${process.pid}`;
const TAP = `nstap${process.pid % 100000}`;
const LINUX = '10.77.0.1';
const EMU = '10.77.0.2';
const HELPER = new URL('./netns-helper.py', import.meta.url).pathname;
const BLOB = 512 * 1024;

function why(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces and TAP devices need CAP_NET_ADMIN)';
  for (const t of ['ip', 'socat', 'ping', 'arping', 'python3', 'dig', 'nc', 'curl', 'tshark']) {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    } catch {
      return `${t} is not installed (.ci/run installs it)`;
    }
  }
  try {
    execFileSync('ip', ['netns', 'add', `${NS}-probe`], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', `${NS}-probe`], { stdio: 'ignore' });
  } catch {
    return 'cannot create a network namespace here';
  }
  return null;
}
const skipReason = why();
if (skipReason !== null) console.warn(`bridge.netns.test: skipped: ${skipReason}`);

/** Runs a command in the namespace; resolves to stdout (rejects with stderr on failure). */
function nsRun(cmd: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', NS, ...cmd], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function sh(cmd: string[]): string {
  return execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running bridge (in this process) and what it reported. */
interface Bridge {
  built: BuiltTopology;
  stop: () => Promise<{ code: number; out: string }>;
}

async function startBridge(dir: string, port: number, socatPort: number, extra: string[], pcap: string): Promise<Bridge> {
  const ac = new AbortController();
  let built: BuiltTopology | undefined;
  let out = '';
  const done = bridgeCommand(
    ['--udp', `127.0.0.1:${port},127.0.0.1:${socatPort}`, '--address', `${EMU}/24`, '--mac', '02:00:00:00:01:01', '--gateway', LINUX, '--echo', '--discard', '--http-file', join(dir, 'blob.bin'), '--dns', `emu.test=${EMU}`, '--pcap', pcap, '--json', '--no-status', ...extra],
    { out: (s) => (out += s), err: () => undefined, stderrIsTTY: false, signal: ac.signal, onReady: (b) => (built = b) },
  );
  await waitFor(() => built !== undefined, 10_000, 'the bridge to start');
  return {
    built: built!,
    stop: async () => {
      ac.abort();
      const code = await done;
      return { code, out };
    },
  };
}

describe.skipIf(skipReason !== null)('nicsim bridge ↔ Linux through a TAP device in a network namespace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nicsim-netns-'));
  const port = 20000 + (process.pid % 20000);
  const socatPort = port + 1;
  const procs: ChildProcess[] = [];
  let bridge: Bridge;
  let tshark: ChildProcess;

  beforeAll(async () => {
    sh(['ip', 'netns', 'add', NS]);
    sh(['ip', 'netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
    writeFileSync(join(dir, 'blob.bin'), execFileSync('python3', [HELPER, 'blob', String(BLOB)], { maxBuffer: 4 * BLOB }));
    bridge = await startBridge(dir, port, socatPort, [], join(dir, 'bridge.pcap'));
    // socat creates the TAP device here (its UDP socket stays on this side's loopback) ...
    const socat = spawn('socat', [`TUN,tun-type=tap,tun-name=${TAP},iff-up,iff-no-pi`, `UDP-DATAGRAM:127.0.0.1:${port},bind=127.0.0.1:${socatPort}`], { stdio: 'ignore' });
    procs.push(socat);
    await waitFor(() => {
      try {
        sh(['ip', 'link', 'show', TAP]);
        return true;
      } catch {
        return false;
      }
    }, 5000, 'socat to create the TAP device');
    // ... and the device moves into the namespace, where it gets its address.
    sh(['ip', 'link', 'set', TAP, 'netns', NS]);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${LINUX}/24`, 'dev', TAP]);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', TAP, 'up']);
    tshark = spawn('ip', ['netns', 'exec', NS, 'tshark', '-q', '-i', TAP, '-w', join(dir, 'tap.pcapng')], { stdio: 'ignore' });
    procs.push(tshark);
    await new Promise((r) => setTimeout(r, 1500)); // tshark starts capturing
    procs.push(spawn('ip', ['netns', 'exec', NS, 'python3', '-m', 'http.server', '8000', '--bind', LINUX, '--directory', dir], { stdio: 'ignore' }));
    procs.push(spawn('ip', ['netns', 'exec', NS, 'python3', HELPER, 'dns', LINUX, 'linux.test', LINUX], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 500));
  }, 30_000);

  afterAll(async () => {
    await bridge?.stop().catch(() => undefined);
    for (const p of procs.reverse()) if (p.exitCode === null) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    try {
      sh(['ip', 'netns', 'del', NS]);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('ARP: arping gets answers from the emulated adapter’s MAC', async () => {
    const out = await nsRun(['arping', '-c', '2', '-w', '5', '-I', TAP, EMU]);
    expect(out).toMatch(/from 10\.77\.0\.2 \[02:00:00:00:01:01\]/i);
  });

  test('ping, a 4,000-byte ping (fragmented both ways) and ping -R (Record Route returned in the reply)', async () => {
    expect(await nsRun(['ping', '-c', '3', '-i', '0.2', '-W', '2', EMU])).toMatch(/3 packets transmitted, 3 received/);
    expect(await nsRun(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '4000', EMU])).toMatch(/4008 bytes from 10\.77\.0\.2.*\n[\s\S]*2 packets transmitted, 2 received/);
    const rr = await nsRun(['ping', '-c', '1', '-W', '2', '-R', EMU]);
    expect(rr).toMatch(/1 received/);
    expect(rr).toMatch(/RR:\s+10\.77\.0\.1\s*\n\s*10\.77\.0\.2/);
  });

  test('UDP echo with nc -u, dig against the emulated DNS server, ICMP port unreachable', async () => {
    expect(await nsRun(['sh', '-c', `echo hello-nicsim | nc -u -w 1 ${EMU} 7`])).toBe('hello-nicsim\n');
    expect((await nsRun(['dig', '+short', '+time=2', '+tries=2', `@${EMU}`, 'emu.test'])).trim()).toBe(EMU);
    expect((await nsRun(['dig', '+time=2', '+tries=2', `@${EMU}`, 'nope.test'])).toString()).toMatch(/status: NXDOMAIN/);
    expect((await nsRun(['python3', HELPER, 'unreach', EMU, '9999'])).trim()).toBe('refused');
    expect(bridge.built.hosts.get('emu')!.stack.counters.get('udp.noPort')).toBeGreaterThanOrEqual(1);
  });

  test('a UDP datagram with a bad checksum is dropped and counted once', async () => {
    const c = bridge.built.hosts.get('emu')!.stack.counters;
    const before = c.get('udp.badChecksum');
    await nsRun(['python3', HELPER, 'badsum', EMU, '7']);
    await waitFor(() => c.get('udp.badChecksum') === before + 1, 3000, 'udp.badChecksum');
    expect(c.get('udp.badChecksum')).toBe(before + 1);
  });

  test('from the emulated side: ping Linux, resolve a name at a Linux DNS responder, fetch a page from python3 -m http.server', async () => {
    const stack = bridge.built.hosts.get('emu')!.stack;
    const p = await runStep(stack, { from: 'emu', ping: LINUX, count: 3 });
    expect(p.ping!.received).toBe(3);
    const l = await runStep(stack, { from: 'emu', lookup: 'linux.test', server: LINUX });
    expect(l.text).toBe(`linux.test has address ${LINUX}`);
    const f = await runStep(stack, { from: 'emu', fetch: `http://${LINUX}:8000/blob.bin` });
    expect(f.ok).toBe(true);
    expect(f.body!.length).toBe(BLOB);
    expect(Buffer.from(f.body!).equals(readFileSync(join(dir, 'blob.bin')))).toBe(true);
  }, 30_000);

  test('curl from Linux fetches the emulated web server’s page and a 512 KiB file, exact', async () => {
    expect(await nsRun(['curl', '-sS', '--max-time', '10', `http://${EMU}/`])).toBe(defaultPage('emu'));
    const file = join(dir, 'curl.bin');
    await nsRun(['curl', '-sS', '--max-time', '20', '-o', file, `http://${EMU}/file`], 25_000);
    expect(readFileSync(file).equals(readFileSync(join(dir, 'blob.bin')))).toBe(true);
    expect(await nsRun(['curl', '-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', `http://${EMU}/nope`])).toBe('404');
  }, 30_000);

  test('TCP from Linux: 512 KiB through the emulated echo service come back exact', async () => {
    const out = await nsRun(['python3', HELPER, 'tcpecho', EMU, '7', String(BLOB)], 30_000);
    expect(out.trim()).toBe(`ok ${BLOB} ${createHash('sha256').update(readFileSync(join(dir, 'blob.bin'))).digest('hex')}`);
  }, 40_000);

  test('with --ber 1e-6 on the emulated cable, TCP still delivers the exact bytes both ways (frames were damaged and dropped on the way)', async () => {
    const first = await bridge.stop();
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out) as { remotes: { peer: { inFrames: number; outFrames: number; outErrors: number } } };
    expect(summary.remotes.peer.inFrames).toBeGreaterThan(100);
    expect(summary.remotes.peer.outErrors).toBe(0);
    bridge = await startBridge(dir, port, socatPort, ['--ber', '1e-6', '--seed', '7'], join(dir, 'bridge-ber.pcap'));
    await waitFor(() => bridge.built.remotes.get('peer')!.endpoint.linkUp, 5000, 'the link');
    // Linux keeps the emulated host's old MAC; the new one has the same, so no ARP wait.
    const sha = createHash('sha256').update(readFileSync(join(dir, 'blob.bin'))).digest('hex');
    for (let i = 0; i < 2; i++) {
      const out = await nsRun(['python3', HELPER, 'tcpecho', EMU, '7', String(BLOB)], 40_000);
      expect(out.trim()).toBe(`ok ${BLOB} ${sha}`);
      const file = join(dir, `curl-ber${i}.bin`);
      await nsRun(['curl', '-sS', '--max-time', '30', '-o', file, `http://${EMU}/file`], 35_000);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(sha);
      const f = await runStep(bridge.built.hosts.get('emu')!.stack, { from: 'emu', fetch: `http://${LINUX}:8000/blob.bin` });
      expect(f.ok).toBe(true);
      expect(createHash('sha256').update(f.body!).digest('hex')).toBe(sha);
    }
    // the bit errors happened: frames with a bad FCS were dropped at the adapter or the endpoint
    const nic = bridge.built.hosts.get('emu')!.nics[0];
    const damaged = nic.regs.get(e1000.CRCERRS) + nic.regs.get(e1000.SYMERRS) + bridge.built.remotes.get('peer')!.endpoint.stats.outErrors;
    expect(damaged).toBeGreaterThan(0);
  }, 120_000);

  test('tshark on the TAP device: no malformed frames and no bad checksums from the emulated host', async () => {
    tshark.kill('SIGINT');
    await new Promise<void>((r) => (tshark.exitCode !== null ? r() : tshark.once('exit', () => r())));
    const file = join(dir, 'tap.pcapng');
    expect(existsSync(file)).toBe(true);
    const read = (filter: string) =>
      sh(['tshark', '-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-Y', filter, '-T', 'fields', '-e', 'frame.number'])
        .trim()
        .split('\n')
        .filter((x) => x !== '');
    const fromEmu = read('eth.src == 02:00:00:00:01:01');
    expect(fromEmu.length).toBeGreaterThan(200);
    const bad = read('eth.src == 02:00:00:00:01:01 && (_ws.malformed || ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad")');
    expect(bad).toEqual([]);
  }, 30_000);
});

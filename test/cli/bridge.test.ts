/**
 * `nicsim bridge` without root: bad command lines, two bridges in this process joined by a UDP
 * link and by a stream link (QEMU's framings) exchanging pings and TCP, the pcap of what crossed,
 * the status line, and the transports' bounds (a flood is cut at the endpoint's queue, foreign
 * datagrams and a broken stream are counted).
 */
import { describe, expect, test } from 'vitest';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { bridgeCommand, type BridgeIo } from '../../cli/bridge.js';
import { attachUdp, attachStream, type Link } from '../../topology/links.js';
import { RemoteEndpoint } from '../../hw/remote.js';
import { Simulator } from '../../sim/simulator.js';

let nextPort = 30000 + (process.pid % 10000) * 2;
const ports = () => [nextPort++, nextPort++];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

function bridge(args: string[], extra: Partial<BridgeIo> = {}): { done: Promise<number>; out: () => string; err: () => string; stop: () => void; ready: Promise<Map<string, Link>> } {
  let out = '';
  let err = '';
  const ac = new AbortController();
  let ready!: (l: Map<string, Link>) => void;
  const readyP = new Promise<Map<string, Link>>((r) => (ready = r));
  const done = bridgeCommand(args, { out: (s) => (out += s), err: (s) => (err += s), stderrIsTTY: false, signal: ac.signal, onReady: (_b, l) => ready(l), ...extra });
  return { done, out: () => out, err: () => err, stop: () => ac.abort(), ready: readyP };
}

describe('nicsim bridge: command line', () => {
  test.each([
    [[], "bridge needs --udp LOCAL:PORT,REMOTE:PORT or --stream HOST:PORT (or a topology file with remotes)"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--stream', '127.0.0.1:3'], '--udp and --stream contradict each other: one link per host (use a topology file for more)'],
    [['--udp', '127.0.0.1:1'], "--udp expects LOCAL:PORT,REMOTE:PORT (e.g. 127.0.0.1:9000,127.0.0.1:9001), got '127.0.0.1:1'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:70000'], "--udp: expected HOST:PORT (e.g. 127.0.0.1:9000), got '127.0.0.1:70000'"],
    [['--stream', 'localhost'], "--stream: expected HOST:PORT (e.g. 127.0.0.1:9000), got 'localhost'"],
    [['--stream', '127.0.0.1:0'], '--stream: port 0 only with --listen'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--listen'], '--listen applies to --stream only'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--address', '10.0.0.2'], "--address expects an address with a prefix length (e.g. 10.0.0.2/24), got '10.0.0.2'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--gateway', '10.0.0'], "--gateway expects an IPv4 address, got '10.0.0'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--mac', '03:00:00:00:00:01'], '--mac 03:00:00:00:00:01 is a group address; a station needs an individual one'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--ber', '0.5'], '--ber must be a bit error rate in [0, 0.01), got 0.5'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--fault', 'lose=0.1'], "--fault expects drop=P,duplicate=P,delay=MS,jitter=MS (any of them), got 'lose=0.1'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--fault', 'drop=2'], '--fault drop must be a probability in [0, 1], got 2'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--dns', 'a.lan'], "--dns expects NAME=ADDR[,NAME=ADDR...] (e.g. emu.lan=10.0.0.2), got 'a.lan'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--lookup', 'a.lan'], "--lookup expects NAME@SERVER (e.g. linux.test@10.0.0.1), got 'a.lan'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--fetch', 'https://10.0.0.1/'], "--fetch expects http://ADDRESS[:PORT]/PATH (an IPv4 address), got 'https://10.0.0.1/'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--speed', '5'], "--speed must be 10, 100 or 1000, got '5'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--seconds', '0'], '--seconds must be in (0, 86400], got 0'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--pcap', '/nonexistent-dir/x.pcap'], '--pcap: cannot write /nonexistent-dir/x.pcap: ENOENT'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--name', '1abc'], "--name must start with a letter and have at most 32 letters, digits, '-' or '_', got '1abc'"],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--http-file', '/nonexistent-file'], '--http-file: cannot read /nonexistent-file: ENOENT'],
    [['--udp', '127.0.0.1:1,127.0.0.1:2', '--until-done'], '--until-done needs steps to wait for (--ping, --lookup, --fetch, or run steps in the file)'],
    [['--count', '3'], "unknown option '--count' for 'bridge' (try 'nicsim bridge --help')"],
    [['a.json', 'b.json'], 'bridge takes at most one topology FILE, got 2: a.json b.json'],
    [['topology/examples/split-a.json', '--address', '10.0.0.2/24'], '--address does not apply with a topology file (the file describes the hosts, links and steps)'],
    [['topology/examples/demo.json'], "topology/examples/demo.json has no remote links: run it with 'nicsim run topology/examples/demo.json'"],
  ])('bridge %j → exit 2, one line', async (args, message) => {
    const r = await run(['bridge', ...args]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`nicsim: ${message}\n`);
  });

  test('run: no FILE, two FILEs → exit 2; help texts', async () => {
    expect((await run(['run'])).err).toBe('nicsim: run needs a topology FILE\n');
    expect((await run(['run', 'a', 'b'])).code).toBe(2);
    expect((await run(['bridge', '--help'])).out).toMatch(/^usage: nicsim bridge \[FILE\]/);
    expect((await run(['help', 'run'])).out).toMatch(/^usage: nicsim run FILE/);
    expect((await run(['help'])).out).toMatch(/bridge \[FILE\] .*\n.*--udp/);
  });

  test('a port already in use is one line, exit 2', async () => {
    const [a, b] = ports();
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(a, '127.0.0.1', () => r()));
    try {
      const r = await run(['bridge', '--udp', `127.0.0.1:${a},127.0.0.1:${b}`]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^nicsim: remote peer: EADDRINUSE .*\n$/);
    } finally {
      s.close();
    }
  });
});

describe('nicsim bridge: two emulated hosts in two real-time simulations, joined by a link', () => {
  test('UDP link (QEMU -netdev dgram framing): ping across, a pcap of what crossed, the summaries', async () => {
    const [pa, pb] = ports();
    const dir = mkdtempSync(join(tmpdir(), 'nicsim-bridge-'));
    const a = bridge(['--udp', `127.0.0.1:${pa},127.0.0.1:${pb}`, '--name', 'a', '--address', '10.9.0.1/24', '--echo', '--seconds', '20', '--pcap', join(dir, 'a.pcap')]);
    await a.ready;
    const b = bridge(['--udp', `127.0.0.1:${pb},127.0.0.1:${pa}`, '--name', 'b', '--address', '10.9.0.2/24', '--ping', '10.9.0.1', '--until-done', '--seconds', '8', '--json']);
    await b.ready;
    const bc = await b.done;
    a.stop();
    expect(await a.done).toBe(0);
    expect(bc).toBe(0);
    const summary = JSON.parse(b.out());
    expect(summary.steps[0]).toMatchObject({ what: 'b: ping 10.9.0.1', ok: true });
    expect(summary.steps[0].text).toMatch(/3 packets transmitted, 3 received/);
    expect(summary.remotes.peer.outErrors).toBe(0);
    expect(summary.remotes.peer.inQueueDrops).toBe(0);
    expect(a.out()).toMatch(/^== summary ==\npeer: \d+ frames in/m);
    const fields = execFileSync('tshark', ['-n', '-r', join(dir, 'a.pcap'), '-T', 'fields', '-e', 'icmp.type'], { encoding: 'utf8' }).split('\n').filter((x) => x !== '');
    expect(fields.filter((t) => t === '8')).toHaveLength(3);
    expect(fields.filter((t) => t === '0')).toHaveLength(3);
  }, 20_000);

  test('stream link (QEMU -netdev stream framing, one side listening): the link comes up on connect, TCP echo of 100 kB crosses intact', async () => {
    const a = bridge(['--stream', '127.0.0.1:0', '--listen', '--name', 'a', '--address', '10.9.1.1/24', '--echo', '--seconds', '20', '--json']);
    const links = await a.ready;
    const port = links.get('peer')!.local()!.port;
    const dir = mkdtempSync(join(tmpdir(), 'nicsim-bridge-'));
    const file = join(dir, 'b.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ autonegMs: 50, hosts: { b: { interfaces: ['10.9.1.2/24'] } }, remotes: { up: { stream: `127.0.0.1:${port}` } }, cables: [{ a: 'b', b: 'up' }], run: [{ from: 'b', echo: '10.9.1.1:7', bytes: 100_000 }, { from: 'b', ping: '10.9.1.1', count: 2 }] }));
    const b = bridge([file, '--until-done', '--seconds', '15', '--json']);
    expect(await b.done).toBe(0);
    a.stop();
    expect(await a.done).toBe(0);
    const s = JSON.parse(b.out());
    expect(s.steps.map((x: { ok: boolean }) => x.ok)).toEqual([true, true]);
    expect(s.steps[0].text).toMatch(/^100000 bytes sent and received back intact/);
    expect(JSON.parse(a.out()).remotes.peer.link.rxFrames).toBeGreaterThan(50);
  }, 20_000);

  test('on a terminal a status line shows frames, drops and lag, and is cleared at the end', async () => {
    const [pa, pb] = ports();
    const a = bridge(['--udp', `127.0.0.1:${pa},127.0.0.1:${pb}`, '--seconds', '1.3'], { stderrIsTTY: true });
    expect(await a.done).toBe(0);
    expect(a.err()).toMatch(/\r\x1b\[Kin 0 {2}out \d+ {2}drops 0 {2}lag [\d.]+ ms {2}\d+ events\/s/);
    expect(a.err().endsWith('\r\x1b[K')).toBe(true);
  });
});

describe('transports: bounded and counted', () => {
  test('a UDP flood is cut at the endpoint’s queue (memory stays bounded); datagrams from elsewhere are counted, not delivered', async () => {
    const sim = new Simulator();
    const ep = new RemoteEndpoint(sim, { queueFrames: 16 });
    const [pa, pb] = ports();
    const link = await attachUdp(ep, { local: { host: '127.0.0.1', port: pa }, remote: { host: '127.0.0.1', port: pb } });
    const peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(pb, '127.0.0.1', () => r()));
    const stranger = createSocket('udp4');
    const frame = new Uint8Array(60).fill(0xab);
    stranger.send(frame, pa, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 500; i++) peer.send(frame, pa, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    expect(link.stats.rxFrames).toBeGreaterThan(100); // loopback may lose some under load
    expect(ep.queued).toBe(16); // the simulation is not running: nothing drains
    expect(ep.stats.inQueueDrops).toBe(link.stats.rxFrames - 16);
    expect(link.stats.rxForeign).toBe(1);
    peer.close();
    stranger.close();
    await link.close();
  });

  test('a stream peer that floods is paused while the endpoint’s queue is full (TCP backpressure), and every frame is accounted for', async () => {
    const sim = new Simulator();
    const ep = new RemoteEndpoint(sim, { queueFrames: 64 });
    const link = await attachStream(ep, { address: { host: '127.0.0.1', port: 0 }, listen: true });
    const c = connect({ host: '127.0.0.1', port: link.local()!.port });
    await new Promise<void>((r) => c.once('connect', () => r()));
    const one = Buffer.alloc(4 + 60, 0xcd);
    one.writeUInt32BE(60, 0);
    const N = 2000;
    c.write(Buffer.concat(new Array<Buffer>(N).fill(one)));
    await new Promise((r) => setTimeout(r, 100));
    expect(ep.queued).toBeLessThanOrEqual(64); // nothing drains while the simulation stands still
    expect(link.stats.pauses).toBeGreaterThan(0);
    // now let the simulation take the frames (no link: each is dropped and counted when it is handled)
    const t0 = Date.now();
    while (link.stats.rxFrames < N && Date.now() - t0 < 10_000) {
      sim.run();
      await new Promise((r) => setTimeout(r, 5));
    }
    sim.run();
    expect(link.stats.rxFrames).toBe(N);
    const s = ep.stats;
    expect(s.inQueueDrops + s.inNoLinkDrops + s.inFrames).toBe(N);
    expect(s.inQueueDrops).toBe(0); // they waited in the peer's socket instead of being dropped at the door
    c.destroy();
    await link.close();
  });

  test('a stream announcing an impossible length is closed and counted; the carrier follows the connection', async () => {
    const sim = new Simulator();
    const ep = new RemoteEndpoint(sim);
    const link = await attachStream(ep, { address: { host: '127.0.0.1', port: 0 }, listen: true });
    const carrier: boolean[] = [];
    const set = ep.setCarrier.bind(ep);
    ep.setCarrier = (on) => {
      carrier.push(on);
      set(on);
    };
    const c = connect({ host: '127.0.0.1', port: link.local()!.port });
    await new Promise<void>((r) => c.once('connect', () => r()));
    // one good frame, then a length of 1 MB
    const good = Buffer.alloc(4 + 60, 0xcd);
    good.writeUInt32BE(60, 0);
    c.write(Buffer.concat([good, Buffer.from([0x00, 0x10, 0x00, 0x00])]));
    await new Promise<void>((r) => c.once('close', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    expect(link.stats.rxFrames).toBe(1);
    expect(link.stats.rxForeign).toBe(1);
    expect(carrier).toEqual([true, false]);
    await link.close();
  });
});

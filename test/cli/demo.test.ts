/**
 * The main job: `nicsim demo`. The files it writes are what people open — so tshark must dissect
 * every captured frame cleanly, the ladder must draw one arrow per captured frame, and the VCD's
 * signal changes must line up with the frames' simulated times.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runNetDemo, DEMO_IRQ_LATENCY_NS, DEMO_PAGE, type NetDemoOptions, type NetDemoResult } from '../../cli/netdemo.js';
import { HAVE_TSHARK, AGG, PI_CHECKSUM, PI_MALFORMED, scratchDir, tsharkFile, type Row } from '../trace/tshark.js';

/** Expert infos that say malformed or bad checksum (what the issue rules out). */
function malformedOrBadChecksum(r: Row): string[] {
  if (r['_ws.malformed'] !== '') return ['malformed'];
  if (r['_ws.expert.group'] === '') return [];
  const msgs = r['_ws.expert.message'].split(AGG);
  return r['_ws.expert.group'].split(AGG).flatMap((g, i) => (Number(g) === PI_CHECKSUM || Number(g) === PI_MALFORMED ? [msgs[i]] : []));
}

const scratch = scratchDir();
afterAll(() => scratch.remove());

const base: NetDemoOptions = { seed: 1, outDir: null, detail: 'hw', fidelity: 'frame', speed: 1000, ber: 0, inspect: false, count: 3, target: 'www.lan' };
const runs = new Map<string, Promise<NetDemoResult>>();
function demo(name: string, extra: Partial<NetDemoOptions> = {}): Promise<NetDemoResult> {
  let r = runs.get(name);
  if (!r) runs.set(name, (r = runNetDemo({ ...base, outDir: join(scratch.dir, name), ...extra })));
  return r;
}

function countPcapngPackets(bytes: Buffer): number {
  let n = 0;
  for (let o = 0; o + 8 <= bytes.length; ) {
    const type = bytes.readUInt32LE(o);
    const len = bytes.readUInt32LE(o + 4);
    if (type === 6) n++;
    o += len;
  }
  return n;
}

describe('nicsim demo', () => {
  test('resolves www.lan, fetches the page over TCP and pings the server across the router, and narrates the journey at every layer', async () => {
    const r = await demo('plain');
    expect(r.summary.resolved).toBe('10.0.1.2');
    expect(r.page?.status).toBe(200);
    expect(r.page?.body.length).toBe(5000);
    expect(r.summary.page).toMatchObject({ url: 'http://www.lan/', status: 200, bytes: 5000, segments: 4, retransmitted: 0, serverTimeWait: true });
    expect(r.ping?.received).toBe(3);
    expect(r.ping?.replies[0].ttl).toBe(63);
    const j = r.journey.join('\n');
    // the book's journey, in order: socket, UDP, IP, ARP, descriptor, doorbell, wire, IRQ, ICR, poll, up the stack
    const steps = [
      /app +client +browser\[1\] socket on fd 3/,
      /UDP wrote its 8-byte header: 10\.0\.0\.2:\d+ → 10\.0\.0\.53:53/,
      /IP wrote a 20-byte header: 10\.0\.0\.2 → 10\.0\.0\.53 UDP/,
      /no ARP entry for 10\.0\.0\.53 on eth0: the 53-byte datagram to 10\.0\.0\.53 waits in the ARP queue/,
      /ARP broadcast on eth0: who has 10\.0\.0\.53\?/,
      /Ethernet header written: 02:00:00:00:00:02 → ff:ff:ff:ff:ff:ff, type ARP/,
      /driver copied a 42-byte frame \(#12\) into a DMA buffer and filled TX descriptor/,
      /write TDT/,
      /on the wire: frame #12, preamble\+SFD, 60 bytes of frame, FCS/,
      /IRQ line asserted/,
      /read  ICR/,
      /NAPI poll/,
      /ARP reply on eth0: 10\.0\.0\.53 is at 02:00:00:00:00:35 — the MAC header can now be written/,
      /Ethernet header written: 02:00:00:00:00:02 → 02:00:00:00:00:35, type IPv4 — the datagram that waited for ARP can leave now/,
      /IP received 10\.0\.0\.2 → 10\.0\.0\.53 UDP/,
      /named\[1\] recvfrom on fd 3/,
      /IP received 10\.0\.0\.53 → 10\.0\.0\.2 UDP/,
      /browser\[1\] recvfrom on fd 3 → ok/,
      // TCP: the three-way handshake, the request, the page in MSS-sized segments, the close
      /TCP sends SYN seq=0 win=65535 mss=1460 wscale=7 sackOK, 10\.0\.0\.2:32768 → 10\.0\.1\.2:80 — three-way handshake 1\/3/,
      /no ARP entry for 10\.0\.0\.1 on eth0/,
      /TCP sends SYN,ACK seq=0 ack=1 win=65535 mss=1460 .*three-way handshake 2\/3/,
      /TCP sends ACK seq=1 ack=1 win=1024, .*three-way handshake 3\/3/,
      /browser\[1\] HTTP request GET \/ HTTP\/1\.1 for www\.lan: 85 bytes/,
      /TCP sends seq=1 ack=1 win=1024 len=85/,
      /server +TCP received seq=1 ack=1 win=1024 len=85, .*the ACK is held back \(delayed ACK, at most 200 ms\)/,
      /TCP sends seq=1 ack=86 win=1024 len=1448, .*a full-sized segment: MSS 1460 less the 12-byte timestamp option; the ACK of the peer's 85 bytes rides on this data \(piggy-backed\)/,
      /TCP sends seq=1449 ack=86 win=1024 len=1448/,
      /TCP sends seq=2897 ack=86 win=1024 len=1448/,
      /TCP sends ACK seq=86 ack=2897 win=1024, .*every second full-sized segment is acknowledged at once/,
      /TCP RTT sample .* → SRTT .*, RTTVAR .*, RTO 1 s/,
      /TCP sends FIN,ACK seq=4345 ack=86 win=1024 len=772, .*the last data, and FIN/,
      /client +TCP connection tcp1:32768→10\.0\.1\.2:80: ESTABLISHED → CLOSE-WAIT/,
      /TCP sends FIN,ACK seq=86 ack=5118/,
      /server +TCP connection tcp1:80→10\.0\.0\.2:32768: FIN-WAIT-2 → TIME-WAIT — the socket now waits 2·MSL \(60 s\) before it is deleted/,
      /TCP sends ACK seq=5118 ack=87 .*the ACK of the peer's FIN/,
      /client +TCP connection tcp1:32768→10\.0\.1\.2:80: LAST-ACK → CLOSED/,
    ];
    let at = 0;
    for (const s of steps) {
      const m = s.exec(j.slice(at));
      expect(m, `step ${s} after position ${at}`).not.toBeNull();
      at += m!.index;
    }
    // the driver writes EERD as Linux does (START | ADDR): not an anomaly
    const jsonl = readFileSync(join(scratch.dir, 'plain', 'trace.jsonl'), 'utf8');
    expect(jsonl).not.toContain('"kind":"reg.unimplemented"');
    const files = r.files.map((f) => f.path.split('/').pop());
    expect(files).toEqual(['capture.pcapng', 'capture.pcap', 'capture-wire.pcapng', 'ladder.svg', 'signals.vcd', 'trace.jsonl']);
    for (const f of r.files) expect(existsSync(f.path)).toBe(true);
    // detail levels are cumulative: app shows only the applications
    const app = await runNetDemo({ ...base, detail: 'app' });
    expect(app.journey.every((l) => / app /.test(l))).toBe(true);
  });

  test.skipIf(!HAVE_TSHARK)('tshark dissects every captured frame with no malformed or bad-checksum expert info; FCS good on the wire capture', async () => {
    const r = await demo('plain');
    for (const name of ['capture.pcapng', 'capture.pcap', 'capture-wire.pcapng']) {
      const rows = tsharkFile(join(scratch.dir, 'plain', name));
      expect(rows.length).toBeGreaterThan(20);
      for (const row of rows) expect(malformedOrBadChecksum(row), `${name} frame ${row['frame.number']}`).toEqual([]);
      // one interface per adapter (the wire capture adds the switch ports)
      if (name === 'capture.pcapng') expect(new Set(rows.map((x) => x['frame.interface_name']))).toEqual(new Set(['client', 'dns', 'router.eth0', 'router.eth1', 'server']));
      if (name === 'capture-wire.pcapng') expect(new Set(rows.map((x) => x['fpp.checksum.status']))).toEqual(new Set(['1']));
      else expect(rows.every((x) => /^eth:ethertype:(arp|ip:(udp:dns|icmp:data|tcp|tcp:http|tcp:http:data-text-lines))$/.test(x['frame.protocols']))).toBe(true);
      expect(rows.filter((x) => /http/.test(x['frame.protocols'])).length, name).toBeGreaterThanOrEqual(2); // GET and the reply
      expect(rows.filter((x) => x['tcp.checksum.status'] !== '').every((x) => x['tcp.checksum.status'] === '1'), name).toBe(true); // 1: good
    }
    expect(r.files.length).toBe(6);
  });

  test.skipIf(!HAVE_TSHARK)('an injected bit error shows as a bad FCS in the wire capture (and only that frame)', async () => {
    const r = await demo('flip', { flip: { frame: 2, bit: 400 } });
    const rows = tsharkFile(join(scratch.dir, 'flip', 'capture-wire.pcapng'));
    const bad = rows.filter((x) => x['fpp.checksum.status'] === '0');
    expect(bad).toHaveLength(1);
    expect(rows.filter((x) => x['fpp.checksum.status'] === '1').length).toBe(rows.length - 1);
    // the switch port caught it; ARP retried and the lookup still succeeded, a second late
    expect(r.summary.resolved).toBe('10.0.1.2');
    expect(Number((r.summary.page as { resolvedNs: number }).resolvedNs)).toBeGreaterThan(1_000_000_000);
  });

  test.skipIf(!HAVE_TSHARK)('frames discarded for FCS or symbol errors are flagged in epb_flags in both captures and left out of the classic pcap', async () => {
    // --flip 2:400: the switch port catches the damaged ARP request; no adapter ever sees it
    await demo('flip', { flip: { frame: 2, bit: 400 } });
    const wire = tsharkFile(join(scratch.dir, 'flip', 'capture-wire.pcapng'));
    const flagged = wire.filter((x) => x['frame.packet_flags_crc_error'] === '1');
    expect(flagged.map((x) => [x['frame.interface_name'], x['fpp.checksum.status'], x['frame.packet_flags_symbol_error']])).toEqual([['switch.p0', '0', '0']]);
    expect(tsharkFile(join(scratch.dir, 'flip', 'capture.pcapng')).filter((x) => x['frame.packet_flags_crc_error'] === '1')).toEqual([]);
    // signal fidelity: the flipped code bit is a code violation, and the octets the port decoded do not pass the FCS
    await demo('flip-signal', { flip: { frame: 3, bit: 300 }, fidelity: 'signal' });
    const sig = tsharkFile(join(scratch.dir, 'flip-signal', 'capture-wire.pcapng')).filter((x) => x['frame.packet_flags_crc_error'] === '1' || x['frame.packet_flags_symbol_error'] === '1');
    expect(sig.map((x) => [x['frame.interface_name'], x['frame.packet_flags_crc_error'], x['frame.packet_flags_symbol_error'], x['fpp.checksum.status']])).toEqual([['switch.p0', '1', '1', '0']]);
    // bit errors on every cable: each frame an adapter dropped for FCS/symbol errors is flagged in capture.pcapng, and only those
    for (const fidelity of ['frame', 'signal'] as const) {
      const name = `ber-${fidelity}`;
      await demo(name, { ber: 1e-4, fidelity });
      const rows = tsharkFile(join(scratch.dir, name, 'capture.pcapng'));
      const bad = rows.filter((x) => x['frame.packet_flags_crc_error'] === '1' || x['frame.packet_flags_symbol_error'] === '1');
      const jsonl = readFileSync(join(scratch.dir, name, 'trace.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const adapters = new Set(['client', 'dns', 'router.eth0', 'router.eth1', 'server']);
      const dropped = jsonl.filter((e) => e.kind === 'drop' && adapters.has(e.source) && /^(CRCERRS|SYMERRS|RXERRC)$/.test(e.counter));
      expect(bad.length, fidelity).toBeGreaterThan(0);
      expect(bad.map((x) => x['frame.interface_name']).sort(), fidelity).toEqual(dropped.map((e) => e.source).sort());
      const pcap = tsharkFile(join(scratch.dir, name, 'capture.pcap'));
      expect(pcap.length).toBe(rows.length - bad.length);
    }
  });

  test.skipIf(!HAVE_TSHARK)('each capture point is its own interface, described as a host adapter or a switch port; reading one point alone shows no false retransmissions', async () => {
    await demo('plain');
    const path = join(scratch.dir, 'plain', 'capture-wire.pcapng');
    const rows = tsharkFile(path);
    const desc = new Map(rows.map((x) => [x['frame.interface_name'], x['frame.interface_description']]));
    expect(desc.get('switch.p0')).toMatch(/^switch port 0: /);
    expect(desc.get('dns')).toMatch(/^host adapter dns: /);
    // across capture points the same DNS query is seen twice (at switch.p0 and at dns): tshark calls the second a retransmission
    expect(rows.some((x) => /retransmission/.test(x['_ws.expert.message']))).toBe(true);
    // the README's filter: one capture point at a time
    const one = execFileSync('tshark', ['-n', '-r', path, '-2', '-R', 'frame.interface_name == "dns"', '-T', 'fields', '-e', 'frame.interface_name', '-e', '_ws.expert.message'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = one.trim().split('\n');
    expect(lines.length).toBe(5); // two ARP announcements, the ARP request, the DNS query, the ARP for the router
    expect(lines.every((l) => l.split('\t')[0] === 'dns' && !/retransmission/.test(l))).toBe(true);
  });

  test('the ladder draws one arrow per frame in the wire capture; the VCD lines up with the frames', async () => {
    const r = await demo('plain');
    const svg = readFileSync(join(scratch.dir, 'plain', 'ladder.svg'), 'utf8');
    expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
    expect((svg.match(/<svg\b/g) ?? []).length).toBe(1);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const arrows = (svg.match(/<g class="frame"/g) ?? []).length;
    const captured = countPcapngPackets(readFileSync(join(scratch.dir, 'plain', 'capture-wire.pcapng')));
    expect(arrows).toBe(captured);
    // VCD: the client's transmit pair starts toggling exactly when its frames start on the wire
    const vcd = readFileSync(join(scratch.dir, 'plain', 'signals.vcd'), 'utf8');
    const id = /\$var wire 1 (\S+) client\.tx_1000BASE_X \$end/.exec(vcd)![1];
    const jsonl = readFileSync(join(scratch.dir, 'plain', 'trace.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const from = Number(/^#(\d+)$/m.exec(vcd.split('$enddefinitions $end')[1])![1]) / 10;
    const starts = jsonl.filter((e) => e.kind === 'wire.tx' && e.source === 'client' && e.time >= from && e.time < from + Number(r.summary.journeyNs)).map((e) => e.time);
    expect(starts.length).toBeGreaterThanOrEqual(2); // the ARP request and the DNS query
    const body = vcd.split('$enddefinitions $end')[1].split('\n');
    let t = 0;
    const rises = new Set<number>();
    let inDump = false;
    for (const l of body) {
      if (l === '$dumpvars') inDump = true;
      else if (l === '$end') inDump = false;
      else if (l.startsWith('#')) t = Number(l.slice(1)) / 10;
      else if (!inDump && l.endsWith(id) && l.length === 1 + id.length) rises.add(t);
    }
    // (a frame starting at the window's first instant sets the initial value in $dumpvars)
    const initial = vcd.split('$dumpvars\n')[1].split('$end')[0].split('\n');
    for (const s of starts) expect(rises.has(s) || (s === from && initial.includes(`1${id}`)), `a level change at ${s} ns`).toBe(true);
  });

  test('signals.vcd: link state of every adapter, IRQ high from assertion to the ICR read, no value lasting zero time', async () => {
    await demo('plain');
    const vcd = readFileSync(join(scratch.dir, 'plain', 'signals.vcd'), 'utf8');
    const [head, body] = vcd.split('$enddefinitions $end\n');
    const vars = new Map<string, string>(); // id → name
    for (const m of head.matchAll(/^\$var (?:wire|real) \d+ (\S+) (\S+) \$end$/gm)) vars.set(m[1], m[2]);
    const names = [...vars.values()];
    for (const a of ['client', 'dns', 'router.eth0', 'router.eth1', 'server']) expect(names, a).toContain(`${a}.link_up`);
    const value = new Map<string, string>();
    const history = new Map<string, Array<[number, string]>>(); // name → [time, value] from the window's start
    let t = -1;
    let start = -1;
    let inDump = false;
    for (const l of body.split('\n').filter(Boolean)) {
      if (l.startsWith('#')) {
        const nt = Number(l.slice(1));
        expect(nt).toBeGreaterThan(t); // time moves forward, one block per instant
        t = nt;
        if (start < 0) start = t;
        continue;
      }
      if (l === '$dumpvars') inDump = true;
      else if (l === '$end') inDump = false;
      else {
        const m = /^(?:(r\S+) (\S+)|([01])(\S+))$/.exec(l)!;
        const id = m[2] ?? m[4];
        const v = m[1] ?? m[3];
        const name = vars.get(id)!;
        expect(name, l).toBeDefined();
        if (!inDump) {
          expect(v, `${name} changes to the value it has at ${t}`).not.toBe(value.get(id));
          const h = history.get(name)!;
          expect(h[h.length - 1][0], `${name} changes twice at ${t}`).toBeLessThan(t);
          h.push([t, v]);
        } else history.set(name, [[t, v]]);
        value.set(id, v);
      }
    }
    // every adapter's link is up through the whole first message
    for (const [name, h] of history) if (name.endsWith('.link_up')) expect(h, name).toEqual([[start, '1']]);
    // each IRQ pulse lasts the interrupt latency: asserted by the adapter, deasserted by the handler's ICR read
    let pulses = 0;
    for (const [name, h] of history) {
      if (!name.endsWith('.irq')) continue;
      for (let i = 1; i < h.length; i++)
        if (h[i][1] === '1') {
          expect(h[i + 1]?.[1], `${name} falls after rising at ${h[i][0]}`).toBe('0');
          expect((h[i + 1][0] - h[i][0]) / 10, name).toBe(DEMO_IRQ_LATENCY_NS);
          pulses++;
        }
    }
    expect(pulses).toBeGreaterThanOrEqual(8);
    // the transmit lines carry the frames: every one toggles
    for (const [name, h] of history) if (name.includes('.tx_')) expect(h.length, name).toBeGreaterThan(100);
  });

  test('the default narration (detail driver) is the snapshot: causal order, one line per interrupt, no register polling', async () => {
    const r = await runNetDemo({ ...base, detail: 'driver', outDir: null });
    await expect(r.journey.join('\n') + '\n').toMatchFileSnapshot('./__snapshots__/demo-journey-driver.txt');
    const j = r.journey;
    // one line per interrupt: as many as the ICR reads at hw detail, and no other register line than the TDT doorbell
    const hw = (await demo('plain')).journey;
    expect(j.filter((l) => / interrupt: ICR = /.test(l)).length).toBe(hw.filter((l) => /read +ICR/.test(l)).length);
    expect(j.filter((l) => /(read |write) +[A-Z]/.test(l) && !/write TDT/.test(l))).toEqual([]);
    expect(j.some((l) => /IRQ line|NAPI poll|kernel: interrupt/.test(l))).toBe(false);
    // the switch is visible; a flooded frame keeps its number at every receiver
    expect(j.join('\n')).toMatch(/switch +frame #12 to ff:ff:ff:ff:ff:ff \(broadcast\): flooded from port 0 to ports 1, 2/);
    expect(j.filter((l) => /RX DMA wrote frame #12 /.test(l)).map((l) => l.split(/\s+/)[3])).toEqual(['router.eth0', 'dns']);
  });

  test('--flip 3:300: the story goes on through the timeout to the retried query and its answer; statistics polls only at hw, collapsed', async () => {
    const r = await runNetDemo({ ...base, detail: 'driver', outDir: null, flip: { frame: 3, bit: 300 } });
    const j = r.journey.join('\n');
    expect(j).toMatch(/switch +dropped rx frame #\d+: FCS error \[counted in p0\.rxErrors\]/);
    expect(j).toMatch(/… +\(4\.999994 s pass with nothing else to tell on this path\)\n.*recvfrom on fd 3 → ETIMEDOUT/);
    expect(j).toMatch(/\n +6\.501006184s +app +client +browser\[1\] recvfrom on fd 3 → ok\n/);
    expect(r.journey[r.journey.length - 1]).toMatch(/^ +6\.501\d+s +stack +client +TCP connection tcp1:32768→10\.0\.1\.2:80: LAST-ACK → CLOSED/); // then on to the page and the close
    expect(j).not.toMatch(/statistics|CRCERRS|GPRC/);
    const hw = await runNetDemo({ ...base, detail: 'hw', outDir: null, flip: { frame: 3, bit: 300 } });
    const polls = hw.journey.filter((l) => /watchdog read \d+ statistics registers/.test(l));
    expect(polls.length).toBe(5); // at 3.5 s, once per adapter
    expect(hw.journey.filter((l) => /read +(CRCERRS|GPRC|TPR)\b/.test(l))).toEqual([]);
  });

  test('--fidelity signal at detail wire: the line code of each frame and the code violation the receiving PHY found', async () => {
    const r = await runNetDemo({ ...base, detail: 'wire', outDir: null, fidelity: 'signal', flip: { frame: 3, bit: 300 } });
    const j = r.journey.join('\n');
    expect(j).toMatch(/client +line code 1000BASE-X: 72 octets → 80 code groups, 800 code bits/);
    expect(j).toMatch(/switch\.p0 +the PHY at switch\.p0 decoded 88 code groups: 1 code violation \(disparity at code group 30\)/);
    expect(j).toMatch(/switch +dropped rx frame #\d+: line code error/);
    const frame = await runNetDemo({ ...base, detail: 'wire', outDir: null });
    expect(frame.journey.join('\n')).not.toMatch(/line code|code groups/);
  });

  test('the ladder labels TCP segments as the book figures do: flags, relative seq/ack, window and MSS', async () => {
    await demo('plain');
    const svg = readFileSync(join(scratch.dir, 'plain', 'ladder.svg'), 'utf8');
    const titles = [...svg.matchAll(/<title>frame #\d+ (\S+) → (\S+): ([^<]*)<\/title>/g)].map((m) => `${m[1]} → ${m[2]}: ${m[3]}`);
    for (const want of [
      'client → switch.p0: SYN seq=0 win=65535 mss=1460',
      'router.eth1 → server: SYN seq=0 win=65535 mss=1460',
      'server → router.eth1: SYN,ACK seq=0 ack=1 win=65535 mss=1460',
      'client → switch.p0: ACK seq=1 ack=1',
      'client → switch.p0: GET / seq=1 ack=1 len=85',
      'server → router.eth1: 200 OK seq=1 ack=86 len=1448',
      'server → router.eth1: seq=1449 ack=86 len=1448',
      'server → router.eth1: FIN,ACK seq=4345 ack=86 len=772',
      'client → switch.p0: FIN,ACK seq=86 ack=5118',
      'server → router.eth1: ACK seq=5118 ack=87',
    ])
      expect(titles, want).toContain(want);
  });

  test('--flip 7:800 drops the GET at the switch (FCS): the client retransmits it when its 1 s RTO expires, in the narration and the ladder', async () => {
    const r = await demo('flip-get', { flip: { frame: 7, bit: 800 } });
    const j = r.journey.join('\n');
    expect(j).toMatch(/switch +dropped rx frame #\d+: FCS error \[counted in p0\.rxErrors\]/);
    expect(j).toMatch(/\(999\.996 ms pass with nothing else to tell on this path\)\n +2\.501028772s +stack +client +TCP retransmission timer expired: retransmission timeout: resending from 1, cwnd 1448, next timeout in 2 s\n +2\.501028772s +stack +client +TCP sends seq=1 ack=1 win=1024 len=85, 10\.0\.0\.2:32768 → 10\.0\.1\.2:80 — a retransmission: the first copy was not acknowledged/);
    expect(r.summary.page).toMatchObject({ status: 200, bytes: 5000, retransmitted: 1 });
    expect((r.summary.hosts as Record<string, { counters: Record<string, number> }>).client.counters).toMatchObject({ 'tcp.rtoExpired': 1, 'tcp.retransSegs': 1 });
    const svg = readFileSync(join(scratch.dir, 'flip-get', 'ladder.svg'), 'utf8');
    expect(svg).toMatch(/<title>frame #\d+ client → switch\.p0: GET \/ seq=1 ack=1 len=85 \(bad TCP checksum\) — dropped: FCS error \[p0\.rxErrors\]<\/title>/);
    expect(svg).toMatch(/<title>frame #\d+ client → switch\.p0: GET \/ seq=1 ack=1 len=85 \(retransmission\)<\/title>/);
  });

  test('--corrupt 9:100: the router damages the first page segment after the FCS check; the FCS passes everywhere, the client\'s TCP checksum drops it, SACKed duplicate ACKs bring a fast retransmit', async () => {
    const r = await demo('corrupt', { corrupt: { frame: 9, byte: 100 } });
    const j = r.journey.join('\n');
    const steps = [
      /router-memory +fault injected: frame #42 damaged in the router's memory after its FCS check: octet 100: 0x6f → 0x90, FCS computed again over the damaged frame — the frame leaves with a valid FCS/,
      /client +dropped tcp segment: TCP segment dropped: checksum mismatch \[counted in tcp\.badChecksum\]/,
      /client +TCP received seq=1449 ack=86 win=1024 len=1448, .*out of order \(expected seq=1\)/,
      /client +TCP sends ACK seq=86 ack=1 win=1024 sack=1449-2897, .*a duplicate ACK/,
      /server +TCP sends FIN,ACK seq=4345 ack=86 win=1024 len=772/, // limited transmit: new data on a duplicate ACK
      /client +TCP sends ACK seq=86 ack=1 win=1024 sack=1449-5117/,
      /server +TCP fast retransmit \(SACK loss recovery\): 3 duplicate ACKs/,
      /server +TCP sends seq=1 ack=86 win=1024 len=1448, .*a retransmission/,
      /client +TCP received seq=1 ack=86 win=1024 len=1448, .*fills the gap: with the segments held since, everything up to seq=5118 goes to the socket/,
      /client +TCP connection tcp1:32768→10\.0\.1\.2:80: LAST-ACK → CLOSED/,
    ];
    let at = 0;
    for (const st of steps) {
      const m = st.exec(j.slice(at));
      expect(m, `step ${st}`).not.toBeNull();
      at += m!.index;
    }
    expect(r.page?.text).toBe(DEMO_PAGE);
    expect((r.summary.hosts as Record<string, { counters: Record<string, number> }>).client.counters['tcp.badChecksum']).toBe(1);
    expect((r.summary.hosts as Record<string, { counters: Record<string, number> }>).server.counters).toMatchObject({ 'tcp.fastRetransmits': 1, 'tcp.retransSegs': 1 });
    expect(r.corruptProblem).toBeNull();
    const svg = readFileSync(join(scratch.dir, 'corrupt', 'ladder.svg'), 'utf8');
    expect(svg).toMatch(/<title>frame #42 router\.eth0 → switch\.p2: 200 OK seq=1 ack=86 len=1448 \(bad TCP checksum\)<\/title>/);
    expect(svg).toContain('⚡ octet 100 damaged, FCS recomputed');
    expect(svg).toMatch(/<title>frame #\d+ server → router\.eth1: 200 OK seq=1 ack=86 len=1448 \(retransmission\)<\/title>/);
    if (!HAVE_TSHARK) return;
    // the FCS is good on every capture point; only the damaged segment fails TCP's checksum, at the switch port and at the client
    const wire = tsharkFile(join(scratch.dir, 'corrupt', 'capture-wire.pcapng'));
    expect(wire.every((x) => x['fpp.checksum.status'] === '1')).toBe(true);
    const bad = wire.filter((x) => x['tcp.checksum.status'] === '0');
    expect(bad.map((x) => x['frame.interface_name']).sort()).toEqual(['client', 'switch.p2']);
    for (const row of wire) if (row['tcp.checksum.status'] !== '0') expect(malformedOrBadChecksum(row), `frame ${row['frame.number']}`).toEqual([]);
    const adapters = tsharkFile(join(scratch.dir, 'corrupt', 'capture.pcapng'));
    expect(adapters.filter((x) => x['tcp.checksum.status'] === '0').map((x) => x['frame.interface_name'])).toEqual(['client']);
  });

  test('--inspect narrates every state machine: driver lifecycle, PHY link, ARP entries', async () => {
    const r = await runNetDemo({ ...base, inspect: true });
    const sec = r.sections.find((x) => x.title.startsWith('state machines'))!.text;
    expect(sec).toMatch(/client:eth0 +e1000: unprobed → probing \(PROBE\)/);
    expect(sec).toMatch(/client\.phy +phy-link: negotiating\.waiting → up \(after SETUP\)/);
    expect(sec).toMatch(/client\.eth0\.arp\[10\.0\.0\.53\] arp-entry: incomplete → reachable \(CONFIRM\)/);
  });

  test('the ladder diagram embedded in the README is the one the demo draws (regenerate: npm start && cp nicsim-out/ladder.svg docs/)', async () => {
    await demo('plain');
    const drawn = readFileSync(join(scratch.dir, 'plain', 'ladder.svg'), 'utf8');
    const embedded = readFileSync(new URL('../../docs/demo-ladder.svg', import.meta.url), 'utf8');
    expect(embedded === drawn, 'docs/demo-ladder.svg is stale').toBe(true);
  });
});

describe('a long demo run keeps bounded memory', () => {
  test('ten times the pings: the same journey kept, the files streamed and complete', async () => {
    const short = await runNetDemo({ ...base, count: 20, intervalNs: 20_000_000, outDir: join(scratch.dir, 'long-20') });
    const long = await runNetDemo({ ...base, count: 200, intervalNs: 20_000_000, outDir: join(scratch.dir, 'long-200') });
    expect(long.ping?.received).toBe(200);
    expect(long.retained.journeyEvents).toBe(short.retained.journeyEvents);
    expect(long.retained.stateEvents).toBe(0); // kept only for --inspect
    expect(long.retained.ladderEvents).toBeLessThanOrEqual(20_000);
    expect((long.summary.events as number) - (short.summary.events as number)).toBeGreaterThan(5_000);
    // every event went to trace.jsonl, every frame to the captures, though none stayed in memory
    const lines = readFileSync(join(scratch.dir, 'long-200', 'trace.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(long.summary.events);
    const pkts = countPcapngPackets(readFileSync(join(scratch.dir, 'long-200', 'capture.pcapng')));
    expect(pkts - countPcapngPackets(readFileSync(join(scratch.dir, 'long-20', 'capture.pcapng')))).toBe(180 * 4); // each ping: the request reaches the router and the server, the reply the router and the client
  });
});

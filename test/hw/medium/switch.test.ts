/**
 * The store-and-forward switch, driven by small test stations that send hand-made frames and
 * record what arrives (and when): link setup, learning, flooding, forwarding, filtering, aging,
 * output queue tail drop, bad-frame accounting and the exact timing of a forwarded frame.
 */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import type { Nanos } from '../../../sim/time.js';
import { Cable } from '../../../hw/medium/cable.js';
import { Switch, type SwitchOptions, type SwitchPortStats } from '../../../hw/medium/switch.js';
import { BIT_TIME_NS, frameDurationNs, type Endpoint, type LinkSignal, type MediumLink, type Speed, type WireFrame } from '../../../hw/medium/types.js';
import { serializeFrame, PREAMBLE_SFD_LEN } from '../../../hw/mac/framing.js';
import { createLineCodec, flipBit, type LineStream } from '../../../hw/phy/linecode/index.js';
import { MAC_A, MAC_B, R, ethFrame, linkUp, makeNic, queueTx, rd, runUntil, setSlu, setupRx, setupTx } from '../helpers.js';

const AUTONEG_NS = 1_000_000;
const BCAST = 'ff:ff:ff:ff:ff:ff';

function macOf(i: number): string {
  return `02:00:00:00:00:${(0x10 + i).toString(16)}`;
}

function macBytes(s: string): number[] {
  return s.split(':').map((h) => parseInt(h, 16));
}

/** A frame without FCS, `len` bytes: dst, src, EtherType 0x88B5, a payload tagged with `tag`. */
function eth(dst: string, src: string, len = 60, tag = 0): Uint8Array {
  const f = new Uint8Array(len);
  f.set(macBytes(dst), 0);
  f.set(macBytes(src), 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < len; i++) f[i] = (i + tag) & 0xff;
  f[14] = tag & 0xff;
  return f;
}

/** A test station: auto-negotiates with a fixed signal, sends frames back to back, records arrivals. */
class Station implements Endpoint {
  link: MediumLink | null = null;
  readonly received: { frame: WireFrame; at: Nanos }[] = [];
  private freeAt: Nanos = 0;

  constructor(
    private readonly sim: Simulator,
    readonly name: string,
    readonly mac: string,
    readonly speed: Speed = 1000,
  ) {}

  signal(): LinkSignal {
    return { autoneg: true, anar: 0x01e1, gtcr: this.speed === 1000 ? 0x0300 : 0, speed: this.speed, duplex: 'full', msSeed: 3 };
  }

  plugged(link: MediumLink | null): void {
    this.link = link;
    link?.signal(this.signal());
  }

  partnerSignal(): void {}

  receive(frame: WireFrame): void {
    this.received.push({ frame, at: this.sim.now });
  }

  /** Sends line bytes as soon as the line is free (back to back with the 96-bit gap). */
  sendLine(bytes: Uint8Array, symbols?: LineStream): WireFrame {
    const bt = BIT_TIME_NS[this.speed];
    const txStart = Math.max(this.sim.now, this.freeAt);
    this.freeAt = txStart + frameDurationNs(bytes.length, bt) + 96 * bt;
    const wf: WireFrame = symbols ? { id: this.sim.nextId('frame'), bytes, bitTimeNs: bt, txStart, sender: this.name, symbols } : { id: this.sim.nextId('frame'), bytes, bitTimeNs: bt, txStart, sender: this.name };
    this.link!.send(wf);
    return wf;
  }

  /** Sends a frame (no FCS in `frame`) to `dst` with a good FCS, or a damaged one. */
  send(dst: string, opts: { len?: number; tag?: number; badFcs?: boolean } = {}): WireFrame {
    const line = serializeFrame(eth(dst, this.mac, opts.len ?? 60, opts.tag ?? 0), true, false);
    if (opts.badFcs) line[line.length - 1] ^= 0x5a;
    return this.sendLine(line);
  }

  /** Tags (payload byte 0) of the frames received. */
  tags(): number[] {
    return this.received.map((r) => r.frame.bytes[PREAMBLE_SFD_LEN + 14]);
  }
}

interface Lan {
  sim: Simulator;
  sw: Switch;
  st: Station[];
  cables: Cable[];
}

function lan(opts: Partial<SwitchOptions> & { stations?: Speed[]; cableM?: number } = {}): Lan {
  const sim = new Simulator({ seed: 3 });
  const speeds = opts.stations ?? [1000, 1000, 1000];
  const sw = new Switch(sim, { name: 'sw', autonegNs: AUTONEG_NS, ports: speeds.length, ...opts });
  const st = speeds.map((s, i) => new Station(sim, `st${i}`, macOf(i), s));
  const cables = st.map((s, i) => new Cable(sim, { lengthM: opts.cableM ?? 1 }).connect(s, sw.port(i)));
  sim.runFor(2 * AUTONEG_NS);
  for (let i = 0; i < st.length; i++) expect(sw.linkMode(i), `port ${i} link`).not.toBeNull();
  return { sim, sw, st, cables };
}

function sumStats(sw: Switch, key: keyof SwitchPortStats): number {
  let n = 0;
  for (let i = 0; i < sw.portCount; i++) n += sw.portStats(i)[key];
  return n;
}

describe('link setup', () => {
  test('every port auto-negotiates 1000 FD with a 1000BASE-T station after the auto-negotiation time', () => {
    const sim = new Simulator({ seed: 1 });
    const sw = new Switch(sim, { name: 'sw', ports: 2, autonegNs: AUTONEG_NS });
    const rec = sim.trace.record(['switch.link']);
    new Cable(sim).connect(new Station(sim, 'a', macOf(0)), sw.port(0));
    sim.runFor(AUTONEG_NS - 1);
    expect(sw.linkMode(0)).toBeNull();
    sim.runFor(1);
    expect(sw.linkMode(0)).toEqual({ speed: 1000, duplex: 'full', via: 'autoneg' });
    expect(sw.linkMode(1)).toBeNull();
    expect(rec.events).toEqual([{ time: AUTONEG_NS, source: 'sw', kind: 'switch.link', port: 0, up: true, speed: 1000, duplex: 'full', via: 'autoneg' }]);
  });

  test('a 100 Mb/s port and a 100 Mb/s station settle on 100 FD; the default auto-negotiation time is 1.5 s', () => {
    const sim = new Simulator({ seed: 1 });
    const sw = new Switch(sim, { ports: 2, speeds: [100, 1000] });
    new Cable(sim).connect(new Station(sim, 'a', macOf(0)), sw.port(0));
    new Cable(sim).connect(new Station(sim, 'b', macOf(1), 100), sw.port(1));
    sim.runFor(1_500_000_000);
    expect(sw.linkMode(0)).toEqual({ speed: 100, duplex: 'full', via: 'autoneg' });
    expect(sw.linkMode(1)).toEqual({ speed: 100, duplex: 'full', via: 'autoneg' });
  });

  test('pulling a cable takes the port down and flushes the addresses learned on it', () => {
    const { sim, sw, st, cables } = lan();
    st[1].send(BCAST);
    sim.run();
    expect(sw.macTable().map((e) => e.mac)).toEqual([macOf(1)]);
    const rec = sim.trace.record(['switch.age', 'switch.link']);
    cables[1].unplug();
    expect(sw.linkMode(1)).toBeNull();
    expect(sw.macTable()).toEqual([]);
    expect(rec.events.map((e) => e.kind)).toEqual(['switch.link', 'switch.age']); // link down, then the flush
  });
});

describe('learning, flooding, forwarding', () => {
  test('unknown unicast floods to every other port, never back to the ingress port', () => {
    const { sim, sw, st } = lan({ stations: [1000, 1000, 1000, 1000] });
    const rec = sim.trace.record(['switch.learn', 'switch.flood', 'switch.forward']);
    const wf = st[0].send(macOf(2), { tag: 1 });
    sim.run();
    expect(st.map((s) => s.tags())).toEqual([[], [1], [1], [1]]);
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 1, rxBytes: 64, flooded: 1, forwarded: 0 });
    expect([1, 2, 3].map((i) => sw.portStats(i).txFrames)).toEqual([1, 1, 1]);
    expect(rec.events.map((e) => e.kind)).toEqual(['switch.learn', 'switch.flood']);
    expect(rec.events[0]).toMatchObject({ mac: macOf(0), port: 0 });
    expect(rec.events[1]).toMatchObject({ frameId: wf.id, dst: macOf(2), inPort: 0, outPorts: [1, 2, 3], why: 'unknown' });
  });

  test('broadcast and multicast flood to every other port with link', () => {
    const { sim, sw, st } = lan();
    const rec = sim.trace.record(['switch.flood']);
    st[1].send(BCAST, { tag: 7 });
    st[2].send('01:00:5e:00:00:01', { tag: 8 });
    sim.run();
    expect(st.map((s) => s.tags())).toEqual([[7, 8], [8], [7]]);
    expect(rec.events.map((e) => (e.kind === 'switch.flood' ? e.why : ''))).toEqual(['broadcast', 'multicast']);
    expect(sumStats(sw, 'flooded')).toBe(2);
  });

  test('a learned destination gets the frame on its port only', () => {
    const { sim, sw, st } = lan({ stations: [1000, 1000, 1000, 1000] });
    st[0].send(macOf(1), { tag: 1 }); // floods; learns st0 on port 0
    sim.run();
    const rec = sim.trace.record(['switch.forward', 'switch.flood', 'switch.learn']);
    st[1].send(macOf(0), { tag: 2 }); // st0 known: forwarded; learns st1
    sim.run();
    st[0].send(macOf(1), { tag: 3 }); // st1 known now
    sim.run();
    expect(st.map((s) => s.tags())).toEqual([[2], [1, 3], [1], [1]]);
    expect(rec.events.map((e) => e.kind)).toEqual(['switch.learn', 'switch.forward', 'switch.forward']);
    expect(rec.events[1]).toMatchObject({ inPort: 1, outPort: 0, dst: macOf(0) });
    expect(rec.events[2]).toMatchObject({ inPort: 0, outPort: 1, dst: macOf(1) });
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 2, flooded: 1, forwarded: 1, txFrames: 1 });
    expect(sw.macTable().map(({ mac, port }) => ({ mac, port }))).toEqual([
      { mac: macOf(0), port: 0 },
      { mac: macOf(1), port: 1 },
    ]);
  });

  test('a station that moves is learned on its new port', () => {
    const { sim, sw, st } = lan();
    st[0].send(BCAST);
    sim.run();
    const rec = sim.trace.record(['switch.learn']);
    const moved = serializeFrame(eth(BCAST, macOf(0)), true, false);
    st[2].sendLine(moved); // st0's address now appears on port 2
    sim.run();
    expect(rec.events).toMatchObject([{ mac: macOf(0), port: 2, previousPort: 0 }]);
    expect(sw.macTable()).toMatchObject([{ mac: macOf(0), port: 2 }]);
  });

  test('a frame whose destination is on the ingress port is filtered and counted', () => {
    const { sim, sw, st } = lan();
    st[0].send(BCAST); // learns st0 on port 0
    sim.run();
    const rec = sim.trace.record(['drop']);
    st[0].sendLine(serializeFrame(eth(macOf(0), '02:00:00:00:00:99'), true, false)); // as if from a station behind a hub on port 0
    sim.run();
    expect(st.map((s) => s.received.length)).toEqual([0, 1, 1]);
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 2, filtered: 1, flooded: 1 });
    expect(rec.events).toMatchObject([{ kind: 'drop', source: 'sw', counter: 'p0.filtered' }]);
  });

  test('frames to the 802.1D reserved group addresses are not forwarded', () => {
    const { sim, sw, st } = lan();
    st[0].send('01:80:c2:00:00:00'); // spanning tree BPDU address
    st[0].send('01:80:c2:00:00:01'); // PAUSE
    sim.run();
    expect(st.map((s) => s.received.length)).toEqual([0, 0, 0]);
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 2, filtered: 2 });
  });

  test('every good frame received is forwarded, flooded or filtered', () => {
    const { sim, sw, st } = lan();
    for (let k = 0; k < 30; k++) st[k % 3].send(k % 5 === 0 ? BCAST : macOf((k * 7) % 4), { tag: k });
    sim.run();
    for (let i = 0; i < 3; i++) {
      const s = sw.portStats(i);
      expect(s.rxFrames).toBe(s.forwarded + s.flooded + s.filtered);
    }
  });
});

describe('aging', () => {
  test('an entry older than agingNs is not used: the destination floods again', () => {
    const AGING = 5_000_000;
    const { sim, sw, st } = lan({ agingNs: AGING });
    st[1].send(BCAST, { tag: 1 }); // learn st1 on port 1
    sim.run();
    const learnedAt = sim.now - 64 * 8 - 8 * 8 - 5; // end of reception at the switch: 72 line bytes + 5 ns of cable
    expect(sw.macTable()).toEqual([{ mac: macOf(1), port: 1, ageNs: sim.now - learnedAt }]);
    st[0].send(macOf(1), { tag: 2 });
    sim.run();
    expect(st[2].tags()).toEqual([1]); // forwarded to port 1 only

    const rec = sim.trace.record(['switch.age', 'switch.flood']);
    sim.runFor(learnedAt + AGING - sim.now); // the entry's age is now exactly agingNs
    expect(sw.macTable().map((e) => e.mac)).toEqual([macOf(0)]); // st1 aged out (st0 is younger)
    st[0].send(macOf(1), { tag: 3 });
    sim.run();
    expect(st[1].tags()).toEqual([2, 3]);
    expect(st[2].tags()).toEqual([1, 3]); // flooded again
    expect(rec.events.map((e) => e.kind)).toEqual(['switch.age', 'switch.flood']);
    expect(rec.events[0]).toMatchObject({ mac: macOf(1), port: 1, reason: 'aged' });
  });

  test('a lookup evicts an aged entry even when nobody asked for the table', () => {
    const { sim, sw, st } = lan({ agingNs: 1_000_000 });
    st[1].send(BCAST);
    sim.run();
    sim.runFor(2_000_000);
    const rec = sim.trace.record(['switch.age', 'switch.flood']);
    st[0].send(macOf(1));
    sim.run();
    expect(rec.events.map((e) => e.kind)).toEqual(['switch.age', 'switch.flood']);
    expect(sw.macTable().map((e) => e.mac)).toEqual([macOf(0)]);
  });
});

describe('output queues', () => {
  test('three 1 Gb/s senders into one 100 Mb/s port: tail drops = sent − delivered, counters add up', () => {
    const { sim, sw, st } = lan({ stations: [1000, 1000, 1000, 100], speeds: [1000, 1000, 1000, 100], queueLimitFrames: 4 });
    st[3].send(BCAST); // learn the sink
    sim.run();
    for (const s of st.slice(0, 3)) s.received.length = 0;
    const drops = sim.trace.record(['drop']);
    const PER_SENDER = 20;
    for (let k = 0; k < PER_SENDER; k++) for (let i = 0; i < 3; i++) st[i].send(macOf(3), { len: 1514, tag: 3 * k + i });
    sim.run();
    const sent = 3 * PER_SENDER;
    const delivered = st[3].received.length;
    const out = sw.portStats(3);
    expect(delivered).toBeGreaterThan(0);
    expect(out.txDrops).toBeGreaterThan(0);
    expect(out.txDrops).toBe(sent - delivered);
    expect(out.txFrames).toBe(delivered);
    expect(out.txBytes).toBe(delivered * 1518);
    expect(sumStats(sw, 'forwarded')).toBe(sent);
    expect([0, 1, 2].map((i) => sw.portStats(i).rxFrames)).toEqual([PER_SENDER, PER_SENDER, PER_SENDER]);
    expect(drops.events.length).toBe(out.txDrops);
    expect(drops.events.every((e) => e.kind === 'drop' && e.counter === 'p3.txDrops' && e.source === 'sw')).toBe(true);
    // the egress runs at line rate: one 1526-octet frame every 122 080 ns plus the 960 ns gap
    const gaps = st[3].received.slice(1).map((r, i) => r.at - st[3].received[i].at);
    expect(new Set(gaps)).toEqual(new Set([1526 * 8 * 10 + 960]));
    expect(st[3].received.every((r) => r.frame.bitTimeNs === 10 && r.frame.sender === 'sw.p3')).toBe(true);
    expect(sw.queueDepth(3)).toBe(0);
  });

  test('the frame limit counts the frame on the wire: with a limit of 1 a burst delivers one frame per free line', () => {
    const { sim, sw, st } = lan({ stations: [1000, 1000, 100], speeds: [1000, 1000, 100], queueLimitFrames: 1 });
    st[2].send(BCAST);
    sim.run();
    st[0].send(macOf(2), { tag: 1 });
    st[1].send(macOf(2), { tag: 2 }); // arrives at the same instant: the queue (1 frame) is full
    sim.run();
    expect(st[2].tags()).toEqual([1]);
    expect(sw.portStats(2).txDrops).toBe(1);
  });

  test('the output queue keeps frames in order through many fill-and-drain cycles and a link loss', () => {
    const { sim, sw, st, cables } = lan({ stations: [1000, 1000, 100], speeds: [1000, 1000, 100], queueLimitFrames: 8 });
    st[2].send(BCAST);
    sim.run();
    let tag = 0;
    // bursts of 1..7 frames into the 100 Mb/s port: its queue fills and drains again and again
    for (let burst = 1; burst <= 7; burst++) {
      for (let k = 0; k < burst; k++) st[k % 2].send(macOf(2), { tag: tag++ });
      sim.runFor(1_000);
      expect(sw.queueDepth(2)).toBeGreaterThan(0);
      sim.run();
      expect(sw.queueDepth(2)).toBe(0);
    }
    expect(st[2].tags()).toEqual(Array.from({ length: tag }, (_, i) => i));
    // 72 line octets per frame at 100 Mb/s plus the 960 ns gap, back to back within a burst
    const at = st[2].received.map((r) => r.at);
    expect(at[2] - at[1]).toBe(72 * 80 + 960);
    expect(sw.portStats(2).txDrops).toBe(0);
    // frames queued when the link goes: each dropped once, none sent later
    st[2].received.length = 0;
    for (let k = 0; k < 6; k++) st[0].send(macOf(2), { tag: 100 + k });
    sim.runFor(4_500); // all six are in: the first on the wire, five waiting
    expect(sw.queueDepth(2)).toBe(6);
    const before = st[2].received.length;
    cables[2].unplug();
    sim.run();
    expect(st[2].received.length).toBe(before);
    // the one on the wire is lost with the cable; the five waiting are tail drops, counted once
    const { txDrops, txFrames } = sw.portStats(2);
    expect(txFrames - tag).toBe(1);
    expect(txDrops).toBe(5);
    expect(sw.queueDepth(2)).toBe(0);
    // back up: the port forwards again, in order
    cables[2].plug();
    sim.runFor(2 * AUTONEG_NS);
    st[2].send(BCAST);
    sim.run();
    st[2].received.length = 0;
    for (let k = 0; k < 5; k++) st[1].send(macOf(2), { tag: 200 + k });
    sim.run();
    expect(st[2].tags()).toEqual([200, 201, 202, 203, 204]);
  });

  test('a byte limit drops what does not fit', () => {
    const { sim, sw, st } = lan({ stations: [1000, 1000, 100], speeds: [1000, 1000, 100], queueLimitBytes: 2000 });
    st[2].send(BCAST);
    sim.run();
    st[0].send(macOf(2), { len: 1000, tag: 1 }); // 1004 octets
    st[0].send(macOf(2), { len: 1000, tag: 2 }); // 2008 > 2000: dropped
    st[0].send(macOf(2), { len: 900, tag: 3 }); // 1908: fits
    sim.run();
    expect(st[2].tags()).toEqual([1, 3]);
    expect(sw.portStats(2).txDrops).toBe(1);
  });
});

describe('bad frames', () => {
  test('a frame with a bad FCS is dropped, counted in rxErrors, neither learned nor forwarded', () => {
    const { sim, sw, st } = lan();
    const rec = sim.trace.record(['drop', 'switch.learn']);
    st[0].send(BCAST, { badFcs: true });
    sim.run();
    expect(st.map((s) => s.received.length)).toEqual([0, 0, 0]);
    expect(sw.portStats(0)).toMatchObject({ rxErrors: 1, rxFrames: 0, rxBytes: 0 });
    expect(sw.macTable()).toEqual([]);
    expect(rec.events).toMatchObject([{ kind: 'drop', reason: 'FCS error', counter: 'p0.rxErrors' }]);
  });

  test('every drop names the frame that caused it (frameId: the frame as it arrived at the switch)', () => {
    const { sim, sw, st } = lan({ stations: [1000, 1000, 100], speeds: [1000, 1000, 100], queueLimitFrames: 1 });
    st[2].send(BCAST);
    sim.run();
    const rec = sim.trace.record(['drop']);
    const bad = st[0].send(BCAST, { badFcs: true });
    const filtered = st[0].send('01:80:c2:00:00:01');
    sim.run();
    const one = st[0].send(macOf(2), { tag: 1 });
    const two = st[1].send(macOf(2), { tag: 2 }); // about the same instant: the 1-frame queue holds one of them
    sim.run();
    expect(sw.portStats(2).txDrops).toBe(1);
    expect(st[2].tags()).toHaveLength(1);
    const lost = st[2].tags()[0] === 1 ? two : one;
    expect(rec.events.map((e) => (e.kind === 'drop' ? [e.counter, e.frameId] : null))).toEqual([
      ['p0.rxErrors', bad.id],
      ['p0.filtered', filtered.id],
      ['p2.txDrops', lost.id],
    ]);
  });

  test('no SFD, runts and oversize frames are rxErrors', () => {
    const { sim, sw, st } = lan();
    const line = serializeFrame(eth(BCAST, macOf(0)), true, false);
    const noSfd = line.slice();
    noSfd[7] = 0x55;
    st[0].sendLine(noSfd);
    st[0].sendLine(serializeFrame(eth(BCAST, macOf(0), 40), true, false)); // 44 octets: runt
    st[0].sendLine(serializeFrame(eth(BCAST, macOf(0), 1600), true, false)); // 1604 > 1522
    sim.run();
    expect(sw.portStats(0)).toMatchObject({ rxErrors: 3, rxFrames: 0 });
    expect(st[1].received).toEqual([]);
  });

  test('a shortened preamble is accepted and the egress sends a full one', () => {
    const { sim, st } = lan();
    const line = serializeFrame(eth(BCAST, macOf(0)), true, false);
    st[0].sendLine(line.subarray(5));
    sim.run();
    expect(Array.from(st[1].received[0].frame.bytes)).toEqual(Array.from(line));
  });
});

describe('timing', () => {
  test('arrival = end of reception + latency + egress serialization + propagation', () => {
    const LAT = 2_345;
    const { sim, st } = lan({ cableM: 10, latencyNs: LAT, stations: [1000, 1000, 100], speeds: [1000, 1000, 100] });
    st[1].send(BCAST);
    st[2].send(BCAST);
    sim.run();
    for (const s of st) s.received.length = 0;
    const t0 = sim.now + 1000;
    sim.runFor(1000);
    const wf = st[0].send(macOf(1), { len: 100, tag: 9 }); // 104 octets + 8 of preamble/SFD
    const rxEnd = t0 + 112 * 8 + 50;
    sim.run();
    expect(wf.txStart).toBe(t0);
    expect(st[1].received.map((r) => r.at)).toEqual([rxEnd + LAT + 112 * 8 + 50]);
    const out = st[1].received[0].frame;
    expect(out.txStart).toBe(rxEnd + LAT);
    expect(out.bytes).toEqual(wf.bytes);
    expect(out.id).not.toBe(wf.id);
    // to the 100 Mb/s port (learned): ten times the serialization
    sim.runFor(1000);
    const t1 = sim.now;
    st[0].send(macOf(2), { len: 100, tag: 10 });
    sim.run();
    expect(st[2].received.map((r) => r.at)).toEqual([t1 + 112 * 8 + 50 + LAT + 112 * 80 + 50]);
  });
});

describe('signal fidelity', () => {
  function symbolsOf(bytes: Uint8Array): LineStream {
    return createLineCodec('1000BASE-X').encodeFrame(bytes);
  }

  test('a line-coded frame is decoded, forwarded and line-coded again by the egress PHY', () => {
    const { sim, sw, st } = lan();
    const line = serializeFrame(eth(BCAST, macOf(0), 60, 5), true, false);
    st[0].sendLine(line, symbolsOf(line));
    sim.run();
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 1, flooded: 1 });
    const got = st[1].received[0].frame;
    expect(got.symbols).toBeDefined();
    const decoded = createLineCodec('1000BASE-X').decodeFrame(got.symbols as LineStream);
    expect(decoded.errors).toEqual([]);
    expect(Array.from(decoded.bytes)).toEqual(Array.from(line));
  });

  test('a damaged symbol stream is an rxErrors drop even though the bytes are intact', () => {
    const { sim, sw, st } = lan();
    const line = serializeFrame(eth(BCAST, macOf(0)), true, false);
    const s = symbolsOf(line);
    st[0].sendLine(line, flipBit(s, Math.floor(s.bitCount / 2)));
    sim.run();
    expect(sw.portStats(0)).toMatchObject({ rxErrors: 1, rxFrames: 0 });
    expect(st[1].received).toEqual([]);
  });

  test("with fidelity 'signal' the switch line-codes frames that arrived as bytes", () => {
    const { sim, st } = lan({ fidelity: 'signal', stations: [1000, 100], speeds: [1000, 100] });
    const line = serializeFrame(eth(BCAST, macOf(0)), true, false);
    st[0].sendLine(line);
    sim.run();
    const sym = st[1].received[0].frame.symbols as LineStream;
    expect(sym.kind).toBe('100BASE-TX');
    expect(Array.from(createLineCodec('100BASE-TX').decodeFrame(sym).bytes)).toEqual(Array.from(line));
  });
});

describe('with adapters', () => {
  test('three adapters programmed through registers: flood, learn, then forward to one port only', () => {
    const sim = new Simulator({ seed: 5 });
    const sw = new Switch(sim, { name: 'sw', ports: 3, autonegNs: AUTONEG_NS });
    const nics = [MAC_A, MAC_B, '02:00:00:00:00:0c'].map((mac, i) => makeNic(sim, { name: `n${i}`, mac, phy: { autonegNs: AUTONEG_NS } }));
    nics.forEach((n, i) => {
      setSlu(n);
      new Cable(sim, { lengthM: 2 }).connect(n.port, sw.port(i));
    });
    expect(runUntil(sim, () => nics.every(linkUp) && [0, 1, 2].every((i) => sw.linkMode(i) !== null), 10 * AUTONEG_NS)).toBe(true);
    expect(sw.linkMode(0)).toEqual({ speed: 1000, duplex: 'full', via: 'autoneg' });
    for (const n of nics) {
      setupTx(n);
      setupRx(n);
    }
    queueTx(nics[0], ethFrame(MAC_B, MAC_A, 100, 1)); // unknown: flooded to n1 and n2
    sim.run();
    queueTx(nics[1], ethFrame(MAC_A, MAC_B, 100, 2)); // n0 known: to port 0 only
    sim.run();
    expect(nics.map((n) => rd(n, R.GPRC))).toEqual([1, 1, 0]);
    expect(nics.map((n) => rd(n, R.TPR))).toEqual([1, 1, 1]); // n2 saw the flood and filtered it
    expect(sw.macTable().map(({ mac, port }) => ({ mac, port }))).toEqual([
      { mac: MAC_A, port: 0 },
      { mac: MAC_B, port: 1 },
    ]);
  });
});

describe('options', () => {
  test('bad options are programmer errors', () => {
    const sim = new Simulator();
    expect(() => new Switch(sim, { ports: 0 })).toThrow(RangeError);
    expect(() => new Switch(sim, { ports: 2, speeds: [100] })).toThrow(RangeError);
    expect(() => new Switch(sim, { ports: 2, latencyNs: 1.5 })).toThrow(RangeError);
    expect(() => new Switch(sim, { ports: 2 }).port(2)).toThrow(RangeError);
  });
});

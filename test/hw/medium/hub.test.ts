/**
 * Repeater hub and CSMA/CD: exact collision timing, deferral, backoff, excessive and late
 * collisions, and a duplex mismatch, all through register-level adapters.
 */
import { describe, expect, test } from 'vitest';
import { Simulator, type TraceEvent } from '../../../sim/index.js';
import { Nic, HostMemory, e1000 as R, writeTxDescriptor, writeRxDescriptor, readTxDescriptor, TXD_CMD, TXD_STA, type MediumLink, type WireFrame, type LinkSignal } from '../../../hw/index.js';
import { Hub } from '../../../hw/medium/hub.js';
import { slotBits, backoffRange } from '../../../hw/mac/csma.js';

const TX_RING = 0x10000;
const RX_RING = 0x20000;
const TX_BUF = 0x30000;
const RX_BUF = 0x40000;
const RING = 128;

function station(sim: Simulator, name: string, mac: number) {
  const memory = new HostMemory(1 << 20);
  const nic = new Nic(sim, { memory, name, mac: Uint8Array.of(2, 0, 0, 0, 0, mac), phy: { autonegNs: 1_000_000, forcedLinkNs: 1_000_000 } });
  const w = (r: { offset: number }, v: number) => nic.write32(r.offset, v);
  w(R.CTRL, R.CTRL.f.SLU.mask);
  w(R.TDBAL, TX_RING);
  w(R.TDLEN, RING * 16);
  w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
  for (let k = 0; k < RING; k++) writeRxDescriptor(memory, RX_RING + 16 * k, RX_BUF + 2048 * k);
  w(R.RDBAL, RX_RING);
  w(R.RDLEN, RING * 16);
  w(R.RDT, RING - 1);
  w(R.RCTL, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask);
  let tail = 0;
  const queue = (dstMac: number, count: number, len = 60) => {
    const f = new Uint8Array(len);
    f.set([2, 0, 0, 0, 0, dstMac, 2, 0, 0, 0, 0, mac, 0x88, 0xb5]);
    memory.write(TX_BUF, f);
    for (let k = 0; k < count; k++) {
      writeTxDescriptor(memory, TX_RING + 16 * tail, { buffer: TX_BUF, length: len, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
      tail = (tail + 1) % RING;
    }
    nic.write32(R.TDT.offset, tail);
  };
  const count = (r: { offset: number }) => nic.read32(r.offset);
  return { nic, memory, queue, count };
}

const ofKind = <K extends TraceEvent['kind']>(ev: TraceEvent[], k: K) => ev.filter((e) => e.kind === k) as Extract<TraceEvent, { kind: K }>[];

describe('repeater hub (10 Mb/s)', () => {
  test('adapters settle on 10 Mb/s half duplex by parallel detection', () => {
    const sim = new Simulator();
    const hub = new Hub(sim);
    const a = station(sim, 'a', 1);
    hub.attach(a.nic.port);
    sim.run({ until: 2_000_000 });
    expect(a.nic.link).toEqual({ speed: 10, duplex: 'half' });
    const status = a.count(R.STATUS);
    expect(status & R.STATUS.f.FD.mask).toBe(0);
    expect((status & R.STATUS.f.SPEED.mask) >>> R.STATUS.f.SPEED.lsb).toBe(0);
  });

  test('simultaneous starts collide; each station detects it after pA + repeater delay + pB and jams 32 bits', () => {
    const sim = new Simulator({ seed: 5 });
    const hub = new Hub(sim, { repeaterDelayBits: 8 });
    const a = station(sim, 'a', 1);
    const b = station(sim, 'b', 2);
    hub.attach(a.nic.port, { lengthM: 20 }); // 100 ns
    hub.attach(b.nic.port, { lengthM: 60 }); // 300 ns
    sim.run({ until: 2_000_000 });
    const { events } = sim.trace.record(['wire.tx', 'state', 'hub.collision']);
    const t0 = sim.now;
    a.queue(2, 1);
    b.queue(1, 1);
    sim.run({ until: t0 + 200_000 });
    const tx = ofKind(events, 'wire.tx');
    expect(tx.slice(0, 2).map((e) => [e.source, e.time])).toEqual([
      ['a', t0],
      ['b', t0],
    ]);
    const jams = ofKind(events, 'state').filter((e) => e.to === 'jam' && e.time <= t0 + 1200);
    // the other's first bit: its cable + 800 ns repeater delay + own cable
    expect(jams.map((e) => [e.source, e.time]).sort()).toEqual([
      ['a.mac', t0 + 300 + 800 + 100],
      ['b.mac', t0 + 100 + 800 + 300],
    ]);
    const backoffs = ofKind(events, 'state').filter((e) => e.from === 'jam' && e.time <= t0 + 4400);
    expect(backoffs.map((e) => e.time)).toEqual([t0 + 1200 + 3200, t0 + 1200 + 3200]); // 32 bits × 100 ns
    expect(ofKind(events, 'hub.collision').filter((e) => e.time <= t0 + 1200)).toHaveLength(1);
    sim.run({ until: t0 + 10_000_000 });
    expect([a.count(R.GPTC), b.count(R.GPTC)]).toEqual([1, 1]);
    expect(a.count(R.COLC) + b.count(R.COLC)).toBeGreaterThanOrEqual(2);
    expect(a.count(R.GPRC) + b.count(R.GPRC)).toBe(2);
  });

  test('a station that becomes ready during another frame defers, then sends exactly one IFG (96 bits) after the carrier drops', () => {
    const sim = new Simulator();
    const hub = new Hub(sim, { repeaterDelayBits: 8 });
    const a = station(sim, 'a', 1);
    const b = station(sim, 'b', 2);
    hub.attach(a.nic.port, { lengthM: 20 });
    hub.attach(b.nic.port, { lengthM: 60 });
    sim.run({ until: 2_000_000 });
    const { events } = sim.trace.record(['wire.tx']);
    const t0 = sim.now;
    a.queue(2, 1, 500);
    sim.run({ until: t0 + 100_000 });
    b.queue(1, 1);
    sim.run({ until: t0 + 2_000_000 });
    const tx = ofKind(events, 'wire.tx');
    const durA = (8 + 500 + 4) * 8 * 100;
    expect(tx.map((e) => [e.source, e.time])).toEqual([
      ['a', t0],
      ['b', t0 + 100 + 800 + durA + 300 + 9_600], // carrier off at B, then 96 bit times
    ]);
    expect(b.count(R.DC)).toBe(1);
    expect(a.count(R.COLC) + b.count(R.COLC)).toBe(0);
  });

  test('two saturated stations collide, back off and both deliver everything', () => {
    const sim = new Simulator({ seed: 3 });
    const hub = new Hub(sim);
    const a = station(sim, 'a', 1);
    const b = station(sim, 'b', 2);
    hub.attach(a.nic.port, { lengthM: 50 });
    hub.attach(b.nic.port, { lengthM: 50 });
    sim.run({ until: 2_000_000 });
    a.queue(2, 100);
    b.queue(1, 100);
    sim.run({ until: 2_000_000_000 });
    const colA = a.count(R.COLC);
    const colB = b.count(R.COLC);
    expect(colA).toBeGreaterThan(0);
    expect(colB).toBeGreaterThan(0);
    expect([a.count(R.GPTC), b.count(R.GPTC)]).toEqual([100, 100]);
    expect([a.count(R.GPRC), b.count(R.GPRC)]).toEqual([100, 100]);
    expect(a.count(R.ECOL) + b.count(R.ECOL) + a.count(R.LATECOL) + b.count(R.LATECOL)).toBe(0);
    expect(hub.stats.framesRepeated).toBe(200);
    expect(hub.stats.collisions).toBeGreaterThan(0);
  });
});

/** A medium that answers every transmission with carrier after `after` ns (a permanent collider). */
function jammer(sim: Simulator, nic: Nic, after: number) {
  const sent: WireFrame[] = [];
  const aborts: number[] = [];
  const link: MediumLink = {
    maxSpeed: 10,
    propagationNs: 0,
    send(f) {
      sent.push(f);
      sim.at(f.txStart + after, () => nic.port.carrier!(true));
    },
    signal(_s: LinkSignal | null) {},
    abort(_id, end) {
      aborts.push(end);
      sim.at(end, () => nic.port.carrier!(false));
    },
  };
  nic.port.plugged(link);
  nic.port.partnerSignal({ autoneg: false, anar: 0, gtcr: 0, speed: 10, duplex: 'half', msSeed: 0 });
  return { sent, aborts };
}

describe('CSMA/CD limits', () => {
  test('16 attempts, then the frame is dropped with ECOL and TX status EC; backoff stays in [0, 2^min(n,10)−1] slots', () => {
    const sim = new Simulator({ seed: 11 });
    const a = station(sim, 'a', 1);
    const j = jammer(sim, a.nic, 1_000);
    sim.run({ until: 2_000_000 });
    expect(a.nic.link).toEqual({ speed: 10, duplex: 'half' });
    a.queue(2, 1);
    sim.run({ until: 2_000_000_000 });
    expect(j.sent).toHaveLength(16);
    expect(a.count(R.ECOL)).toBe(1);
    expect(a.count(R.COLC)).toBe(16);
    expect(a.count(R.GPTC)).toBe(0);
    expect(a.count(R.LATECOL)).toBe(0);
    const d = readTxDescriptor(a.memory, TX_RING);
    expect(d.sta & (TXD_STA.DD | TXD_STA.EC)).toBe(TXD_STA.DD | TXD_STA.EC);
    const slot = slotBits(10) * 100;
    for (let n = 1; n < 16; n++) {
      // after the jam: r slots of backoff; the 96-bit IFG since the carrier dropped runs meanwhile
      const waited = j.sent[n].txStart - j.aborts[n - 1];
      const r = waited === 9_600 ? 0 : waited / slot;
      expect(Number.isInteger(r)).toBe(true);
      expect(r).toBeLessThanOrEqual(backoffRange(n));
      expect(waited).toBe(Math.max(r * slot, 9_600));
    }
  });

  test('a collision after the slot time is late: LATECOL, status LC, no retry', () => {
    const sim = new Simulator({ seed: 2 });
    const a = station(sim, 'a', 1);
    const j = jammer(sim, a.nic, 600 * 100); // 600 bit times into the frame
    sim.run({ until: 2_000_000 });
    a.queue(2, 1, 200);
    sim.run({ until: 100_000_000 });
    expect(j.sent).toHaveLength(1);
    expect(a.count(R.LATECOL)).toBe(1);
    expect(a.count(R.COLC)).toBe(1);
    expect(a.count(R.ECOL)).toBe(0);
    expect(readTxDescriptor(a.memory, TX_RING).sta & TXD_STA.LC).toBe(TXD_STA.LC);
  });

  test('duplex mismatch: a full-duplex adapter on a hub causes late collisions and CRC errors', () => {
    const sim = new Simulator({ seed: 4 });
    const hub = new Hub(sim);
    const fd = station(sim, 'fd', 1);
    const hd = station(sim, 'hd', 2);
    // force the first adapter's PHY to 10 Mb/s full duplex (BMCR: ANENABLE clear, DUPLEX set)
    fd.nic.phy.mdioWrite(0, 0x0100);
    hub.attach(fd.nic.port, { lengthM: 10 });
    hub.attach(hd.nic.port, { lengthM: 10 });
    sim.run({ until: 5_000_000 });
    expect(fd.nic.link).toEqual({ speed: 10, duplex: 'full' });
    expect(hd.nic.link).toEqual({ speed: 10, duplex: 'half' });
    // the half-duplex side saturates with 1000-byte frames (800 µs each); the full-duplex side,
    // which ignores the carrier, sends one frame every 1.7 ms, landing in the middle of them
    hd.queue(1, 100, 1000);
    const t0 = sim.now;
    for (let k = 0; k < 20; k++) sim.at(t0 + 300_000 + k * 1_700_000, () => fd.queue(2, 1, 200));
    sim.run({ until: t0 + 200_000_000 });
    // every full-duplex frame lands mid-frame: a late collision for the half-duplex side (frame
    // lost, no retry), and its truncated frame reaches the full-duplex side with a bad FCS
    expect(hd.count(R.LATECOL)).toBe(20);
    expect(hd.count(R.GPTC)).toBe(80);
    expect(fd.count(R.CRCERRS)).toBe(20);
    expect(fd.count(R.GPRC)).toBe(80);
    expect(hd.count(R.GPRC)).toBe(0); // the full-duplex frames collided: heard while transmitting
    expect(fd.count(R.COLC)).toBe(0); // full duplex never sees collisions
  });
});

describe('hub carrier sense costs per listening station', () => {
  test('a station that is not listening is not called, but its carrier view follows the repeater exactly', () => {
    const sim = new Simulator();
    const hub = new Hub(sim, { repeaterDelayBits: 8 });
    let link: MediumLink | null = null;
    const calls: Record<string, string[]> = { b: [], c: [] };
    const links: Record<string, MediumLink | null> = {};
    const ep = (name: string, listening: boolean) => ({
      name,
      plugged: (l: MediumLink | null) => (name === 'a' ? (link = l) : (links[name] = l)),
      partnerSignal: (_s: LinkSignal | null) => {},
      receive: (_f: WireFrame) => {},
      wantsCarrier: true,
      listening,
      carrier: (on: boolean) => calls[name].push(`${sim.now} ${on}`),
    });
    hub.attach(ep('a', true), { lengthM: 0 });
    hub.attach(ep('b', true), { lengthM: 10 });
    hub.attach(ep('c', false), { lengthM: 10 });
    sim.run();
    const bytes = new Uint8Array(72); // 72 octets at 100 ns/bit: 57.6 µs on the line
    link!.send({ id: 1, bytes, bitTimeNs: 100, txStart: sim.now, sender: 'a' });
    const t0 = sim.now;
    sim.run({ until: t0 + 1_000 });
    // the repeater's output reaches b and c after 8 bit times (800 ns) plus 50 ns of cable
    expect(links.c!.carrierView).toEqual({ on: true, offAt: -1 });
    sim.run();
    expect(calls.b).toEqual([`${t0 + 850} true`, `${t0 + 57_600 + 850} false`]);
    expect(calls.c).toEqual([]);
    expect(links.c!.carrierView).toEqual({ on: false, offAt: t0 + 57_600 + 850 });
  });
});

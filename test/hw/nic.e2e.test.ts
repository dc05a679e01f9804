/**
 * End to end at register level: two adapters, programmed only through write32/read32 and host
 * memory, exchange frames in both directions over a 10 m cable at 1 Gb/s. Asserts the exact
 * bytes on the wire (preamble, SFD, FCS), the exact bytes in the receive buffers, and the
 * simulated times of TX start, descriptor write-back and the RX interrupt.
 */
import { describe, expect, test } from 'vitest';
import { crc32 } from 'node:zlib';
import { Simulator, type TraceEvent } from '../../sim/index.js';
import { Cable, HostMemory, Nic, e1000 as R, readRxDescriptor, readTxDescriptor, writeRxDescriptor, writeTxDescriptor, TXD_CMD, TXD_STA, RXD_STAT } from '../../hw/index.js';

const TX_RING = 0x1_0000;
const RX_RING = 0x2_0000;
const TX_BUF = 0x3_0000;
const RX_BUF = 0x4_0000;
const RING = 8;
const AUTONEG_NS = 1_000_000;
const CABLE_M = 10; // 50 ns

interface Host {
  nic: Nic;
  mem: HostMemory;
  txTail: number;
}

function program(nic: Nic, mem: HostMemory, rctlExtra: number): void {
  const w = (reg: { offset: number }, v: number) => nic.write32(reg.offset, v);
  w(R.IMC, 0xffffffff);
  w(R.CTRL, R.CTRL.f.SLU.mask);
  w(R.TDBAL, TX_RING);
  w(R.TDBAH, 0);
  w(R.TDLEN, RING * 16);
  w(R.TDH, 0);
  w(R.TDT, 0);
  w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask | (0x0f << R.TCTL.f.CT.lsb) | (0x40 << R.TCTL.f.COLD.lsb));
  for (let i = 0; i < RING; i++) writeRxDescriptor(mem, RX_RING + 16 * i, RX_BUF + 2048 * i);
  w(R.RDBAL, RX_RING);
  w(R.RDBAH, 0);
  w(R.RDLEN, RING * 16);
  w(R.RDH, 0);
  w(R.RDT, RING - 1);
  w(R.RCTL, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask | rctlExtra);
  w(R.IMS, R.INT.RXT0 | R.INT.TXDW | R.INT.LSC);
}

function send(h: Host, frame: Uint8Array, slot: number): void {
  const buf = TX_BUF + slot * 2048;
  h.mem.write(buf, frame);
  writeTxDescriptor(h.mem, TX_RING + 16 * h.txTail, { buffer: buf, length: frame.length, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
  h.txTail = (h.txTail + 1) % RING;
}

function ethFrame(dst: number[], src: number[], type: number, payloadLen: number, fill: number): Uint8Array {
  const f = new Uint8Array(14 + payloadLen);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  for (let i = 0; i < payloadLen; i++) f[14 + i] = (fill + i) & 0xff;
  return f;
}

function onWire(frame: Uint8Array): Uint8Array {
  const body = frame.length < 60 ? Uint8Array.from({ length: 60 }, (_, i) => frame[i] ?? 0) : frame;
  const c = crc32(body) >>> 0;
  return Uint8Array.from([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5, ...body, c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
}

const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];

function setup() {
  const sim = new Simulator({ seed: 7 });
  const rec = sim.trace.record(['wire.tx', 'nic.writeback', 'irq', 'nic.link']);
  const mk = (name: string, mac: number[]): Host => {
    const mem = new HostMemory(1 << 20);
    return { mem, txTail: 0, nic: new Nic(sim, { memory: mem, name, mac: Uint8Array.from(mac), phy: { autonegNs: AUTONEG_NS } }) };
  };
  const a = mk('a', MAC_A);
  const b = mk('b', MAC_B);
  program(a.nic, a.mem, 0); // A keeps the FCS in its receive buffers
  program(b.nic, b.mem, R.RCTL.f.SECRC.mask); // B strips it
  new Cable(sim, { lengthM: CABLE_M }).connect(a.nic.port, b.nic.port);
  return { sim, a, b, events: rec.events };
}

function ofKind<K extends TraceEvent['kind']>(events: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return events.filter((e) => e.kind === kind) as Extract<TraceEvent, { kind: K }>[];
}

describe('two adapters programmed through registers', () => {
  test('auto-negotiate 1000 Mb/s full duplex at exactly autonegNs, with LSC', () => {
    const { sim, a, b, events } = setup();
    sim.run({ until: AUTONEG_NS - 1 });
    expect(a.nic.read32(R.STATUS.offset) & R.STATUS.f.LU.mask).toBe(0);
    sim.run({ until: AUTONEG_NS });
    for (const h of [a, b]) {
      const status = h.nic.read32(R.STATUS.offset);
      expect(status & R.STATUS.f.LU.mask).toBeTruthy();
      expect(status & R.STATUS.f.FD.mask).toBeTruthy();
      expect((status & R.STATUS.f.SPEED.mask) >>> R.STATUS.f.SPEED.lsb).toBe(2);
      expect(h.nic.irq.level).toBe(true);
      expect(h.nic.read32(R.ICR.offset)).toBe(R.INT.LSC);
      expect(h.nic.irq.level).toBe(false);
    }
    expect(ofKind(events, 'nic.link').map((e) => [e.source, e.time])).toEqual([
      ['a', AUTONEG_NS],
      ['b', AUTONEG_NS],
    ]);
  });

  test('A → B: exact wire bytes, write-back and interrupt times, FCS stripped in B', () => {
    const { sim, a, b, events } = setup();
    sim.run({ until: 2_000_000 });
    a.nic.read32(R.ICR.offset);
    b.nic.read32(R.ICR.offset);
    const t0 = sim.now;
    const frame = ethFrame(MAC_B, MAC_A, 0x88b5, 86, 0x10); // 100 bytes
    send(a, frame, 0);
    a.nic.write32(R.TDT.offset, a.txTail);
    sim.run({ until: t0 + 10_000 });

    const tx = ofKind(events, 'wire.tx');
    expect(tx).toHaveLength(1);
    expect(tx[0].time).toBe(t0); // TX starts at the doorbell: the line was idle
    expect(Array.from(tx[0].frame.bytes)).toEqual(Array.from(onWire(frame)));
    const duration = (8 + 100 + 4) * 8; // preamble+SFD, frame, FCS at 1 ns/bit = 896 ns
    expect(tx[0].end).toBe(t0 + duration);

    // TX descriptor written back (DD) when the last bit has left the MAC.
    const wb = ofKind(events, 'nic.writeback');
    expect(wb.map((e) => [e.source, e.ring, e.index, e.time])).toEqual([
      ['a', 'tx', 0, t0 + duration],
      ['b', 'rx', 0, t0 + duration + 50],
    ]);
    expect(readTxDescriptor(a.mem, TX_RING).sta & TXD_STA.DD).toBe(TXD_STA.DD);

    // RX: DMA and RXT0 at the instant the last bit arrives (RDTR = 0).
    const irqs = ofKind(events, 'irq').filter((e) => e.level && e.time >= t0);
    expect(irqs.map((e) => [e.source, e.time])).toEqual([
      ['a', t0 + duration], // TXDW
      ['b', t0 + duration + 50], // RXT0
    ]);
    const d = readRxDescriptor(b.mem, RX_RING);
    expect(d.length).toBe(100);
    expect(d.status).toBe(RXD_STAT.DD | RXD_STAT.EOP | RXD_STAT.IXSM);
    expect(d.errors).toBe(0);
    expect(Array.from(b.mem.read(RX_BUF, 100))).toEqual(Array.from(frame));
    expect(b.nic.read32(R.RDH.offset)).toBe(1);
    expect(b.nic.read32(R.ICR.offset)).toBe(R.INT.RXT0);
    expect(a.nic.read32(R.ICR.offset) & R.INT.TXDW).toBe(R.INT.TXDW);
    // counters
    expect(a.nic.read32(R.GPTC.offset)).toBe(1);
    expect(a.nic.read32(R.GOTCL.offset)).toBe(104);
    expect(b.nic.read32(R.GPRC.offset)).toBe(1);
    expect(b.nic.read32(R.GORCL.offset)).toBe(104);
    expect(b.nic.read32(R.GORCH.offset)).toBe(0);
    expect(b.nic.read32(R.GORCL.offset)).toBe(0); // cleared with the high half
  });

  test('B → A: two back-to-back frames separated by exactly the 96-bit IPG; FCS kept in A; short frame padded', () => {
    const { sim, a, b, events } = setup();
    sim.run({ until: 2_000_000 });
    const t0 = sim.now;
    const f1 = ethFrame(MAC_A, MAC_B, 0x0800, 1486, 0x20); // 1500 bytes
    const f2 = ethFrame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], MAC_B, 0x0806, 28, 0x30); // 42 bytes, padded to 60
    send(b, f1, 0);
    send(b, f2, 1);
    b.nic.write32(R.TDT.offset, b.txTail);
    sim.run({ until: t0 + 100_000 });

    const tx = ofKind(events, 'wire.tx');
    expect(tx).toHaveLength(2);
    const d1 = (8 + 1500 + 4) * 8;
    expect(tx[0].time).toBe(t0);
    expect(tx[1].time).toBe(t0 + d1 + 96); // IPGT 8 + 4 = 12 byte times = 96 ns at 1 Gb/s
    expect(Array.from(tx[0].frame.bytes)).toEqual(Array.from(onWire(f1)));
    expect(Array.from(tx[1].frame.bytes)).toEqual(Array.from(onWire(f2)));
    expect(tx[1].frame.bytes.length).toBe(8 + 64);

    const r0 = readRxDescriptor(a.mem, RX_RING);
    const r1 = readRxDescriptor(a.mem, RX_RING + 16);
    expect(r0.length).toBe(1504);
    expect(r1.length).toBe(64);
    expect(Array.from(a.mem.read(RX_BUF, 1504))).toEqual(Array.from(onWire(f1).subarray(8)));
    expect(Array.from(a.mem.read(RX_BUF + 2048, 64))).toEqual(Array.from(onWire(f2).subarray(8)));
    const rxWb = ofKind(events, 'nic.writeback').filter((e) => e.ring === 'rx');
    expect(rxWb.map((e) => e.time)).toEqual([t0 + d1 + 50, t0 + d1 + 96 + 72 * 8 + 50]);
    expect(a.nic.read32(R.BPRC.offset)).toBe(1);
    expect(a.nic.read32(R.GPRC.offset)).toBe(2);
    expect(b.nic.read32(R.TDH.offset)).toBe(2);
  });

  test('both directions at once on the full-duplex cable: no interference', () => {
    const { sim, a, b, events } = setup();
    sim.run({ until: 2_000_000 });
    const t0 = sim.now;
    const fa = ethFrame(MAC_B, MAC_A, 0x88b5, 500, 1);
    const fb = ethFrame(MAC_A, MAC_B, 0x88b5, 500, 2);
    send(a, fa, 0);
    send(b, fb, 0);
    a.nic.write32(R.TDT.offset, a.txTail);
    b.nic.write32(R.TDT.offset, b.txTail);
    sim.run({ until: t0 + 100_000 });
    const rx = ofKind(events, 'nic.writeback').filter((e) => e.ring === 'rx');
    const end = t0 + (8 + 514 + 4) * 8 + 50;
    expect(rx.map((e) => [e.source, e.time])).toEqual([
      ['b', end],
      ['a', end],
    ]);
    expect(Array.from(b.mem.read(RX_BUF, 514))).toEqual(Array.from(fa));
    expect(Array.from(a.mem.read(RX_BUF, 514))).toEqual(Array.from(fb));
  });

  test('the same seed gives the same trace', () => {
    const run = () => {
      const { sim, a, events } = setup();
      sim.run({ until: 2_000_000 });
      send(a, ethFrame(MAC_B, MAC_A, 0x88b5, 200, 3), 0);
      a.nic.write32(R.TDT.offset, a.txTail);
      sim.run({ until: 3_000_000 });
      return JSON.stringify(events.map((e) => ({ ...e, frame: undefined })));
    };
    expect(run()).toBe(run());
  });
});

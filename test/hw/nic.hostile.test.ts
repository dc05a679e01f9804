/**
 * The adapter driven as a malicious guest driver would drive it, and the features it lacked
 * (issue 11): receive descriptors that the frame's own bytes overwrite, endless transmit chains,
 * interrupt listeners that re-enter the adapter, values no register can hold, loopback, the
 * receive packet buffer, checksum offload and TSO. Each describe block failed on the code before
 * its fix, except the CTRL.RST-at-any-instant sweep, which guards the listener fix.
 */
import { describe, expect, test } from 'vitest';
import type { TraceEvent } from '../../sim/trace.js';
import { DESC_SIZE, RXD_ERR, RXD_STAT, TXD_CMD, TXD_STA, readTxDescriptor, writeTxDescriptor } from '../../hw/descriptors.js';
import { onesComplementSum } from '../../hw/mac/checksum.js';
import { Simulator } from '../../sim/simulator.js';
import { R, LAYOUT, MAC_A, MAC_B, makeNic, makePair, nicWithRawPeer, setupTx, setupRx, queueTx, rxBuffer, rxBytes, rxDesc, ethFrame, rd, wr, phyWrite, runUntil, linkUp } from './helpers.js';

function ofKind<K extends TraceEvent['kind']>(events: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

// ====================================================================== defect 1

describe('receive DMA fetches each descriptor once', () => {
  const BAR0 = 0x8_0000; // inside the 1 MiB host memory of these tests
  /**
   * Descriptor 0's buffer is descriptor 1 itself (256-byte buffers, LPE, UPE): the first 8 bytes of
   * the frame (destination and the start of the source address) become descriptor 1's ADDR while
   * the frame is written. The adapter must use the addresses it fetched before writing.
   */
  test.each([
    ['2^40 (beyond host memory)', '00:00:00:00:00:01', 0x100_0000_0000],
    ['0 (NULL)', '00:00:00:00:00:00', 0],
    ['inside the BAR0 window', '00:00:08:00:00:00', BAR0],
  ] as const)('a frame whose bytes overwrite the next descriptor with %s lands in the buffers fetched before', (_what, dst, addr) => {
    const C = R.RCTL.f;
    const { sim, nic, port } = nicWithRawPeer({ nic: { bar0Base: BAR0 }, rctl: C.LPE.mask | C.UPE.mask | (3 << C.BSIZE.lsb) });
    const rec = sim.trace.record(['drop', 'dma.fault', 'nic.rx']);
    nic.memory.writeU64(LAYOUT.rxRing, LAYOUT.rxRing + DESC_SIZE);
    const frame = ethFrame(dst, '00:00:' + MAC_A.slice(6), 600);
    expect(new DataView(frame.buffer).getUint32(4, true) * 2 ** 32 + new DataView(frame.buffer).getUint32(0, true)).toBe(addr);
    port.send(frame);
    expect(() => sim.runFor(100_000)).not.toThrow();
    // 604 bytes with the FCS: 256 + 256 + 92, in descriptors 0, 1 and 2.
    expect(rd(nic, R.RDH)).toBe(3);
    expect(rd(nic, R.GPRC)).toBe(1);
    expect(ofKind(rec.events, 'nic.rx')).toMatchObject([{ length: 604, firstIndex: 0, descriptors: 3, errors: 0 }]);
    expect(ofKind(rec.events, 'dma.fault')).toEqual([]);
    expect(ofKind(rec.events, 'drop')).toEqual([]);
    expect(nic.memory.read(rxBuffer(1), 256)).toEqual(frame.subarray(256, 512));
    expect(nic.memory.read(rxBuffer(2), 88)).toEqual(frame.subarray(512, 600));
    expect(rxDesc(nic, 2)).toMatchObject({ length: 92 });
    // Nothing landed where the frame's bytes pointed.
    expect(nic.memory.bytes.subarray(BAR0, BAR0 + R.BAR0_SIZE).every((b) => b === 0)).toBe(true);
    expect(nic.memory.bytes.subarray(0, 0x1000).every((b) => b === 0)).toBe(true);
  });
});

// ====================================================================== defect 2

describe('transmit chains are bounded by the packet buffer', () => {
  function txRig() {
    const p = makePair();
    setupTx(p.a);
    setupRx(p.b);
    const rec = p.sim.trace.record(['drop', 'nic.writeback', 'wire.tx']);
    return { ...p, events: rec.events };
  }

  test('a chain over the 16 KiB transmit FIFO (PBA reset) is dropped and counted at once, before any EOP; the rest of it up to EOP is discarded', () => {
    const { sim, a, cable, events } = txRig();
    expect(rd(a, R.PBA)).toBe(0x0010_0030); // RXA 48 KB, TXA 16 KB
    for (let i = 0; i < 7; i++) writeTxDescriptor(a.memory, LAYOUT.txRing + i * DESC_SIZE, { buffer: 0x8_0000, length: 0xffff, cmd: TXD_CMD.IFCS | TXD_CMD.RS });
    wr(a, R.TDT, 7);
    sim.runFor(1_000_000);
    // The first descriptor already passes 16 KiB: the frame is dropped there and then.
    expect(a.counters.txMalformed).toBe(1);
    expect(ofKind(events, 'drop')).toMatchObject([{ what: 'tx frame', reason: 'descriptor chain over the 16384-byte transmit FIFO', counter: 'txMalformed' }]);
    expect(rd(a, R.TDH)).toBe(7);
    for (let i = 0; i < 7; i++) expect(readTxDescriptor(a.memory, LAYOUT.txRing + i * DESC_SIZE).sta & TXD_STA.DD).toBe(TXD_STA.DD);
    // The frame's EOP ends the discarded chain (no second count); the frame after it is sent.
    queueTx(a, ethFrame(MAC_B, MAC_A, 60, 1));
    sim.runFor(100_000);
    expect([a.counters.txMalformed, cable.framesCarried[0]]).toEqual([1, 0]);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60, 2));
    sim.runFor(100_000);
    expect([a.counters.txMalformed, cable.framesCarried[0]]).toEqual([1, 1]);
  });

  test('PBA.RXA moves the split: with 40 KB for receive the transmit FIFO holds 24 KiB', () => {
    const { sim, a, b, cable } = txRig();
    wr(a, R.PBA, 40);
    expect(rd(a, R.PBA)).toBe((24 << 16) | 40);
    wr(b, R.RCTL, rd(b, R.RCTL) | R.RCTL.f.LPE.mask);
    // 20 000 bytes in two descriptors: over 16 KiB, under 24 KiB.
    a.memory.write(0x8_0000, ethFrame(MAC_B, MAC_A, 20_000));
    writeTxDescriptor(a.memory, LAYOUT.txRing, { buffer: 0x8_0000, length: 10_000, cmd: TXD_CMD.IFCS });
    writeTxDescriptor(a.memory, LAYOUT.txRing + DESC_SIZE, { buffer: 0x8_0000 + 10_000, length: 10_000, cmd: TXD_CMD.IFCS | TXD_CMD.EOP | TXD_CMD.RS });
    wr(a, R.TDT, 2);
    sim.runFor(1_000_000);
    expect([a.counters.txMalformed, cable.framesCarried[0]]).toEqual([0, 1]);
  });

  test('an endless chain of zero-length descriptors: counted once the chain outgrows the ring, bounded work and write-back per doorbell', () => {
    const { sim, a, cable, events } = txRig();
    for (let i = 0; i < 8; i++) writeTxDescriptor(a.memory, LAYOUT.txRing + i * DESC_SIZE, { buffer: LAYOUT.txBuf, length: 0, cmd: TXD_CMD.IFCS | TXD_CMD.RS });
    let tail = 0;
    let maxWritebacks = 0;
    for (let k = 0; k < 200; k++) {
      tail = (tail + 7) % 8;
      const before = events.length;
      wr(a, R.TDT, tail);
      sim.runFor(10_000);
      maxWritebacks = Math.max(maxWritebacks, ofKind(events.slice(before), 'nic.writeback').length);
    }
    expect(a.counters.txMalformed).toBe(1);
    expect(ofKind(events, 'drop')).toMatchObject([{ reason: 'descriptor chain longer than the ring (8 descriptors)' }]);
    // A doorbell writes back at most the dropped chain (one ring) and what it fetched itself (one pass).
    expect(maxWritebacks).toBeLessThanOrEqual(2 * 8);
    // The closing EOP writes back only its own descriptor.
    const before = events.length;
    writeTxDescriptor(a.memory, LAYOUT.txRing + tail * DESC_SIZE, { buffer: LAYOUT.txBuf, length: 0, cmd: TXD_CMD.IFCS | TXD_CMD.RS | TXD_CMD.EOP });
    wr(a, R.TDT, (tail + 1) % 8);
    sim.runFor(10_000);
    expect(ofKind(events.slice(before), 'nic.writeback')).toHaveLength(1);
    expect([a.counters.txMalformed, cable.framesCarried[0]]).toEqual([1, 0]);
  });
});

// ====================================================================== defect 3

describe('interrupt listeners cannot re-enter the adapter', () => {
  /** a: descriptor 0 an empty frame (dropped in the walk, RS → TXDW at once), descriptor 1 a good frame; IMS = TXDW. */
  function walkRig(listener: (rig: ReturnType<typeof makePair>) => void) {
    const p = makePair();
    setupTx(p.a);
    setupRx(p.b);
    wr(p.a, R.IMS, R.INT.TXDW);
    p.a.irq.onChange((level) => {
      if (level) listener(p);
    });
    queueTx(p.a, new Uint8Array(0), { length: 0, noDoorbell: true });
    queueTx(p.a, ethFrame(MAC_B, MAC_A, 60), { noDoorbell: true });
    return p;
  }

  test('a listener that rings TDT while the transmit walk runs: each descriptor is fetched once (one frame for one good descriptor)', () => {
    const p = walkRig(({ a }) => wr(a, R.TDT, 2));
    const rec = p.sim.trace.record(['nic.txdesc']);
    wr(p.a, R.TDT, 2);
    expect(() => p.sim.runFor(100_000)).not.toThrow();
    expect(rec.events.map((e) => (e.kind === 'nic.txdesc' ? e.index : -1))).toEqual([0, 1]);
    expect([p.cable.framesCarried[0], p.a.counters.txMalformed, rd(p.a, R.TDH)]).toEqual([1, 1, 2]);
  });

  test('a listener that reads ICR and writes ICS with ITR = 0 (5000 times): no recursion, each re-assertion is an event of its own', () => {
    let rounds = 0;
    const p = walkRig(({ a }) => {
      if (rounds >= 5_000) return;
      rounds++;
      rd(a, R.ICR);
      wr(a, R.ICS, R.INT.TXDW);
    });
    const t = p.sim.now;
    wr(p.a, R.TDT, 2);
    let res: ReturnType<typeof p.sim.run> | undefined;
    expect(() => (res = p.sim.run({ until: t + 100_000, maxEvents: 100_000 }))).not.toThrow();
    expect(res!.reason).not.toBe('maxEvents');
    expect(rounds).toBe(5_000);
    expect([p.a.irq.level, p.a.irq.assertions]).toEqual([true, 5_001]);
    expect(p.cable.framesCarried[0]).toBe(1);
  });

  test('CTRL.RST from a listener during the transmit walk: no exception, the reset leaves TDH = 0 and nothing more is sent', () => {
    let resets = 0;
    const p = walkRig(({ a }) => {
      if (resets++ === 0) wr(a, R.CTRL, R.CTRL.f.RST.mask);
    });
    wr(p.a, R.TDT, 2);
    expect(() => p.sim.runFor(100_000)).not.toThrow();
    expect(resets).toBe(1);
    expect([rd(p.a, R.TDH), rd(p.a, R.TDT), rd(p.a, R.TDLEN)]).toEqual([0, 0, 0]);
  });

  test('CTRL.RST at any instant of a busy exchange leaves the adapter clean, and it works again after reprogramming', () => {
    for (let t = 0; t < 30_000; t += 2_473) {
      const { sim, a, b, cable } = makePair();
      setupTx(a);
      setupRx(a);
      setupTx(b);
      setupRx(b);
      wr(a, R.IMS, 0xffff);
      a.irq.onChange((level) => {
        if (level) rd(a, R.ICR);
      });
      const t0 = sim.now;
      for (let i = 0; i < 4; i++) {
        queueTx(a, ethFrame(MAC_B, MAC_A, 700, i));
        queueTx(b, ethFrame(MAC_A, MAC_B, 900, i));
      }
      sim.at(t0 + t, () => wr(a, R.CTRL, R.CTRL.f.RST.mask | R.CTRL.f.SLU.mask));
      expect(() => sim.runFor(100_000), `reset at +${t} ns`).not.toThrow();
      expect([rd(a, R.TDH), rd(a, R.RDH), rd(a, R.ICR), a.irq.level], `reset at +${t} ns`).toEqual([0, 0, 0, false]);
      wr(a, R.CTRL, R.CTRL.f.SLU.mask);
      setupTx(a);
      setupRx(a);
      const carried = cable.framesCarried[0];
      queueTx(a, ethFrame(MAC_B, MAC_A, 100, 9));
      sim.runFor(100_000);
      expect(cable.framesCarried[0], `reset at +${t} ns`).toBe(carried + 1);
    }
  });
});

// ====================================================================== defect 5

describe('register values are validated at the bus', () => {
  const bad: Array<[string, 'TypeError' | 'RangeError', unknown]> = [
    ['NaN', 'RangeError', NaN],
    ['Infinity', 'RangeError', Infinity],
    ['-Infinity', 'RangeError', -Infinity],
    ['1.5', 'RangeError', 1.5],
    ['2^32 + 5', 'RangeError', 2 ** 32 + 5],
    ['-2^31 - 1', 'RangeError', -(2 ** 31) - 1],
    ['undefined', 'TypeError', undefined],
    ['null', 'TypeError', null],
    ['{}', 'TypeError', {}],
    ["'0x40'", 'TypeError', '0x40'],
    ['a BigInt', 'TypeError', 5n],
    ['a Symbol', 'TypeError', Symbol('x')],
  ];

  test.each(bad)('write32(RCTL, %s) throws a %s naming RCTL and changes nothing', (_what, kind, value) => {
    const sim = new Simulator();
    const nic = makeNic(sim);
    wr(nic, R.RCTL, 0x8002);
    const rec = sim.trace.record(['reg.access', 'reg.unimplemented']);
    let err: unknown;
    try {
      nic.write32(R.RCTL.offset, value as number);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(kind === 'TypeError' ? TypeError : RangeError);
    expect((err as Error).message).toContain('RCTL (0x0100)');
    expect(rd(nic, R.RCTL)).toBe(0x8002);
    expect(rec.events).toHaveLength(1); // the read just above
  });

  test('a bad value written to TDT does not ring the doorbell; through IODATA it names the register too', () => {
    const { sim, a, cable } = makePair();
    setupTx(a);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60), { noDoorbell: true });
    expect(() => a.write32(R.TDT.offset, 1.5)).toThrow(/TDT \(0x3818\)/);
    a.ioWrite32(0, R.TDT.offset);
    expect(() => a.ioWrite32(4, NaN)).toThrow(RangeError);
    expect(() => a.ioWrite32(4, 'x' as unknown as number)).toThrow(/IODATA/);
    sim.runFor(100_000);
    expect([rd(a, R.TDT), rd(a, R.TDH), cable.framesCarried[0]]).toEqual([0, 0, 0]);
  });

  test('32-bit values in either JavaScript form are accepted: 0xFFFFFFFF and -1 are the same word', () => {
    const nic = makeNic(new Simulator());
    nic.write32(R.RAL.offset, -1);
    expect(rd(nic, R.RAL)).toBe(0xffffffff);
    nic.write32(R.RAL.offset, 2 ** 31);
    expect(rd(nic, R.RAL)).toBe(0x80000000);
    nic.write32(R.RAL.offset, -(2 ** 31));
    expect(rd(nic, R.RAL)).toBe(0x80000000);
  });

  test('offsets: a non-number is a TypeError; any number no register occupies (-4, 2^32, 1.5, NaN) still reads 0 and is counted as unknown', () => {
    const nic = makeNic(new Simulator());
    expect(() => nic.read32('0x40' as unknown as number)).toThrow(TypeError);
    expect(() => nic.write32(undefined as unknown as number, 0)).toThrow(TypeError);
    expect(nic.read32(0x1_0000_0000)).toBe(0);
    expect(nic.read32(-4)).toBe(0);
    expect(nic.read32(1.5)).toBe(0);
    expect(nic.read32(NaN)).toBe(0);
    expect(nic.regs.anomalies.unknownReads).toBe(4);
    expect(() => nic.write32(NaN, 1.5)).toThrow(/offset NaN \(no register\)/);
  });
});

// ====================================================================== defect 4

describe('loopback', () => {
  const LBM_11 = 3 << R.RCTL.f.LBM.lsb;

  test('RCTL.LBM = 11b: a transmitted frame returns to the adapter\'s own receive ring, not to the wire', () => {
    const { sim, a, b, cable } = makePair();
    setupTx(a);
    setupRx(a, 16, LBM_11);
    setupRx(b);
    const rec = sim.trace.record(['nic.loopback', 'wire.tx', 'nic.rx']);
    const f = ethFrame(MAC_A, MAC_A, 100, 3);
    const t0 = sim.now;
    queueTx(a, f);
    sim.runFor(100_000);
    expect(cable.framesCarried).toEqual([0, 0]);
    expect(rxBytes(a, 0).subarray(0, 100)).toEqual(f);
    expect(rxDesc(a, 0).length).toBe(104);
    expect([rd(a, R.GPTC), rd(a, R.GPRC), rd(a, R.TPR), rd(b, R.GPRC), a.counters.txLoopback]).toEqual([1, 1, 1, 0, 1]);
    // 8 + 100 + 4 octets at 1 Gb/s: back in the ring 896 ns after the doorbell.
    expect(rec.events.map((e) => [e.kind, e.time - t0])).toEqual([['nic.loopback', 0], ['nic.rx', 896]]);
    // Frames from the wire are not heard while looping back; each is counted once.
    setupTx(b);
    queueTx(b, ethFrame(MAC_A, MAC_B, 60));
    sim.runFor(100_000);
    expect([rd(a, R.GPRC), a.counters.rxDuringLoopback, rd(a, R.TPR)]).toEqual([0, 1, 0]);
    // Back to normal: the wire again.
    wr(a, R.RCTL, rd(a, R.RCTL) & ~R.RCTL.f.LBM.mask);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(100_000);
    expect([cable.framesCarried[0], rd(b, R.GPRC)]).toEqual([1, 1]);
  });

  test('PHY loopback (BMCR.LOOPBACK) without any cable: the self-test sequence of a driver gets its frame back', () => {
    const sim = new Simulator();
    const nic = makeNic(sim, { mac: MAC_A });
    const C = R.CTRL.f;
    // As Linux e1000 does for copper: force 1000 Mb/s full duplex in the MAC, PHY loopback at 1000/full.
    wr(nic, R.CTRL, C.SLU.mask | C.FRCSPD.mask | C.FRCDPX.mask | C.FD.mask | (2 << C.SPEED.lsb));
    phyWrite(sim, nic, 0, 0x4140);
    expect(runUntil(sim, () => linkUp(nic), 1_000_000)).toBe(true);
    setupTx(nic);
    setupRx(nic);
    const f = ethFrame(MAC_A, MAC_A, 200, 5);
    queueTx(nic, f);
    sim.runFor(100_000);
    expect(rxBytes(nic, 0).subarray(0, 200)).toEqual(f);
    expect([rd(nic, R.GPTC), rd(nic, R.GPRC), nic.counters.txLoopback]).toEqual([1, 1, 1]);
    // Leaving loopback: no cable, so no link.
    phyWrite(sim, nic, 0, 0x0140);
    sim.runFor(1_000);
    expect(linkUp(nic)).toBe(false);
  });

  test('RCTL.LBM = 01b or 10b (undefined on the 8254x): no loopback, a warning is traced', () => {
    const { sim, a, b, cable } = makePair();
    setupTx(a);
    setupRx(b);
    const rec = sim.trace.record(['log']);
    wr(a, R.RCTL, rd(a, R.RCTL) | (1 << R.RCTL.f.LBM.lsb));
    queueTx(a, ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(100_000);
    expect(cable.framesCarried[0]).toBe(1);
    expect(rec.events).toMatchObject([{ kind: 'log', level: 'warn', message: expect.stringContaining('RCTL.LBM = 01b') }]);
  });
});

// ====================================================================== defect 6

describe('receive packet buffer (RX FIFO)', () => {
  const LEN = 1000; // + FCS: 1004 bytes in the FIFO; 1012 octets on the line = 8096 ns, + 96 ns gap
  const SPACING = 8_192;

  /** An adapter with a 16-descriptor ring but no descriptor handed over (RDT = RDH = 0), and `n` frames scheduled back to back. */
  function burst(n: number, pba?: number) {
    const r = nicWithRawPeer();
    const { sim, nic, port } = r;
    if (pba !== undefined) wr(nic, R.PBA, pba);
    wr(nic, R.RDT, 0);
    wr(nic, R.IMS, R.INT.RXO);
    rd(nic, R.ICR);
    const rec = sim.trace.record(['nic.rx', 'drop']);
    const t0 = sim.now;
    const frames = Array.from({ length: n }, (_, k) => ethFrame(MAC_B, MAC_A, LEN, k));
    frames.forEach((f, k) => sim.at(t0 + k * SPACING, () => port.send(f)));
    sim.run({ until: t0 + n * SPACING + 10_000 });
    return { ...r, rec, frames };
  }

  test('a burst with no descriptors waits in the 48 KB FIFO: RNBC per frame, no MPC, no RXO; RDT drains it at DMA speed, in order', () => {
    const { sim, nic, rec, frames } = burst(10);
    expect([rd(nic, R.RNBC), rd(nic, R.MPC), rd(nic, R.GPRC), rd(nic, R.RDH), rd(nic, R.ICR) & R.INT.RXO]).toEqual([10, 0, 0, 0, 0]);
    expect(rec.events).toEqual([]);
    const t = sim.now;
    wr(nic, R.RDT, 15);
    sim.runFor(1_000_000);
    // 1004 bytes each at 4 ns/byte: one frame every 4016 ns after the RDT write.
    expect(ofKind(rec.events, 'nic.rx').map((e) => e.time - t)).toEqual(Array.from({ length: 10 }, (_, k) => (k + 1) * 4_016));
    expect([rd(nic, R.GPRC), rd(nic, R.RDH), rd(nic, R.MPC)]).toEqual([10, 10, 0]);
    for (let k = 0; k < 10; k++) expect(rxBytes(nic, k).subarray(0, LEN)).toEqual(frames[k]);
  });

  test('MPC and RXO only when the FIFO is full: 60 frames of 1004 bytes, 48 held, 12 missed; all 48 delivered as descriptors come', () => {
    const { sim, nic, rec } = burst(60);
    expect([rd(nic, R.RNBC), rd(nic, R.MPC), rd(nic, R.ICR) & R.INT.RXO]).toEqual([60, 12, R.INT.RXO]);
    expect(ofKind(rec.events, 'drop').map((e) => e.counter)).toEqual(Array(12).fill('MPC'));
    let good = 0;
    for (let round = 0; round < 4; round++) {
      wr(nic, R.RDT, (rd(nic, R.RDH) + 15) % 16);
      sim.runFor(1_000_000);
      good += rd(nic, R.GPRC);
    }
    expect(good).toBe(48);
  });

  test('PBA moves the split: with RXA = 8 KB only 8 of 10 frames are held', () => {
    const { nic } = burst(10, 8);
    expect([rd(nic, R.RNBC), rd(nic, R.MPC)]).toEqual([10, 2]);
  });

  test('CTRL.RST empties the FIFO: the frames it held are counted in rxFlushed', () => {
    const { sim, nic } = burst(5);
    wr(nic, R.CTRL, R.CTRL.f.RST.mask | R.CTRL.f.SLU.mask);
    sim.runFor(10_000);
    expect(nic.counters.rxFlushed).toBe(5);
    setupRx(nic);
    sim.runFor(1_000_000);
    expect(rd(nic, R.GPRC)).toBe(0);
  });
});

// ====================================================================== defect 7

/** An Ethernet + IPv4 + TCP (proto 6) or UDP (17) frame with correct checksums; `payload` bytes of data. */
function ipFrame(proto: 6 | 17, payload: number, seed = 0): Uint8Array {
  const l4 = (proto === 6 ? 20 : 8) + payload;
  const f = new Uint8Array(14 + 20 + l4);
  f.set([0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00]);
  const ip = 14;
  f.set([0x45, 0, (20 + l4) >> 8, (20 + l4) & 0xff, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
  const ipSum = ~onesComplementSum(f, ip, ip + 20) & 0xffff;
  f[ip + 10] = ipSum >> 8;
  f[ip + 11] = ipSum & 0xff;
  const t = ip + 20;
  f[t] = 0x04;
  f[t + 1] = 0xd2; // port 1234
  f[t + 2] = 0x00;
  f[t + 3] = 0x07; // port 7
  if (proto === 6) f[t + 12] = 0x50; // data offset 5
  else {
    f[t + 4] = l4 >> 8;
    f[t + 5] = l4 & 0xff;
  }
  for (let i = t + (proto === 6 ? 20 : 8); i < f.length; i++) f[i] = (i * 13 + seed) & 0xff;
  const sumAt = t + (proto === 6 ? 16 : 6);
  const l4Sum = ~fold(pseudo(f, proto, l4) + onesComplementSum(f, t, f.length)) & 0xffff;
  f[sumAt] = l4Sum >> 8;
  f[sumAt + 1] = l4Sum & 0xff;
  return f;
}

/** The IPv4 pseudo-header sum (not folded) of the frame from ipFrame. */
function pseudo(f: Uint8Array, proto: number, l4: number): number {
  return onesComplementSum(f, 14 + 12, 14 + 20) + proto + l4;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe('receive checksum offload (RXCSUM.IPOFLD / TUOFLD)', () => {
  const OFL = R.RXCSUM.f.IPOFLD.mask | R.RXCSUM.f.TUOFLD.mask;
  test.each([
    ['TCP, both sums good', 6, 'none', RXD_STAT.IPCS | RXD_STAT.TCPCS, 0],
    ['UDP, both sums good', 17, 'none', RXD_STAT.IPCS | RXD_STAT.TCPCS | RXD_STAT.UDPCS, 0],
    ['TCP with a bad IP header sum', 6, 'ip', RXD_STAT.IPCS | RXD_STAT.TCPCS, RXD_ERR.IPE],
    ['TCP with a bad TCP sum', 6, 'l4', RXD_STAT.IPCS | RXD_STAT.TCPCS, RXD_ERR.TCPE],
    ['UDP with a bad UDP sum', 17, 'l4', RXD_STAT.IPCS | RXD_STAT.TCPCS | RXD_STAT.UDPCS, RXD_ERR.TCPE],
  ] as const)('%s: status and errors as software sums say; IXSM clear; the frame is still a good packet', (_what, proto, corrupt, status, errors) => {
    const { sim, nic, port } = nicWithRawPeer();
    wr(nic, R.RXCSUM, OFL);
    const f = ipFrame(proto, 100);
    if (corrupt === 'ip') f[14 + 8] ^= 1; // TTL: the IP header sum no longer matches
    if (corrupt === 'l4') f[f.length - 1] ^= 0x40;
    port.send(f);
    sim.runFor(100_000);
    const d = rxDesc(nic, 0);
    expect(d.status).toBe(RXD_STAT.DD | RXD_STAT.EOP | status);
    expect(d.errors).toBe(errors);
    expect(rd(nic, R.GPRC)).toBe(1);
  });

  test('only IPOFLD: IPCS alone; neither: IXSM (the reset behaviour); a fragment or a non-IP frame: no TCP/UDP indication', () => {
    const { sim, nic, port } = nicWithRawPeer();
    wr(nic, R.RXCSUM, R.RXCSUM.f.IPOFLD.mask);
    port.send(ipFrame(6, 50));
    sim.runFor(100_000);
    expect(rxDesc(nic, 0).status).toBe(RXD_STAT.DD | RXD_STAT.EOP | RXD_STAT.IPCS);
    wr(nic, R.RXCSUM, 0);
    port.send(ipFrame(6, 50));
    sim.runFor(100_000);
    expect(rxDesc(nic, 1).status).toBe(RXD_STAT.DD | RXD_STAT.EOP | RXD_STAT.IXSM);
    wr(nic, R.RXCSUM, OFL);
    const frag = ipFrame(17, 50);
    frag[14 + 6] = 0x20; // MF
    const s = ~onesComplementSum(frag.fill(0, 24, 26), 14, 34) & 0xffff;
    frag[24] = s >> 8;
    frag[25] = s & 0xff;
    port.send(frag);
    sim.runFor(100_000);
    expect(rxDesc(nic, 2)).toMatchObject({ status: RXD_STAT.DD | RXD_STAT.EOP | RXD_STAT.IPCS, errors: 0 });
    port.send(ethFrame(MAC_B, MAC_A, 80));
    sim.runFor(100_000);
    expect(rxDesc(nic, 3)).toMatchObject({ status: RXD_STAT.DD | RXD_STAT.EOP, errors: 0 });
  });
});

describe('transmit checksum insertion with the TCP/IP context descriptor', () => {
  /** Writes a context descriptor (DEXT, DTYP 0) at ring index `i`. */
  function context(mem: import('../../hw/memory.js').HostMemory, i: number, c: { ipcss: number; ipcso: number; ipcse: number; tucss: number; tucso: number; tucse: number; tucmd: number }): void {
    const a = LAYOUT.txRing + i * DESC_SIZE;
    mem.bytes.set([c.ipcss, c.ipcso, c.ipcse & 0xff, c.ipcse >> 8, c.tucss, c.tucso, c.tucse & 0xff, c.tucse >> 8, 0, 0, 0x00, c.tucmd | TXD_CMD.DEXT, 0, 0, 0, 0], a);
  }
  /** Writes a data descriptor (DEXT, DTYP 1) at ring index `i`. */
  function data(mem: import('../../hw/memory.js').HostMemory, i: number, buffer: number, length: number, dcmd: number, popts: number): void {
    const a = LAYOUT.txRing + i * DESC_SIZE;
    mem.writeU64(a, buffer);
    mem.bytes.set([length & 0xff, (length >> 8) & 0xff, 0x10 | ((length >> 16) & 0x0f), dcmd | TXD_CMD.DEXT, 0, popts, 0, 0], a + 8);
  }
  const POPTS_IXSM = 1;
  const POPTS_TXSM = 2;

  test.each([
    ['TCP', 6, 16],
    ['UDP', 17, 6],
  ] as const)('%s: the IP and transport checksums inserted by the adapter equal the software sums, in two data descriptors', (_what, proto, sumOff) => {
    const { sim, a, b, cable } = makePair();
    setupTx(a);
    setupRx(b);
    const ref = ipFrame(proto, 300, 4);
    const f = ref.slice();
    f[24] = f[25] = 0; // IP header checksum zeroed
    const l4 = f.length - 34;
    const ps = fold(pseudo(f, proto, l4));
    f[34 + sumOff] = ps >> 8; // the pseudo-header sum preloaded, as drivers do
    f[34 + sumOff + 1] = ps & 0xff;
    a.memory.write(LAYOUT.txBuf, f);
    context(a.memory, 0, { ipcss: 14, ipcso: 24, ipcse: 33, tucss: 34, tucso: 34 + sumOff, tucse: 0, tucmd: proto === 6 ? 0x03 : 0x02 });
    data(a.memory, 1, LAYOUT.txBuf, 100, TXD_CMD.IFCS, POPTS_IXSM | POPTS_TXSM);
    data(a.memory, 2, LAYOUT.txBuf + 100, f.length - 100, TXD_CMD.IFCS | TXD_CMD.EOP | TXD_CMD.RS, 0);
    wr(a, R.TDT, 3);
    sim.runFor(100_000);
    expect(cable.framesCarried[0]).toBe(1);
    expect(b.memory.read(rxBuffer(0), f.length)).toEqual(ref);
    expect(readTxDescriptor(a.memory, LAYOUT.txRing + 2 * DESC_SIZE).sta & TXD_STA.DD).toBe(TXD_STA.DD);
    expect(a.counters.txMalformed).toBe(0);
  });

  test('a hostile context: offsets beyond the frame insert nothing (the frame is sent as given); TSE (segmentation) is dropped and counted', () => {
    const { sim, a, b, cable } = makePair();
    setupTx(a);
    setupRx(b);
    const f = ipFrame(6, 40);
    a.memory.write(LAYOUT.txBuf, f);
    context(a.memory, 0, { ipcss: 200, ipcso: 250, ipcse: 0xffff, tucss: 255, tucso: 254, tucse: 3, tucmd: 0x03 });
    data(a.memory, 1, LAYOUT.txBuf, f.length, TXD_CMD.IFCS | TXD_CMD.EOP, POPTS_IXSM | POPTS_TXSM);
    wr(a, R.TDT, 2);
    sim.runFor(100_000);
    expect(b.memory.read(rxBuffer(0), f.length)).toEqual(f);
    context(a.memory, 2, { ipcss: 14, ipcso: 24, ipcse: 33, tucss: 34, tucso: 50, tucse: 0, tucmd: 0x03 | 0x04 }); // TSE, MSS 0
    data(a.memory, 3, LAYOUT.txBuf, f.length, TXD_CMD.IFCS | TXD_CMD.EOP | 0x04, POPTS_IXSM | POPTS_TXSM);
    wr(a, R.TDT, 4);
    sim.runFor(100_000);
    expect([cable.framesCarried[0], a.counters.txMalformed]).toEqual([1, 1]);
  });
});

// ====================================================================== TSO

describe('TCP segmentation offload (TSE)', () => {
  const HDR = 54; // Ethernet 14 + IPv4 20 + TCP 20
  const ctxAt = (mem: import('../../hw/memory.js').HostMemory, i: number, c: { paylen: number; hdrlen: number; mss: number; tucmd?: number }) => {
    const a = LAYOUT.txRing + i * DESC_SIZE;
    mem.bytes.set([14, 24, 33, 0, 34, 50, 0, 0, c.paylen & 0xff, (c.paylen >> 8) & 0xff, (c.paylen >> 16) & 0x0f, (c.tucmd ?? 0x07) | TXD_CMD.DEXT, 0, c.hdrlen, c.mss & 0xff, c.mss >> 8], a);
  };
  const dataAt = (mem: import('../../hw/memory.js').HostMemory, i: number, buffer: number, length: number, dcmd: number) => {
    const a = LAYOUT.txRing + i * DESC_SIZE;
    mem.writeU64(a, buffer);
    mem.bytes.set([length & 0xff, (length >> 8) & 0xff, 0x10 | ((length >> 16) & 0x0f), dcmd | TXD_CMD.DEXT | 0x04, 0, 0x03, 0, 0], a + 8);
  };
  /** A TSO source: the header with the IP total length and checksums as software leaves them, and `payload` bytes. */
  function tsoSource(payload: number): Uint8Array {
    const f = ipFrame(6, payload, 9);
    f[14 + 4] = 0x12;
    f[14 + 5] = 0x34; // IP ID 0x1234
    f.set([0x00, 0x01, 0x00, 0x00], 34 + 4); // sequence number 65536
    f[34 + 13] = 0x19; // FIN | PSH | ACK
    f[24] = f[25] = 0;
    const ps = fold(onesComplementSum(f, 26, 34) + 6); // pseudo-header sum without the length, as drivers preload it
    f[50] = ps >> 8;
    f[51] = ps & 0xff;
    return f;
  }

  test('a 3000-byte payload with MSS 1000 becomes three frames: lengths, IDs, sequence numbers, flags and both checksums per segment', () => {
    const { sim, a, b, cable } = makePair();
    setupTx(a);
    setupRx(b);
    const src = tsoSource(3000);
    a.memory.write(LAYOUT.txBuf, src);
    ctxAt(a.memory, 0, { paylen: 3000, hdrlen: HDR, mss: 1000 });
    dataAt(a.memory, 1, LAYOUT.txBuf, 1000, TXD_CMD.IFCS);
    dataAt(a.memory, 2, LAYOUT.txBuf + 1000, src.length - 1000, TXD_CMD.IFCS | TXD_CMD.EOP | TXD_CMD.RS);
    wr(a, R.TDT, 3);
    sim.runFor(1_000_000);
    expect(cable.framesCarried[0]).toBe(3);
    for (let k = 0; k < 3; k++) {
      const f = b.memory.read(rxBuffer(k), HDR + 1000);
      const ip = f.subarray(14, 34);
      expect((ip[2] << 8) | ip[3], `segment ${k} IP length`).toBe(1040);
      expect((ip[4] << 8) | ip[5], `segment ${k} IP ID`).toBe(0x1234 + k);
      expect(onesComplementSum(f, 14, 34), `segment ${k} IP checksum`).toBe(0xffff);
      expect(new DataView(f.buffer, f.byteOffset).getUint32(34 + 4), `segment ${k} sequence`).toBe(65536 + 1000 * k);
      expect(f[34 + 13], `segment ${k} flags`).toBe(k === 2 ? 0x19 : 0x10);
      expect(fold(onesComplementSum(f, 26, 34) + 6 + 1020 + onesComplementSum(f, 34, f.length)), `segment ${k} TCP checksum`).toBe(0xffff);
      expect(f.subarray(HDR), `segment ${k} payload`).toEqual(src.subarray(HDR + 1000 * k, HDR + 1000 * (k + 1)));
    }
    expect([rd(a, R.TSCTC), rd(a, R.TSCTFC), rd(a, R.GPTC)]).toEqual([1, 0, 3]);
    expect(readTxDescriptor(a.memory, LAYOUT.txRing + 2 * DESC_SIZE).sta & TXD_STA.DD).toBe(TXD_STA.DD);
  });

  test.each([
    ['MSS 0', { paylen: 500, hdrlen: HDR, mss: 0 }],
    ['HDRLEN larger than the data', { paylen: 500, hdrlen: 200, mss: 100, len: 150 }],
    ['PAYLEN not matching the data', { paylen: 9999, hdrlen: HDR, mss: 100 }],
    ['a header too short for its IP and TCP offsets', { paylen: 500 + HDR - 20, hdrlen: 20, mss: 100 }],
    ['UDP (TUCMD.TCP clear)', { paylen: 500, hdrlen: HDR, mss: 100, tucmd: 0x06 }],
  ] as const)('a hostile TSO context (%s): the packet is dropped and counted (txMalformed, TSCTFC); the ring goes on', (_what, c: { paylen: number; hdrlen: number; mss: number; tucmd?: number; len?: number }) => {
    const { sim, a, cable } = makePair();
    setupTx(a);
    const src = tsoSource(500);
    a.memory.write(LAYOUT.txBuf, src);
    ctxAt(a.memory, 0, c);
    dataAt(a.memory, 1, LAYOUT.txBuf, c.len ?? src.length, TXD_CMD.IFCS | TXD_CMD.EOP | TXD_CMD.RS);
    wr(a, R.TDT, 2);
    sim.runFor(1_000_000);
    expect([cable.framesCarried[0], a.counters.txMalformed, rd(a, R.TSCTFC)]).toEqual([0, 1, 1]);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(100_000);
    expect(cable.framesCarried[0]).toBe(1);
  });
});

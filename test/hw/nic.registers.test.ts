/**
 * Each register's behaviour, seen only through the bus (`read32`/`write32`, the I/O window), the
 * IRQ line, host memory and the wire: reset, link status, EEPROM (Microwire and EERD), PHY access
 * (MDIC), interrupts and their delay/throttle timers, address filtering, statistics, and the
 * registers nicsim only stores. Times are exact simulated nanoseconds.
 */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../sim/simulator.js';
import { Rng } from '../../sim/rng.js';
import type { TraceEvent } from '../../sim/trace.js';
import { buildEepromImage } from '../../hw/eeprom.js';
import { getField, type RegDef } from '../../hw/registers/engine.js';
import { TXD_CMD, RXD_STAT } from '../../hw/descriptors.js';
import type { Nic } from '../../hw/nic.js';
import {
  R, MAC_A, MAC_B, makeNic, makePair, nicWithRawPeer, setupTx, setupRx, queueTx, rxDesc, ethFrame, mac, rd, wr, setSlu, linkUp,
  runUntil, mdic, phyRead, phyWrite, irqRises, rfc1071Sum,
} from './helpers.js';

const C = R.CTRL.f;
const S = R.STATUS.f;
const INT = R.INT;

// PHY register numbers (IEEE 802.3 clause 22).
const BMCR = 0;
const BMSR = 1;
const PHYID1 = 2;
const PHYID2 = 3;
const ANAR = 4;
const ANLPAR = 5;
const GTCR = 9;
const GTSR = 10;
const BMCR_RESET = 0x8000;
const BMCR_SPEED_LSB = 0x2000;
const BMCR_ANENABLE = 0x1000;
const BMCR_ANRESTART = 0x0200;
const BMCR_DUPLEX = 0x0100;
const BMSR_LINK_ST = 0x0004;

function ofKind<K extends TraceEvent['kind']>(events: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

/** STATUS decoded into what a driver reports. */
function status(nic: Nic): { lu: number; fd: number; speed: number } {
  const s = rd(nic, R.STATUS);
  return { lu: getField(s, S.LU), fd: getField(s, S.FD), speed: [10, 100, 1000, 1000][getField(s, S.SPEED)] };
}

/** A distinctive EEPROM image: MAC_B and every data word set to a pattern. */
function patternImage(): Uint16Array {
  const words: Record<number, number> = {};
  for (let i = 3; i < 0x3f; i++) words[i] = (i * 0x1357 + 0xa5) & 0xffff;
  return buildEepromImage(MAC_B, { words });
}

// ====================================================================== CTRL.RST

describe('CTRL.RST', () => {
  test('every register reads its reset value again; RAL[0]/RAH[0] are reloaded from the EEPROM with AV', () => {
    const sim = new Simulator();
    const nic = makeNic(sim, { mac: '02:12:34:56:78:9a' });
    // Scribble over every register (CTRL aside: its RST bit is the subject).
    for (const def of R.E1000_REGISTERS) {
      if (def === R.CTRL) continue;
      for (let i = 0; i < def.count; i++) wr(nic, def, 0xffffffff, i);
    }
    const differs = (def: RegDef, i: number) => rd(nic, def, i) !== def.reset;
    const rw = R.E1000_REGISTERS.filter((d) => d.access === 'RW' || d.access === 'W1S');
    expect(rw.filter((d) => differs(d, 0)).length).toBeGreaterThan(40);

    wr(nic, R.CTRL, C.RST.mask);
    sim.runFor(1_000);
    const wrong: string[] = [];
    for (const def of R.E1000_REGISTERS) {
      for (let i = 0; i < def.count; i++) {
        if ((def === R.RAL || def === R.RAH) && i === 0) continue;
        const v = rd(nic, def, i);
        if (v !== def.reset) wrong.push(`${def.name}[${i}]=0x${v.toString(16)} (reset 0x${def.reset.toString(16)})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(rd(nic, R.RAL, 0)).toBe(0x5634_1202);
    expect(rd(nic, R.RAH, 0)).toBe(0x8000_9a78);
  });

  test('RST reads 1 for resetNs after the write, then 0', () => {
    const sim = new Simulator();
    const nic = makeNic(sim, { resetNs: 3_000 });
    sim.runFor(500);
    wr(nic, R.CTRL, C.RST.mask | C.SLU.mask);
    const rst = () => getField(rd(nic, R.CTRL), C.RST);
    expect(rst()).toBe(1);
    sim.runFor(2_999);
    expect(rst()).toBe(1);
    sim.runFor(1);
    expect(rst()).toBe(0);
    expect(rd(nic, R.CTRL)).toBe(R.CTRL.reset); // SLU written together with RST does not survive the reset
  });

  test('stops both DMA engines and deasserts the IRQ line', () => {
    const { sim, a, b, cable } = makePair();
    setupTx(a);
    setupRx(b);
    setupRx(a);
    wr(a, R.IMS, INT.LSC);
    wr(a, R.ICS, INT.LSC);
    expect(a.irq.level).toBe(true);
    for (let i = 0; i < 4; i++) queueTx(a, ethFrame(MAC_B, MAC_A, 1000, i), { noDoorbell: true });
    wr(a, R.TDT, 4); // frame 0 goes on the wire at once (8 µs at 1 Gb/s)
    sim.runFor(100);
    wr(a, R.CTRL, C.RST.mask);
    expect(a.irq.level).toBe(false);
    // b sends to a: a's receiver is reset, nothing may be written into a's ring.
    setupTx(b);
    queueTx(b, ethFrame(MAC_A, MAC_B, 60));
    sim.runFor(1_000_000);
    expect(cable.framesCarried[0]).toBe(1); // only the frame already on the wire
    expect([rd(a, R.TDBAL), rd(a, R.TDLEN), rd(a, R.TDH), rd(a, R.TDT), rd(a, R.RDLEN), rd(a, R.RDH)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(rxDesc(a, 0).status).toBe(0);
    expect(rd(b, R.GPRC)).toBe(1);
    // Nothing else happens after a doorbell either: the rings are gone until software programs them.
    wr(a, R.TDT, 3);
    sim.runFor(1_000_000);
    expect(cable.framesCarried[0]).toBe(1);
  });
});

// ====================================================================== STATUS, link

describe('STATUS and link setup', () => {
  test('auto-negotiation over a cable: both MACs report LU, FD, 1000 Mb/s exactly autonegNs after connect, with ICR.LSC', () => {
    const autonegNs = 1_234_567;
    const { sim, a, b } = makePair({ autonegNs, waitLink: false });
    sim.run({ until: autonegNs - 1 });
    expect([status(a).lu, status(b).lu]).toEqual([0, 0]);
    expect([rd(a, R.ICR), rd(b, R.ICR)]).toEqual([0, 0]);
    sim.run({ until: autonegNs });
    for (const nic of [a, b]) {
      expect(status(nic)).toEqual({ lu: 1, fd: 1, speed: 1000 });
      expect(rd(nic, R.ICR) & INT.LSC).toBe(INT.LSC);
    }
  });

  test('without CTRL.SLU the MAC keeps LU 0 although the PHY has link; setting SLU brings LU up with LSC', () => {
    const { sim, a, b } = makePair({ slu: false });
    setSlu(b);
    sim.runFor(5_000_000);
    expect(phyRead(sim, a, 17) & 0x0400).toBe(0x0400); // PSSR.LINK: the PHY is up
    expect(status(a).lu).toBe(0);
    expect(rd(a, R.ICR) & INT.LSC).toBe(0);
    expect(status(b).lu).toBe(1);
    setSlu(a);
    expect(status(a)).toEqual({ lu: 1, fd: 1, speed: 1000 });
    expect(rd(a, R.ICR) & INT.LSC).toBe(INT.LSC);
  });

  test('pulling the cable drops LU on both sides at once and raises LSC; plugging it back relinks autonegNs later', () => {
    const { sim, a, b, cable } = makePair({ autonegNs: 2_000_000 });
    rd(a, R.ICR);
    rd(b, R.ICR);
    sim.runFor(10_000);
    cable.unplug();
    for (const nic of [a, b]) {
      expect(status(nic).lu).toBe(0);
      expect(rd(nic, R.ICR) & INT.LSC).toBe(INT.LSC);
    }
    sim.runFor(10_000);
    const t = sim.now;
    cable.plug();
    sim.run({ until: t + 2_000_000 - 1 });
    expect(status(a).lu).toBe(0);
    sim.run({ until: t + 2_000_000 });
    expect([status(a).lu, status(b).lu]).toEqual([1, 1]);
  });

  test('forcing through BMCR (ANENABLE clear + speed bits): both sides forced to 10 Mb/s full duplex', () => {
    const { sim, a, b } = makePair();
    phyWrite(sim, a, BMCR, BMCR_DUPLEX);
    phyWrite(sim, b, BMCR, BMCR_DUPLEX);
    sim.runFor(50_000_000);
    expect(status(a)).toEqual({ lu: 1, fd: 1, speed: 10 });
    expect(status(b)).toEqual({ lu: 1, fd: 1, speed: 10 });
  });

  test('parallel detection: a partner forced to 100 Mb/s full gives 100 Mb/s half duplex on the negotiating side', () => {
    const { sim, a, b } = makePair();
    phyWrite(sim, a, BMCR, BMCR_SPEED_LSB | BMCR_DUPLEX);
    sim.runFor(50_000_000);
    expect(status(a)).toEqual({ lu: 1, fd: 1, speed: 100 });
    expect(status(b)).toEqual({ lu: 1, fd: 0, speed: 100 });
  });

  test('a cat3 cable caps the negotiated speed at 10 Mb/s', () => {
    const { a, b } = makePair({ cable: { category: 'cat3' } });
    expect(status(a)).toEqual({ lu: 1, fd: 1, speed: 10 });
    expect(status(b)).toEqual({ lu: 1, fd: 1, speed: 10 });
  });
});

describe('CTRL link control', () => {
  test('FRCSPD with a speed the PHY did not resolve keeps LU 0 (LSC); the right speed with FRCDPX forces half duplex', () => {
    const { a } = makePair();
    rd(a, R.ICR);
    wr(a, R.CTRL, C.SLU.mask | C.FRCSPD.mask | (1 << C.SPEED.lsb)); // 100 Mb/s against a 1000 Mb/s PHY link
    expect(status(a).lu).toBe(0);
    expect(rd(a, R.ICR) & INT.LSC).toBe(INT.LSC);
    wr(a, R.CTRL, C.SLU.mask | C.FRCSPD.mask | (2 << C.SPEED.lsb) | C.FRCDPX.mask); // 1000, FD clear
    expect(status(a)).toEqual({ lu: 1, fd: 0, speed: 1000 });
    wr(a, R.CTRL, C.SLU.mask);
    expect(status(a)).toEqual({ lu: 1, fd: 1, speed: 1000 });
  });

  test('PHY_RST holds the PHY in reset: both links drop at once; after release they return autonegNs later', () => {
    const { sim, a, b } = makePair({ autonegNs: 300_000 });
    wr(a, R.CTRL, C.SLU.mask | C.PHY_RST.mask);
    sim.runFor(0);
    expect([status(a).lu, status(b).lu]).toEqual([0, 0]);
    sim.runFor(1_000_000);
    expect([status(a).lu, status(b).lu]).toEqual([0, 0]);
    const t = sim.now;
    wr(a, R.CTRL, C.SLU.mask);
    sim.run({ until: t + 300_000 - 1 });
    expect([status(a).lu, status(b).lu]).toEqual([0, 0]);
    sim.run({ until: t + 300_000 });
    expect([status(a).lu, status(b).lu]).toEqual([1, 1]);
  });
});

// ====================================================================== EEPROM

/**
 * The Linux e1000 driver's Microwire EEPROM read on an 82540 (e1000_acquire_eeprom,
 * e1000_shift_out_ee_bits, e1000_shift_in_ee_bits, e1000_standby_eeprom, e1000_release_eeprom),
 * transcribed onto read32/write32. `udelay` advances simulated time.
 */
function linuxMicrowireRead(sim: Simulator, nic: Nic, offset: number, words: number): number[] | 'no grant' {
  const E = R.EECD.f;
  const er32 = () => rd(nic, R.EECD);
  const ew32 = (v: number) => wr(nic, R.EECD, v);
  const flush = () => rd(nic, R.STATUS);
  const udelay = (us: number) => sim.runFor(us * 1_000);
  const delayUsec = 50;
  const opcodeBits = 3;
  const addressBits = er32() & E.EE_SIZE.mask ? 8 : 6;
  const READ_OPCODE_MICROWIRE = 0x6;
  let eecd = 0;
  const raiseClk = () => {
    eecd |= E.SK.mask;
    ew32(eecd);
    flush();
    udelay(delayUsec);
  };
  const lowerClk = () => {
    eecd &= ~E.SK.mask;
    ew32(eecd);
    flush();
    udelay(delayUsec);
  };
  const shiftOut = (data: number, count: number) => {
    eecd = er32();
    let mask = 1 << (count - 1);
    eecd &= ~E.DO.mask;
    do {
      eecd &= ~E.DI.mask;
      if (data & mask) eecd |= E.DI.mask;
      ew32(eecd);
      flush();
      udelay(delayUsec);
      raiseClk();
      lowerClk();
      mask >>= 1;
    } while (mask);
    eecd &= ~E.DI.mask;
    ew32(eecd);
  };
  const shiftIn = (count: number) => {
    eecd = er32();
    eecd &= ~(E.DO.mask | E.DI.mask);
    let data = 0;
    for (let i = 0; i < count; i++) {
      data <<= 1;
      raiseClk();
      eecd = er32();
      eecd &= ~E.DI.mask;
      if (eecd & E.DO.mask) data |= 1;
      lowerClk();
    }
    return data;
  };
  const standby = () => {
    eecd &= ~(E.CS.mask | E.SK.mask);
    ew32(eecd);
    flush();
    udelay(delayUsec);
    eecd |= E.SK.mask; // clock high
    ew32(eecd);
    flush();
    udelay(delayUsec);
    eecd |= E.CS.mask; // select
    ew32(eecd);
    flush();
    udelay(delayUsec);
    eecd &= ~E.SK.mask; // clock low
    ew32(eecd);
    flush();
    udelay(delayUsec);
  };
  // e1000_acquire_eeprom (mac_type > e1000_82544: request, wait for the grant)
  eecd = er32();
  eecd |= E.EE_REQ.mask;
  ew32(eecd);
  eecd = er32();
  for (let i = 0; !(eecd & E.EE_GNT.mask) && i < 1000; i++) {
    udelay(5);
    eecd = er32();
  }
  if (!(eecd & E.EE_GNT.mask)) {
    eecd &= ~E.EE_REQ.mask;
    ew32(eecd);
    return 'no grant';
  }
  eecd &= ~(E.DI.mask | E.SK.mask);
  ew32(eecd);
  eecd |= E.CS.mask;
  ew32(eecd);
  // e1000_read_eeprom, Microwire: opcode, address, 16 data bits, standby — per word
  const out: number[] = [];
  for (let i = 0; i < words; i++) {
    shiftOut(READ_OPCODE_MICROWIRE, opcodeBits);
    shiftOut(offset + i, addressBits);
    out.push(shiftIn(16));
    standby();
  }
  // e1000_release_eeprom
  eecd = er32();
  eecd &= ~(E.CS.mask | E.DI.mask);
  ew32(eecd);
  eecd |= E.SK.mask;
  ew32(eecd);
  flush();
  udelay(delayUsec);
  eecd &= ~E.SK.mask;
  ew32(eecd);
  flush();
  udelay(delayUsec);
  eecd &= ~E.EE_REQ.mask;
  ew32(eecd);
  return out;
}

describe('EECD (Microwire bit-bang)', () => {
  test('the Linux e1000 82540 Microwire reader gets all 64 words back equal to the image', () => {
    const sim = new Simulator();
    const image = patternImage();
    const nic = makeNic(sim, { eeprom: image });
    expect(linuxMicrowireRead(sim, nic, 0, 64)).toEqual(Array.from(image));
    expect(getField(rd(nic, R.EECD), R.EECD.f.EE_GNT)).toBe(0); // released
  });

  test('EE_GNT follows EE_REQ; DO stays 0 without a grant (the EEPROM is not driven)', () => {
    const sim = new Simulator();
    const nic = makeNic(sim, { eeprom: patternImage() });
    const E = R.EECD.f;
    expect(rd(nic, R.EECD) & (E.EE_GNT.mask | E.EE_PRES.mask)).toBe(E.EE_PRES.mask);
    // Clock a READ of word 3 without requesting access: DO never goes high.
    let sawDo = false;
    const bits = [1, 1, 0, 0, 0, 0, 0, 1, 1];
    wr(nic, R.EECD, E.CS.mask);
    for (const b of [...bits, ...new Array(16).fill(0)]) {
      wr(nic, R.EECD, E.CS.mask | (b ? E.DI.mask : 0));
      wr(nic, R.EECD, E.CS.mask | E.SK.mask | (b ? E.DI.mask : 0));
      sawDo ||= (rd(nic, R.EECD) & E.DO.mask) !== 0;
    }
    expect(sawDo).toBe(false);
    wr(nic, R.EECD, E.EE_REQ.mask);
    expect(rd(nic, R.EECD) & E.EE_GNT.mask).toBe(E.EE_GNT.mask);
    wr(nic, R.EECD, 0);
    expect(rd(nic, R.EECD) & E.EE_GNT.mask).toBe(0);
  });
});

describe('EERD', () => {
  test('DONE and DATA appear exactly eerdDelayNs after START', () => {
    const sim = new Simulator();
    const image = patternImage();
    const nic = makeNic(sim, { eeprom: image, eerdDelayNs: 7_000 });
    const E = R.EERD.f;
    sim.runFor(123);
    wr(nic, R.EERD, E.START.mask | (0x05 << E.ADDR.lsb));
    sim.runFor(6_999);
    expect(rd(nic, R.EERD) & (E.DONE.mask | E.DATA.mask)).toBe(0);
    sim.runFor(1);
    const v = rd(nic, R.EERD);
    expect(getField(v, E.DONE)).toBe(1);
    expect(getField(v, E.DATA)).toBe(image[5]);
    expect(getField(v, E.ADDR)).toBe(5);
    // Every word, as a driver reads the MAC and checksums the image.
    const all: number[] = [];
    for (let w = 0; w < 64; w++) {
      wr(nic, R.EERD, E.START.mask | (w << E.ADDR.lsb));
      runUntil(sim, () => (rd(nic, R.EERD) & E.DONE.mask) !== 0, 100_000);
      all.push(getField(rd(nic, R.EERD), E.DATA));
    }
    expect(all).toEqual(Array.from(image));
  });

  test('an ADDR beyond word 0x3F completes with DATA 0xFFFF and a trace event', () => {
    const sim = new Simulator();
    const nic = makeNic(sim);
    const rec = sim.trace.record(['eeprom.read', 'log']);
    const E = R.EERD.f;
    wr(nic, R.EERD, E.START.mask | (0x40 << E.ADDR.lsb));
    sim.runFor(10_000);
    const v = rd(nic, R.EERD);
    expect([getField(v, E.DONE), getField(v, E.DATA)]).toEqual([1, 0xffff]);
    expect(ofKind(rec.events, 'eeprom.read')).toMatchObject([{ via: 'EERD', address: 0x40, data: 0xffff, time: 10_000 }]);
    expect(ofKind(rec.events, 'log')).toMatchObject([{ level: 'warn', message: expect.stringContaining('EERD') }]);
  });
});

// ====================================================================== MDIC

describe('MDIC', () => {
  test('reads PHYID1/PHYID2 (0x0141/0x0C20); R is set exactly mdioDelayNs after the command', () => {
    const sim = new Simulator();
    const nic = makeNic(sim, { mdioDelayNs: 10_000 });
    const M = R.MDIC.f;
    wr(nic, R.MDIC, (2 << M.OP.lsb) | (1 << M.PHYADD.lsb) | (PHYID1 << M.REGADD.lsb));
    expect(rd(nic, R.MDIC) & M.R.mask).toBe(0);
    sim.runFor(9_999);
    expect(rd(nic, R.MDIC) & M.R.mask).toBe(0);
    sim.runFor(1);
    const v = rd(nic, R.MDIC);
    expect([getField(v, M.R), getField(v, M.E), getField(v, M.DATA)]).toEqual([1, 0, 0x0141]);
    expect(phyRead(sim, nic, PHYID2)).toBe(0x0c20);
  });

  test('another PHY address completes with E set and leaves the internal PHY alone', () => {
    const sim = new Simulator();
    const nic = makeNic(sim);
    const v = mdic(sim, nic, 'write', BMCR, BMCR_RESET | BMCR_SPEED_LSB, 2);
    expect([getField(v, R.MDIC.f.R), getField(v, R.MDIC.f.E)]).toEqual([1, 1]);
    expect(getField(mdic(sim, nic, 'read', PHYID1, 0, 31), R.MDIC.f.E)).toBe(1);
    expect(phyRead(sim, nic, BMCR)).toBe(0x1140);
  });

  test('BMCR.RESET and BMCR.ANRESTART self-clear', () => {
    const sim = new Simulator();
    const nic = makeNic(sim);
    phyWrite(sim, nic, BMCR, 0x1140 | BMCR_RESET);
    expect(phyRead(sim, nic, BMCR) & BMCR_RESET).toBe(0);
    phyWrite(sim, nic, BMCR, 0x1140 | BMCR_ANRESTART);
    expect(phyRead(sim, nic, BMCR)).toBe(0x1140);
  });

  test('BMSR.LINK_ST latches low: after a link drop it reads 0 once even when the link is back, then 1', () => {
    const { sim, a, b, cable } = makePair();
    phyRead(sim, a, BMSR);
    expect(phyRead(sim, a, BMSR) & BMSR_LINK_ST).toBe(BMSR_LINK_ST);
    cable.unplug();
    sim.runFor(10_000);
    cable.plug();
    expect(runUntil(sim, () => linkUp(a) && linkUp(b), 10_000_000)).toBe(true);
    expect(phyRead(sim, a, BMSR) & BMSR_LINK_ST).toBe(0);
    expect(phyRead(sim, a, BMSR) & BMSR_LINK_ST).toBe(BMSR_LINK_ST);
  });

  test('ANLPAR and GTSR show the partner after negotiation', () => {
    const { sim, a, b } = makePair();
    expect(phyRead(sim, a, ANLPAR)).toBe(0x4de1); // partner's ANAR 0x0DE1 with ACK
    const ga = phyRead(sim, a, GTSR);
    const gb = phyRead(sim, b, GTSR);
    expect(ga & ~0x4000).toBe(0x3c00); // partner 1000 half+full, local and remote receiver OK
    expect(gb & ~0x4000).toBe(0x3c00);
    expect((ga ^ gb) & 0x4000).toBe(0x4000); // exactly one master
    // b advertises 10 Mb/s only and restarts: a sees the new page, the link settles at 10 full.
    phyWrite(sim, b, ANAR, 0x0061);
    phyWrite(sim, b, GTCR, 0);
    phyWrite(sim, b, BMCR, BMCR_ANENABLE | BMCR_ANRESTART);
    sim.runFor(5_000_000);
    expect(phyRead(sim, a, ANLPAR)).toBe(0x4061);
    expect(phyRead(sim, a, GTSR) & 0x0c00).toBe(0);
    expect(status(a)).toEqual({ lu: 1, fd: 1, speed: 10 });
  });

  test('MDIC.I raises ICR.MDAC when the transaction completes', () => {
    const sim = new Simulator();
    const nic = makeNic(sim, { mdioDelayNs: 25_600 });
    const rises = irqRises(sim, nic);
    wr(nic, R.IMS, INT.MDAC);
    const M = R.MDIC.f;
    wr(nic, R.MDIC, M.I.mask | (2 << M.OP.lsb) | (1 << M.PHYADD.lsb) | (PHYID1 << M.REGADD.lsb));
    sim.run();
    expect(rises).toEqual([25_600]);
    expect(rd(nic, R.ICR)).toBe(INT.MDAC);
    mdic(sim, nic, 'read', PHYID1); // without I: no cause
    expect(rd(nic, R.ICR)).toBe(0);
  });
});

// ====================================================================== interrupts

describe('ICR, ICS, IMS, IMC and the IRQ line', () => {
  test('ICR: a read returns the causes and clears them', () => {
    const nic = makeNic(new Simulator());
    wr(nic, R.ICS, INT.LSC | INT.RXT0);
    expect(rd(nic, R.ICR)).toBe(INT.LSC | INT.RXT0);
    expect(rd(nic, R.ICR)).toBe(0);
  });

  test('ICR: writing 1s clears only those causes', () => {
    const nic = makeNic(new Simulator());
    wr(nic, R.ICS, INT.TXDW | INT.LSC | INT.RXT0);
    wr(nic, R.ICR, INT.LSC);
    expect(rd(nic, R.ICR)).toBe(INT.TXDW | INT.RXT0);
  });

  test('ICS sets causes and raises the IRQ only when IMS enables one of them; IMC masks; ICR read deasserts', () => {
    const nic = makeNic(new Simulator());
    wr(nic, R.ICS, INT.TXDW);
    expect(nic.irq.level).toBe(false);
    wr(nic, R.IMS, INT.RXT0);
    expect(nic.irq.level).toBe(false);
    wr(nic, R.IMS, INT.TXDW);
    expect(nic.irq.level).toBe(true);
    expect(rd(nic, R.IMS)).toBe(INT.TXDW | INT.RXT0);
    wr(nic, R.IMC, INT.TXDW);
    expect(nic.irq.level).toBe(false);
    expect(rd(nic, R.IMS)).toBe(INT.RXT0);
    wr(nic, R.IMS, INT.TXDW);
    expect(nic.irq.level).toBe(true);
    expect([rd(nic, R.ICS), rd(nic, R.IMC)]).toEqual([0, 0]); // write-only
    expect(rd(nic, R.ICR)).toBe(INT.TXDW);
    expect(nic.irq.level).toBe(false);
  });

  test('the IRQ level equals (ICR & IMS) != 0 after every access (seeded random sequence against a model)', () => {
    const nic = makeNic(new Simulator());
    const rng = new Rng(2024, 'irq-model');
    const causes = Object.values(INT);
    const randomCauses = () => causes.filter(() => rng.chance(0.3)).reduce((x, y) => x | y, 0);
    let icr = 0;
    let ims = 0;
    for (let step = 0; step < 2_000; step++) {
      const op = rng.int(0, 4);
      const v = randomCauses();
      if (op === 0) {
        wr(nic, R.ICS, v);
        icr |= v;
      } else if (op === 1) {
        wr(nic, R.IMS, v);
        ims |= v;
      } else if (op === 2) {
        wr(nic, R.IMC, v);
        ims &= ~v;
      } else if (op === 3) {
        wr(nic, R.ICR, v);
        icr &= ~v;
      } else {
        expect(rd(nic, R.ICR), `step ${step}`).toBe(icr);
        icr = 0;
      }
      expect(nic.irq.level, `step ${step}`).toBe((icr & ims) !== 0);
      expect(rd(nic, R.IMS), `step ${step}`).toBe(ims);
    }
  });

  test('ICR never shows bits that name no cause, even after ICS writes them, and a read clears it completely', () => {
    const nic = makeNic(new Simulator());
    wr(nic, R.ICS, 0xffffffff);
    expect(rd(nic, R.ICR)).toBe(R.ICR.definedMask);
    expect(rd(nic, R.ICR)).toBe(0);
  });

  test('ITR spaces assertions by ITR × 256 ns', () => {
    const sim = new Simulator();
    const nic = makeNic(sim);
    const rises = irqRises(sim, nic);
    wr(nic, R.ITR, 100); // 25.6 µs
    wr(nic, R.IMS, INT.TXDW);
    sim.runFor(1_000);
    wr(nic, R.ICS, INT.TXDW); // t = 1000: first assertion at once
    rd(nic, R.ICR);
    sim.runFor(1_000);
    wr(nic, R.ICS, INT.TXDW); // t = 2000: held back until 1000 + 25600
    sim.run({ until: 26_599 });
    expect(nic.irq.level).toBe(false);
    sim.run({ until: 26_600 });
    expect(nic.irq.level).toBe(true);
    rd(nic, R.ICR);
    sim.runFor(100_000);
    wr(nic, R.ICS, INT.TXDW); // long after: at once
    sim.runFor(0);
    expect(rises).toEqual([1_000, 26_600, 126_600]);
  });
});

// ====================================================================== interrupt delay timers

describe('receive interrupt delay (RDTR, RADV)', () => {
  // A 60-byte frame + FCS is 72 octets on the line: 576 ns at 1 Gb/s, plus 5 ns of 1 m cable.
  const ARRIVAL = 581;

  function rxTimerRig(rdtr: number, radv = 0) {
    const r = nicWithRawPeer();
    wr(r.nic, R.RDTR, rdtr);
    wr(r.nic, R.RADV, radv);
    wr(r.nic, R.IMS, INT.RXT0);
    rd(r.nic, R.ICR);
    const t0 = r.sim.now;
    const rises = irqRises(r.sim, r.nic);
    return { ...r, t0, rises };
  }

  test('RDTR 0: RXT0 as the frame is stored', () => {
    const { sim, nic, port, t0, rises } = rxTimerRig(0);
    port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(1_000_000);
    expect(rises).toEqual([t0 + ARRIVAL]);
    expect(rd(nic, R.ICR) & INT.RXT0).toBe(INT.RXT0);
  });

  test('RDTR delays RXT0 by DELAY × 1024 ns after the last frame (restarted by each frame)', () => {
    const { sim, port, t0, rises } = rxTimerRig(20);
    port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(10_000);
    port.send(ethFrame(MAC_B, MAC_A, 60)); // arrives at t0 + 10000 + 581, restarting the timer
    sim.runFor(1_000_000);
    expect(rises).toEqual([t0 + 10_000 + ARRIVAL + 20 * 1024]);
  });

  test('RADV caps the delay: RXT0 at most DELAY × 1024 ns after the first frame', () => {
    const { sim, port, t0, rises } = rxTimerRig(100, 10);
    port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(1_000_000);
    expect(rises).toEqual([t0 + ARRIVAL + 10 * 1024]);
  });

  test('writing RDTR.FPD raises RXT0 now and cancels the pending delay; FPD reads back 0', () => {
    const { sim, nic, port, t0, rises } = rxTimerRig(1000);
    port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(3_000);
    wr(nic, R.RDTR, R.RDTR.f.FPD.mask | 1000);
    expect(nic.irq.level).toBe(true);
    sim.runFor(0); // listeners hear the line in an event of their own, at the same instant
    expect(rises).toEqual([t0 + 3_000]);
    expect(rd(nic, R.RDTR)).toBe(1000);
    expect(rd(nic, R.ICR)).toBe(INT.RXT0);
    sim.runFor(5_000_000);
    expect(rd(nic, R.ICR) & INT.RXT0).toBe(0);
    expect(rises).toHaveLength(1);
  });
});

describe('transmit interrupt delay (TIDV, TADV, TXD_CMD.IDE)', () => {
  // 60 bytes + FCS + preamble/SFD = 72 octets: the write-back happens 576 ns after the doorbell.
  const DONE = 576;

  function txTimerRig(tidv: number, tadv: number, cmd: number) {
    const { sim, a } = makePair();
    setupTx(a);
    wr(a, R.TIDV, tidv);
    wr(a, R.TADV, tadv);
    wr(a, R.IMS, INT.TXDW);
    rd(a, R.ICR);
    const rises = irqRises(sim, a);
    const t0 = sim.now;
    queueTx(a, ethFrame(MAC_B, MAC_A, 60), { cmd });
    sim.runFor(1_000_000);
    return { rises, t0, a };
  }
  const BASE = TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS;

  test('without IDE, TXDW as the descriptor is written back (TIDV ignored)', () => {
    const { rises, t0 } = txTimerRig(10, 0, BASE);
    expect(rises).toEqual([t0 + DONE]);
  });

  test('with IDE, TXDW comes TIDV × 1024 ns after the write-back', () => {
    const { rises, t0 } = txTimerRig(10, 0, BASE | TXD_CMD.IDE);
    expect(rises).toEqual([t0 + DONE + 10 * 1024]);
  });

  test('with IDE, TADV caps the delay', () => {
    const { rises, t0 } = txTimerRig(100, 5, BASE | TXD_CMD.IDE);
    expect(rises).toEqual([t0 + DONE + 5 * 1024]);
  });

  test('TIDV.FPD flushes a pending TXDW at once and reads back 0', () => {
    const { sim, a } = makePair();
    setupTx(a);
    wr(a, R.TIDV, 1000);
    wr(a, R.IMS, INT.TXDW);
    rd(a, R.ICR);
    const rises = irqRises(sim, a);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60), { cmd: BASE | TXD_CMD.IDE });
    sim.runFor(2_000);
    wr(a, R.TIDV, R.TIDV.f.FPD.mask | 1000);
    expect(a.irq.level).toBe(true);
    sim.runFor(0); // listeners hear the line in an event of their own, at the same instant
    expect(rises).toEqual([sim.now]);
    expect(rd(a, R.TIDV)).toBe(1000);
  });
});

// ====================================================================== receive and transmit control

describe('RCTL', () => {
  test('EN clear: frames are not stored and are counted in rxDisabled', () => {
    const { sim, nic, port } = nicWithRawPeer();
    wr(nic, R.RCTL, 0);
    port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(10_000);
    expect([nic.counters.rxDisabled, rxDesc(nic, 0).status, rd(nic, R.RDH)]).toEqual([1, 0, 0]);
  });

  test('SECRC strips the FCS from the stored frame; without it the FCS is stored', () => {
    const f = ethFrame(MAC_B, MAC_A, 60);
    const withFcs = nicWithRawPeer();
    withFcs.port.send(f);
    withFcs.sim.runFor(10_000);
    expect(rxDesc(withFcs.nic, 0).length).toBe(64);
    const stripped = nicWithRawPeer({ rctl: R.RCTL.f.SECRC.mask });
    stripped.port.send(f);
    stripped.sim.runFor(10_000);
    expect(rxDesc(stripped.nic, 0)).toMatchObject({ length: 60, status: RXD_STAT.DD | RXD_STAT.EOP | RXD_STAT.IXSM, errors: 0 });
    expect(stripped.nic.memory.read(rxDesc(stripped.nic, 0).buffer, 60)).toEqual(f);
  });

  test('SBP stores a frame with a bad FCS, flagged RXD_ERR.CE and counted in CRCERRS; without SBP it is dropped', () => {
    const kept = nicWithRawPeer({ rctl: R.RCTL.f.SBP.mask });
    kept.port.send(ethFrame(MAC_B, MAC_A, 100), true);
    kept.sim.runFor(10_000);
    expect(rxDesc(kept.nic, 0)).toMatchObject({ length: 104, errors: 1 });
    expect(rd(kept.nic, R.CRCERRS)).toBe(1);
    const dropped = nicWithRawPeer();
    dropped.port.send(ethFrame(MAC_B, MAC_A, 100), true);
    dropped.sim.runFor(10_000);
    expect([rxDesc(dropped.nic, 0).status, rd(dropped.nic, R.CRCERRS)]).toEqual([0, 1]);
  });

  test('BSIZE 1024 with LPE: a 1500-byte frame spans two descriptors, EOP on the last', () => {
    const { sim, nic, port } = nicWithRawPeer({ rctl: (1 << R.RCTL.f.BSIZE.lsb) | R.RCTL.f.LPE.mask });
    const f = ethFrame(MAC_B, MAC_A, 1500);
    port.send(f);
    sim.runFor(100_000);
    const d0 = rxDesc(nic, 0);
    const d1 = rxDesc(nic, 1);
    expect([d0.length, d0.status & (RXD_STAT.DD | RXD_STAT.EOP)]).toEqual([1024, RXD_STAT.DD]);
    expect([d1.length, d1.status & (RXD_STAT.DD | RXD_STAT.EOP)]).toEqual([480, RXD_STAT.DD | RXD_STAT.EOP]);
    const got = new Uint8Array(1500);
    got.set(nic.memory.read(d0.buffer, 1024), 0);
    got.set(nic.memory.read(d1.buffer, 476), 1024);
    expect(got).toEqual(f);
    expect(rd(nic, R.RDH)).toBe(2);
  });

  test('RDMTS 1/2: ICR.RXDMT0 when the free descriptors fall to half the ring', () => {
    const { sim, nic, port } = nicWithRawPeer(); // 16 descriptors, 15 handed to the device
    rd(nic, R.ICR);
    for (let k = 1; k <= 7; k++) {
      port.send(ethFrame(MAC_B, MAC_A, 60, k));
      sim.runFor(10_000);
      expect([k, rd(nic, R.ICR) & INT.RXDMT0]).toEqual([k, k === 7 ? INT.RXDMT0 : 0]);
    }
  });
});

describe('TCTL and TIPG', () => {
  test('TCTL.EN clear: the doorbell does nothing; setting EN sends what is queued', () => {
    const { sim, a, cable } = makePair();
    setupTx(a);
    wr(a, R.TCTL, 0);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(100_000);
    expect([cable.framesCarried[0], rd(a, R.TDH)]).toEqual([0, 0]);
    wr(a, R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
    sim.runFor(100_000);
    expect([cable.framesCarried[0], rd(a, R.TDH)]).toEqual([1, 1]);
  });

  test('PSP pads a short frame to 60 bytes + FCS; without PSP it leaves short and the receiver counts a runt', () => {
    const padded = makePair();
    setupTx(padded.a);
    setupRx(padded.b);
    const short = ethFrame(MAC_B, MAC_A, 40);
    queueTx(padded.a, short);
    padded.sim.runFor(100_000);
    const d = rxDesc(padded.b, 0);
    expect(d.length).toBe(64);
    const got = padded.b.memory.read(d.buffer, 60);
    expect(got.subarray(0, 40)).toEqual(short);
    expect(got.subarray(40).every((x) => x === 0)).toBe(true);

    const bare = makePair();
    setupTx(bare.a, 8);
    wr(bare.a, R.TCTL, R.TCTL.f.EN.mask);
    setupRx(bare.b);
    queueTx(bare.a, short);
    bare.sim.runFor(100_000);
    expect([rd(bare.b, R.RUC), rd(bare.b, R.GPRC)]).toEqual([1, 0]);
  });

  test('TIPG.IPGT: back-to-back frames start IPGT + 4 byte times apart', () => {
    const { sim, a } = makePair();
    setupTx(a);
    wr(a, R.TIPG, 20 | (8 << 10) | (6 << 20));
    const rec = sim.trace.record(['wire.tx']);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60), { noDoorbell: true });
    queueTx(a, ethFrame(MAC_B, MAC_A, 60));
    const t0 = sim.now;
    sim.runFor(100_000);
    // 72 octets at 1 ns/bit = 576 ns, then (20 + 4) × 8 = 192 ns of gap.
    expect(ofKind(rec.events, 'wire.tx').map((e) => e.time - t0)).toEqual([0, 768]);
  });
});

describe('RXCSUM', () => {
  test('PCSS: the descriptor carries the ones\' complement sum from PCSS to the end of the frame (FCS excluded)', () => {
    const f = ethFrame(MAC_B, MAC_A, 75, 3); // odd length: the last byte is padded with zero
    const ref = (from: number) => rfc1071Sum(f, from, f.length);
    for (const pcss of [0, 14, 34]) {
      const { sim, nic, port } = nicWithRawPeer();
      wr(nic, R.RXCSUM, pcss);
      port.send(f);
      sim.runFor(10_000);
      expect([pcss, rxDesc(nic, 0).csum]).toEqual([pcss, ref(pcss)]);
    }
    expect(ref(0)).not.toBe(ref(14));
  });
});

// ====================================================================== address filter

describe('receive address filter (RAL/RAH, UPE, MPE, BAM, MTA)', () => {
  const OTHER = '02:99:88:77:66:55';
  const MCAST = '01:00:5e:7f:ab:cd';
  const BCAST = 'ff:ff:ff:ff:ff:ff';

  /** The MTA hash as the Linux driver computes it (e1000_hash_mc_addr). */
  function linuxHash(addr: Uint8Array, mo: number): number {
    const h = [(addr[4] >> 4) | (addr[5] << 4), (addr[4] >> 3) | (addr[5] << 5), (addr[4] >> 2) | (addr[5] << 6), addr[4] | (addr[5] << 8)][mo];
    return h & 0xfff;
  }

  /** Sends one frame to `dst`; returns whether it was stored (and the descriptor) and the filter drop count. */
  function deliver(setup: (nic: Nic) => void, dst: string, rctl = 0) {
    const { sim, nic, port } = nicWithRawPeer({ rctl });
    setup(nic);
    port.send(ethFrame(dst, MAC_A, 60));
    sim.runFor(100_000);
    const d = rxDesc(nic, 0);
    return { stored: (d.status & RXD_STAT.DD) !== 0, pif: (d.status & RXD_STAT.PIF) !== 0, filtered: nic.counters.rxFiltered, gprc: rd(nic, R.GPRC) };
  }
  const none = () => {};
  const RC = R.RCTL.f;

  test.each([
    ['own address (RAL[0]/RAH[0] from the EEPROM)', none, MAC_B, 0, true],
    ['another unicast address', none, OTHER, 0, false],
    ['another unicast address with UPE', none, OTHER, RC.UPE.mask, true],
    ['broadcast without BAM', none, BCAST, 0, false],
    ['broadcast with BAM', none, BCAST, RC.BAM.mask, true],
    ['multicast not in the MTA', none, MCAST, 0, false],
    ['multicast with MPE', none, MCAST, RC.MPE.mask, true],
    ['a unicast address in RAL[1]/RAH[1] with AV', (n: Nic) => programRa(n, 1, OTHER, true), OTHER, 0, true],
    ['a unicast address in RAL[1]/RAH[1] without AV', (n: Nic) => programRa(n, 1, OTHER, false), OTHER, 0, false],
    ['own address after RAH[0].AV is cleared', (n: Nic) => wr(n, R.RAH, rd(n, R.RAH, 0) & ~R.RAH.f.AV.mask, 0), MAC_B, 0, false],
  ])('%s', (_what, setup, dst, rctl, accepted) => {
    const r = deliver(setup, dst, rctl);
    expect(r.stored).toBe(accepted);
    expect(r.gprc).toBe(accepted ? 1 : 0);
    expect(r.filtered).toBe(accepted ? 0 : 1);
  });

  function programRa(nic: Nic, i: number, addr: string, av: boolean): void {
    const m = mac(addr);
    wr(nic, R.RAL, (m[0] | (m[1] << 8) | (m[2] << 16) | (m[3] << 24)) >>> 0, i);
    wr(nic, R.RAH, (m[4] | (m[5] << 8) | (av ? R.RAH.f.AV.mask : 0)) >>> 0, i);
  }

  test('the four MTA hashes differ for the test address (so the MO cases below are distinct)', () => {
    const hashes = [0, 1, 2, 3].map((mo) => linuxHash(mac(MCAST), mo));
    expect(hashes).toEqual([0xcda, 0x9b5, 0x36a, 0xdab]);
  });

  test.each([0, 1, 2, 3])('RCTL.MO=%i: the MTA bit for that hash accepts the multicast (PIF), the bit of another MO does not', (mo) => {
    const setBit = (h: number) => (nic: Nic) => {
      for (let i = 0; i < 128; i++) wr(nic, R.MTA, 0, i);
      wr(nic, R.MTA, (1 << (h & 31)) >>> 0, h >>> 5);
    };
    const right = deliver(setBit(linuxHash(mac(MCAST), mo)), MCAST, mo << RC.MO.lsb);
    expect(right).toMatchObject({ stored: true, pif: true, filtered: 0 });
    const wrong = deliver(setBit(linuxHash(mac(MCAST), (mo + 1) % 4)), MCAST, mo << RC.MO.lsb);
    expect(wrong).toMatchObject({ stored: false, filtered: 1 });
  });

  test('an exact RAL/RAH match for a multicast address is not an inexact (PIF) match', () => {
    const r = deliver((n) => programRa(n, 3, MCAST, true), MCAST);
    expect(r).toMatchObject({ stored: true, pif: false, filtered: 0 });
  });
});

// ====================================================================== statistics

describe('statistics registers', () => {
  test('receive counters count good frames by size and kind and clear on read', () => {
    const { sim, nic, port } = nicWithRawPeer({ rctl: R.RCTL.f.BAM.mask });
    for (let i = 0; i < 3; i++) port.send(ethFrame(MAC_B, MAC_A, 60, i));
    sim.runFor(10_000);
    port.send(ethFrame('ff:ff:ff:ff:ff:ff', MAC_A, 200));
    sim.runFor(10_000);
    const read = (def: RegDef) => rd(nic, def);
    expect([read(R.GPRC), read(R.TPR), read(R.PRC64), read(R.PRC255), read(R.BPRC), read(R.MPRC)]).toEqual([4, 4, 3, 1, 1, 0]);
    expect([read(R.GPRC), read(R.TPR), read(R.PRC64), read(R.PRC255), read(R.BPRC)]).toEqual([0, 0, 0, 0, 0]);
  });

  test('transmit counters count sent frames and octets (FCS included)', () => {
    const { sim, a } = makePair();
    setupTx(a);
    queueTx(a, ethFrame(MAC_B, MAC_A, 60));
    queueTx(a, ethFrame('ff:ff:ff:ff:ff:ff', MAC_A, 1000));
    sim.runFor(100_000);
    expect([rd(a, R.GPTC), rd(a, R.TPT), rd(a, R.PTC64), rd(a, R.PTC1023), rd(a, R.BPTC)]).toEqual([2, 2, 1, 1, 1]);
    expect([rd(a, R.GOTCL), rd(a, R.GOTCH)]).toEqual([64 + 1004, 0]);
    expect(rd(a, R.GOTCL)).toBe(0);
  });

  test('GORCL/GORCH: reading GORCL does not clear; reading GORCH clears both', () => {
    const { sim, nic, port } = nicWithRawPeer();
    for (let i = 0; i < 3; i++) port.send(ethFrame(MAC_B, MAC_A, 60, i));
    sim.runFor(10_000);
    expect(rd(nic, R.GORCL)).toBe(192);
    expect(rd(nic, R.GORCL)).toBe(192);
    expect(rd(nic, R.GORCH)).toBe(0);
    expect(rd(nic, R.GORCL)).toBe(0);
    expect([rd(nic, R.TORL), rd(nic, R.TORH), rd(nic, R.TORL)]).toEqual([192, 0, 0]);
  });

  test('counters saturate at 0xFFFFFFFF; the 64-bit octet counter carries into the high half', () => {
    const { sim, nic, port } = nicWithRawPeer();
    // Device-side preload (2^32 frames are not practical to simulate).
    nic.regs.set(R.GPRC, 0xffff_fffe);
    nic.regs.set(R.GORCL, 0xffff_ffc0);
    for (let i = 0; i < 3; i++) port.send(ethFrame(MAC_B, MAC_A, 60, i));
    sim.runFor(10_000);
    expect(rd(nic, R.GPRC)).toBe(0xffff_ffff);
    expect(rd(nic, R.GPRC)).toBe(0);
    expect([rd(nic, R.GORCL), rd(nic, R.GORCH)]).toEqual([0x80, 1]);
  });

  test('statistics registers ignore writes', () => {
    const { sim, nic, port } = nicWithRawPeer();
    port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.runFor(10_000);
    wr(nic, R.GPRC, 0x1234);
    wr(nic, R.GORCL, 0x1234);
    expect([rd(nic, R.GPRC), rd(nic, R.GORCL)]).toEqual([1, 64]);
  });
});

// ====================================================================== I/O window

describe('the I/O window (IOADDR/IODATA)', () => {
  test('IODATA reaches the register IOADDR names, with its side effects (ICR read-to-clear, IRQ)', () => {
    const nic = makeNic(new Simulator());
    nic.ioWrite32(0, R.IMS.offset);
    nic.ioWrite32(4, INT.LSC);
    nic.ioWrite32(0, R.ICS.offset);
    nic.ioWrite32(4, INT.LSC | INT.TXDW);
    expect(nic.irq.level).toBe(true);
    expect(nic.ioRead32(0)).toBe(R.ICS.offset);
    nic.ioWrite32(0, R.ICR.offset);
    expect(nic.ioRead32(4)).toBe(INT.LSC | INT.TXDW);
    expect(nic.irq.level).toBe(false);
    expect(nic.ioRead32(4)).toBe(0);
    expect(rd(nic, R.ICR)).toBe(0);
  });

  test('writes through IODATA land in BAR0 and BAR0 writes are seen through IODATA', () => {
    const nic = makeNic(new Simulator());
    nic.ioWrite32(0, R.RCTL.offset);
    nic.ioWrite32(4, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask);
    expect(rd(nic, R.RCTL)).toBe(R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask);
    wr(nic, R.MTA, 0xdead_beef, 5);
    nic.ioWrite32(0, R.MTA.offset + 5 * 4);
    expect(nic.ioRead32(4)).toBe(0xdead_beef);
  });
});

// ====================================================================== stored-only registers

describe('registers nicsim only stores', () => {
  const STORED: Array<[string, RegDef, number]> = [
    ['VET', R.VET, 0],
    ['FCAL', R.FCAL, 0],
    ['FCAH', R.FCAH, 0],
    ['FCT', R.FCT, 0],
    ['FCTTV', R.FCTTV, 0],
    ['FCRTL', R.FCRTL, 0],
    ['FCRTH', R.FCRTH, 0],
    ['LEDCTL', R.LEDCTL, 0],
    ['RXDCTL', R.RXDCTL, 0],
    ['TXDCTL', R.TXDCTL, 0],
    ['RXCSUM', R.RXCSUM, 0],
    ['VFTA[0]', R.VFTA, 0],
    ['VFTA[127]', R.VFTA, 127],
    ['WUC', R.WUC, 0],
    ['WUFC', R.WUFC, 0],
    ['MANC', R.MANC, 0],
    ['AIT', R.AIT, 0],
    ['CTRL_EXT', R.CTRL_EXT, 0],
  ];

  test.each(STORED)('%s reads its reset value, then returns what was written', (_name, def, i) => {
    const nic = makeNic(new Simulator());
    expect(rd(nic, def, i)).toBe(def.reset);
    for (const pattern of [0xa5a5_a5a5, 0x5a5a_5a5a, 0x0000_0001]) {
      const v = (pattern & def.definedMask) >>> 0;
      wr(nic, def, v, i);
      expect(rd(nic, def, i)).toBe(v);
    }
  });

  test('16-bit registers keep only their 16 bits (VET, FCAH, FCT, FCTTV, AIT)', () => {
    const nic = makeNic(new Simulator());
    for (const def of [R.VET, R.FCAH, R.FCT, R.FCTTV, R.AIT]) {
      wr(nic, def, 0xffff_ffff);
      expect([def.name, rd(nic, def)]).toEqual([def.name, 0xffff]);
    }
  });
});


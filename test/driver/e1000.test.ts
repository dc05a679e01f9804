/**
 * The e1000 driver against the adapter, at register level: the probe/open sequence asserted by
 * name, the interrupt handler and NAPI poll sequences, descriptors as the driver fills them,
 * receive modes, MTU, statistics, close, and lifecycle guards.
 */
import { describe, expect, test } from 'vitest';
import { e1000 as R, DESC_SIZE, TXD_CMD, readTxDescriptor } from '../../hw/index.js';
import { DriverError, IMS_ENABLE_MASK, recordRegisters, type LinkState } from '../../driver/index.js';
import { bringUp, frame, intact, makePair, settle, seqOf } from './helpers.js';

const EERD_WORD = '(EERD|=START, EERD?&=~DONE, EERD?|=DONE)';
const PROBE = `
  IMC=0xffffffff, RCTL=0, TCTL=PSP, STATUS?,
  CTRL?, CTRL|=RST, CTRL?&=~RST,
  IMC=0xffffffff, ICR?,
  ${EERD_WORD}{64},
  ${EERD_WORD}{3},
  RAL[0]=0x00000002, RAH[0]=RAH=0x0a00|AV,
  (RAL[*]=0, RAH[*]=0){15},
  MTA=0{128},
  MDIC=OP=2|PHYADD=1|REGADD=2, MDIC?&=~R{5}, MDIC?|=R|DATA=0x0141,
  MDIC=OP=2|PHYADD=1|REGADD=3, MDIC?&=~R{5}, MDIC?|=R|DATA=0x0c20,
  CTRL?, CTRL=FD|SLU`;
const OPEN = `
  TDBAL, TDBAH=0, TDLEN=4096, TDH=0, TDT=0,
  TIPG=IPGT=8|IPGR1=8|IPGR2=6, TIDV=0, TADV=0, TCTL=PSP|CT=15|COLD=64,
  (RAL[*]=0, RAH[*]=0){15}, MTA=0{128},
  RCTL=0, ITR=0, RDTR=0, RADV=0, RXCSUM=PCSS=14, RDBAL, RDBAH=0, RDLEN=4096, RDH=0, RDT=0,
  RCTL=EN|BAM|SECRC,
  RDT=255,
  IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, STATUS?,
  ICS=LSC`;

describe('probe and open', () => {
  test('the whole register sequence, by name', async () => {
    const { sim, a } = makePair();
    const rec = recordRegisters(sim, { source: 'a' });
    await settle(sim, a.drv.probe());
    rec.expect(PROBE);
    expect(sim.now).toBe(731_000); // 1 µs reset + 67 EEPROM words × 10 µs + 2 PHY registers × 30 µs
    rec.clear();
    await settle(sim, a.drv.open());
    // the LSC raised through ICS reaches the handler, which schedules the watchdog
    sim.run({ until: sim.now });
    rec.expect(`${OPEN},
      ICR?=LSC, IMC=0xffffffff, STATUS?,
      STATUS?&=~LU, CRCERRS?, …, TOTH?,
      IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, STATUS?`);
    rec.clear();
    // the link comes up at 1 ms: LSC → watchdog → TCTL.EN
    await settle(sim, a.drv.waitForLink(10_000_000));
    expect(sim.now).toBe(1_000_000);
    sim.run({ until: sim.now }); // the poll after the handler
    rec.expect(`ICR?=LSC, IMC=0xffffffff, STATUS?, STATUS?|=LU|FD|SPEED=2, TCTL?, TCTL=EN|PSP|CT=15|COLD=64, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, STATUS?`);
    rec.stop();
  });

  test("the issue's shorthand: IMC=0xffffffff, …, CTRL|=RST, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, …", async () => {
    const { sim, a } = makePair();
    const rec = recordRegisters(sim, { source: 'a' });
    await settle(sim, a.drv.probe());
    await settle(sim, a.drv.open());
    expect(rec.match('IMC=0xffffffff, …, CTRL|=RST, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, …').ok).toBe(true);
    expect(rec.match('IMC=0xffffffff, …, CTRL|=RST, …, IMS=RXT0|TXDW|LSC, …').ok).toBe(false);
    expect(IMS_ENABLE_MASK).toBe(0x9d);
  });

  test('probe reads the MAC through EERD and the PHY ID through MDIC; RAR[0] holds the address', async () => {
    const { sim, a } = makePair({ a: { nic: { mac: '00:1b:21:0a:0b:0c' } } });
    await settle(sim, a.drv.probe());
    expect(Array.from(a.drv.mac)).toEqual([0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]);
    expect(a.drv.phyId).toBe(0x01410c20);
    expect(a.nic.read32(R.RAL.offset)).toBe(0x0a211b00);
    expect(a.nic.read32(R.RAH.offset)).toBe((0x0c0b | R.RAH.f.AV.mask) >>> 0);
    expect(a.drv.state).toBe('down');
  });
});

describe('data path at register level', () => {
  test('xmitFrame: one descriptor EOP|IFCS|RS with the frame copied into its buffer, then TDT', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    const base = a.nic.read32(R.TDBAL.offset);
    const rec = recordRegisters(sim, { source: 'a' });
    const f = frame(b.drv.mac, a.drv.mac, 200, 7);
    expect(a.drv.transmit(f)).toBe('ok');
    rec.expect('TDT=1');
    const d = readTxDescriptor(a.mem, base);
    expect(d.cmd).toBe(TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS);
    expect(d.length).toBe(200);
    expect(Array.from(a.mem.read(d.buffer, 200))).toEqual(Array.from(f));
    sim.run({ until: sim.now + 100_000 });
    // TXDW: handler masks, poll reclaims (no register access), re-enables
    rec.expect('TDT=1, ICR?=TXDW|TXQE, IMC=0xffffffff, STATUS?, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, STATUS?, …');
    expect(a.drv.stats().txPackets).toBe(1);
    expect(b.received).toHaveLength(1);
    expect(Array.from(b.received[0])).toEqual(Array.from(f));
  });

  test('intr: ICR = 0 is "not mine" and touches nothing else', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    const rec = recordRegisters(sim, { source: 'a' });
    expect(a.drv.intr()).toBe('none');
    rec.expect('ICR?=0');
    expect(a.drv.counters.interruptsNotMine).toBe(1);
  });

  test('receive: the poll refills and writes RDT every 16 descriptors, then re-enables IMS', async () => {
    const { sim, a, b } = makePair({ b: { kernel: { softirqDelayNs: 1_000_000 } } });
    await bringUp(sim, a, b);
    sim.run({ until: sim.now + 2_000_000 }); // let the polls of the bring-up (1 ms late each) finish
    const polls0 = b.drv.napiStats().polls;
    const rec = recordRegisters(sim, { source: 'b' });
    for (let i = 0; i < 40; i++) expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 1514, i))).toBe('ok');
    sim.run({ until: sim.now + 3_000_000 });
    expect(b.received).toHaveLength(40);
    rec.expect('ICR?=RXT0, IMC=0xffffffff, STATUS?, RDT=15, RDT=31, RDT=39, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ, STATUS?, …');
    // the 40 frames in one poll; RXT0 latched meanwhile brings one more (empty) poll
    expect(b.drv.napiStats()).toMatchObject({ polls: polls0 + 2, maxWork: 40 });
  });

  test('frames with descriptor error bits are dropped and counted (RCTL.SBP keeps FCS errors)', async () => {
    const { sim, a, b, cable } = makePair();
    await bringUp(sim, a, b);
    b.nic.write32(R.RCTL.offset, b.nic.read32(R.RCTL.offset) | R.RCTL.f.SBP.mask); // test poke: store bad packets
    let n = 0;
    cable.use(0, (f, next) => {
      if (n++ !== 1) return next(f);
      const bytes = Uint8Array.from(f.bytes);
      bytes[40] ^= 0xff; // corrupt the second frame: FCS error
      next({ ...f, bytes });
    });
    for (let i = 0; i < 3; i++) a.drv.transmit(frame(b.drv.mac, a.drv.mac, 100, i));
    sim.run({ until: sim.now + 1_000_000 });
    expect(b.received.map(seqOf)).toEqual([0, 2]);
    expect(b.drv.counters.rxErrorFrames).toBe(1);
    const s = b.drv.stats();
    expect(s.rxDropped).toBe(1);
    expect(s.rxCrcErrors).toBe(1);
    expect(s.rxErrors).toBe(1);
    expect(s.rxPackets).toBe(2);
  });
});

describe('ringState: the software ring indexes, read-only', () => {
  test('null before open; after one frame TX next_to_use 1, next_to_clean 1 once reclaimed; RX keeps one descriptor empty; null after close', async () => {
    const { sim, a, b } = makePair({ a: { driver: { txRingSize: 64, rxRingSize: 128 } } });
    await settle(sim, a.drv.probe());
    expect(a.drv.ringState()).toBeNull();
    await settle(sim, a.drv.open());
    await settle(sim, b.drv.probe());
    await settle(sim, b.drv.open());
    await settle(sim, a.drv.waitForLink(10_000_000));
    expect(a.drv.ringState()).toEqual({ tx: { nextToUse: 0, nextToClean: 0, count: 64 }, rx: { nextToUse: 127, nextToClean: 0, count: 128 } });
    expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 100, 1))).toBe('ok');
    expect(a.drv.ringState()!.tx).toEqual({ nextToUse: 1, nextToClean: 0, count: 64 });
    sim.run({ until: sim.now + 100_000 });
    expect(a.drv.ringState()!.tx).toEqual({ nextToUse: 1, nextToClean: 1, count: 64 });
    // a copy: writing to it changes nothing in the driver
    const st = a.drv.ringState()!;
    st.tx.nextToUse = 40;
    expect(a.drv.ringState()!.tx.nextToUse).toBe(1);
    expect(a.nic.read32(R.TDT.offset)).toBe(1);
    await settle(sim, a.drv.close());
    expect(a.drv.ringState()).toBeNull();
  });
});

describe('interrupt latency and CPU costs', () => {
  test('a frame reaches the stack after the wire, the interrupt latency and the handler\'s MMIO costs', async () => {
    const times = async (costs: boolean) => {
      const { sim, a, b } = makePair({ b: { kernel: { irqLatencyNs: 2_000, costs: costs ? { mmioReadNs: 1_000, mmioWriteNs: 100 } : {} } } });
      await bringUp(sim, a, b);
      sim.run({ until: sim.now + 1_000_000 });
      const t0 = sim.now;
      let at = -1;
      b.drv.onReceive(() => (at = sim.now - t0));
      a.drv.transmit(frame(b.drv.mac, a.drv.mac, 100, 0));
      sim.run({ until: t0 + 100_000 });
      return { at, busy: b.kernel.cpu.busyNs };
    };
    // 104 bytes + preamble at 1 ns/bit = 896 ns, 50 ns of cable, 2 µs of interrupt latency
    expect((await times(false)).at).toBe(896 + 50 + 2_000);
    // the handler reads ICR and STATUS (1 µs each) and writes IMC (100 ns): the poll starts 2.1 µs later
    expect((await times(true)).at).toBe(896 + 50 + 2_000 + 2_100);
  });
});

describe('receive modes and MTU', () => {
  test('promiscuous: unknown unicast is received only with UPE', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    const other = Uint8Array.of(2, 0, 0, 0, 0, 0x99);
    a.drv.transmit(frame(other, a.drv.mac, 80, 1));
    sim.run({ until: sim.now + 100_000 });
    expect(b.received).toHaveLength(0);
    const rec = recordRegisters(sim, { source: 'b' });
    b.drv.setPromiscuous(true);
    rec.expect('RCTL?, RCTL|=UPE|MPE, (RAL[*]=0, RAH[*]=0){15}, MTA=0{128}');
    a.drv.transmit(frame(other, a.drv.mac, 80, 2));
    sim.run({ until: sim.now + 100_000 });
    expect(b.received.map(seqOf)).toEqual([2]);
    b.drv.setPromiscuous(false);
    a.drv.transmit(frame(other, a.drv.mac, 80, 3));
    sim.run({ until: sim.now + 100_000 });
    expect(b.received.map(seqOf)).toEqual([2]);
  });

  test('multicast list: 15 exact filters, the rest hashed into the MTA', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    const mc = (k: number) => Uint8Array.of(0x01, 0x00, 0x5e, 0x00, k >> 4, (k & 15) << 4);
    const list = Array.from({ length: 20 }, (_, k) => mc(k + 1));
    const rec = recordRegisters(sim, { source: 'b' });
    b.drv.setMulticastList(list);
    rec.expect('RCTL?, (RAL[*], RAH[*]|=AV){15}, MTA{128}');
    // words 0x005e0001.. into RAR[1..15]; the last 5 set MTA bits
    expect(b.nic.read32(R.RAH.offset + 8 * 15) & R.RAH.f.AV.mask).toBeTruthy();
    const mtaBits = Array.from({ length: 128 }, (_, i) => b.nic.read32(R.MTA.offset + 4 * i)).reduce((n, w) => n + popcount(w), 0);
    expect(mtaBits).toBe(5);
    for (const k of [1, 15, 16, 20, 21]) a.drv.transmit(frame(mc(k), a.drv.mac, 80, k));
    sim.run({ until: sim.now + 100_000 });
    expect(b.received.map(seqOf)).toEqual([1, 15, 16, 20]); // 21 is not in the list
    expect(b.drv.stats().multicast).toBe(4);
    expect(() => b.drv.setMulticastList([Uint8Array.of(2, 0, 0, 0, 0, 1)])).toThrow(/not a multicast/);
  });

  test('MTU 9000: RCTL.LPE, a jumbo frame split over 5 transmit descriptors and reassembled from 5 receive buffers', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    expect(() => a.drv.transmit(frame(b.drv.mac, a.drv.mac, 1515, 0))).toThrow(RangeError);
    const rec = recordRegisters(sim, { source: 'b' });
    b.drv.setMtu(9000);
    rec.expect('RCTL?, RCTL|=LPE');
    a.drv.setMtu(9000);
    const f = frame(b.drv.mac, a.drv.mac, 9014, 42);
    expect(a.drv.transmit(f)).toBe('ok');
    const base = a.nic.read32(R.TDBAL.offset);
    const cmds = Array.from({ length: 5 }, (_, i) => readTxDescriptor(a.mem, base + i * DESC_SIZE));
    expect(cmds.map((d) => d.length)).toEqual([2048, 2048, 2048, 2048, 822]);
    expect(cmds.map((d) => d.cmd)).toEqual([2, 2, 2, 2, TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS]);
    sim.run({ until: sim.now + 1_000_000 });
    expect(b.received).toHaveLength(1);
    expect(b.received[0].length).toBe(9014);
    expect(intact(b.received[0], b.drv.mac, a.drv.mac)).toBe(true);
    expect(b.drv.napiStats().work).toBe(5);
    expect(a.drv.stats().txPackets).toBe(1);
    expect(() => a.drv.setMtu(67)).toThrow(RangeError);
    expect(() => a.drv.setMtu(16111)).toThrow(RangeError);
  });
});

describe('statistics, link events, close', () => {
  test('clear-on-read counters accumulate into 64-bit netdev statistics', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    for (let i = 0; i < 10; i++) a.drv.transmit(frame(b.drv.mac, a.drv.mac, 1000, i));
    sim.run({ until: sim.now + 1_000_000 });
    const h1 = b.drv.hwStatistics();
    expect(h1.gprc).toBe(10);
    expect(h1.gorc).toBe(10 * 1004);
    expect(b.nic.read32(R.GPRC.offset)).toBe(0); // read (and cleared) by the driver
    for (let i = 10; i < 15; i++) a.drv.transmit(frame(b.drv.mac, a.drv.mac, 1000, i));
    sim.run({ until: sim.now + 1_000_000 });
    expect(b.drv.hwStatistics()).toMatchObject({ gprc: 15, gorc: 15 * 1004, prc1023: 15, mpc: 0 });
    expect(a.drv.hwStatistics()).toMatchObject({ gptc: 15, gotc: 15 * 1004 });
    expect(b.drv.stats()).toMatchObject({ rxPackets: 15, rxBytes: 15_000, rxErrors: 0 });
    expect(a.drv.stats()).toMatchObject({ txPackets: 15, txBytes: 15_000, txErrors: 0 });
  });

  test('pulling the cable: carrier down to the stack, transmit says down; plugging back: up again, traffic resumes', async () => {
    const { sim, a, b, cable } = makePair();
    await bringUp(sim, a, b);
    const seen: LinkState[] = [];
    a.drv.onLinkChange((l) => seen.push(l));
    cable.unplug();
    sim.run({ until: sim.now + 1_000 });
    expect(seen).toEqual([{ up: false }]);
    expect(a.drv.state).toBe('up.linkDown');
    expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 60, 0))).toBe('down');
    cable.plug();
    await settle(sim, a.drv.waitForLink(10_000_000));
    expect(seen).toEqual([{ up: false }, { up: true, speed: 1000, duplex: 'full' }]);
    await settle(sim, b.drv.waitForLink(10_000_000));
    expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 60, 1))).toBe('ok');
    sim.run({ until: sim.now + 100_000 });
    expect(b.received.map(seqOf)).toEqual([1]);
  });

  test('close: receive and transmit off, interrupts masked, adapter reset, DMA memory freed; open again works', async () => {
    const { sim, a, b } = makePair();
    await bringUp(sim, a, b);
    const links: boolean[] = [];
    a.drv.onLinkChange((l) => links.push(l.up));
    expect(a.kernel.dma.inUse).toBe(2 * (256 * 16 + 256 * 2048));
    const rec = recordRegisters(sim, { source: 'a' });
    await settle(sim, a.drv.close());
    rec.expect(`RCTL?, RCTL&=~EN, TCTL?, TCTL&=~EN, STATUS?,
      IMC=0xffffffff, STATUS?, CRCERRS?, …, TOTH?,
      IMC=0xffffffff, RCTL=0, TCTL=PSP, STATUS?, CTRL?, CTRL|=RST, CTRL?&=~RST, IMC=0xffffffff, ICR?,
      RAL[0], RAH[0]|=AV, (RAL[*]=0, RAH[*]=0){15}, MTA=0{128}, CTRL?, CTRL|=SLU`);
    expect(a.drv.state).toBe('down');
    expect(links).toEqual([false]);
    expect(a.kernel.dma.inUse).toBe(0);
    expect(a.kernel.dma.allocations).toBe(0);
    expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 60, 0))).toBe('down');
    await settle(sim, a.drv.open());
    await settle(sim, a.drv.waitForLink(10_000_000));
    expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 60, 5))).toBe('ok');
    b.drv.transmit(frame(a.drv.mac, b.drv.mac, 60, 6));
    sim.run({ until: sim.now + 100_000 });
    expect(b.received.map(seqOf)).toEqual([5]);
    expect(a.received.map(seqOf)).toEqual([6]);
  });

  test('frames still queued at close are dropped and counted', async () => {
    const { sim, a, b, cable } = makePair();
    await bringUp(sim, a, b);
    cable.unplug();
    // the carrier is still up until the watchdog has run: these frames are queued but cannot be sent
    for (let i = 0; i < 3; i++) expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 60, i))).toBe('ok');
    sim.run({ until: sim.now + 1_000 });
    expect(a.drv.linkUp).toBe(false);
    await settle(sim, a.drv.close());
    expect(a.drv.stats()).toMatchObject({ txDropped: 3, txPackets: 0 });
  });

  test('lifecycle guards: operations out of order are refused with bad-state', async () => {
    const { sim, a, b } = makePair();
    await expect(a.drv.open()).rejects.toThrow(DriverError);
    await expect(a.drv.open()).rejects.toMatchObject({ code: 'bad-state' });
    expect(a.drv.transmit(frame(b.drv.mac, a.drv.mac, 60, 0))).toBe('down');
    await settle(sim, a.drv.probe());
    await expect(a.drv.probe()).rejects.toMatchObject({ code: 'bad-state' });
    await expect(a.drv.close()).rejects.toMatchObject({ code: 'bad-state', message: expect.stringContaining("cannot close in state 'down'") });
    await settle(sim, a.drv.remove());
    expect(a.drv.state).toBe('removed');
    await expect(a.drv.open()).rejects.toMatchObject({ code: 'bad-state' });
  });
});

function popcount(w: number): number {
  let n = 0;
  for (let x = w >>> 0; x; x >>>= 1) n += x & 1;
  return n;
}

/**
 * The adapter under a hostile driver and a hostile wire at once (issue 11): 10^5 seeded random
 * register writes, weighted to the ring, interrupt and control registers and interleaved with
 * doorbells and simulated time, and 10^5 random frames of 0 to 16 000 bytes. After every batch:
 * nothing threw, the canary (the adapter's own BAR0 window placed inside host memory, which DMA
 * must never touch) is intact, and every frame that reached the adapter ended in exactly one of
 * the good, error, filtered or missed counters, or still waits in the receive FIFO.
 */
import { expect, test } from 'vitest';
import { Rng } from '../../sim/rng.js';
import { DESC_SIZE, writeTxDescriptor } from '../../hw/descriptors.js';
import { serializeFrame } from '../../hw/mac/framing.js';
import type { RegDef } from '../../hw/registers/engine.js';
import { R, LAYOUT, MAC_A, MAC_B, nicWithRawPeer, setupTx, setupRx, ethFrame, wr } from './helpers.js';

const BATCHES = 100;
const WRITES_PER_BATCH = 1_000;
const FRAMES_PER_BATCH = 1_000;
const CANARY = 0xc_0000; // BAR0 (128 KiB) inside the 1 MiB host memory
const CANARY_BYTE = 0xa5;

/** Statistics registers that end a received frame: good, or one kind of error or miss. */
const STATS: readonly RegDef[] = [R.GPRC, R.CRCERRS, R.RXERRC, R.RUC, R.RFC, R.ROC, R.RJC, R.RLEC, R.MPC];

test('10^5 random register writes and 10^5 random frames: no exception, canary intact, every arriving frame counted exactly once per batch', () => {
  const { sim, nic, port } = nicWithRawPeer({ autonegNs: 20_000, nic: { bar0Base: CANARY, phy: { forcedLinkNs: 20_000 } } });
  const rng = new Rng(0x11_f022, 'nic-fuzz');
  const mem = nic.memory;
  mem.bytes.fill(CANARY_BYTE, CANARY, CANARY + R.BAR0_SIZE);
  let transmitted = 0;
  port.receive = () => void transmitted++; // keep nothing: memory stays bounded

  // ---------------------------------------------------------------- frames: a pool of serialized lines, sent whole or truncated
  const pool: Uint8Array[] = [];
  for (let i = 0; i < 256; i++) {
    const len = Math.min(16_000, Math.floor(Math.exp(rng.float() * Math.log(16_001))) - 1); // log-uniform over 0…16 000
    const k = rng.int(0, 9);
    const dst = k < 5 ? MAC_B : k < 7 ? 'ff:ff:ff:ff:ff:ff' : k < 8 ? '01:00:5e:00:00:01' : '02:99:00:00:00:01';
    const body = len >= 14 ? ethFrame(dst, MAC_A, len, i) : rng.bytes(new Uint8Array(len));
    const line = serializeFrame(body, true, false);
    if (k === 9) line[line.length - 1] ^= 0xff; // bad FCS
    pool.push(line);
  }
  pool.push(new Uint8Array(0), new Uint8Array(64).fill(0x55)); // nothing, and a preamble without SFD

  // ---------------------------------------------------------------- registers
  const ring = [R.TDBAL, R.TDBAH, R.TDLEN, R.TDH, R.TDT, R.RDBAL, R.RDBAH, R.RDLEN, R.RDH, R.RDT];
  const irq = [R.ICR, R.ICS, R.IMS, R.IMC, R.ITR, R.RDTR, R.RADV, R.TIDV, R.TADV];
  const control = [R.CTRL, R.RCTL, R.TCTL, R.PBA, R.RXCSUM, R.TIPG, R.MDIC, R.EERD];
  const pick = (defs: readonly RegDef[]): number => {
    const d = defs[rng.int(0, defs.length - 1)];
    return d.offset + rng.int(0, d.count - 1) * d.stride;
  };
  const randomOffset = (): number => {
    const k = rng.int(0, 9);
    return k < 4 ? pick(ring) : k < 6 ? pick(irq) : k < 8 ? pick(control) : pick(R.E1000_REGISTERS);
  };
  const randomAddress = (): number => [0, rng.int(0, LAYOUT.memSize - 1), rng.int(0, LAYOUT.memSize - 1), LAYOUT.memSize + rng.int(0, 4096), CANARY + rng.int(0, 0x1_ffff), 2 ** 40][rng.int(0, 5)];
  const randomValue = (offset: number): number => {
    switch (rng.int(0, 5)) {
      case 0:
        return rng.nextU32();
      case 1:
        return rng.int(0, 80); // indices, delays, PBA sizes
      case 2:
        return rng.int(0, 40) * 128; // ring lengths
      case 3:
        return offset === R.TDBAL.offset || offset === R.RDBAL.offset ? randomAddress() % 2 ** 32 : rng.nextU32();
      default:
        return (1 << rng.int(0, 31)) >>> 0; // single bits
    }
  };

  // ---------------------------------------------------------------- counting
  const totals = { stats: 0 };
  const statOffsets = new Set(STATS.map((d) => d.offset));
  /** Reads (and so clears) every statistics register that ends a frame, adding them up. */
  const drainStats = (): void => {
    for (const d of STATS) totals.stats += nic.read32(d.offset);
  };
  const ended = (): number =>
    totals.stats + nic.counters.rxDescriptorFaults + nic.counters.rxFiltered + nic.counters.rxDisabled + nic.counters.rxNoLink + nic.counters.rxDuringLoopback + nic.counters.rxFlushed;
  const read = (offset: number): void => {
    const v = nic.read32(offset);
    if (statOffsets.has(offset)) totals.stats += v; // a driver's read of a counter takes its value
  };

  const rearm = (): void => {
    // Half the transmit descriptors are plausible frames, half hostile (any address, length, command).
    for (let i = 0; i < 64; i++) {
      if (rng.chance(0.5)) {
        mem.write(LAYOUT.txBuf + i * 0x800, ethFrame(MAC_A, MAC_B, 60 + rng.int(0, 1400), i));
        writeTxDescriptor(mem, LAYOUT.txRing + i * DESC_SIZE, { buffer: LAYOUT.txBuf + i * 0x800, length: 60 + rng.int(0, 1400), cmd: 0x0b | (rng.chance(0.2) ? 0x04 : 0) });
      } else writeTxDescriptor(mem, LAYOUT.txRing + i * DESC_SIZE, { buffer: randomAddress(), length: rng.int(0, 3000), cmd: rng.int(0, 255), cso: rng.int(0, 255), css: rng.int(0, 255) });
    }
    drainStats();
    wr(nic, R.CTRL, R.CTRL.f.SLU.mask);
    wr(nic, R.PBA, 0x30);
    wr(nic, R.MDIC, 0x1140 | (1 << R.MDIC.f.PHYADD.lsb) | (1 << R.MDIC.f.OP.lsb)); // BMCR: auto-negotiation, no PHY loopback
    setupTx(nic, 64);
    setupRx(nic, 16, rng.chance(0.5) ? R.RCTL.f.LPE.mask | R.RCTL.f.UPE.mask : R.RCTL.f.BAM.mask);
  };

  let sent = 0;
  let writes = 0;
  let doorbells = 0;
  let maxFifo = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  for (let batch = 0; batch < BATCHES; batch++) {
    const endedBefore = ended() - nic.counters.txLoopback;
    const fifoBefore = nic.rxFifoFrames;
    const sentBefore = sent;
    let framesLeft = FRAMES_PER_BATCH;
    for (let step = 0; step < WRITES_PER_BATCH; step++) {
      if (step % 100 === 0) rearm(); // valid rings (over hostile descriptors) ten times a batch
      const offset = randomOffset();
      let value = randomValue(offset);
      if (offset === R.CTRL.offset) {
        drainStats(); // a reset clears the statistics registers
        // a twentieth of CTRL writes may reset or hold the PHY; half duplex is never forced (COLC would hide frames)
        if (rng.chance(0.95)) value = (value & ~(R.CTRL.f.RST.mask | R.CTRL.f.PHY_RST.mask)) | R.CTRL.f.SLU.mask;
        value &= ~R.CTRL.f.FRCDPX.mask;
      }
      if (offset === R.RCTL.offset) value &= ~R.RCTL.f.SBP.mask; // a stored bad frame would count in CRCERRS and maybe RXERRC
      if (offset === R.TDT.offset) doorbells++;
      expect(() => nic.write32(offset, value)).not.toThrow();
      writes++;
      if (rng.chance(0.2)) read(randomOffset());
      // frames and time between the writes
      const n = framesLeft > 0 && rng.chance(0.9) ? Math.min(framesLeft, rng.int(0, 2)) : 0;
      for (let i = 0; i < n; i++) {
        const line = pool[rng.int(0, pool.length - 1)];
        port.sendLine(rng.chance(0.1) ? line.subarray(0, rng.int(0, line.length)) : line);
        sent++;
        framesLeft--;
      }
      sim.run({ until: sim.now + rng.int(0, 20_000) });
      maxFifo = Math.max(maxFifo, nic.rxFifoFrames);
    }
    while (framesLeft-- > 0) {
      port.sendLine(pool[rng.int(0, pool.length - 1)]);
      sent++;
      sim.run({ until: sim.now + 2_000 });
    }
    sim.runFor(1_000_000); // every frame on the cable has arrived
    drainStats();
    const arrived = sent - sentBefore;
    const endedNow = ended() - nic.counters.txLoopback;
    expect(endedNow - endedBefore + (nic.rxFifoFrames - fifoBefore), `batch ${batch}: frames that arrived = frames counted + frames still held`).toBe(arrived);
    expect(mem.bytes.subarray(CANARY, CANARY + R.BAR0_SIZE).every((b) => b === CANARY_BYTE), `batch ${batch}: canary`).toBe(true);
  }
  expect(writes).toBeGreaterThanOrEqual(100_000);
  expect(sent).toBeGreaterThanOrEqual(100_000);
  // The fuzz reached the interesting paths.
  expect(doorbells).toBeGreaterThan(3_000);
  expect(totals.stats).toBeGreaterThan(1_000);
  expect(transmitted).toBeGreaterThan(100);
  expect(maxFifo).toBeGreaterThan(0);
  // Bounded memory: the receive FIFO never held more than 64 KB of frames, and the heap did not grow with the run.
  expect(maxFifo).toBeLessThanOrEqual(1_024);
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
});

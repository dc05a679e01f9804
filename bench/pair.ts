/**
 * The register-level workhorse of the adapter benchmarks: two adapters on a 1 m cable, programmed
 * only through registers and host memory (no driver), the sender's transmit ring full of identical
 * frames, the receiver's ring handed back after every batch.
 * @module
 */
import { Simulator } from '../sim/simulator.js';
import { Cable, type FrameMiddleware } from '../hw/medium/cable.js';
import { HostMemory } from '../hw/memory.js';
import { Nic } from '../hw/nic.js';
import * as R from '../hw/registers/e1000.js';
import { TXD_CMD, writeRxDescriptor, writeTxDescriptor } from '../hw/descriptors.js';
import type { Speed } from '../hw/medium/types.js';

/** Descriptors per ring. */
export const PAIR_RING = 1024;

/** Options of {@link registerPair}. */
export interface RegisterPairOptions {
  /** Frame size from destination address to FCS. */
  size: number;
  /** Link speed both adapters advertise (default 1000). */
  speed?: Speed;
  /** Adapter fidelity (default frame). */
  fidelity?: 'frame' | 'signal';
  /** Middleware on the a → b direction of the cable (built on the pair's simulator). */
  middleware?: (sim: Simulator) => FrameMiddleware;
}

/** What one batch moved (cleared-on-read counters of the batch). */
export interface BatchCounts {
  /** Frames a transmitted (GPTC). */
  sent: number;
  /** Good frames b received (GPRC). */
  good: number;
  /** Frames b received with a bad FCS (CRCERRS). */
  crcErrors: number;
}

/** A linked pair of adapters ready to move frames a → b in batches. */
export interface RegisterPair {
  /** The simulator. */
  sim: Simulator;
  /** Sends `n` more frames (n ≤ ring − 1), runs until idle, hands b's ring back; returns the batch's counts. */
  batch(n: number): BatchCounts;
}

/** Builds the pair, brings the link up at `speed` and fills a's transmit ring. */
export function registerPair(o: RegisterPairOptions): RegisterPair {
  const sim = new Simulator({ seed: 1 });
  const speed = o.speed ?? 1000;
  const RING = PAIR_RING;
  const TX_RING = 0x10000;
  const RX_RING = 0x20000;
  const BUF = 0x40000;
  const RX_BUF = 0x100000;
  const mk = (name: string) => {
    const mem = new HostMemory(8 << 20);
    const nic = new Nic(sim, { memory: mem, name, fidelity: o.fidelity ?? 'frame', phy: { autonegNs: 1_000 } });
    // advertise only the wanted speed (1000BASE-T control, ANAR) before the cable is plugged in
    nic.phy.mdioWrite(9, speed === 1000 ? 0x0200 : 0);
    nic.phy.mdioWrite(4, speed === 1000 ? 0x01e1 : speed === 100 ? 0x0181 : 0x0061);
    const w = (reg: { offset: number }, v: number) => nic.write32(reg.offset, v);
    w(R.CTRL, R.CTRL.f.SLU.mask);
    w(R.TDBAL, TX_RING);
    w(R.TDLEN, RING * 16);
    w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
    for (let i = 0; i < RING; i++) writeRxDescriptor(mem, RX_RING + 16 * i, RX_BUF + 2048 * i);
    w(R.RDBAL, RX_RING);
    w(R.RDLEN, RING * 16);
    w(R.RDT, RING - 1);
    w(R.RCTL, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask | R.RCTL.f.SECRC.mask);
    w(R.IMS, R.INT.RXT0 | R.INT.TXDW);
    return { mem, nic };
  };
  const a = mk('a');
  const b = mk('b');
  const cable = new Cable(sim, { lengthM: 1 }).connect(a.nic.port, b.nic.port);
  if (o.middleware) cable.use(0, o.middleware(sim));
  sim.run({ until: 10_000 });
  if (a.nic.link?.speed !== speed) throw new Error(`link came up at ${a.nic.link?.speed} Mb/s, not ${speed}`);
  const body = o.size - 4;
  const frame = new Uint8Array(body);
  frame.set(b.nic.macAddress, 0);
  frame.set(a.nic.macAddress, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  a.mem.write(BUF, frame);
  for (let i = 0; i < RING; i++) writeTxDescriptor(a.mem, TX_RING + 16 * i, { buffer: BUF, length: body, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
  let tail = 0;
  return {
    sim,
    batch(n: number): BatchCounts {
      tail = (tail + n) % RING;
      a.nic.write32(R.TDT.offset, tail);
      sim.run();
      const rdh = b.nic.read32(R.RDH.offset);
      b.nic.write32(R.RDT.offset, (rdh + RING - 1) % RING);
      a.nic.read32(R.ICR.offset);
      b.nic.read32(R.ICR.offset);
      return { sent: a.nic.read32(R.GPTC.offset), good: b.nic.read32(R.GPRC.offset), crcErrors: b.nic.read32(R.CRCERRS.offset) };
    },
  };
}

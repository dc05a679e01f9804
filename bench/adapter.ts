/**
 * Adapter throughput: frames per wall-clock second moved adapter → cable → adapter at 1 Gb/s,
 * programmed only through registers and host memory (no driver): the sender's TX ring is kept
 * full, the receiver's RX ring is handed back after every batch.
 * @module
 */
import { Simulator } from '../sim/simulator.js';
import { Cable } from '../hw/medium/cable.js';
import { HostMemory } from '../hw/memory.js';
import { Nic } from '../hw/nic.js';
import * as R from '../hw/registers/e1000.js';
import { TXD_CMD, writeRxDescriptor, writeTxDescriptor } from '../hw/descriptors.js';
import type { BenchResult } from './types.js';
import type { Speed } from '../hw/medium/types.js';

const RING = 1024;
const BATCH = 512;

/** Moves frames of `size` bytes (header to FCS) for about `seconds` of wall time; returns frames/s. */
export function adapterFramesPerSecond(size: number, seconds: number, opts: { speed?: Speed; fidelity?: 'frame' | 'signal' } = {}): { framesPerSecond: number; frames: number; simNs: number } {
  const sim = new Simulator({ seed: 1 });
  const speed = opts.speed ?? 1000;
  const mk = (name: string) => {
    const mem = new HostMemory(8 << 20);
    const nic = new Nic(sim, { memory: mem, name, fidelity: opts.fidelity ?? 'frame', phy: { autonegNs: 1_000 } });
    // advertise only the wanted speed (ANAR, 1000BASE-T control) before the cable is plugged in
    nic.phy.mdioWrite(9, speed === 1000 ? 0x0200 : 0);
    nic.phy.mdioWrite(4, speed === 1000 ? 0x01e1 : speed === 100 ? 0x0181 : 0x0061);
    return { mem, nic };
  };
  const a = mk('a');
  const b = mk('b');
  const TX_RING = 0x10000;
  const RX_RING = 0x20000;
  const BUF = 0x40000;
  const RX_BUF = 0x100000;
  for (const h of [a, b]) {
    const n = h.nic;
    n.write32(R.CTRL.offset, R.CTRL.f.SLU.mask);
    n.write32(R.TDBAL.offset, TX_RING);
    n.write32(R.TDLEN.offset, RING * 16);
    n.write32(R.TCTL.offset, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
    for (let i = 0; i < RING; i++) writeRxDescriptor(h.mem, RX_RING + 16 * i, RX_BUF + 2048 * i);
    n.write32(R.RDBAL.offset, RX_RING);
    n.write32(R.RDLEN.offset, RING * 16);
    n.write32(R.RDT.offset, RING - 1);
    n.write32(R.RCTL.offset, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask | R.RCTL.f.SECRC.mask);
    n.write32(R.IMS.offset, R.INT.RXT0 | R.INT.TXDW);
  }
  new Cable(sim, { lengthM: 1 }).connect(a.nic.port, b.nic.port);
  sim.run({ until: 10_000 });
  if (a.nic.link?.speed !== speed) throw new Error(`link came up at ${a.nic.link?.speed} Mb/s, not ${speed}`);
  const body = size - 4;
  const frame = new Uint8Array(body);
  frame.set(b.nic.macAddress, 0);
  frame.set(a.nic.macAddress, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  a.mem.write(BUF, frame);
  for (let i = 0; i < RING; i++) writeTxDescriptor(a.mem, TX_RING + 16 * i, { buffer: BUF, length: body, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
  let tail = 0;
  const batch = Math.min(BATCH, Math.max(8, Math.round(seconds * 1000)));
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let frames = 0;
  const simStart = sim.now;
  while (performance.now() < deadline) {
    tail = (tail + batch) % RING;
    a.nic.write32(R.TDT.offset, tail);
    sim.run();
    // hand every receive descriptor back, as a driver's refill would
    const rdh = b.nic.read32(R.RDH.offset);
    b.nic.write32(R.RDT.offset, (rdh + RING - 1) % RING);
    a.nic.read32(R.ICR.offset);
    b.nic.read32(R.ICR.offset);
    frames += b.nic.read32(R.GPRC.offset);
  }
  const wall = (performance.now() - start) / 1000;
  return { framesPerSecond: frames / wall, frames, simNs: sim.now - simStart };
}

/** The adapter benchmarks. */
export function benchAdapter(seconds = 3): BenchResult[] {
  const out: BenchResult[] = [];
  for (const size of [1518, 64]) {
    adapterFramesPerSecond(size, 0.3); // warm-up
    const r = adapterFramesPerSecond(size, seconds);
    out.push({ name: `adapter.frames_per_s.${size}`, value: Math.round(r.framesPerSecond), unit: 'frames/s' });
  }
  return out;
}

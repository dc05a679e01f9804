/**
 * Driver throughput: frames per wall-clock second from `transmit()` on one host to the receive
 * callback on the other, at 1 Gb/s over a 1 m cable. Each host is a full adapter + kernel + e1000
 * driver (probe, open, NAPI, interrupts); the sender keeps its queue full and resumes on queue
 * wake. The driver runs with ITR = 195 (≈ 20,000 interrupts/s, the ceiling of Linux's default
 * adaptive moderation); {@link driverSession} takes another ITR (0: one interrupt per frame).
 * @module
 */
import { Simulator } from '../sim/simulator.js';
import { Cable } from '../hw/medium/cable.js';
import { HostMemory } from '../hw/memory.js';
import { Nic } from '../hw/nic.js';
import { Kernel } from '../driver/kernel/kernel.js';
import { E1000 } from '../driver/e1000.js';
import type { Session } from './harness.js';

async function until<T>(sim: Simulator, p: Promise<T>): Promise<T> {
  let done = false;
  const mark = () => {
    done = true;
    sim.stop();
  };
  p.then(mark, mark);
  await sim.runAsync({ until: sim.now + 1_000_000_000 });
  if (!done) throw new Error('driver bring-up did not finish within 1 s of simulated time');
  return p;
}

/**
 * Sends `size`-byte frames (header to FCS) A → B with the sender's queue kept full; each step runs
 * 1 ms of simulated time; units: frames delivered to B's receive callback.
 */
export async function driverSession(size: number, itr = 195): Promise<Session> {
  const sim = new Simulator({ seed: 1 });
  const mk = (name: string, macByte: number) => {
    const mem = new HostMemory(8 << 20);
    const nic = new Nic(sim, { memory: mem, name, mac: Uint8Array.of(2, 0, 0, 0, 0, macByte), phy: { autonegNs: 10_000 } });
    const kernel = new Kernel(sim, mem, { name: `${name}.host` });
    const drv = new E1000(kernel, { bus: nic, irq: nic.irq }, { name: `${name}.eth0`, txRingSize: 256, rxRingSize: 256, itr });
    return { nic, drv };
  };
  const a = mk('a', 0x0a);
  const b = mk('b', 0x0b);
  new Cable(sim, { lengthM: 1 }).connect(a.nic.port, b.nic.port);
  await until(sim, Promise.all([a.drv.probe(), b.drv.probe()]));
  await until(sim, Promise.all([a.drv.open(), b.drv.open()]));
  await until(sim, Promise.all([a.drv.waitForLink(100_000_000), b.drv.waitForLink(100_000_000)]));

  const frame = new Uint8Array(size - 4);
  frame.set(b.drv.mac, 0);
  frame.set(a.drv.mac, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  let received = 0;
  b.drv.onReceive(() => {
    received++;
  });
  const pump = () => {
    while (a.drv.transmit(frame) === 'ok');
  };
  a.drv.onTxWake(pump);
  pump();
  return {
    step() {
      const r0 = received;
      sim.run({ until: sim.now + 1_000_000 });
      return received - r0;
    },
    close() {
      if (received === 0) throw new Error(`driver ${size} B: no frame arrived`);
      // every frame transmitted arrived, except those still on the way (at most a ring of them)
      const sa = a.drv.stats();
      const sb = b.drv.stats();
      const lost = { rxDropped: sb.rxDropped, rxErrors: sb.rxErrors, rxMissedErrors: sb.rxMissedErrors, txDropped: sa.txDropped, txErrors: sa.txErrors };
      if (Object.values(lost).some((v) => v !== 0)) throw new Error(`driver ${size} B: frames lost: ${JSON.stringify(lost)}`);
      if (sa.txPackets - received > 2 * 256) throw new Error(`driver ${size} B: ${sa.txPackets} frames sent, ${received} received`);
    },
  };
}

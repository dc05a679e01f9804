/**
 * Test helpers for the driver: a host (adapter + host memory + kernel + driver), a pair of hosts
 * on a cable, running async procedures to completion in simulated time, and a frame generator.
 */
import { Simulator, type Nanos } from '../../sim/index.js';
import { Cable, HostMemory, Nic, type CableOptions, type NicOptions } from '../../hw/index.js';
import { E1000, Kernel, type E1000Options, type KernelOptions } from '../../driver/index.js';

/** One emulated host. */
export interface Host {
  sim: Simulator;
  nic: Nic;
  mem: HostMemory;
  kernel: Kernel;
  drv: E1000;
  /** Frames the receive callback got. */
  received: Uint8Array[];
}

/** Options of {@link makeHost}. */
export interface HostOptions {
  nic?: Partial<Omit<NicOptions, 'memory'>>;
  kernel?: KernelOptions;
  driver?: E1000Options;
  memSize?: number;
  /** Keep received frames (default true). */
  keep?: boolean;
}

/** A host named `name` with MAC 02:00:00:00:00:`macByte`. */
export function makeHost(sim: Simulator, name: string, macByte: number, opts: HostOptions = {}): Host {
  const mem = new HostMemory(opts.memSize ?? 8 << 20);
  const nic = new Nic(sim, { memory: mem, name, mac: Uint8Array.of(2, 0, 0, 0, 0, macByte), ...opts.nic, phy: { autonegNs: 1_000_000, ...opts.nic?.phy } });
  const kernel = new Kernel(sim, mem, { name: `${name}.host`, ...opts.kernel });
  const drv = new E1000(kernel, { bus: nic, irq: nic.irq }, { name: `${name}.eth0`, ...opts.driver });
  const received: Uint8Array[] = [];
  if (opts.keep ?? true) drv.onReceive((f) => received.push(f));
  return { sim, nic, mem, kernel, drv, received };
}

/** Runs the simulation (async) until `p` settles or `maxNs` pass; returns p's value or rethrows its error. */
export async function settle<T>(sim: Simulator, p: Promise<T>, maxNs: Nanos = 1_000_000_000): Promise<T> {
  let done = false;
  p.then(
    () => {
      done = true;
      sim.stop();
    },
    () => {
      done = true;
      sim.stop();
    },
  );
  await sim.runAsync({ until: sim.now + maxNs });
  if (!done) throw new Error(`still pending after ${maxNs} ns of simulated time`);
  return p;
}

/** Probes and opens every host's driver and waits for carrier. */
export async function bringUp(sim: Simulator, ...hosts: Host[]): Promise<void> {
  await settle(sim, Promise.all(hosts.map((h) => h.drv.probe())));
  await settle(sim, Promise.all(hosts.map((h) => h.drv.open())));
  await settle(sim, Promise.all(hosts.map((h) => h.drv.waitForLink(100_000_000))));
}

/** Two hosts `a` (MAC …:0a) and `b` (…:0b) on a cable. */
export interface Pair {
  sim: Simulator;
  a: Host;
  b: Host;
  cable: Cable;
}

/** Builds a pair (not yet probed). */
export function makePair(opts: { a?: HostOptions; b?: HostOptions; both?: HostOptions; cable?: CableOptions; seed?: number } = {}): Pair {
  const sim = new Simulator({ seed: opts.seed ?? 3 });
  const merge = (x?: HostOptions): HostOptions => ({
    ...opts.both,
    ...x,
    nic: { ...opts.both?.nic, ...x?.nic },
    kernel: { ...opts.both?.kernel, ...x?.kernel },
    driver: { ...opts.both?.driver, ...x?.driver },
  });
  const a = makeHost(sim, 'a', 0x0a, merge(opts.a));
  const b = makeHost(sim, 'b', 0x0b, merge(opts.b));
  const cable = new Cable(sim, { lengthM: 10, ...opts.cable }).connect(a.nic.port, b.nic.port);
  return { sim, a, b, cable };
}

/** An Ethernet frame of `len` bytes (no FCS) with a 32-bit sequence number at byte 14 and a payload derived from it. */
export function frame(dst: Uint8Array, src: Uint8Array, len: number, seq: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  new DataView(f.buffer).setUint32(14, seq);
  for (let i = 18; i < len; i++) f[i] = (i + seq) & 0xff;
  return f;
}

/** The sequence number of a {@link frame}. */
export function seqOf(f: Uint8Array): number {
  return new DataView(f.buffer, f.byteOffset).getUint32(14);
}

/** True when `f` is exactly `frame(…, f.length, seqOf(f))` between `dst` and `src`. */
export function intact(f: Uint8Array, dst: Uint8Array, src: Uint8Array): boolean {
  const want = frame(dst, src, f.length, seqOf(f));
  for (let i = 0; i < f.length; i++) if (f[i] !== want[i]) return false;
  return true;
}

/** A sender that keeps `from`'s queue full until `total` frames are accepted, resuming on queue wake. */
export class Blaster {
  /** Frames accepted by `transmit`. */
  sent = 0;
  /** `busy` answers. */
  busy = 0;
  private readonly off: () => void;

  constructor(
    private readonly from: Host,
    private readonly to: Host,
    private readonly total: number,
    private readonly len: number,
  ) {
    this.off = from.drv.onTxWake(() => this.pump());
  }

  /** Sends until the queue is full or everything is sent. */
  pump(): void {
    const d = this.from.drv;
    while (this.sent < this.total) {
      const r = d.transmit(frame(this.to.drv.mac, d.mac, this.len, this.sent));
      if (r !== 'ok') {
        if (r === 'busy') this.busy++;
        return;
      }
      this.sent++;
    }
    this.off();
  }
}

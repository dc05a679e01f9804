/**
 * The shared-medium study's network (`nicsim lan --hub`, the `phy.csma_*` benchmarks): N adapters
 * on one repeater hub, each driven by a register-level {@link Station} that keeps its transmit
 * ring full of frames of one size.
 * @module
 */
import { Simulator } from '../sim/simulator.js';
import { MS } from '../sim/time.js';
import { HostMemory } from '../hw/memory.js';
import { Nic } from '../hw/nic.js';
import { Hub } from '../hw/medium/hub.js';
import { Station } from './station.js';

/** Parameters of {@link buildLan}. */
export interface LanNetworkOptions {
  /** Number of stations. */
  stations: number;
  /** Frame size from destination to FCS (64..1518). */
  size: number;
  /** Seed. */
  seed: number;
  /** Station cable length in metres (default 25). */
  lengthM?: number;
  /** Hub speed (default 10). */
  speed?: 10 | 100;
}

/** A built shared-medium network: the simulator, the hub, its adapters and their traffic sources (not yet started). */
export interface LanNetwork {
  /** The simulator. */
  sim: Simulator;
  /** The repeater hub. */
  hub: Hub;
  /** The adapters, `st0`…. */
  nics: Nic[];
  /** Starts every station's saturating traffic. */
  start(): void;
}

/** Builds the study's network: `o.stations` adapters on one hub, each with a saturating {@link Station}. */
export function buildLan(o: LanNetworkOptions): LanNetwork {
  const sim = new Simulator({ seed: o.seed });
  const speed = o.speed ?? 10;
  const hub = new Hub(sim, { speed, name: 'hub' });
  const nics: Nic[] = [];
  const mems: HostMemory[] = [];
  for (let i = 0; i < o.stations; i++) {
    const memory = new HostMemory(1 << 20);
    const nic = new Nic(sim, { memory, name: `st${i}`, mac: Uint8Array.of(0x02, 0, 0, 0, (i >> 8) & 0xff, i & 0xff), phy: { autonegNs: 1 * MS } });
    hub.attach(nic.port, { lengthM: o.lengthM ?? 25 });
    nics.push(nic);
    mems.push(memory);
  }
  const stations = nics.map((nic, i) => new Station(sim, nic, mems[i], { frameBytes: o.size, dst: nics[(i + 1) % nics.length].macAddress, ring: 16 }));
  return { sim, hub, nics, start: () => stations.forEach((s) => s.start()) };
}


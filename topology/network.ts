/**
 * The topology builder: whole emulated hosts — one or more adapters, host memory, a small kernel,
 * an e1000 driver per adapter and an IP stack — joined by cables, hubs and switches, on one
 * simulator. `start()` brings everything up the way an OS boots: probe and open every driver,
 * configure addresses, routes and NAPT, and wait for the links.
 *
 * ```ts
 * const net = new Network({ seed: 1 });
 * const client = net.host('client', { interfaces: [{ address: '10.0.0.2/24' }], gateway: '10.0.0.1' });
 * const router = net.router('router', { interfaces: [{ address: '10.0.0.1/24' }, { address: '10.0.1.1/24' }] });
 * const server = net.host('server', { interfaces: [{ address: '10.0.1.2/24' }], gateway: '10.0.1.1' });
 * net.cable(client.port(0), router.port(0));
 * net.cable(router.port(1), server.port(0), { lengthM: 100 });
 * await net.start();
 * ```
 * @module
 */
import { Simulator } from '../sim/simulator.js';
import type { Nanos } from '../sim/time.js';
import { MS } from '../sim/time.js';
import { HostMemory } from '../hw/memory.js';
import { Nic, type NicOptions } from '../hw/nic.js';
import { Cable, type CableOptions } from '../hw/medium/cable.js';
import { Hub, type HubOptions } from '../hw/medium/hub.js';
import { Switch, type SwitchOptions } from '../hw/medium/switch.js';
import type { Endpoint } from '../hw/medium/types.js';
import { parseMac } from '../hw/eeprom.js';
import { BAR0_SIZE } from '../hw/registers/e1000.js';
import { Kernel, type KernelOptions } from '../driver/kernel/kernel.js';
import { E1000, e1000DmaBytes, type E1000Options } from '../driver/e1000.js';
import { NetStack } from '../stack/host.js';
import type { TcpOptions } from '../stack/tcp/tcp.js';
import type { UdpOptions } from '../stack/udp.js';
import type { Iface } from '../stack/iface/netif.js';
import { parseIpv4Addr, parseIpv4Cidr } from '../stack/wire/ipv4.js';

/** One interface of a host. */
export interface InterfaceSpec {
  /** Address with prefix length, e.g. `10.0.0.2/24`. */
  address: string;
  /** Burned-in MAC (default 02:00:00:HH:HH:II from the host and interface numbers). */
  mac?: string;
  /** Adapter options (PHY timing, fidelity, ...). */
  nic?: Partial<Omit<NicOptions, 'memory' | 'name' | 'mac'>>;
  /** Driver options (ring sizes, ITR, ...). */
  driver?: E1000Options;
  /** Send gratuitous ARP when the link comes up (default true). */
  announce?: boolean;
}

/** A host's configuration. */
export interface HostSpec {
  /** Interfaces in order: eth0, eth1, ... */
  interfaces: InterfaceSpec[];
  /** Default gateway address. */
  gateway?: string;
  /** Forward datagrams between interfaces (a router). */
  forwarding?: boolean;
  /** NAPT from interface `inside` to interface `outside` (indices), on a router. */
  napt?: { inside: number; outside: number; timeoutNs?: Nanos; tcpEstablishedTimeoutNs?: Nanos; tcpTransitoryTimeoutNs?: Nanos };
  /** Kernel options (interrupt latency, CPU costs). */
  kernel?: KernelOptions;
  /** Host memory size (default: what the interfaces' rings and buffers take, see {@link hostMemoryBytes}). */
  memoryBytes?: number;
  /** TCP options of the host's stack (default: Linux-like defaults). */
  tcp?: TcpOptions;
  /** UDP options of the host's stack. */
  udp?: UdpOptions;
}

/** Network-wide defaults. */
export interface NetworkOptions {
  /** Simulation seed (default 1). */
  seed?: number;
  /** An existing simulator (instead of a new one). */
  sim?: Simulator;
  /** Adapter fidelity for every host (default frame). */
  fidelity?: 'frame' | 'signal';
  /** PHY auto-negotiation time (default 1.5 s, as the adapter's default). */
  autonegNs?: Nanos;
}

/** An emulated host: adapters + memory + kernel + drivers + stack. */
export class NetHost {
  /** Adapters, one per interface. */
  readonly nics: Nic[] = [];
  /** Drivers, one per adapter. */
  readonly drivers: E1000[] = [];
  /** Stack interfaces (after `Network.start`). */
  readonly ifaces: Iface[] = [];
  /** Host memory. */
  readonly memory: HostMemory;
  /** The host's kernel. */
  readonly kernel: Kernel;
  /** The IP stack. */
  readonly stack: NetStack;

  constructor(
    /** The network. */
    readonly net: Network,
    /** Host name. */
    readonly name: string,
    /** Its configuration. */
    readonly spec: HostSpec,
    index: number,
  ) {
    const sim = net.sim;
    this.memory = new HostMemory(spec.memoryBytes ?? hostMemoryBytes(spec.interfaces));
    this.kernel = new Kernel(sim, this.memory, { name, ...spec.kernel });
    spec.interfaces.forEach((ifc, i) => {
      const mac = ifc.mac ? parseMac(ifc.mac) : Uint8Array.of(0x02, 0, 0, (index >> 8) & 0xff, index & 0xff, i + 1);
      const nic = new Nic(sim, {
        memory: this.memory,
        name: spec.interfaces.length > 1 ? `${name}.eth${i}` : name,
        mac,
        bar0Base: 0xfebc0000 + i * BAR0_SIZE,
        fidelity: net.opts.fidelity,
        ...ifc.nic,
        phy: { autonegNs: net.opts.autonegNs, ...ifc.nic?.phy },
      });
      this.nics.push(nic);
      this.drivers.push(new E1000(this.kernel, { bus: nic, irq: nic.irq }, { name: `${name}:eth${i}`, ...ifc.driver }));
    });
    this.stack = new NetStack(sim, { name, forwarding: spec.forwarding ?? false, tcp: spec.tcp, udp: spec.udp });
  }

  /** The medium attachment point of interface `i` (for cables, hubs, switches). */
  port(i = 0): Endpoint {
    const nic = this.nics[i];
    if (!nic) throw new RangeError(`${this.name} has no interface ${i}`);
    return nic.port;
  }

  /** Interface `i`'s IPv4 address as a number. */
  address(i = 0): number {
    return parseCidr(this.spec.interfaces[i].address).address;
  }

  /** Probes and opens the drivers and configures the stack (addresses, gateway, NAPT). */
  async start(): Promise<void> {
    for (const d of this.drivers) await d.probe();
    for (const d of this.drivers) await d.open();
    this.spec.interfaces.forEach((ifc, i) => {
      const { address, prefixLength } = parseCidr(ifc.address);
      this.ifaces.push(this.stack.addInterface(this.drivers[i], { address, prefixLength, name: `eth${i}`, announce: ifc.announce }));
    });
    if (this.spec.gateway) this.stack.routes.setDefaultGateway(parseAddress(this.spec.gateway, `${this.name} gateway`));
    if (this.spec.napt) {
      const { inside, outside, ...timeouts } = this.spec.napt;
      this.stack.configureNapt({ inside: this.ifaces[inside], outside: this.ifaces[outside], ...timeouts });
    }
  }
}

/** A network of emulated hosts on one simulator. */
export class Network {
  /** The simulator everything runs on. */
  readonly sim: Simulator;
  /** Hosts by name. */
  readonly hosts = new Map<string, NetHost>();
  /** Cables, hubs and switches created through this network. */
  readonly media: Array<Cable | Hub | Switch> = [];
  /** @internal defaults */
  readonly opts: { fidelity: 'frame' | 'signal'; autonegNs: Nanos };

  constructor(opts: NetworkOptions = {}) {
    this.sim = opts.sim ?? new Simulator({ seed: opts.seed ?? 1 });
    this.opts = { fidelity: opts.fidelity ?? 'frame', autonegNs: opts.autonegNs ?? 1500 * MS };
  }

  /** Adds a host. */
  host(name: string, spec: HostSpec): NetHost {
    if (this.hosts.has(name)) throw new Error(`a host named '${name}' already exists`);
    if (spec.interfaces.length === 0) throw new Error(`${name}: a host needs at least one interface`);
    for (const i of spec.interfaces) parseCidr(i.address);
    const h = new NetHost(this, name, spec, this.hosts.size + 1);
    this.hosts.set(name, h);
    return h;
  }

  /** Adds a router: a host that forwards between its interfaces. */
  router(name: string, spec: Omit<HostSpec, 'forwarding'>): NetHost {
    return this.host(name, { ...spec, forwarding: true });
  }

  /** Joins two attachment points with a cable. */
  cable(a: Endpoint, b: Endpoint, opts: CableOptions = {}): Cable {
    const c = new Cable(this.sim, opts).connect(a, b);
    this.media.push(c);
    return c;
  }

  /** A repeater hub; attach stations with `hub.attach(host.port(), { lengthM })`. */
  hub(opts: HubOptions = {}): Hub {
    const h = new Hub(this.sim, opts);
    this.media.push(h);
    return h;
  }

  /** A switch; connect with `net.cable(host.port(), sw.port(i))`. */
  switch(opts: SwitchOptions): Switch {
    const s = new Switch(this.sim, opts);
    this.media.push(s);
    return s;
  }

  /**
   * Boots every host (probe, open, configure) and runs until every link is up or `timeoutNs` of
   * simulated time passed (default 10 s); rejects with the first driver error.
   */
  async start(timeoutNs: Nanos = 10_000 * MS): Promise<void> {
    const hosts = [...this.hosts.values()];
    await this.settle(Promise.all(hosts.map((h) => h.start())), timeoutNs);
    await this.settle(Promise.all(hosts.flatMap((h) => h.drivers.map((d) => d.waitForLink(timeoutNs)))), timeoutNs + MS);
  }

  /** Runs the simulation until `p` settles (or `maxNs` pass); returns its value or rethrows its error. */
  async settle<T>(p: Promise<T>, maxNs: Nanos = 60_000 * MS): Promise<T> {
    let done = false;
    const stop = () => {
      done = true;
      this.sim.stop();
    };
    p.then(stop, stop);
    const until = this.sim.now + maxNs;
    while (!done && this.sim.now < until) {
      const r = await this.sim.runAsync({ until });
      if (r.reason === 'idle' && !done) {
        // nothing scheduled: let pending continuations run once more, then give up
        await new Promise((res) => setImmediate(res));
        if (!done && this.sim.pending === 0) break;
      }
    }
    if (!done) throw new Error(`still pending after ${maxNs} ns of simulated time`);
    return p;
  }

  /** Runs `duration` ns of simulated time, letting async processes run. */
  async runFor(duration: Nanos): Promise<void> {
    await this.sim.runForAsync(duration);
  }
}

/**
 * The default host memory for a host with these interfaces: page 0 (never handed out), each
 * driver's rings and buffers ({@link e1000DmaBytes}), and 64 KiB to spare, rounded up to 64 KiB.
 * (The backing store is zero-filled on demand by the OS, so pages a host never touches cost no
 * resident memory.)
 */
export function hostMemoryBytes(interfaces: readonly Pick<InterfaceSpec, 'driver'>[]): number {
  const need = 0x1000 + interfaces.reduce((a, i) => a + e1000DmaBytes(i.driver ?? {}), 0) + 0x10000;
  return Math.ceil(need / 0x10000) * 0x10000;
}

/** Parses `a.b.c.d/len`. */
export function parseCidr(s: string): { address: number; prefixLength: number } {
  const c = s.includes('/') ? parseIpv4Cidr(s.trim()) : undefined;
  if (!c) throw new Error(`not an address with a prefix length (a.b.c.d/n): '${s}'`);
  return { address: c.addr, prefixLength: c.prefixLen };
}

function parseAddress(s: string, what: string): number {
  const a = parseIpv4Addr(s);
  if (a === undefined) throw new Error(`not an IPv4 address: '${s}' (${what})`);
  return a;
}

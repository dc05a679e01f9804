/**
 * The experiment the view runs: a topology, a seed, link options and faults — everything the
 * shareable URL encodes — and the network plus application script it builds. The simulation is
 * deterministic, so the same configuration always gives the same run, event for event; the view
 * relies on that to show "the registers at that instant" by replaying to an event count.
 *
 * Topologies:
 * - `demo`: the demo's network. A client and a DNS server on a switched LAN with a router, a web
 *   server on another subnet behind it. The client boots, resolves www.lan, opens a TCP
 *   connection to port 80, GETs the same 5,000-byte page `nicsim demo` fetches and closes.
 * - `pair`: two hosts on one cable; the client fetches the same page straight from the server (by address).
 * @module
 */
import { Network, type NetHost } from '../../topology/network.js';
import type { Cable } from '../../hw/medium/cable.js';
import type { Switch } from '../../hw/medium/switch.js';
import type { Speed } from '../../hw/medium/types.js';
import { bitErrors, scriptedFlips } from '../../hw/faults.js';
import { MS } from '../../sim/time.js';
import { Process } from '../../stack/index.js';
import { DnsResolver, DnsServer } from '../../stack/apps/dns.js';
import { HttpServer, httpGet } from '../../stack/apps/http.js';
import { DEMO_PAGE, DEMO_ZONE } from '../../topology/demo.js';

/** Topologies the view can build. */
export const TOPOLOGIES = ['demo', 'pair'] as const;
/** A topology name. */
export type Topology = (typeof TOPOLOGIES)[number];

/** A flipped bit: line bit `bit` (from the first preamble bit) of the frame numbered `frameId`. */
export interface FlipFault {
  /** The simulation-wide frame number (as the ladder and the frame list show it). */
  frameId: number;
  /** Line bit, counted from the first preamble bit, LSB of each octet first. */
  bit: number;
}

/** A cable pulled at a simulated instant. */
export interface PullFault {
  /** Cable name. */
  cable: string;
  /** When, ns. */
  atNs: number;
}

/** Everything that defines a run (and the shareable URL). */
export interface ViewConfig {
  /** Which network. */
  topology: Topology;
  /** Simulation seed. */
  seed: number;
  /** Link speed every adapter advertises, Mb/s. */
  speed: Speed;
  /** Adapter fidelity. */
  fidelity: 'frame' | 'signal';
  /** Bit error rate per cable name (both directions). */
  ber: Record<string, number>;
  /** Bits to flip. */
  flips: FlipFault[];
  /** Cables to pull. */
  pulls: PullFault[];
  /** Descriptors per TX and RX ring of every adapter (the driver's option; small rings are easier to look at). */
  ringSize: number;
}

/** The default configuration: the demo at its defaults. */
export function defaultConfig(): ViewConfig {
  return { topology: 'demo', seed: 1, speed: 1000, fidelity: 'frame', ber: {}, flips: [], pulls: [], ringSize: 32 };
}

/** A configuration problem (bad URL parameter or option), with a message naming the parameter. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SPEEDS: readonly number[] = [10, 100, 1000];

/**
 * Parses a configuration from URL query parameters (`topology`, `seed`, `speed`, `fidelity`,
 * `ring`, `ber=cable:rate,…`, `flip=frameId:bit,…`, `pull=cable@ns,…`). Unknown values throw a
 * {@link ConfigError} naming the parameter.
 */
export function configFromParams(p: URLSearchParams): ViewConfig {
  const c = defaultConfig();
  const topo = p.get('topology');
  if (topo !== null) {
    if (!(TOPOLOGIES as readonly string[]).includes(topo)) throw new ConfigError(`topology must be one of ${TOPOLOGIES.join(', ')}, got '${topo}'`);
    c.topology = topo as Topology;
  }
  const seed = p.get('seed');
  if (seed !== null) {
    if (!/^\d+$/.test(seed) || Number(seed) > 2 ** 32 - 1) throw new ConfigError(`seed must be a whole number from 0 to 4294967295, got '${seed}'`);
    c.seed = Number(seed);
  }
  const speed = p.get('speed');
  if (speed !== null) {
    if (!SPEEDS.includes(Number(speed))) throw new ConfigError(`speed must be 10, 100 or 1000, got '${speed}'`);
    c.speed = Number(speed) as Speed;
  }
  const fid = p.get('fidelity');
  if (fid !== null) {
    if (fid !== 'frame' && fid !== 'signal') throw new ConfigError(`fidelity must be frame or signal, got '${fid}'`);
    c.fidelity = fid;
  }
  const ring = p.get('ring');
  if (ring !== null) {
    const n = Number(ring);
    if (!/^\d+$/.test(ring) || n < 8 || n > 4096 || n % 8 !== 0) throw new ConfigError(`ring must be a multiple of 8 from 8 to 4096, got '${ring}'`);
    c.ringSize = n;
  }
  for (const item of list(p.get('ber'))) {
    const m = /^([\w.-]+):([0-9.eE+-]+)$/.exec(item);
    const r = m ? Number(m[2]) : NaN;
    if (!m || !(r >= 0 && r < 0.01)) throw new ConfigError(`ber expects cable:rate with 0 <= rate < 0.01, got '${item}'`);
    c.ber[m[1]] = r;
  }
  for (const item of list(p.get('flip'))) {
    const m = /^(\d+):(\d+)$/.exec(item);
    if (!m || Number(m[1]) < 1) throw new ConfigError(`flip expects frameId:bit (frameId >= 1), got '${item}'`);
    c.flips.push({ frameId: Number(m[1]), bit: Number(m[2]) });
  }
  for (const item of list(p.get('pull'))) {
    const m = /^([\w.-]+)@(\d+)$/.exec(item);
    if (!m) throw new ConfigError(`pull expects cable@ns, got '${item}'`);
    c.pulls.push({ cable: m[1], atNs: Number(m[2]) });
  }
  return c;
}

function list(v: string | null): string[] {
  return v === null || v === '' ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The query string of a configuration (defaults left out), the inverse of {@link configFromParams}. */
export function configToParams(c: ViewConfig): URLSearchParams {
  const p = new URLSearchParams();
  const d = defaultConfig();
  if (c.topology !== d.topology) p.set('topology', c.topology);
  if (c.seed !== d.seed) p.set('seed', String(c.seed));
  if (c.speed !== d.speed) p.set('speed', String(c.speed));
  if (c.fidelity !== d.fidelity) p.set('fidelity', c.fidelity);
  if (c.ringSize !== d.ringSize) p.set('ring', String(c.ringSize));
  const ber = Object.entries(c.ber).filter(([, r]) => r > 0);
  if (ber.length) p.set('ber', ber.map(([k, r]) => `${k}:${r}`).join(','));
  if (c.flips.length) p.set('flip', c.flips.map((f) => `${f.frameId}:${f.bit}`).join(','));
  if (c.pulls.length) p.set('pull', c.pulls.map((f) => `${f.cable}@${f.atNs}`).join(','));
  return p;
}

/** What the application script reports when it finishes. */
export interface ScriptOutcome {
  /** What happened, one line per step (for the page's status line). */
  lines: string[];
  /** The HTTP answer's first line, or null when it never came. */
  status: string | null;
}

/** A built experiment: the network, its parts by name, and the running application script. */
export interface Scenario {
  /** The network (its simulator drives everything). */
  net: Network;
  /** Hosts in display order. */
  hosts: NetHost[];
  /** Cables by name. */
  cables: Map<string, Cable>;
  /** The switch, when the topology has one. */
  sw: Switch | null;
  /** The application script (boot, lookup, TCP request); settles as the simulation runs. */
  script: Promise<ScriptOutcome>;
  /** Lines the script has reported so far. */
  progress: string[];
}

const HTTP_PORT = 80;

/** ANAR / 1000BASE-T control values advertising only `speed` (both duplexes). */
function advertise(speed: Speed): [number, number] {
  return speed === 1000 ? [0x01e1, 0x0300] : speed === 100 ? [0x0181, 0] : [0x0061, 0];
}

/**
 * Builds the network of `c` and starts its application script. Nothing runs until the caller
 * drives the simulator (`net.sim.runAsync`); the script boots the hosts itself (probe, open,
 * configure, wait for the links), so the boot's register accesses are part of the run.
 */
export function buildScenario(c: ViewConfig): Scenario {
  const net = new Network({ seed: c.seed, fidelity: c.fidelity });
  const kernel = { irqLatencyNs: 1_000 };
  const driver = { txRingSize: c.ringSize, rxRingSize: c.ringSize };
  const hosts: NetHost[] = [];
  const cables = new Map<string, Cable>();
  let sw: Switch | null = null;
  let client: NetHost;
  let server: NetHost;
  let dns: NetHost | null = null;
  if (c.topology === 'demo') {
    client = net.host('client', { interfaces: [{ address: '10.0.0.2/24', mac: '02:00:00:00:00:02', driver }], gateway: '10.0.0.1', kernel });
    dns = net.host('dns', { interfaces: [{ address: '10.0.0.53/24', mac: '02:00:00:00:00:35', driver }], gateway: '10.0.0.1', kernel });
    const router = net.router('router', { interfaces: [{ address: '10.0.0.1/24', mac: '02:00:00:00:01:01', driver }, { address: '10.0.1.1/24', mac: '02:00:00:00:01:02', driver }], kernel });
    server = net.host('server', { interfaces: [{ address: '10.0.1.2/24', mac: '02:00:00:00:02:02', driver }], gateway: '10.0.1.1', kernel });
    sw = net.switch({ name: 'switch', ports: 3 });
    cables.set('cable-client', net.cable(client.port(0), sw.port(0), { lengthM: 10, name: 'cable-client' }));
    cables.set('cable-dns', net.cable(dns.port(0), sw.port(1), { lengthM: 30, name: 'cable-dns' }));
    cables.set('cable-router-lan', net.cable(router.port(0), sw.port(2), { lengthM: 5, name: 'cable-router-lan' }));
    cables.set('cable-server', net.cable(router.port(1), server.port(0), { lengthM: 100, name: 'cable-server' }));
    hosts.push(client, dns, router, server);
  } else {
    client = net.host('client', { interfaces: [{ address: '10.0.0.2/24', mac: '02:00:00:00:00:02', driver }], kernel });
    server = net.host('server', { interfaces: [{ address: '10.0.0.3/24', mac: '02:00:00:00:00:03', driver }], kernel });
    cables.set('cable', net.cable(client.port(0), server.port(0), { lengthM: 10, name: 'cable' }));
    hosts.push(client, server);
  }
  const [anar, gtcr] = advertise(c.speed);
  for (const h of hosts)
    for (const n of h.nics) {
      n.phy.mdioWrite(9, gtcr);
      n.phy.mdioWrite(4, anar);
    }
  for (const [name, rate] of Object.entries(c.ber)) {
    const cable = cables.get(name);
    if (!cable) throw new ConfigError(`ber: no cable named '${name}' (cables: ${[...cables.keys()].join(', ')})`);
    if (rate > 0) for (const dir of [0, 1] as const) cable.use(dir, bitErrors(net.sim, { ber: rate, name: `${name}.${dir}` }));
  }
  // a flip by frame number: every cable direction watches for the frame (a frame id names one hop)
  c.flips.forEach((f, i) => {
    const key = c.fidelity === 'signal' ? { frame: 1, symbol: f.bit } : { frame: 1, bit: f.bit };
    const inj = scriptedFlips(net.sim, [key], { name: `flip${i + 1}` });
    for (const cable of cables.values())
      for (const dir of [0, 1] as const)
        cable.use(dir, (frame, next) => {
          if (frame.id === f.frameId) inj(frame, next);
          else next(frame);
        });
  });
  for (const p of c.pulls) {
    const cable = cables.get(p.cable);
    if (!cable) throw new ConfigError(`pull: no cable named '${p.cable}' (cables: ${[...cables.keys()].join(', ')})`);
    net.sim.at(p.atNs, () => cable.unplug());
  }
  const progress: string[] = [];
  const say = (s: string) => progress.push(s);

  const script = (async (): Promise<ScriptOutcome> => {
    await Promise.all(hosts.map((h) => h.start()));
    say('drivers probed and opened, addresses configured');
    await Promise.all(hosts.flatMap((h) => h.drivers.map((d) => d.waitForLink(10_000 * MS))));
    say('every link is up');
    // the web server of `nicsim demo`, serving the same page
    const httpd = new HttpServer(new Process(server.stack, 'httpd'), { pages: { '/': DEMO_PAGE } });
    await httpd.start();
    let via: DnsResolver | number = server.address(0);
    if (dns) {
      const named = new DnsServer(new Process(dns.stack, 'named'), { zone: DEMO_ZONE });
      await named.start();
      via = new DnsResolver(new Process(client.stack, 'resolver'), { servers: ['10.0.0.53'] });
    }
    // the browser: resolve www.lan, connect, GET /, read the page, close — as `nicsim demo` does
    const page = await httpGet(new Process(client.stack, 'browser'), via, 'www.lan', '/', { port: HTTP_PORT, timeoutNs: 60_000 * MS });
    say(`www.lan (${page.address}) answered GET /`);
    const status = `HTTP/1.1 ${page.status} ${page.reason}`;
    say(`answer: ${status} (${page.body.length} bytes)`);
    return { lines: progress, status };
  })();
  script.catch((e: unknown) => say(`the script stopped: ${e instanceof Error ? e.message : String(e)}`));
  return { net, hosts, cables, sw, script, progress };
}

/**
 * Topology files: a small declarative JSON format for a network — hosts, routers, switches, hubs,
 * remote links (to the outside: UDP or stream, see `links.ts`), cables with faults, addresses,
 * routes, services and a list of things to run — described by a JSON Schema
 * ({@link TOPOLOGY_SCHEMA}, also in `topology/topology.schema.json`).
 *
 * ```json
 * { "hosts": { "emu": { "interfaces": ["10.0.0.2/24"], "gateway": "10.0.0.1", "services": { "echo": true } } },
 *   "remotes": { "tap": { "udp": "127.0.0.1:9000,127.0.0.1:9001" } },
 *   "cables": [{ "a": "emu", "b": "tap", "faults": { "ber": 1e-6 } }] }
 * ```
 *
 * {@link parseTopology} checks the structure against the schema (every error names the path and
 * what was expected: `hosts.emu: unknown key 'gatway' (expected one of interfaces, gateway, …)`),
 * then the meaning (addresses, references between cables and devices, duplicate names).
 * {@link buildTopology} turns a checked file into a {@link Network} with its remote endpoints.
 * Port references in cables: `host` (its eth0), `host.ethN`, `switch.N` (port N, from 0), `hub`,
 * `remote`.
 * @module
 */
import { statSync } from 'node:fs';
import { Network, parseCidr } from './network.js';
import type { NetHost } from './network.js';
import { RemoteEndpoint } from '../hw/remote.js';
import { bitErrors, dropFrames, duplicateFrames, delayFrames } from '../hw/faults.js';
import type { Cable, CableCategory } from '../hw/medium/cable.js';
import type { Endpoint, Speed } from '../hw/medium/types.js';
import type { Hub } from '../hw/medium/hub.js';
import type { Switch } from '../hw/medium/switch.js';
import { parseIpv4Addr } from '../stack/wire/ipv4.js';
import { parseMac } from '../hw/eeprom.js';
import { MS } from '../sim/time.js';
import { parseHostPort, type HostPort } from './links.js';

// ---------------------------------------------------------------------------------------------
// Schema

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  minItems?: number;
  $schema?: string;
  $id?: string;
  title?: string;
  $defs?: Record<string, Schema>;
  $ref?: string;
};

const ADDR = '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$';
const CIDR = '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}/\\d{1,2}$';
const NAME = '^[A-Za-z][A-Za-z0-9_-]{0,31}$';
const HOSTPORT = '^[^\\s,]+:\\d{1,5}$';

const INTERFACE: Schema = {
  type: ['string', 'object'],
  description: 'An address with prefix length (10.0.0.2/24), or an object with the address and a MAC',
  pattern: CIDR,
  properties: {
    address: { type: 'string', pattern: CIDR, description: 'Address with prefix length' },
    mac: { type: 'string', pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$', description: 'Burned-in MAC address' },
  },
  required: ['address'],
  additionalProperties: false,
};

const HOST: Schema = {
  type: 'object',
  description: 'An emulated host: adapters, driver, stack',
  properties: {
    interfaces: { type: 'array', items: { $ref: '#/$defs/interface' }, minItems: 1, description: 'eth0, eth1, … in order' },
    gateway: { type: 'string', pattern: ADDR, description: 'Default gateway' },
    routes: {
      type: 'array',
      description: 'Static routes',
      items: { type: 'object', properties: { to: { type: 'string', pattern: CIDR }, via: { type: 'string', pattern: ADDR } }, required: ['to', 'via'], additionalProperties: false },
    },
    services: {
      type: 'object',
      description: 'Servers the host runs',
      properties: {
        echo: { type: 'boolean', description: 'Echo on UDP and TCP port 7' },
        discard: { type: 'boolean', description: 'Discard on TCP port 9' },
        dns: { type: 'object', description: 'An authoritative DNS server on UDP port 53: name → address(es)', additionalProperties: { type: ['string', 'array'], pattern: ADDR, items: { type: 'string', pattern: ADDR } } },
        http: {
          type: ['boolean', 'object'],
          description: 'An HTTP server on TCP port 80: true serves a page naming the host at /; or path → page text, or @FILE for a file read at start (at most 16 MiB)',
          additionalProperties: { type: 'string' },
        },
      },
      additionalProperties: false,
    },
  },
  required: ['interfaces'],
  additionalProperties: false,
};

/** The JSON Schema (2020-12) of topology files. */
export const TOPOLOGY_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://nicsim.dev/topology.schema.json',
  title: 'nicsim topology',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Simulation seed (default 1)' },
    autonegMs: { type: 'number', minimum: 0, maximum: 10000, description: 'Auto-negotiation time of every PHY, ms (default 1500)' },
    hosts: { type: 'object', additionalProperties: { $ref: '#/$defs/host' }, description: 'Hosts by name' },
    routers: { type: 'object', additionalProperties: { $ref: '#/$defs/host' }, description: 'Routers (hosts that forward) by name' },
    switches: {
      type: 'object',
      description: 'Switches by name',
      additionalProperties: { type: 'object', properties: { ports: { type: 'integer', minimum: 1, maximum: 64 }, speed: { enum: [10, 100, 1000] } }, required: ['ports'], additionalProperties: false },
    },
    hubs: {
      type: 'object',
      description: 'Repeater hubs by name',
      additionalProperties: { type: 'object', properties: { speed: { enum: [10, 100] } }, additionalProperties: false },
    },
    remotes: {
      type: 'object',
      description: 'Links to the outside by name: exactly one of udp or stream',
      additionalProperties: {
        type: 'object',
        properties: {
          udp: { type: 'string', pattern: `^[^\\s,]+:\\d{1,5},[^\\s,]+:\\d{1,5}$`, description: 'LOCAL:PORT,REMOTE:PORT — one frame per datagram, no FCS (QEMU -netdev dgram)' },
          stream: { type: 'string', pattern: HOSTPORT, description: 'HOST:PORT — 4-byte big-endian length, then the frame (QEMU -netdev stream)' },
          listen: { type: 'boolean', description: 'stream: listen instead of connecting' },
          speed: { enum: [10, 100, 1000], description: 'Fastest mode advertised (default 1000)' },
          queueFrames: { type: 'integer', minimum: 1, maximum: 65536, description: 'Frames from the outside that may wait (default 256)' },
        },
        additionalProperties: false,
      },
    },
    cables: {
      type: 'array',
      description: 'Point-to-point cables (to a hub: an attachment)',
      items: {
        type: 'object',
        properties: {
          a: { type: 'string', description: 'host, host.ethN, switch.N, hub or remote' },
          b: { type: 'string', description: 'host, host.ethN, switch.N, hub or remote' },
          lengthM: { type: 'number', minimum: 0, maximum: 100 },
          category: { enum: ['cat3', 'cat5', 'cat5e', 'cat6'] },
          faults: {
            type: 'object',
            description: 'Fault injectors on both directions',
            properties: {
              ber: { type: 'number', minimum: 0, exclusiveMaximum: 0.01, description: 'Bit error rate' },
              drop: { type: 'number', minimum: 0, maximum: 1, description: 'Probability a frame is lost' },
              duplicate: { type: 'number', minimum: 0, maximum: 1, description: 'Probability a frame is duplicated' },
              delayMs: { type: 'number', minimum: 0, maximum: 10000, description: 'Extra delay, ms' },
              jitterMs: { type: 'number', minimum: 0, maximum: 10000, description: 'Up to this much more delay, ms' },
            },
            additionalProperties: false,
          },
        },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    },
    run: {
      type: 'array',
      description: 'What to do once every link is up, in order',
      items: {
        type: 'object',
        properties: {
          from: { type: 'string', description: 'The host that does it' },
          ping: { type: 'string', pattern: ADDR, description: 'Ping this address' },
          count: { type: 'integer', minimum: 1, maximum: 1000 },
          size: { type: 'integer', minimum: 0, maximum: 65507 },
          lookup: { type: 'string', description: 'Resolve this name (needs server)' },
          server: { type: 'string', pattern: ADDR, description: 'Name server for lookup' },
          fetch: { type: 'string', pattern: '^http://\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(:\\d{1,5})?(/\\S*)?$', description: 'HTTP/1.0 GET over TCP: http://ADDRESS[:PORT]/PATH' },
          echo: { type: 'string', pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}:\\d{1,5}$', description: 'Send bytes to a TCP echo server at ADDRESS:PORT and check they come back' },
          bytes: { type: 'integer', minimum: 1, maximum: 67108864, description: 'Bytes for echo (default 65536)' },
        },
        required: ['from'],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
  $defs: { host: HOST, interface: INTERFACE },
};

// ---------------------------------------------------------------------------------------------
// Types of a checked file

/** One interface as written. */
export type InterfaceFileSpec = string | { address: string; mac?: string };
/** A host or router as written. */
export interface HostFileSpec {
  /** Interfaces. */
  interfaces: InterfaceFileSpec[];
  /** Default gateway. */
  gateway?: string;
  /** Static routes. */
  routes?: Array<{ to: string; via: string }>;
  /** Services. */
  services?: ServicesSpec;
}
/** Services of a host. */
export interface ServicesSpec {
  /** Echo on UDP and TCP port 7. */
  echo?: boolean;
  /** Discard on TCP port 9. */
  discard?: boolean;
  /** DNS zone served on UDP port 53. */
  dns?: Record<string, string | string[]>;
  /** HTTP server on TCP port 80: true (a page naming the host at `/`), or path → text or `@FILE`. */
  http?: boolean | Record<string, string>;
}
/** A remote link as written. */
export interface RemoteFileSpec {
  /** `LOCAL:PORT,REMOTE:PORT`. */
  udp?: string;
  /** `HOST:PORT`. */
  stream?: string;
  /** Listen (stream). */
  listen?: boolean;
  /** Fastest mode advertised. */
  speed?: Speed;
  /** Waiting queue bound. */
  queueFrames?: number;
}
/** Faults on a cable, both directions. */
export interface FaultsSpec {
  /** Bit error rate. */
  ber?: number;
  /** Frame loss probability. */
  drop?: number;
  /** Frame duplication probability. */
  duplicate?: number;
  /** Extra delay, ms. */
  delayMs?: number;
  /** Extra delay jitter, ms. */
  jitterMs?: number;
}
/** A cable as written. */
export interface CableFileSpec {
  /** One end. */
  a: string;
  /** The other end. */
  b: string;
  /** Length, m. */
  lengthM?: number;
  /** Category. */
  category?: CableCategory;
  /** Faults. */
  faults?: FaultsSpec;
}
/** One thing to run. */
export interface RunStep {
  /** The host. */
  from: string;
  /** Ping target. */
  ping?: string;
  /** Ping count. */
  count?: number;
  /** Ping size. */
  size?: number;
  /** Name to resolve. */
  lookup?: string;
  /** Name server. */
  server?: string;
  /** URL to fetch. */
  fetch?: string;
  /** TCP echo server to exercise, ADDRESS:PORT. */
  echo?: string;
  /** Bytes for echo. */
  bytes?: number;
}
/** A checked topology file. */
export interface TopologySpec {
  /** Seed. */
  seed?: number;
  /** Auto-negotiation time, ms. */
  autonegMs?: number;
  /** Hosts. */
  hosts?: Record<string, HostFileSpec>;
  /** Routers. */
  routers?: Record<string, HostFileSpec>;
  /** Switches. */
  switches?: Record<string, { ports: number; speed?: Speed }>;
  /** Hubs. */
  hubs?: Record<string, { speed?: 10 | 100 }>;
  /** Remote links. */
  remotes?: Record<string, RemoteFileSpec>;
  /** Cables. */
  cables?: CableFileSpec[];
  /** Things to run. */
  run?: RunStep[];
}

/** A topology file that does not fit the schema or does not make sense; `path` names the place (`cables[1].b`). */
export class TopologyError extends Error {
  override name = 'TopologyError';
  constructor(
    /** Where: a dotted path into the file (empty: the whole file). */
    readonly path: string,
    detail: string,
  ) {
    super(path === '' ? detail : `${path}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Structural check (the subset of JSON Schema the schema above uses)

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

function resolveRef(s: Schema): Schema {
  if (s.$ref === undefined) return s;
  const name = s.$ref.replace('#/$defs/', '');
  const d = TOPOLOGY_SCHEMA.$defs?.[name];
  if (d === undefined) throw new Error(`schema: unknown $ref ${s.$ref}`);
  return d;
}

function check(v: unknown, schema: Schema, path: string): void {
  const s = resolveRef(schema);
  const t = typeOf(v);
  if (s.enum !== undefined) {
    if (!s.enum.includes(v as string | number)) throw new TopologyError(path, `expected one of ${s.enum.map((x) => JSON.stringify(x)).join(', ')}, got ${show(v)}`);
    return;
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
    if (!ok) throw new TopologyError(path, `expected ${types.map((x) => (x === 'object' ? 'an object' : x === 'array' ? 'an array' : x === 'integer' ? 'a whole number' : `a ${x}`)).join(' or ')}, got ${show(v)}`);
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) throw new TopologyError(path, `must be >= ${s.minimum}, got ${v}`);
    if (s.maximum !== undefined && v > s.maximum) throw new TopologyError(path, `must be <= ${s.maximum}, got ${v}`);
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) throw new TopologyError(path, `must be < ${s.exclusiveMaximum}, got ${v}`);
  }
  if (typeof v === 'string' && s.pattern !== undefined && !new RegExp(s.pattern).test(v)) throw new TopologyError(path, `${show(v)} does not have the expected form (${s.description ?? s.pattern})`);
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) throw new TopologyError(path, `needs at least ${s.minItems} item${s.minItems > 1 ? 's' : ''}`);
    if (s.items !== undefined) v.forEach((x, i) => check(x, s.items!, join(path, i)));
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) throw new TopologyError(path, `missing required key '${r}'`);
    for (const [k, x] of Object.entries(o)) {
      const p = s.properties?.[k];
      if (p !== undefined) check(x, p, join(path, k));
      else if (s.additionalProperties === false) {
        const known = Object.keys(s.properties ?? {}).filter((n) => n !== '$schema');
        throw new TopologyError(path, `unknown key '${k}' (expected ${known.length === 1 ? known[0] : `one of ${known.join(', ')}`})`);
      } else if (typeof s.additionalProperties === 'object') check(x, s.additionalProperties, join(path, k));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Meaning

function checkAddr(s: string, path: string): void {
  if (parseIpv4Addr(s) === undefined) throw new TopologyError(path, `not an IPv4 address: '${s}'`);
}

function checkCidr(s: string, path: string): void {
  try {
    parseCidr(s);
  } catch {
    throw new TopologyError(path, `not an address with a prefix length (a.b.c.d/n): '${s}'`);
  }
}

/** Checks `value` (parsed JSON) against the schema and for meaning; returns it typed, or throws a {@link TopologyError}. */
export function parseTopology(value: unknown): TopologySpec {
  check(value, TOPOLOGY_SCHEMA, '');
  const t = value as TopologySpec;
  const names = new Map<string, string>();
  const kinds = ['hosts', 'routers', 'switches', 'hubs', 'remotes'] as const;
  for (const k of kinds)
    for (const name of Object.keys(t[k] ?? {})) {
      if (!new RegExp(NAME).test(name)) throw new TopologyError(`${k}.${name}`, `a name starts with a letter and has at most 32 letters, digits, '-' or '_'`);
      const other = names.get(name);
      if (other !== undefined) throw new TopologyError(`${k}.${name}`, `the name '${name}' is already used in ${other}`);
      names.set(name, k);
    }
  for (const k of ['hosts', 'routers'] as const)
    for (const [name, h] of Object.entries(t[k] ?? {})) {
      const base = `${k}.${name}`;
      h.interfaces.forEach((i, n) => {
        if (typeof i === 'string') checkCidr(i, `${base}.interfaces[${n}]`);
        else {
          checkCidr(i.address, `${base}.interfaces[${n}].address`);
          if (i.mac !== undefined) {
            const m = parseMac(i.mac);
            if ((m[0] & 1) !== 0) throw new TopologyError(`${base}.interfaces[${n}].mac`, `'${i.mac}' is a group address`);
          }
        }
      });
      if (h.gateway !== undefined) checkAddr(h.gateway, `${base}.gateway`);
      h.routes?.forEach((r, n) => {
        checkCidr(r.to, `${base}.routes[${n}].to`);
        checkAddr(r.via, `${base}.routes[${n}].via`);
      });
      const http = h.services?.http;
      if (typeof http === 'object')
        for (const [path, v] of Object.entries(http)) {
          if (!/^\/\S*$/.test(path)) throw new TopologyError(`${base}.services.http`, `a page path starts with '/' and has no spaces, got '${path}'`);
          if (v.startsWith('@')) {
            let size: number;
            try {
              size = statSync(v.slice(1)).size;
            } catch (e) {
              throw new TopologyError(`${base}.services.http.${path}`, `cannot read ${v.slice(1)}: ${(e as { code?: string }).code ?? (e as Error).message}`);
            }
            if (size > 16 * 1024 * 1024) throw new TopologyError(`${base}.services.http.${path}`, `${v.slice(1)} is ${size} bytes, more than 16 MiB`);
          }
        }
      for (const [dn, a] of Object.entries(h.services?.dns ?? {})) {
        for (const x of Array.isArray(a) ? a : [a]) checkAddr(x, `${base}.services.dns.${dn}`);
      }
    }
  for (const [name, r] of Object.entries(t.remotes ?? {})) {
    const base = `remotes.${name}`;
    if ((r.udp === undefined) === (r.stream === undefined)) throw new TopologyError(base, 'needs exactly one of udp or stream');
    if (r.listen !== undefined && r.stream === undefined) throw new TopologyError(`${base}.listen`, 'applies to stream links only');
    try {
      if (r.udp !== undefined) r.udp.split(',').forEach((x) => parseHostPort(x, 'udp'));
      else parseHostPort(r.stream!, 'stream');
    } catch (e) {
      throw new TopologyError(`${base}.${r.udp !== undefined ? 'udp' : 'stream'}`, (e as Error).message);
    }
  }
  const used = new Map<string, string>();
  (t.cables ?? []).forEach((c, n) => {
    for (const end of ['a', 'b'] as const) {
      const path = `cables[${n}].${end}`;
      const ref = resolvePortRef(t, c[end], path);
      if (ref.kind !== 'hub') {
        const prev = used.get(ref.key);
        if (prev !== undefined) throw new TopologyError(path, `'${c[end]}' is already connected (${prev})`);
        used.set(ref.key, path);
      }
    }
    const ka = resolvePortRef(t, c.a, '').kind;
    const kb = resolvePortRef(t, c.b, '').kind;
    if (ka === 'hub' || kb === 'hub') {
      if (ka === 'hub' && kb === 'hub') throw new TopologyError(`cables[${n}]`, 'a cable between two hubs is not supported');
      if (c.faults !== undefined) throw new TopologyError(`cables[${n}].faults`, 'faults are not supported on a hub attachment');
    }
  });
  (t.run ?? []).forEach((s, n) => {
    const path = `run[${n}]`;
    if (t.hosts?.[s.from] === undefined && t.routers?.[s.from] === undefined) throw new TopologyError(`${path}.from`, `no host or router named '${s.from}'`);
    const what = (['ping', 'lookup', 'fetch', 'echo'] as const).filter((k) => s[k] !== undefined);
    if (what.length !== 1) throw new TopologyError(path, 'needs exactly one of ping, lookup, fetch or echo');
    if (s.bytes !== undefined && s.echo === undefined) throw new TopologyError(`${path}.bytes`, 'applies to echo only');
    if (s.lookup !== undefined && s.server === undefined) throw new TopologyError(path, 'lookup needs a server');
    if ((s.count !== undefined || s.size !== undefined) && s.ping === undefined) throw new TopologyError(path, 'count and size apply to ping only');
    if (s.server !== undefined && s.lookup === undefined) throw new TopologyError(`${path}.server`, 'applies to lookup only');
  });
  return t;
}

type PortRef = { kind: 'host'; host: string; iface: number; key: string } | { kind: 'switch'; name: string; port: number; key: string } | { kind: 'hub'; name: string; key: string } | { kind: 'remote'; name: string; key: string };

function resolvePortRef(t: TopologySpec, ref: string, path: string): PortRef {
  const m = /^([^.]+)(?:\.(.+))?$/.exec(ref);
  const name = m?.[1] ?? '';
  const sub = m?.[2];
  const host = t.hosts?.[name] ?? t.routers?.[name];
  if (host !== undefined) {
    const i = sub === undefined ? 0 : /^eth(\d+)$/.exec(sub) ? Number(sub.slice(3)) : -1;
    if (i < 0) throw new TopologyError(path, `'${ref}': a host's port is written ${name} or ${name}.ethN`);
    if (i >= host.interfaces.length) throw new TopologyError(path, `'${ref}': ${name} has ${host.interfaces.length} interface${host.interfaces.length > 1 ? 's' : ''} (eth0..eth${host.interfaces.length - 1})`);
    return { kind: 'host', host: name, iface: i, key: `${name}.eth${i}` };
  }
  const sw = t.switches?.[name];
  if (sw !== undefined) {
    const p = sub !== undefined && /^\d+$/.test(sub) ? Number(sub) : -1;
    if (p < 0 || p >= sw.ports) throw new TopologyError(path, `'${ref}': a switch port is written ${name}.N with N in 0..${sw.ports - 1}`);
    return { kind: 'switch', name, port: p, key: `${name}.${p}` };
  }
  if (t.hubs?.[name] !== undefined) {
    if (sub !== undefined) throw new TopologyError(path, `'${ref}': a hub is written ${name} (ports are allocated as cables attach)`);
    return { kind: 'hub', name, key: name };
  }
  if (t.remotes?.[name] !== undefined) {
    if (sub !== undefined) throw new TopologyError(path, `'${ref}': a remote link is written ${name}`);
    return { kind: 'remote', name, key: name };
  }
  throw new TopologyError(path, `'${ref}' names no host, router, switch, hub or remote`);
}

// ---------------------------------------------------------------------------------------------
// Building

/** A remote link of a built topology: its endpoint and where it goes. */
export interface BuiltRemote {
  /** Its name in the file. */
  name: string;
  /** The endpoint on the cable. */
  endpoint: RemoteEndpoint;
  /** UDP peers, when a UDP link. */
  udp?: { local: HostPort; remote: HostPort };
  /** Stream address, when a stream link. */
  stream?: { address: HostPort; listen: boolean };
}

/** A topology file turned into a network (not started). */
export interface BuiltTopology {
  /** The network. */
  net: Network;
  /** Hosts and routers by name. */
  hosts: Map<string, NetHost>;
  /** Switches by name. */
  switches: Map<string, Switch>;
  /** Hubs by name. */
  hubs: Map<string, Hub>;
  /** Remote links by name. */
  remotes: Map<string, BuiltRemote>;
  /** Cables in file order (undefined for hub attachments). */
  cables: Array<Cable | undefined>;
  /** The checked file. */
  spec: TopologySpec;
}

/**
 * The MAC of interface `n` of host `name` when the file gives none: locally administered, 02, then
 * four octets of the name's FNV-1a hash, then n + 1 — so hosts in different processes joined by a
 * link get different addresses as long as their names differ.
 */
export function defaultMac(name: string, n: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  const o = [0x02, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, (n + 1) & 0xff];
  return o.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Builds the network of a checked topology file (call `net.start()`, then start the services). */
export function buildTopology(spec: TopologySpec): BuiltTopology {
  const autonegNs = Math.round((spec.autonegMs ?? 1500) * MS);
  const net = new Network({ seed: spec.seed ?? 1, autonegNs });
  const hosts = new Map<string, NetHost>();
  const switches = new Map<string, Switch>();
  const hubs = new Map<string, Hub>();
  const remotes = new Map<string, BuiltRemote>();
  for (const forwarding of [false, true]) {
    for (const [name, h] of Object.entries((forwarding ? spec.routers : spec.hosts) ?? {})) {
      const interfaces = h.interfaces.map((i, n) => (typeof i === 'string' ? { address: i, mac: defaultMac(name, n) } : { address: i.address, mac: i.mac ?? defaultMac(name, n) }));
      hosts.set(name, net.host(name, { interfaces, gateway: h.gateway, forwarding }));
    }
  }
  for (const [name, s] of Object.entries(spec.switches ?? {})) switches.set(name, net.switch({ name, ports: s.ports, speeds: s.speed === undefined ? undefined : new Array<Speed>(s.ports).fill(s.speed), autonegNs }));
  for (const [name, h] of Object.entries(spec.hubs ?? {})) hubs.set(name, net.hub({ name, speed: h.speed }));
  for (const [name, r] of Object.entries(spec.remotes ?? {})) {
    const endpoint = new RemoteEndpoint(net.sim, { name, speed: r.speed, autonegNs, queueFrames: r.queueFrames });
    const b: BuiltRemote = { name, endpoint };
    if (r.udp !== undefined) {
      const [l, rr] = r.udp.split(',');
      b.udp = { local: parseHostPort(l, 'udp'), remote: parseHostPort(rr, 'udp') };
    } else b.stream = { address: parseHostPort(r.stream!, 'stream'), listen: r.listen === true };
    remotes.set(name, b);
  }
  const endpointOf = (ref: PortRef): Endpoint => {
    if (ref.kind === 'host') return hosts.get(ref.host)!.port(ref.iface);
    if (ref.kind === 'switch') return switches.get(ref.name)!.port(ref.port);
    if (ref.kind === 'remote') return remotes.get(ref.name)!.endpoint;
    throw new Error('unreachable');
  };
  const cables: Array<Cable | undefined> = [];
  (spec.cables ?? []).forEach((c, n) => {
    const a = resolvePortRef(spec, c.a, `cables[${n}].a`);
    const b = resolvePortRef(spec, c.b, `cables[${n}].b`);
    if (a.kind === 'hub' || b.kind === 'hub') {
      const [hub, other] = a.kind === 'hub' ? [a, b] : [b, a];
      hubs.get(hub.key)!.attach(endpointOf(other), { lengthM: c.lengthM });
      cables.push(undefined);
      return;
    }
    const cable = net.cable(endpointOf(a), endpointOf(b), { name: `cable${n}`, lengthM: c.lengthM, category: c.category });
    const f = c.faults;
    if (f !== undefined) {
      for (const dir of [0, 1] as const) {
        const tag = `cable${n}.${dir === 0 ? 'ab' : 'ba'}`;
        if (f.ber !== undefined && f.ber > 0) cable.use(dir, bitErrors(net.sim, { ber: f.ber, name: `${tag}.ber` }));
        if (f.drop !== undefined && f.drop > 0) cable.use(dir, dropFrames(net.sim, { probability: f.drop, name: `${tag}.drop` }));
        if (f.duplicate !== undefined && f.duplicate > 0) cable.use(dir, duplicateFrames(net.sim, { probability: f.duplicate, name: `${tag}.duplicate` }));
        if ((f.delayMs ?? 0) > 0 || (f.jitterMs ?? 0) > 0) cable.use(dir, delayFrames(net.sim, { ns: Math.round((f.delayMs ?? 0) * MS), jitterNs: Math.round((f.jitterMs ?? 0) * MS), name: `${tag}.delay` }));
      }
    }
    cables.push(cable);
  });
  return { net, hosts, switches, hubs, remotes, cables, spec };
}

/** Adds the static routes of the file to the started hosts (after `net.start()`). */
export function addRoutes(built: BuiltTopology): void {
  for (const k of ['hosts', 'routers'] as const)
    for (const [name, h] of Object.entries(built.spec[k] ?? {})) {
      h.routes?.forEach((r, n) => {
        const { address, prefixLength } = parseCidr(r.to);
        try {
          built.hosts.get(name)!.stack.routes.add({ destination: address, prefixLength, gateway: r.via });
        } catch (e) {
          throw new TopologyError(`${k}.${name}.routes[${n}]`, (e as Error).message);
        }
      });
    }
}

/**
 * The IPv4 routing table: connected routes (one per interface address, added by
 * `NetStack.addInterface`), static routes, and a default gateway. `lookup(dst)` picks the route
 * with the longest matching prefix; among equal prefixes the lowest metric wins, then the route
 * added first. `table()` gives the rows the `route` tool prints (`route -n` columns).
 *
 * Guarantees: `lookup` allocates nothing and caches the last answer until the table changes;
 * adding a gateway that no connected route reaches is a programmer error (RangeError).
 * @module
 */
import { formatIpv4Addr, parseIpv4Addr, prefixToMask } from '../wire/ipv4.js';
import type { Iface } from './netif.js';

/** How a route came to be. */
export type RouteKind = 'connected' | 'static';

/** One route: packets to `destination/prefixLength` leave through `iface`, via `gateway` unless it is 0 (on-link). */
export interface Route {
  /** Network address (host bits cleared). */
  readonly destination: number;
  /** Prefix length, 0…32 (0 is the default route). */
  readonly prefixLength: number;
  /** The netmask of `prefixLength`. */
  readonly mask: number;
  /** Next-hop router, or 0 when the destination is on the link. */
  readonly gateway: number;
  /** Outgoing interface. */
  readonly iface: Iface;
  /** Preference among routes with the same prefix length (lower wins). */
  readonly metric: number;
  /** Connected (from an interface address) or static (added by hand, the default gateway included). */
  readonly kind: RouteKind;
}

/** A row of the `route` tool (the columns of `route -n`). */
export interface RouteRow {
  /** Destination network, dotted quad (`0.0.0.0` for the default route). */
  destination: string;
  /** Gateway, dotted quad (`0.0.0.0` when on-link). */
  gateway: string;
  /** Netmask, dotted quad. */
  genmask: string;
  /** `U` (up), plus `G` (via a gateway) and `H` (host route, /32). */
  flags: string;
  /** Metric. */
  metric: number;
  /** Interface name. */
  iface: string;
}

/** What `add` accepts: addresses as dotted quads or uint32. */
export interface RouteSpec {
  /** Destination network (host bits are cleared). */
  destination: string | number;
  /** Prefix length, 0…32. */
  prefixLength: number;
  /** Next-hop router; omitted or 0 for an on-link route. */
  gateway?: string | number;
  /** Outgoing interface; found from the gateway's connected route when omitted. */
  iface?: Iface;
  /** Metric (default 0 for on-link routes, 100 for routes via a gateway, like Linux with DHCP). */
  metric?: number;
}

/** Converts a dotted quad or an integer to a uint32 address (throws RangeError on a bad string: a programmer error). */
export function toIpv4(addr: string | number): number {
  if (typeof addr === 'number') {
    if (!Number.isInteger(addr) || addr < -0x8000_0000 || addr > 0xffff_ffff) throw new RangeError(`not an IPv4 address: ${addr}`);
    return addr >>> 0;
  }
  const v = parseIpv4Addr(addr);
  if (v === undefined) throw new RangeError(`not an IPv4 address: '${addr}'`);
  return v;
}

/** The routing table of one host. */
export class RoutingTable {
  private list: Route[] = [];
  private cacheDst = -1;
  private cacheRoute: Route | undefined = undefined;

  /** All routes, most specific first. */
  get routes(): readonly Route[] {
    return this.list;
  }

  /** Adds a route and returns it. */
  add(spec: RouteSpec): Route {
    const prefixLength = spec.prefixLength;
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) throw new RangeError(`prefix length must be 0…32, got ${prefixLength}`);
    const mask = prefixToMask(prefixLength);
    const destination = (toIpv4(spec.destination) & mask) >>> 0;
    const gateway = spec.gateway === undefined ? 0 : toIpv4(spec.gateway);
    let iface = spec.iface;
    if (gateway !== 0) {
      const via = this.connectedFor(gateway);
      if (via === undefined) throw new RangeError(`gateway ${formatIpv4Addr(gateway)} is not on a connected network`);
      iface ??= via.iface;
    }
    if (iface === undefined) throw new RangeError('an on-link route needs an interface');
    return this.insert({ destination, prefixLength, mask, gateway, iface, metric: spec.metric ?? (gateway === 0 ? 0 : 100), kind: 'static' });
  }

  /** Adds the connected route of an interface address (called by `NetStack.addInterface`). */
  addConnected(iface: Iface): Route {
    const mask = prefixToMask(iface.prefixLength);
    return this.insert({ destination: (iface.address & mask) >>> 0, prefixLength: iface.prefixLength, mask, gateway: 0, iface, metric: 0, kind: 'connected' });
  }

  /** Replaces the default route(s) by one via `gateway`; returns it. */
  setDefaultGateway(gateway: string | number, iface?: Iface): Route {
    this.list = this.list.filter((r) => !(r.prefixLength === 0 && r.kind === 'static'));
    this.changed();
    return this.add({ destination: 0, prefixLength: 0, gateway, iface });
  }

  /** The default gateway, if any. */
  get defaultGateway(): number | undefined {
    const r = this.list.find((x) => x.prefixLength === 0 && x.gateway !== 0);
    return r?.gateway;
  }

  /** Removes routes to `destination/prefixLength` (only the one via `gateway` when given); returns how many. */
  remove(destination: string | number, prefixLength: number, gateway?: string | number): number {
    const mask = prefixToMask(prefixLength);
    const dest = (toIpv4(destination) & mask) >>> 0;
    const gw = gateway === undefined ? undefined : toIpv4(gateway);
    const before = this.list.length;
    this.list = this.list.filter((r) => !(r.destination === dest && r.prefixLength === prefixLength && (gw === undefined || r.gateway === gw)));
    this.changed();
    return before - this.list.length;
  }

  /** Removes every route through `iface` (when an interface goes away). */
  removeIface(iface: Iface): void {
    this.list = this.list.filter((r) => r.iface !== iface);
    this.changed();
  }

  /** The best route to `dst`: longest prefix, then lowest metric, then oldest; undefined when none matches. */
  lookup(dst: number): Route | undefined {
    if (dst === this.cacheDst) return this.cacheRoute;
    let found: Route | undefined;
    const l = this.list;
    for (let i = 0; i < l.length; i++) {
      const r = l[i];
      if (((dst & r.mask) >>> 0) === r.destination) {
        found = r;
        break; // the list is sorted by (prefix desc, metric asc, age)
      }
    }
    this.cacheDst = dst;
    this.cacheRoute = found;
    return found;
  }

  /** Rows for the `route` tool, in lookup order. */
  table(): RouteRow[] {
    return this.list.map((r) => ({
      destination: formatIpv4Addr(r.destination),
      gateway: formatIpv4Addr(r.gateway),
      genmask: formatIpv4Addr(r.mask),
      flags: `U${r.gateway !== 0 ? 'G' : ''}${r.prefixLength === 32 ? 'H' : ''}`,
      metric: r.metric,
      iface: r.iface.name,
    }));
  }

  private connectedFor(addr: number): Route | undefined {
    return this.list.find((r) => r.gateway === 0 && ((addr & r.mask) >>> 0) === r.destination);
  }

  private insert(r: Route): Route {
    // Stable insertion after every route that sorts before or equal to it.
    let i = 0;
    while (i < this.list.length) {
      const o = this.list[i];
      if (o.prefixLength < r.prefixLength || (o.prefixLength === r.prefixLength && o.metric > r.metric)) break;
      i++;
    }
    this.list = [...this.list.slice(0, i), r, ...this.list.slice(i)];
    this.changed();
    return r;
  }

  private changed(): void {
    this.cacheDst = -1;
    this.cacheRoute = undefined;
  }
}

/**
 * `route`: the routing table as data ({@link route}, the rows of `route -n`), as `route -n`
 * prints it (net-tools' `%-15s %-15s %-15s %-5s %-6d %-2d %7d %s`, Ref and Use always 0) and as
 * `ip route` prints it ({@link ipRoute}). Both list routes the way Linux walks its table: by
 * destination address, a shorter prefix first among equal destinations — the default route on top.
 * @module
 */
import type { NetStack } from '../host.js';
import type { Route, RouteRow } from '../iface/route.js';
import { formatIpv4Addr } from '../wire/ipv4.js';

function byKey(a: Route, b: Route): number {
  return a.destination - b.destination || a.prefixLength - b.prefixLength || a.metric - b.metric;
}

/** The routes in display order. */
function ordered(stack: NetStack): Route[] {
  return [...stack.routes.routes].sort(byKey);
}

/** The routing table as `route -n` rows, in display order. */
export function route(stack: NetStack): RouteRow[] {
  const rows = stack.routes.table();
  const routes = stack.routes.routes;
  // table() is in lookup order, parallel to `routes`: reorder both the same way.
  const idx = routes.map((_, i) => i).sort((i, j) => byKey(routes[i], routes[j]));
  return idx.map((i) => rows[i]);
}

function col(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/** The table as `route -n` prints it. */
export function formatRoute(rows: readonly RouteRow[]): string {
  let out = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  for (const r of rows) {
    out += `${col(r.destination, 15)} ${col(r.gateway, 15)} ${col(r.genmask, 15)} ${col(r.flags, 5)} ${col(String(r.metric), 6)} ${col('0', 2)} ${'0'.padStart(7)} ${r.iface}\n`;
  }
  return out;
}

/** One line of `ip route`. */
export interface IpRouteRow {
  /** `default`, `10.0.0.0/24`, or a host address for a /32. */
  readonly destination: string;
  /** Next hop, when via a router. */
  readonly via?: string;
  /** Outgoing interface. */
  readonly dev: string;
  /** `kernel` for connected routes (added with the interface address). */
  readonly proto?: 'kernel';
  /** `link` for on-link routes. */
  readonly scope?: 'link';
  /** Preferred source (connected routes: the interface address). */
  readonly src?: string;
  /** Metric (printed when not 0). */
  readonly metric: number;
}

/** The routing table as `ip route` rows, in display order. */
export function ipRoute(stack: NetStack): IpRouteRow[] {
  return ordered(stack).map((r) => {
    const destination = r.prefixLength === 0 ? 'default' : r.prefixLength === 32 ? formatIpv4Addr(r.destination) : `${formatIpv4Addr(r.destination)}/${r.prefixLength}`;
    const row: { -readonly [K in keyof IpRouteRow]: IpRouteRow[K] } = { destination, dev: r.iface.name, metric: r.metric };
    if (r.gateway !== 0) row.via = formatIpv4Addr(r.gateway);
    if (r.kind === 'connected') {
      row.proto = 'kernel';
      row.scope = 'link';
      row.src = formatIpv4Addr(r.iface.address);
    } else if (r.gateway === 0) row.scope = 'link';
    return row;
  });
}

/** The table as `ip route` prints it. */
export function formatIpRoute(rows: readonly IpRouteRow[]): string {
  let out = '';
  for (const r of rows) {
    let line = r.destination;
    if (r.via !== undefined) line += ` via ${r.via}`;
    line += ` dev ${r.dev}`;
    if (r.proto !== undefined) line += ` proto ${r.proto}`;
    if (r.scope !== undefined) line += ` scope ${r.scope}`;
    if (r.src !== undefined) line += ` src ${r.src}`;
    if (r.metric !== 0) line += ` metric ${r.metric}`;
    out += line + ' \n';
  }
  return out;
}

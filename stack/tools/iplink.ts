/**
 * `ip -s link`: each interface's device, carrier, MTU, MAC and the device statistics
 * (`NetDevice.stats()`, the fields of Linux's rtnl_link_stats64) as data ({@link ipLink}) and
 * in iproute2's classic layout: `RX: bytes  packets  errors  dropped overrun mcast` and
 * `TX: bytes  packets  errors  dropped carrier collsns`, each number left-aligned in its column;
 * with `stats: 2` (`ip -s -s link`) also the `RX errors:` (length, crc, frame, fifo, missed) and
 * `TX errors:` (aborted, fifo, window, heartbeat) lines. Counters the devices do not have
 * (FIFO errors, heartbeat) print 0.
 *
 * Interfaces are numbered from 1 in the order they were added (the stack has no loopback
 * device); the first line leaves out the qdisc, mode and group, which the stack does not model.
 * @module
 */
import type { NetDevStats } from '../../driver/netdev.js';
import type { NetStack } from '../host.js';
import { formatIpv4Addr } from '../wire/ipv4.js';
import { formatMac } from '../wire/ethernet.js';

/** One interface as `ip link` shows it. */
export interface LinkRow {
  /** Interface index (from 1). */
  readonly index: number;
  /** Interface name. */
  readonly name: string;
  /** Link flags (`BROADCAST`, `MULTICAST`, `UP`, `LOWER_UP` or `NO-CARRIER`). */
  readonly flags: readonly string[];
  /** MTU. */
  readonly mtu: number;
  /** Operational state: `UP` with carrier, `DOWN` without. */
  readonly state: 'UP' | 'DOWN';
  /** MAC address. */
  readonly mac: string;
  /** IPv4 address and prefix (`10.0.0.1/24`). */
  readonly inet: string;
  /** The device's statistics. */
  readonly stats: NetDevStats;
}

/** Every interface, in the order they were added. */
export function ipLink(stack: NetStack): LinkRow[] {
  return stack.interfaces.map((i, k) => {
    const up = i.up;
    return {
      index: k + 1,
      name: i.name,
      flags: up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
      mtu: i.mtu,
      state: up ? 'UP' : 'DOWN',
      mac: formatMac(i.mac),
      inet: `${formatIpv4Addr(i.address)}/${i.prefixLength}`,
      stats: i.dev.stats(),
    };
  });
}

/** iproute2's print_num: the number left-aligned in `width`, then a space. */
function num(v: number, width: number): string {
  const s = String(v);
  return (s.length >= width ? s : s + ' '.repeat(width - s.length)) + ' ';
}

/** The interfaces as `ip link` (stats 0), `ip -s link` (1) or `ip -s -s link` (2) prints them. */
export function formatIpLink(rows: readonly LinkRow[], opts: { stats?: 0 | 1 | 2 } = {}): string {
  const level = opts.stats ?? 1;
  let out = '';
  for (const r of rows) {
    out += `${r.index}: ${r.name}: <${r.flags.join(',')}> mtu ${r.mtu} state ${r.state}\n`;
    out += `    link/ether ${r.mac} brd ff:ff:ff:ff:ff:ff\n`;
    if (level === 0) continue;
    const s = r.stats;
    out += '    RX: bytes  packets  errors  dropped overrun mcast   \n';
    out += `    ${num(s.rxBytes, 10)}${num(s.rxPackets, 8)}${num(s.rxErrors, 7)}${num(s.rxDropped, 7)}${num(s.rxOverErrors, 7)}${num(s.multicast, 7)}\n`;
    if (level > 1) {
      out += '    RX errors: length   crc     frame   fifo    missed\n';
      out += `               ${num(s.rxLengthErrors, 8)}${num(s.rxCrcErrors, 7)}${num(s.rxFrameErrors, 7)}${num(0, 7)}${num(s.rxMissedErrors, 7)}\n`;
    }
    out += '    TX: bytes  packets  errors  dropped carrier collsns \n';
    out += `    ${num(s.txBytes, 10)}${num(s.txPackets, 8)}${num(s.txErrors, 7)}${num(s.txDropped, 7)}${num(s.txCarrierErrors, 7)}${num(s.collisions, 7)}\n`;
    if (level > 1) {
      out += '    TX errors: aborted  fifo   window heartbeat\n';
      out += `               ${num(s.txAbortedErrors, 8)}${num(0, 7)}${num(s.txWindowErrors, 7)}${num(0, 7)}\n`;
    }
  }
  return out;
}

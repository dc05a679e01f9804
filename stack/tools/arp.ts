/**
 * `arp`: the neighbour caches of every interface as data ({@link arp}), as `arp -n` prints them
 * (net-tools' columns: `%-23s  %-8s%-20s%-6s%-15s %s`, header before the first entry, nothing
 * for an empty table) and as `ip neigh` prints them.
 * @module
 */
import type { NetStack } from '../host.js';
import type { ArpRow } from '../iface/arp.js';

/** Every interface's ARP entries, in creation order. */
export function arp(stack: NetStack): ArpRow[] {
  return stack.arpTable();
}

function col(s: string, width: number): string {
  return s.length >= width ? s.slice(0, width) : s + ' '.repeat(width - s.length);
}

function resolved(r: ArpRow): boolean {
  return r.state !== 'incomplete' && r.state !== 'failed';
}

/** The table as `arp -n` prints it. */
export function formatArp(rows: readonly ArpRow[]): string {
  if (rows.length === 0) return '';
  let out = `${col('Address', 25)}${col('HWtype', 8)}${col('HWaddress', 20)}${col('Flags', 6)}${col('Mask', 16)}Iface\n`;
  for (const r of rows) {
    out += `${col(r.address, 23)}  `;
    out += resolved(r) ? `${col(r.hwType, 8)}${col(r.hwAddress, 20)}` : `${col('', 8)}${col('(incomplete)', 20)}`;
    out += `${col(resolved(r) ? r.flags : '', 6)}${col('', 15)} ${r.iface}\n`;
  }
  return out;
}

/** The table as `ip neigh` prints it (`10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE`). */
export function formatIpNeigh(rows: readonly ArpRow[]): string {
  let out = '';
  for (const r of rows) {
    const state = r.state.toUpperCase();
    out += resolved(r) ? `${r.address} dev ${r.iface} lladdr ${r.hwAddress} ${state}\n` : `${r.address} dev ${r.iface} ${state}\n`;
  }
  return out;
}

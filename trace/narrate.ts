/**
 * The narrated trace: one line per event, grouped by the layer that emitted it, in the vocabulary
 * of the book's chapter (socket created, ARP broadcast, descriptor filled, TDT written, preamble +
 * SFD + FCS sent, IRQ raised, ICR read, poll, handed to IP, ...), with simulated timestamps.
 * Detail levels are cumulative from the top: `app` shows only applications and sockets, `stack`
 * adds the protocol stack, `driver` the driver and kernel, `hw` the adapter's registers, DMA and
 * interrupts, `wire` the media, PHYs and faults.
 * @module
 */
import type { TraceEvent, TraceKind } from '../sim/trace.js';
import { formatNanos } from '../sim/time.js';
import { describeEvent } from './text.js';

/** A layer of the journey, top to bottom. */
export type Layer = 'app' | 'stack' | 'driver' | 'hw' | 'wire';

/** Layers in order from the application down to the wire. */
export const LAYERS: readonly Layer[] = ['app', 'stack', 'driver', 'hw', 'wire'];

const PREFIX_LAYER: Array<[string, Layer]> = [
  ['socket.', 'app'],
  ['app.', 'app'],
  ['dns.', 'app'],
  ['ping.', 'app'],
  ['udp.', 'stack'],
  ['tcp.', 'stack'],
  ['ip.', 'stack'],
  ['icmp.', 'stack'],
  ['arp.', 'stack'],
  ['eth.', 'stack'],
  ['napt.', 'stack'],
  ['route.', 'stack'],
  ['netdev.', 'driver'],
  ['kernel.', 'driver'],
  ['napi.', 'driver'],
  ['driver.', 'driver'],
  ['reg.', 'hw'],
  ['nic.', 'hw'],
  ['dma.', 'hw'],
  ['eeprom.', 'hw'],
  ['mdio', 'hw'],
  ['irq', 'hw'],
  ['wire.tx', 'hw'], // the MAC putting preamble, SFD, frame and FCS on the line
  ['wire.', 'wire'],
  ['phy.', 'wire'],
  ['cable.', 'wire'],
  ['hub.', 'wire'],
  ['switch.', 'wire'],
  ['fault', 'wire'],
];

/** The layer an event belongs to (by its kind, and for drops and logs by who emitted it). */
export function layerOf(e: TraceEvent): Layer {
  const k: TraceKind = e.kind;
  if (k === 'drop') return layerOfCounter((e as Extract<TraceEvent, { kind: 'drop' }>).counter);
  if (k === 'log' || k === 'state') return layerOfSource(e.source, k === 'state' ? (e as Extract<TraceEvent, { kind: 'state' }>).machine : '');
  for (const [p, l] of PREFIX_LAYER) if (k.startsWith(p)) return l;
  return 'stack';
}

/** Drops are placed by the counter that holds them: adapter registers and counters, switch ports, stack counters. */
function layerOfCounter(counter: string): Layer {
  if (/^[A-Z0-9]+$/.test(counter) || /^(rx|tx)[A-Z]|^ringErrors$/.test(counter)) return 'hw';
  if (/^p\d+\./.test(counter)) return 'wire';
  if (/^(netdev|driver)\.|^rx(Error|Dropped)|^tx(Dropped|Busy)/.test(counter)) return 'driver';
  if (/^(socket|udp\.rcvbuf|app|dns)\./.test(counter)) return 'app';
  return 'stack';
}

function layerOfSource(source: string, machine: string): Layer {
  if (/phy-link|csma/.test(machine) || /\.phy$|\.mac$|^cable|^hub|^sw/.test(source)) return 'wire';
  if (/e1000|lifecycle/.test(machine) || /:eth\d+$|\.host$|napi/.test(source)) return 'driver';
  if (/arp|tcp/.test(machine)) return 'stack';
  if (/^nic\d*$|^[A-Za-z0-9_-]+(\.eth\d+)?$/.test(source) && !/\./.test(source.replace(/\.eth\d+$/, ''))) return 'hw';
  return 'stack';
}

/** Whether an event is shown at a detail level. */
export function shownAt(e: TraceEvent, detail: Layer): boolean {
  return LAYERS.indexOf(layerOf(e)) <= LAYERS.indexOf(detail);
}

/** Formats an event as a narrated line: time, layer, source, sentence; null when the text view leaves it out. */
export function narrate(e: TraceEvent): string | null {
  const d = describeEvent(e);
  if (d === null) return null;
  return `${formatNanos(e.time).padStart(14)}  ${layerOf(e).padEnd(6)} ${e.source.padEnd(14)} ${d}`;
}

/** Narrates events at a detail level (optionally only a time window), one line each. */
export function narrateAll(events: readonly TraceEvent[], detail: Layer, window?: { from?: number; to?: number }): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (window?.from !== undefined && e.time < window.from) continue;
    if (window?.to !== undefined && e.time > window.to) continue;
    if (!shownAt(e, detail)) continue;
    const l = narrate(e);
    if (l !== null) out.push(l);
  }
  return out;
}

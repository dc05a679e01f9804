/**
 * JSON Lines of trace events, for users' own tools (`jq`, pandas, a log shipper): one JSON object
 * per line, in the order the events were emitted. Streaming-friendly: {@link toLine} turns one
 * event into one newline-terminated line, and {@link jsonlSink} writes them as they happen.
 *
 * Encoding:
 * - Every event keeps its fields (`time`, `source`, `kind` first, then the kind's own fields).
 * - `Uint8Array` fields become lowercase hex strings without separators (`"55d5ff…"`).
 * - A {@link WireFrame} becomes `{ id, sender, txStart, bitTimeNs, bytes: hex }` (its line
 *   symbols, present in signal fidelity, are left out: they are derived from `bytes`).
 * - Other objects and arrays are converted field by field; `bigint` becomes a decimal string,
 *   non-finite numbers `null` (as `JSON.stringify` does), functions and `undefined` are left out.
 *
 * Guarantees: {@link toLine} never throws on an event the bus emitted (cycles are cut with the
 * string `"[circular]"`), and its output contains exactly one newline, at the end.
 * @module
 */
import type { TraceBus, TraceEvent } from '../sim/trace.js';
import type { Simulator } from '../sim/simulator.js';
import type { WireFrame } from '../hw/medium/types.js';

/** A JSON value as written to a line. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Lowercase hex of `bytes`, two digits per octet, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** The bytes of a hex string written by {@link toHex} (throws on odd length or a non-hex digit). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new SyntaxError('not an even-length hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function isWireFrame(v: object): v is WireFrame {
  const f = v as Partial<WireFrame>;
  return f.bytes instanceof Uint8Array && typeof f.id === 'number' && typeof f.txStart === 'number' && typeof f.bitTimeNs === 'number' && typeof f.sender === 'string';
}

function convert(v: unknown, seen: Set<object>): JsonValue | undefined {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (v === null) return null;
  const o = v as object;
  if (o instanceof Uint8Array) return toHex(o);
  if (ArrayBuffer.isView(o)) return Array.from(o as unknown as ArrayLike<number>, (x) => (typeof x === 'bigint' ? String(x) : x));
  if (seen.has(o)) return '[circular]';
  seen.add(o);
  try {
    if (Array.isArray(o)) return o.map((x) => convert(x, seen) ?? null);
    if (isWireFrame(o)) return { id: o.id, sender: o.sender, txStart: o.txStart, bitTimeNs: o.bitTimeNs, bytes: toHex(o.bytes) };
    if (o instanceof Map) return convert(Object.fromEntries(o), seen) ?? null;
    if (o instanceof Set) return convert([...o], seen) ?? null;
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(o)) {
      const c = convert(x, seen);
      if (c !== undefined) out[k] = c;
    }
    return out;
  } finally {
    seen.delete(o);
  }
}

/** The JSON value written for `ev` (plain data: hex strings for bytes, frames reduced to their line bytes and identity). */
export function toJson(ev: TraceEvent): { [key: string]: JsonValue } {
  return convert(ev, new Set()) as { [key: string]: JsonValue };
}

/** One JSON line for `ev`, newline-terminated (ready for `stream.write`). */
export function toLine(ev: TraceEvent): string {
  return JSON.stringify(toJson(ev)) + '\n';
}

/** The JSON Lines text of a list of events. */
export function toJsonl(events: Iterable<TraceEvent>): string {
  let s = '';
  for (const e of events) s += toLine(e);
  return s;
}

/** Subscribes to a simulator's (or a bus's) events and passes each as a line to `write`; returns the unsubscribe function. */
export function jsonlSink(sim: Simulator | TraceBus, write: (line: string) => void, kinds?: Parameters<TraceBus['subscribe']>[1]): () => void {
  const bus = 'trace' in sim ? sim.trace : sim;
  return bus.subscribe((e) => write(toLine(e)), kinds);
}

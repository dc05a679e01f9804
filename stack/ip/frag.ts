/**
 * IPv4 fragmentation (RFC 791 §3.2, RFC 1122 §3.3.2) and reassembly.
 *
 * Fragmentation: every fragment but the last carries a multiple of 8 data bytes, as many as the
 * MTU allows; the first fragment keeps all options, later ones only those with the "copied" flag
 * (RFC 791); fragmenting a fragment keeps its offset and its MF flag on the last piece.
 *
 * Reassembly is keyed by (source, destination, protocol, identification). Limits: a timeout per
 * datagram (default 30 s, from its first fragment; on expiry the held fragments are dropped in
 * `ip.reassemblyTimeout`, and ICMP time exceeded (code 1) goes to the source if fragment zero
 * arrived — RFC 1122 §3.3.2), a maximum number of concurrent datagrams (default 64; a fragment of
 * a new datagram beyond it is refused: `ip.reassemblyLimit`), a maximum of held bytes across all
 * datagrams (default 1 MiB, fragment data plus first-fragment headers: `ip.reassemblyMemory`),
 * and a maximum of fragments per datagram (default 1024: beyond it the datagram is dropped,
 * `ip.fragBad`). Refusing new work instead of evicting old work is Linux's choice since 4.17.
 *
 * Overlap and duplicate policy (after RFC 5722 for IPv6, and Linux for IPv4 since 2018):
 * - a fragment with exactly the offset and length of one already held is an exact duplicate: it
 *   alone is dropped (`ip.fragDuplicate`, its bytes are not compared) and reassembly continues;
 * - any other overlap, or a fragment that contradicts the datagram's length (a second last
 *   fragment with another end, data beyond the end), drops the whole datagram: every fragment
 *   held and the offending one (`ip.fragOverlap`). Later fragments start a new reassembly, which
 *   times out;
 * - a fragment whose end would exceed 65,535 bytes with its header is dropped (`ip.fragTooBig`),
 *   as is a completed datagram longer than that with the first fragment's header;
 * - an empty fragment, or a non-last fragment whose length is not a multiple of 8, is dropped
 *   (`ip.fragBad`).
 *
 * Counting: each fragment ends in exactly one counter. When a datagram completes, all its
 * fragments but the one that completed it count `ip.fragMerged`; the datagram then continues up
 * as that last frame (and is counted where it ends).
 *
 * Guarantees: never throws on network input; memory never exceeds `maxBytes`; the number of
 * datagrams never exceeds `maxDatagrams`; every datagram has exactly one pending timer.
 * @module
 */
import type { Nanos } from '../../sim/time.js';
import { IPV4_MIN_HEADER_LEN, IPV4_OPTION, Ipv4Packet } from '../wire/ipv4.js';
import type { CounterRef, Counters } from '../counters.js';
import type { StackTimer, StackTimers } from '../timers.js';
import type { Iface } from '../iface/netif.js';

// ---------------------------------------------------------------------------------------------
// Fragmentation

/** The largest datagram, header included (the total-length field is 16 bits). */
export const IPV4_MAX_DATAGRAM = 65_535;

/**
 * The options a non-first fragment carries: those whose type has the copied flag (0x80), in
 * order, padded with zeros (EOL) to a multiple of 4 bytes. `options` are a header's option bytes.
 */
export function copiedOptions(options: Uint8Array): Uint8Array {
  const keep: number[] = [];
  let i = 0;
  while (i < options.length) {
    const type = options[i];
    if (type === IPV4_OPTION.EOL) break;
    if (type === IPV4_OPTION.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= options.length) break;
    const len = options[i + 1];
    if (len < 2 || i + len > options.length) break;
    if ((type & 0x80) !== 0) for (let k = 0; k < len; k++) keep.push(options[i + k]);
    i += len;
  }
  const out = new Uint8Array((keep.length + 3) & ~3);
  out.set(keep);
  return out;
}

/** Called once per fragment: its offset in bytes, its MF flag, its data, and the option bytes its header carries. */
export type FragmentSink = (offset: number, more: boolean, data: Uint8Array, options: Uint8Array | null) => void;

/**
 * Splits `payload` into fragments that fit `mtu`: the first with `options`, the others with
 * `laterOptions`. `baseOffset`/`baseMore` are those of the datagram being fragmented (non-zero
 * when re-fragmenting a fragment). Returns the number of fragments, or 0 when the MTU cannot hold
 * a header and 8 data bytes.
 */
export function fragmentPayload(
  payload: Uint8Array,
  mtu: number,
  options: Uint8Array | null,
  laterOptions: Uint8Array | null,
  baseOffset: number,
  baseMore: boolean,
  sink: FragmentSink,
): number {
  const firstHl = IPV4_MIN_HEADER_LEN + (options?.length ?? 0);
  const laterHl = IPV4_MIN_HEADER_LEN + (laterOptions?.length ?? 0);
  const firstMax = (mtu - firstHl) & ~7;
  const laterMax = (mtu - laterHl) & ~7;
  if (firstMax < 8 || laterMax < 8) return 0;
  const len = payload.length;
  let at = 0;
  let n = 0;
  while (at < len) {
    const max = n === 0 ? firstMax : laterMax;
    const size = Math.min(max, len - at);
    const last = at + size >= len;
    sink(baseOffset + at, last ? baseMore : true, payload.subarray(at, at + size), n === 0 ? options : laterOptions);
    at += size;
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Reassembly

/** Reassembly limits. */
export interface ReassemblyConfig {
  /** Time a datagram may take to complete, from its first fragment, ns (default 30 s). */
  timeoutNs: Nanos;
  /** Datagrams reassembled at once (default 64). */
  maxDatagrams: number;
  /** Bytes held across all datagrams (default 1 MiB). */
  maxBytes: number;
  /** Fragments per datagram (default 1024). */
  maxFragments: number;
}

/** Default reassembly limits. */
export const REASSEMBLY_DEFAULTS: Readonly<ReassemblyConfig> = Object.freeze({
  timeoutNs: 30_000_000_000,
  maxDatagrams: 64,
  maxBytes: 1 << 20,
  maxFragments: 1024,
});

interface Frag {
  start: number;
  end: number;
  data: Uint8Array;
}

interface Datagram {
  readonly key: string;
  readonly iface: Iface;
  /** Held fragments, sorted by offset, never overlapping. */
  frags: Frag[];
  /** Payload length once the last fragment arrived, else -1. */
  total: number;
  /** Payload bytes held. */
  have: number;
  /** The first fragment's header, once it arrived. */
  header: Uint8Array | null;
  /** Memory charged. */
  bytes: number;
  timer: StackTimer;
}

/** What the reassembler reports to the IP layer. */
export interface ReassemblyHooks {
  /** A datagram timed out after fragment zero arrived: `invoking` is its header and first data bytes (for ICMP time exceeded). */
  timedOut(iface: Iface, invoking: Uint8Array): void;
}

/** A snapshot of one datagram under reassembly (for tests and tools). */
export interface ReassemblyEntry {
  /** The key, `src/dst/protocol/id` with addresses as numbers. */
  key: string;
  /** Fragments held. */
  fragments: number;
  /** Payload bytes held. */
  bytes: number;
  /** Payload length, once the last fragment arrived. */
  total: number | undefined;
  /** When it times out, ns. */
  expiresAt: Nanos;
}

/** The reassembly buffer of one stack. */
export class Reassembler {
  private readonly table = new Map<string, Datagram>();
  private held = 0;
  private memory = 0;
  private readonly cMerged: CounterRef;

  /** Creates an empty buffer. */
  constructor(
    /** The limits in force. */
    readonly config: Readonly<ReassemblyConfig>,
    private readonly counters: Counters,
    private readonly timers: StackTimers,
    private readonly hooks: ReassemblyHooks,
  ) {
    this.cMerged = counters.ref('ip.fragMerged');
  }

  /** Fragments currently held. */
  get heldFragments(): number {
    return this.held;
  }

  /** Bytes currently charged (fragment data and first-fragment headers). */
  get bytes(): number {
    return this.memory;
  }

  /** Datagrams currently under reassembly. */
  get datagrams(): number {
    return this.table.size;
  }

  /** The datagrams under reassembly. */
  entries(): ReassemblyEntry[] {
    return [...this.table.values()].map((d) => ({
      key: d.key,
      fragments: d.frags.length,
      bytes: d.have,
      total: d.total >= 0 ? d.total : undefined,
      expiresAt: d.timer.expiresAt,
    }));
  }

  /**
   * Adds a received fragment (`p` is a checked view over exactly the packet). Returns the
   * reassembled datagram (a new buffer: header of fragment zero, MF and offset cleared, length
   * and checksum rewritten) when this fragment completed it, else null (held or dropped).
   */
  add(iface: Iface, p: Ipv4Packet): Uint8Array | null {
    const buf = p.buffer;
    const o = p.offset;
    const hl = p.headerLen;
    const len = p.totalLen - hl;
    const start = p.fragmentOffset;
    const end = start + len;
    const more = p.moreFragments;
    const counters = this.counters;
    if (len === 0 || (more && (len & 7) !== 0)) {
      counters.drop('ip.fragBad');
      return null;
    }
    if (hl + end > IPV4_MAX_DATAGRAM) {
      counters.drop('ip.fragTooBig');
      return null;
    }
    const key = `${p.src}/${p.dst}/${p.protocol}/${p.ident}`;
    const charge = len + (start === 0 ? hl : 0);
    let d = this.table.get(key);
    if (d === undefined) {
      if (this.table.size >= this.config.maxDatagrams) {
        counters.drop('ip.reassemblyLimit');
        return null;
      }
      if (this.memory + charge > this.config.maxBytes) {
        counters.drop('ip.reassemblyMemory');
        return null;
      }
      const nd: Datagram = { key, iface, frags: [], total: -1, have: 0, header: null, bytes: 0, timer: null as unknown as StackTimer };
      nd.timer = this.timers.after(this.config.timeoutNs, () => this.expire(nd));
      this.table.set(key, nd);
      d = nd;
    }
    // Where does it go? i = index of the first held fragment starting at or after `start`.
    const frags = d.frags;
    let i = frags.length;
    while (i > 0 && frags[i - 1].start >= start) i--;
    if (i < frags.length && frags[i].start === start && frags[i].end === end) {
      counters.drop('ip.fragDuplicate');
      return null;
    }
    // Length consistency: a last fragment fixes the end; nothing may lie beyond it.
    if (!more) {
      if ((d.total >= 0 && d.total !== end) || (frags.length > 0 && frags[frags.length - 1].end > end)) return this.kill(d, 'ip.fragOverlap');
    } else if (d.total >= 0 && end > d.total) {
      return this.kill(d, 'ip.fragOverlap');
    }
    if ((i > 0 && frags[i - 1].end > start) || (i < frags.length && frags[i].start < end)) return this.kill(d, 'ip.fragOverlap');
    if (frags.length >= this.config.maxFragments) return this.kill(d, 'ip.fragBad');
    if (this.memory + charge > this.config.maxBytes) {
      counters.drop('ip.reassemblyMemory');
      return null;
    }
    frags.splice(i, 0, { start, end, data: buf.slice(o + hl, o + hl + len) });
    if (start === 0) d.header = buf.slice(o, o + hl);
    if (!more) d.total = end;
    d.have += len;
    d.bytes += charge;
    this.memory += charge;
    this.held++;
    if (d.total < 0 || d.have !== d.total || d.header === null) return null;
    return this.assemble(d);
  }

  private assemble(d: Datagram): Uint8Array | null {
    const header = d.header!;
    const hl = header.length;
    if (hl + d.total > IPV4_MAX_DATAGRAM) return this.kill(d, 'ip.fragTooBig', 0);
    this.remove(d);
    const out = new Uint8Array(hl + d.total);
    out.set(header, 0);
    for (const f of d.frags) out.set(f.data, hl + f.start);
    const p = new Ipv4Packet(out);
    p.totalLen = out.length;
    p.flagsFrag = p.flagsFrag & 0x4000; // keep DF; clear MF and the offset
    p.fillChecksum();
    this.cMerged.value += d.frags.length - 1;
    this.counters.inc('ip.reassembled');
    return out;
  }

  /** Drops a whole datagram: its held fragments and (unless `extra` is 0) the one being added. */
  private kill(d: Datagram, counter: string, extra = 1): null {
    this.remove(d);
    this.counters.drop(counter, d.frags.length + extra);
    return null;
  }

  private remove(d: Datagram): void {
    d.timer.cancel();
    this.table.delete(d.key);
    this.held -= d.frags.length;
    this.memory -= d.bytes;
  }

  private expire(d: Datagram): void {
    if (this.table.get(d.key) !== d) return;
    this.remove(d);
    this.counters.drop('ip.reassemblyTimeout', d.frags.length);
    const first = d.frags[0];
    if (d.header !== null && first !== undefined && first.start === 0) {
      // The invoking datagram as ICMP quotes it: fragment zero's header as received and its first data bytes.
      const inv = new Uint8Array(d.header.length + Math.min(first.data.length, 8));
      inv.set(d.header, 0);
      inv.set(first.data.subarray(0, inv.length - d.header.length), d.header.length);
      this.hooks.timedOut(d.iface, inv);
    }
  }
}

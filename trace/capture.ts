/**
 * A packet-capture sink on the trace bus: it records, per adapter, the frames the adapter sent
 * (`wire.tx`, stamped with the instant the first bit left) and the frames that reached it
 * (`wire.rx`, stamped with the instant the first bit arrived), and renders them as pcap or
 * pcapng for Wireshark and tshark.
 *
 * Variants (what each packet holds):
 * - `frame`: the Ethernet frame from the destination address, without preamble, SFD and FCS
 *   (LINKTYPE_ETHERNET, `if_fcslen = 0`) — what a host-side capture shows. A damaged FCS is not
 *   visible here.
 * - `wire`: the line octets exactly as carried — preamble, SFD, frame and FCS — as
 *   LINKTYPE_ETHERNET_MPACKET (274). Wireshark's 802.3br dissector (`fpp`) checks the CRC of such
 *   an express mPacket (`fpp.checksum.status`: good / bad) and hands the frame to the Ethernet
 *   dissector. Collision fragments and runts are written as they were.
 * - `fcs`: the frame with its FCS but without preamble and SFD, as LINKTYPE_ETHERNET with
 *   `if_fcslen = 4` (pcapng) or the FCS bits of the pcap link-type field; Wireshark then checks
 *   the FCS with `-o eth.check_fcs:TRUE` (`eth.fcs.status`).
 *
 * Guarantees and limits:
 * - pcapng has one interface per adapter (endpoint name), in order of first appearance; each
 *   packet carries its direction in `epb_flags` (outbound for `wire.tx`, inbound for `wire.rx`).
 *   Classic pcap has one link type and no interfaces, so with `direction: 'both'` a frame between
 *   two captured adapters appears twice (once sent, once received).
 * - Packets are written in timestamp order (stable: ties keep the order the events arrived in).
 *   A received frame's `wire.rx` event comes when its last bit arrives, so the sort matters.
 * - In the `frame` and `fcs` variants the frame starts after the SFD (a shortened preamble is
 *   recognised; when no SFD can be found the sender's 8 octets are skipped). A fragment with
 *   nothing left after that (and, in `frame`, after removing 4 FCS octets) is not written and is
 *   counted in {@link Capture.skipped}. Fragments shorter than an Ethernet header are written and
 *   show as malformed in Wireshark: that is what they are.
 * - A received frame is recorded as the receiving end got it: in signal fidelity the line symbols
 *   are decoded again as the receiving PHY does, so a damaged code group shows in the octets (and
 *   in the FCS) instead of the sender's clean copy. pcapng marks received frames with link-layer
 *   errors in `epb_flags`: bit 24 (CRC error) when the FCS does not match, bit 31 (symbol error)
 *   when the PHY reported a code violation — the frames an adapter or switch port discards, which
 *   the `frame` variant (no FCS) could not show otherwise. Classic pcap has no such flags:
 *   `toPcap({ omitErrored: true })` leaves those frames out.
 * - Hubs deliver to their stations without a `wire.rx` event, so a station behind a hub shows
 *   only what it sent.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { TraceBus, TraceEvent } from '../sim/trace.js';
import type { Nanos } from '../sim/time.js';
import type { WireFrame } from '../hw/medium/types.js';
import { findFrameStart, FCS_LEN, PREAMBLE_SFD_LEN } from '../hw/mac/framing.js';
import { fcsValid } from '../hw/mac/fcs.js';
import { createLineCodec, type LineCodec, type LineStream, type PhyKind } from '../hw/phy/linecode/index.js';
import { LINKTYPE_ETHERNET, LINKTYPE_ETHERNET_MPACKET, PCAP_SNAPLEN, PcapngWriter, pcapFile, pcapFileHeader, pcapRecord, writeCaptureFile, type EpbLinkError, type PcapngSectionOptions } from './pcap.js';
import '../hw/nic.js';
import '../hw/medium/cable.js';

/** Which frames a {@link Capture} records. */
export type CaptureDirection = 'tx' | 'rx' | 'both';

/** What each captured packet holds: see the module documentation. */
export type CaptureVariant = 'frame' | 'wire' | 'fcs';

/** Options of a {@link Capture}. */
export interface CaptureOptions {
  /** Frames sent (`tx`), received (`rx`) or both (default `both`). */
  direction?: CaptureDirection;
  /** Packet contents (default `frame`). */
  variant?: CaptureVariant;
  /** Only these adapters (endpoint names); default: every endpoint that sends or receives. */
  adapters?: readonly string[];
  /** Snapshot length announced and applied (default 262144). */
  snaplen?: number;
  /** Section header options of the pcapng output. */
  section?: PcapngSectionOptions;
  /** pcapng `if_description` of each interface (default `nicsim adapter NAME`). */
  describe?: (name: string) => string;
}

/** One frame as the capture recorded it. */
export interface CapturedFrame {
  /** The adapter (endpoint name) that sent or received it. */
  readonly adapter: string;
  /** `tx`: sent by `adapter`; `rx`: reached `adapter`. */
  readonly direction: 'tx' | 'rx';
  /** First bit left (`tx`) or arrived (`rx`), ns. */
  readonly timeNs: Nanos;
  /** The frame as the medium carried it (received frames may be damaged or cut short). */
  readonly frame: WireFrame;
}

/** The link type each variant writes. */
export const CAPTURE_LINKTYPE: Readonly<Record<CaptureVariant, number>> = { frame: LINKTYPE_ETHERNET, wire: LINKTYPE_ETHERNET_MPACKET, fcs: LINKTYPE_ETHERNET };

/** FCS octets at the end of each packet of each variant (pcapng `if_fcslen`). */
export const CAPTURE_FCSLEN: Readonly<Record<CaptureVariant, number | undefined>> = { frame: 0, wire: undefined, fcs: FCS_LEN };

/** The packet bytes of `frame` in `variant`, or null when nothing is left to write. */
export function capturedBytes(frame: WireFrame, variant: CaptureVariant): Uint8Array | null {
  const line = frame.bytes;
  if (variant === 'wire') return line.length > 0 ? line : null;
  let start = findFrameStart(line);
  if (start < 0) start = Math.min(PREAMBLE_SFD_LEN, line.length);
  const end = variant === 'frame' ? line.length - FCS_LEN : line.length;
  return end > start ? line.subarray(start, end) : null;
}

/** A frame as its receiving end got it: the line octets (decoded again from the symbols in signal fidelity) and the link-layer errors found. */
export interface ReceivedLine {
  /** Preamble, SFD, frame and FCS as received. */
  readonly bytes: Uint8Array;
  /** `crc`: the FCS does not match; `symbol`: the PHY reported a code violation. */
  readonly errors: readonly EpbLinkError[];
}

/**
 * What the receiving end of `frame` got: in signal fidelity the symbols decoded by `codecs` (a
 * cache of one codec per PHY), otherwise the octets as carried; with the FCS and symbol errors.
 */
export function receivedLine(frame: WireFrame, codecs: Map<PhyKind, LineCodec> = new Map()): ReceivedLine {
  let bytes = frame.bytes;
  const errors: EpbLinkError[] = [];
  if (frame.symbols !== undefined) {
    const stream = frame.symbols as LineStream;
    let codec = codecs.get(stream.kind);
    if (codec === undefined) codecs.set(stream.kind, (codec = createLineCodec(stream.kind)));
    const r = codec.decodeFrame(stream);
    bytes = r.bytes;
    if (r.errors.length > 0) errors.push('symbol');
  }
  const start = findFrameStart(bytes);
  if (!fcsValid(bytes, start < 0 ? Math.min(PREAMBLE_SFD_LEN, bytes.length) : start, bytes.length)) errors.unshift('crc');
  return { bytes, errors };
}

/** Records frames per adapter from a simulator's trace bus and renders them as pcap or pcapng. */
export class Capture {
  /** The frames recorded so far, in event order. */
  readonly frames: CapturedFrame[] = [];
  /** Options in effect. */
  readonly direction: CaptureDirection;
  /** Packet contents. */
  readonly variant: CaptureVariant;
  private readonly snaplen: number;
  private readonly only: ReadonlySet<string> | null;
  private readonly section: PcapngSectionOptions;
  private readonly describe: (name: string) => string;
  private readonly unsubscribe: () => void;
  private readonly codecs = new Map<PhyKind, LineCodec>();
  private readonly lines = new WeakMap<CapturedFrame, ReceivedLine>();

  /** Subscribes to `sim.trace` (or a bus) at once. */
  constructor(sim: Simulator | TraceBus, opts: CaptureOptions = {}) {
    this.direction = opts.direction ?? 'both';
    this.variant = opts.variant ?? 'frame';
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    this.only = opts.adapters ? new Set(opts.adapters) : null;
    this.section = opts.section ?? {};
    this.describe = opts.describe ?? ((name) => `nicsim adapter ${name}`);
    const bus = 'trace' in sim ? sim.trace : sim;
    const kinds = this.direction === 'both' ? (['wire.tx', 'wire.rx'] as const) : this.direction === 'tx' ? (['wire.tx'] as const) : (['wire.rx'] as const);
    this.unsubscribe = bus.subscribe((e) => this.on(e), kinds);
  }

  /** Stops recording (what was recorded stays). */
  detach(): void {
    this.unsubscribe();
  }

  private on(e: TraceEvent): void {
    if (e.kind === 'wire.tx') this.add(e.source, 'tx', e.frame.txStart, e.frame);
    else if (e.kind === 'wire.rx') this.add(e.to, 'rx', e.start, e.frame);
  }

  private add(adapter: string, direction: 'tx' | 'rx', timeNs: Nanos, frame: WireFrame): void {
    if (this.only !== null && !this.only.has(adapter)) return;
    this.frames.push({ adapter, direction, timeNs, frame });
  }

  /** Adapter names in order of first appearance (the pcapng interfaces). */
  adapters(): string[] {
    const seen = new Set<string>();
    for (const f of this.frames) seen.add(f.adapter);
    return [...seen];
  }

  /** The recorded frames in timestamp order (stable). */
  sorted(): CapturedFrame[] {
    return this.frames.map((f, i) => ({ f, i })).sort((a, b) => a.f.timeNs - b.f.timeNs || a.i - b.i).map((x) => x.f);
  }

  /** Frames the variant leaves nothing of (collision fragments cut before the frame began). */
  get skipped(): number {
    let n = 0;
    for (const f of this.frames) if (this.bytesOf(f) === null) n++;
    return n;
  }

  /** The line as `f`'s receiving end got it (a sent frame: as the sender serialized it, no errors). */
  line(f: CapturedFrame): ReceivedLine {
    if (f.direction === 'tx') return { bytes: f.frame.bytes, errors: [] };
    let l = this.lines.get(f);
    if (l === undefined) this.lines.set(f, (l = receivedLine(f.frame, this.codecs)));
    return l;
  }

  private bytesOf(f: CapturedFrame): Uint8Array | null {
    const bytes = this.line(f).bytes;
    return capturedBytes(bytes === f.frame.bytes ? f.frame : { ...f.frame, bytes }, this.variant);
  }

  /** A classic pcap file (nanosecond magic) of every recorded frame, all adapters together; with `omitErrored`, without the frames received with an FCS or symbol error (classic pcap cannot mark them). */
  toPcap(opts: { omitErrored?: boolean } = {}): Uint8Array {
    const packets: { timeNs: Nanos; data: Uint8Array }[] = [];
    for (const f of this.sorted()) {
      if (opts.omitErrored && this.line(f).errors.length > 0) continue;
      const data = this.bytesOf(f);
      if (data !== null) packets.push({ timeNs: f.timeNs, data });
    }
    const fcsLen = this.variant === 'fcs' ? FCS_LEN : undefined;
    return pcapFile(packets, { linkType: CAPTURE_LINKTYPE[this.variant], snaplen: this.snaplen, fcsLen });
  }

  /** A pcapng file: one interface per adapter, packets with their direction. */
  toPcapng(): Uint8Array {
    const w = new PcapngWriter(this.section);
    const index = new Map<string, number>();
    for (const name of this.adapters()) {
      const speed = this.frames.find((f) => f.adapter === name)?.frame.bitTimeNs;
      index.set(
        name,
        w.addInterface({
          name,
          linkType: CAPTURE_LINKTYPE[this.variant],
          snaplen: this.snaplen,
          fcsLen: CAPTURE_FCSLEN[this.variant],
          description: this.describe(name),
          speedBps: speed ? Math.round(1e9 / speed) : undefined,
        }),
      );
    }
    for (const f of this.sorted()) {
      const data = this.bytesOf(f);
      if (data === null) continue;
      w.packet({ iface: index.get(f.adapter)!, timeNs: f.timeNs, data, direction: f.direction === 'tx' ? 'outbound' : 'inbound', errors: this.line(f).errors });
    }
    return w.toBytes();
  }

  /** Writes {@link Capture.toPcap} to `path`. */
  writePcap(path: string): Promise<void> {
    return writeCaptureFile(path, this.toPcap());
  }

  /** Writes {@link Capture.toPcapng} to `path`. */
  writePcapng(path: string): Promise<void> {
    return writeCaptureFile(path, this.toPcapng());
  }
}

/** Options of a {@link CaptureStream}. */
export interface CaptureStreamOptions extends CaptureOptions {
  /** File format (default `pcapng`). */
  format?: 'pcap' | 'pcapng';
  /** Classic pcap: leave out the frames received with an FCS or symbol error (it cannot mark them). */
  omitErrored?: boolean;
  /**
   * How long a frame is held so that packets are written in timestamp order, in simulated ns
   * (default 20 ms). A received frame is reported when its last bit arrives but stamped with its
   * first: the window must cover the longest frame's duration plus propagation (a 16 KiB jumbo
   * frame at 10 Mb/s takes 13.1 ms).
   */
  reorderNs?: Nanos;
}

/**
 * A capture that streams: the same packets, in the same order and format as {@link Capture}
 * renders them, written to `sink` as the run goes instead of being kept — for long runs, whose
 * memory then stays bounded. A frame is held only until no earlier-stamped frame can still be
 * reported ({@link CaptureStreamOptions.reorderNs}); pcapng interface blocks are written when an
 * adapter first appears (so the interface numbers are those {@link Capture} gives). Call
 * {@link CaptureStream.close} at the end to write what is held.
 */
export class CaptureStream {
  /** Packets written. */
  written = 0;
  /** Frames the variant left nothing of (not written). */
  skipped = 0;
  /** Frames written out of timestamp order (reported later than the reorder window allows). */
  late = 0;
  /** Options in effect. */
  readonly variant: CaptureVariant;
  private readonly format: 'pcap' | 'pcapng';
  private readonly omitErrored: boolean;
  private readonly reorderNs: Nanos;
  private readonly snaplen: number;
  private readonly only: ReadonlySet<string> | null;
  private readonly describe: (name: string) => string;
  private readonly unsubscribe: () => void;
  private readonly codecs = new Map<PhyKind, LineCodec>();
  private readonly pending: { f: CapturedFrame; seq: number }[] = [];
  private readonly ifaces = new Map<string, number>();
  private readonly pcapng: PcapngWriter | null;
  private seq = 0;
  private lastWritten = -Infinity;
  private closed = false;

  /** Subscribes to `sim.trace` (or a bus) at once and writes the file header to `sink`. */
  constructor(
    sim: Simulator | TraceBus,
    private readonly sink: (chunk: Uint8Array) => void,
    opts: CaptureStreamOptions = {},
  ) {
    const direction = opts.direction ?? 'both';
    this.variant = opts.variant ?? 'frame';
    this.format = opts.format ?? 'pcapng';
    this.omitErrored = opts.omitErrored ?? false;
    this.reorderNs = opts.reorderNs ?? 20_000_000;
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    this.only = opts.adapters ? new Set(opts.adapters) : null;
    this.describe = opts.describe ?? ((name) => `nicsim adapter ${name}`);
    if (this.format === 'pcapng') this.pcapng = new PcapngWriter(opts.section ?? {}, sink);
    else {
      this.pcapng = null;
      sink(pcapFileHeader({ linkType: CAPTURE_LINKTYPE[this.variant], snaplen: this.snaplen, fcsLen: this.variant === 'fcs' ? FCS_LEN : undefined }));
    }
    const bus = 'trace' in sim ? sim.trace : sim;
    const kinds = direction === 'both' ? (['wire.tx', 'wire.rx'] as const) : direction === 'tx' ? (['wire.tx'] as const) : (['wire.rx'] as const);
    this.unsubscribe = bus.subscribe((e) => this.on(e), kinds);
  }

  /** Frames recorded and not yet written (held for timestamp order). */
  get buffered(): number {
    return this.pending.length;
  }

  /** Writes every frame held (later frames may then come out of order: see {@link late}). */
  flush(): void {
    this.writeUpTo(Infinity);
  }

  /** Stops recording and writes what is held (closing twice does nothing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.flush();
  }

  private on(e: TraceEvent): void {
    let f: CapturedFrame;
    if (e.kind === 'wire.tx') f = { adapter: e.source, direction: 'tx', timeNs: e.frame.txStart, frame: e.frame };
    else if (e.kind === 'wire.rx') f = { adapter: e.to, direction: 'rx', timeNs: e.start, frame: e.frame };
    else return;
    if (this.only !== null && !this.only.has(f.adapter)) return;
    if (this.pcapng !== null && !this.ifaces.has(f.adapter)) {
      const speed = f.frame.bitTimeNs;
      this.ifaces.set(
        f.adapter,
        this.pcapng.addInterface({
          name: f.adapter,
          linkType: CAPTURE_LINKTYPE[this.variant],
          snaplen: this.snaplen,
          fcsLen: CAPTURE_FCSLEN[this.variant],
          description: this.describe(f.adapter),
          speedBps: speed ? Math.round(1e9 / speed) : undefined,
        }),
      );
    }
    // keep `pending` sorted by (time, arrival): frames arrive nearly in order, so search from the end
    const p = this.pending;
    let i = p.length;
    while (i > 0 && p[i - 1].f.timeNs > f.timeNs) i--;
    p.splice(i, 0, { f, seq: this.seq++ });
    this.writeUpTo(e.time - this.reorderNs);
  }

  private writeUpTo(t: number): void {
    const p = this.pending;
    let k = 0;
    while (k < p.length && p[k].f.timeNs <= t) this.write(p[k++].f);
    if (k > 0) p.splice(0, k);
  }

  private write(f: CapturedFrame): void {
    if (f.timeNs < this.lastWritten) this.late++;
    this.lastWritten = Math.max(this.lastWritten, f.timeNs);
    const line = f.direction === 'tx' ? { bytes: f.frame.bytes, errors: [] as EpbLinkError[] } : receivedLine(f.frame, this.codecs);
    const data = capturedBytes(line.bytes === f.frame.bytes ? f.frame : { ...f.frame, bytes: line.bytes }, this.variant);
    if (data === null) {
      this.skipped++;
      return;
    }
    if (this.pcapng !== null) {
      this.pcapng.packet({ iface: this.ifaces.get(f.adapter)!, timeNs: f.timeNs, data, direction: f.direction === 'tx' ? 'outbound' : 'inbound', errors: line.errors });
    } else {
      if (this.omitErrored && line.errors.length > 0) return;
      this.sink(pcapRecord({ timeNs: f.timeNs, data }, this.snaplen));
    }
    this.written++;
  }
}

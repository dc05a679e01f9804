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
 * - In signal fidelity fault injectors damage the line symbols, not `bytes`: the capture shows
 *   the octets the sender serialized, not what the receiving PHY decoded.
 * - Hubs deliver to their stations without a `wire.rx` event, so a station behind a hub shows
 *   only what it sent.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { TraceBus, TraceEvent } from '../sim/trace.js';
import type { Nanos } from '../sim/time.js';
import type { WireFrame } from '../hw/medium/types.js';
import { findFrameStart, FCS_LEN, PREAMBLE_SFD_LEN } from '../hw/mac/framing.js';
import { LINKTYPE_ETHERNET, LINKTYPE_ETHERNET_MPACKET, PCAP_SNAPLEN, PcapngWriter, pcapFile, writeCaptureFile, type PcapngSectionOptions } from './pcap.js';
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
  private readonly unsubscribe: () => void;

  /** Subscribes to `sim.trace` (or a bus) at once. */
  constructor(sim: Simulator | TraceBus, opts: CaptureOptions = {}) {
    this.direction = opts.direction ?? 'both';
    this.variant = opts.variant ?? 'frame';
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    this.only = opts.adapters ? new Set(opts.adapters) : null;
    this.section = opts.section ?? {};
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
    for (const f of this.frames) if (capturedBytes(f.frame, this.variant) === null) n++;
    return n;
  }

  /** A classic pcap file (nanosecond magic) of every recorded frame, all adapters together. */
  toPcap(): Uint8Array {
    const packets: { timeNs: Nanos; data: Uint8Array }[] = [];
    for (const f of this.sorted()) {
      const data = capturedBytes(f.frame, this.variant);
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
          description: `nicsim adapter ${name}`,
          speedBps: speed ? Math.round(1e9 / speed) : undefined,
        }),
      );
    }
    for (const f of this.sorted()) {
      const data = capturedBytes(f.frame, this.variant);
      if (data === null) continue;
      w.packet({ iface: index.get(f.adapter)!, timeNs: f.timeNs, data, direction: f.direction === 'tx' ? 'outbound' : 'inbound' });
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

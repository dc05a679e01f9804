/**
 * Ladder (sequence) diagrams of frames on the wire, drawn to scale as SVG, like the book's figures.
 *
 * One vertical lifeline per station — adapters and any other endpoint that sends or receives, and
 * a switch as one column for all its ports — with time flowing down. Each frame delivery is an
 * arrow from (sender, first bit leaves: `txStart`) to (receiver, last bit arrives), so its slant
 * is the transmission time plus the propagation delay; a light band behind it shows the whole
 * frame on the wire (first bit to last bit at both ends). A frame that crosses a switch is two
 * arrows (in and out). Arrows are labelled with {@link summarizeWireFrame} of the bytes as they
 * arrived — TCP segments as the book's figures label them ({@link TcpLabeler}: `SYN seq=0
 * win=65535 mss=1460`, `ACK seq=1 ack=1`, `seq=1 ack=82 len=1448`, relative sequence numbers).
 *
 * Where the picture comes from (trace kinds): `wire.tx` (adapter sends), `wire.rx` (a medium
 * delivered the last bit), `drop` (matched to the delivery by `frameId`, or — for a switch, whose
 * drops carry no id — by station and instant), `fault` (matched by `frameId`), `nic.rx` (a
 * delivery the medium did not trace), `nic.link` / `switch.link` (small notes on the lifeline),
 * `switch.*` and `hub.collision` (to know which names are switches and hubs).
 *
 * Time scale: `nsPerPx` simulated nanoseconds per pixel (automatic by default: the median frame
 * arrow is about 44 px tall, rounded to the nearest 1-2-5 step). Idle stretches — no frame in flight, no
 * note — that would take more than `maxIdlePx` pixels are cut out and drawn as a break (a zigzag
 * across the lifelines, labelled with the time skipped), so a 1.5 s auto-negotiation costs
 * `breakPx` pixels instead of 75 million. Inside each unbroken stretch the scale is exact:
 * Δy = Δt / nsPerPx.
 *
 * Guarantees: the output is well-formed XML (every text escaped), identical for identical traces
 * and options, and bounded: at most `maxArrows` arrows (default 500) are drawn, with a note
 * saying how many were left out.
 *
 * A repeater hub gets a column too: it is recognised by its deliveries (`wire.rx` from the hub
 * whose frame starts later than the sender sent it, without a `delay` fault) or by its
 * `hub.collision` events. A frame through a hub is one arrow in (drawn once) and one arrow out
 * per station; the out arrows start before the in arrow ends, because a repeater passes bits on
 * as they come. The trace does not split the time between the sender's cable and the repeater
 * delay, so the in arrow ends when the last bit leaves the repeater (the repeater delay, 8 bit
 * times by default, is drawn as part of the hop in). A medium that traces no deliveries at all
 * still shows its frames: straight from the sender to each station whose `nic.rx` or `drop`
 * names the frame, with the first-bit arrival estimated from the frame's length. A frame that
 * was sent but never delivered (dropped by a fault injector, cable pulled, still in flight) is
 * drawn as a short grey dashed arrow towards the station's only known neighbour.
 * @module
 */
import type { TraceBus, TraceEvent, TraceKind } from '../sim/trace.js';
import { formatDuration, type Nanos } from '../sim/time.js';
import { frameDurationNs, type WireFrame } from '../hw/medium/types.js';
import { summarizeWireFrame, TcpLabeler } from './summary.js';
import { el, ellipsize, monoWidth, num, svgDocument, textEl, titleEl } from './svg.js';
import '../hw/nic.js';
import '../hw/medium/cable.js';
import '../hw/medium/switch.js';
import '../hw/faults.js';

// ---------------------------------------------------------------------------------------------
// The model

/** A fault injected into a frame, as traced. */
export interface LadderFault {
  /** What the injector did. */
  readonly fault: 'bit' | 'symbol' | 'drop' | 'duplicate' | 'delay' | 'corrupt';
  /** Line bit (or code bit) flipped, for `bit` and `symbol`. */
  readonly position?: number;
  /** The injector's detail text. */
  readonly detail?: string;
  /** The injector's name. */
  readonly source: string;
  /** When it was injected, ns. */
  readonly time: Nanos;
}

/** One frame delivery (or one lost frame): an arrow of the diagram. */
export interface LadderArrow {
  /** The frame id (`WireFrame.id`). */
  readonly frameId: number;
  /** Sending column. */
  readonly from: string;
  /** Receiving column (for a lost frame: the sender's only known neighbour, or `''`). */
  readonly to: string;
  /** Sending endpoint as named on the medium (a switch port is `sw0.p1`). */
  readonly fromEndpoint: string;
  /** Receiving endpoint as named on the medium (`''` when unknown). */
  readonly toEndpoint: string;
  /** First bit leaves the sender, ns. */
  readonly txStart: Nanos;
  /** Last bit leaves the sender, ns. */
  readonly txEnd: Nanos;
  /** First bit reaches the receiver, ns (estimated when the medium did not trace the delivery). */
  readonly rxStart: Nanos;
  /** Last bit reaches the receiver, ns (for a lost frame: when it would have left the sender). */
  readonly rxEnd: Nanos;
  /** The frame as delivered (as sent, when the delivery was not traced). */
  readonly frame: WireFrame;
  /** The one-line summary drawn on the arrow. */
  readonly label: string;
  /** Set when the receiver dropped the frame: the counter that counted it and why. */
  readonly drop?: { readonly counter: string; readonly reason: string };
  /** Faults injected into this frame. */
  readonly faults: readonly LadderFault[];
  /** True when the frame was never delivered. */
  readonly lost: boolean;
  /** How the arrival was learned: from the medium's `wire.rx`, from the receiver's own events, or not at all. */
  readonly arrival: 'wire.rx' | 'receiver' | 'none';
}

/** A note on one lifeline: a link change, or a drop that belongs to no drawn arrow. */
export interface LadderMark {
  /** The column. */
  readonly column: string;
  /** When, ns. */
  readonly time: Nanos;
  /** The note text. */
  readonly text: string;
  /** `drop` notes are drawn in red with a ✗. */
  readonly kind: 'link' | 'drop';
  /** Longer explanation (a tooltip). */
  readonly title?: string;
}

/** A column of the diagram. */
export interface LadderColumn {
  /** The station's name. */
  readonly name: string;
  /** What it is, as far as the trace tells. */
  readonly kind: 'adapter' | 'switch' | 'hub' | 'endpoint';
}

/** Everything the diagram shows, before layout. */
export interface LadderModel {
  /** Columns, left to right. */
  readonly columns: readonly LadderColumn[];
  /** Arrows in drawing order (by `txStart`), at most `maxArrows`. */
  readonly arrows: readonly LadderArrow[];
  /** Lifeline notes in time order. */
  readonly marks: readonly LadderMark[];
  /** Arrows left out because of `maxArrows`. */
  readonly omitted: number;
}

/** Which events to keep and which part of them to draw. */
export interface LadderModelOptions {
  /** Columns to put first, in this order (others follow in order of appearance). */
  readonly stations?: readonly string[];
  /** Leave out frames that start before this time, ns. */
  readonly from?: Nanos;
  /** Leave out frames that start after this time, ns. */
  readonly to?: Nanos;
  /** Draw link up/down notes (default true). */
  readonly showLinkEvents?: boolean;
  /** Most arrows drawn (default 500); the rest are counted in a note. */
  readonly maxArrows?: number;
}

/** Options of {@link renderLadderSvg} and {@link LadderRecorder.toSvg}. */
export interface LadderOptions extends LadderModelOptions {
  /** Simulated nanoseconds per pixel (default: automatic, see the module notes). */
  readonly nsPerPx?: number;
  /** Idle stretches taller than this many pixels are cut out (default 80). */
  readonly maxIdlePx?: number;
  /** Height of a cut-out idle stretch, px (default 34). */
  readonly breakPx?: number;
  /** Distance between lifelines, px (default: from the longest label, 200…400). */
  readonly columnGap?: number;
  /** A title drawn above the diagram. */
  readonly title?: string;
  /** Draw the legend (default true). */
  readonly legend?: boolean;
}

/** The trace kinds a ladder diagram is built from. */
export const LADDER_KINDS: readonly TraceKind[] = [
  'wire.tx',
  'wire.rx',
  'nic.rx',
  'drop',
  'fault',
  'nic.link',
  'switch.link',
  'switch.forward',
  'switch.flood',
  'switch.learn',
  'switch.age',
  'hub.collision',
];

interface TxRecord {
  readonly frame: WireFrame;
  readonly end: Nanos;
}

type MutableArrow = { -readonly [K in keyof LadderArrow]: LadderArrow[K] } & { faults: LadderFault[] };

/** Builds the diagram's model from trace events (in the order they were emitted). */
export function buildLadderModel(events: readonly TraceEvent[], opts: LadderModelOptions = {}): LadderModel {
  const switches = new Set<string>();
  const hubs = new Set<string>();
  const adapters = new Set<string>();
  const sentAt = new Map<number, Nanos>();
  const delayed = new Set<number>();
  for (const e of events) {
    if (e.kind.startsWith('switch.')) switches.add(e.source);
    else if (e.kind === 'hub.collision') hubs.add(e.source);
    else if (e.kind === 'wire.tx' || e.kind === 'nic.rx' || e.kind === 'nic.link') adapters.add(e.source);
    if (e.kind === 'wire.tx') sentAt.set(e.frame.id, e.frame.txStart);
    else if (e.kind === 'fault' && e.fault === 'delay') delayed.add(e.frameId);
    else if (e.kind === 'wire.rx') {
      // a repeater: it delivers a frame later than its sender started it, with no delay injected
      const t = sentAt.get(e.frame.id);
      if (t !== undefined && t !== e.frame.txStart && !delayed.has(e.frame.id)) hubs.add(e.source);
    }
  }
  const columnOf = (endpoint: string): string => {
    const m = /^(.*)\.p\d+$/.exec(endpoint);
    return m !== null && switches.has(m[1]) ? m[1] : endpoint;
  };

  const tx = new Map<number, TxRecord>();
  const tcp = new TcpLabeler();
  const labelOf = (f: WireFrame): string => tcp.label(f) ?? summarizeWireFrame(f);
  const all: MutableArrow[] = [];
  const byKey = new Map<string, MutableArrow>();
  const delivered = new Set<number>();
  const faults = new Map<number, LadderFault[]>();
  const lastDelivery = new Map<string, MutableArrow>();
  const marks: LadderMark[] = [];
  const switchLinks = new Map<string, { column: string; time: Nanos; up: boolean; ports: number[] }>();
  const showLinks = opts.showLinkEvents ?? true;

  const add = (frame: WireFrame, toEndpoint: string, rxStart: Nanos, rxEnd: Nanos, arrival: 'wire.rx' | 'receiver', fromEndpoint = frame.sender): MutableArrow => {
    const a: MutableArrow = {
      frameId: frame.id,
      from: columnOf(fromEndpoint),
      to: columnOf(toEndpoint),
      fromEndpoint,
      toEndpoint,
      txStart: frame.txStart,
      txEnd: frame.txStart + frameDurationNs(frame.bytes.length, frame.bitTimeNs),
      rxStart,
      rxEnd,
      frame,
      label: labelOf(frame),
      faults: [],
      lost: false,
      arrival,
    };
    all.push(a);
    byKey.set(`${frame.id}>${toEndpoint}`, a);
    byKey.set(`${frame.id}@${a.to}`, a);
    delivered.add(frame.id);
    lastDelivery.set(a.to, a);
    return a;
  };
  /** A delivery learned from the receiver: the sender's frame, first-bit arrival estimated. */
  const addFromTx = (id: number, receiver: string, time: Nanos): MutableArrow | undefined => {
    const t = tx.get(id);
    if (t === undefined) return undefined;
    const d = frameDurationNs(t.frame.bytes.length, t.frame.bitTimeNs);
    return add(t.frame, receiver, Math.max(t.frame.txStart, time - d), time, 'receiver');
  };

  for (const e of events) {
    switch (e.kind) {
      case 'wire.tx':
        tx.set(e.frame.id, { frame: e.frame, end: e.end });
        tcp.label(e.frame); // relative sequence numbers and retransmissions in sending order
        break;
      case 'wire.rx': {
        const t = tx.get(e.frame.id);
        if (hubs.has(e.source) && t !== undefined) {
          // through a repeater: the hop in (once per frame), then the hop out to this station
          if (!byKey.has(`${e.frame.id}>${e.source}`)) {
            const inbound = add(t.frame, e.source, e.frame.txStart, e.frame.txStart + frameDurationNs(e.frame.bytes.length, e.frame.bitTimeNs), 'wire.rx');
            inbound.rxStart = Math.max(t.frame.txStart, e.frame.txStart);
          }
          add(e.frame, e.to, e.start, e.time, 'wire.rx', e.source);
        } else add(e.frame, e.to, e.start, e.time, 'wire.rx');
        break;
      }
      case 'nic.rx':
        if (!byKey.has(`${e.frameId}>${e.source}`)) addFromTx(e.frameId, e.source, e.time);
        break;
      case 'drop': {
        const drop = { counter: e.counter, reason: e.reason };
        let a: MutableArrow | undefined;
        if (e.frameId !== undefined) {
          a = byKey.get(`${e.frameId}>${e.source}`) ?? byKey.get(`${e.frameId}@${columnOf(e.source)}`);
          if (a === undefined && e.what.startsWith('rx')) a = addFromTx(e.frameId, e.source, e.time);
        } else if (e.what.startsWith('rx')) {
          const d = lastDelivery.get(e.source);
          if (d !== undefined && d.rxEnd === e.time && d.drop === undefined) a = d;
        }
        if (a !== undefined && a.drop === undefined) a.drop = drop;
        else marks.push({ column: columnOf(e.source), time: e.time, text: `✗ ${e.counter}`, kind: 'drop', title: `${e.what} dropped: ${e.reason}` });
        break;
      }
      case 'fault': {
        let list = faults.get(e.frameId);
        if (list === undefined) faults.set(e.frameId, (list = []));
        list.push({ fault: e.fault, position: e.position, detail: e.detail, source: e.source, time: e.time });
        break;
      }
      case 'nic.link':
        if (showLinks) marks.push({ column: e.source, time: e.time, text: e.up ? `link up ${e.speed} Mb/s ${e.duplex}` : 'link down', kind: 'link' });
        break;
      case 'switch.link': {
        if (!showLinks) break;
        const k = `${e.source}@${e.time}@${e.up}`;
        const s = switchLinks.get(k);
        if (s === undefined) switchLinks.set(k, { column: e.source, time: e.time, up: e.up, ports: [e.port] });
        else s.ports.push(e.port);
        break;
      }
      default:
        break;
    }
  }
  for (const s of switchLinks.values()) {
    marks.push({ column: s.column, time: s.time, text: `${s.ports.map((p) => `p${p}`).join(' ')} link ${s.up ? 'up' : 'down'}`, kind: 'link' });
  }

  // Frames sent but never delivered: towards the sender's only neighbour, when there is one.
  const neighbours = new Map<string, Set<string>>();
  for (const a of all) {
    if (a.arrival !== 'wire.rx') continue;
    for (const [x, y] of [[a.from, a.to], [a.to, a.from]] as const) {
      let n = neighbours.get(x);
      if (n === undefined) neighbours.set(x, (n = new Set()));
      n.add(y);
    }
  }
  for (const t of tx.values()) {
    if (delivered.has(t.frame.id)) continue;
    const from = columnOf(t.frame.sender);
    const n = neighbours.get(from);
    const to = n !== undefined && n.size === 1 ? [...n][0] : '';
    all.push({
      frameId: t.frame.id,
      from,
      to,
      fromEndpoint: t.frame.sender,
      toEndpoint: '',
      txStart: t.frame.txStart,
      txEnd: t.end,
      rxStart: t.frame.txStart,
      rxEnd: t.end,
      frame: t.frame,
      label: labelOf(t.frame),
      faults: [],
      lost: true,
      arrival: 'none',
    });
  }
  for (const a of all) a.faults = faults.get(a.frameId) ?? [];

  // Window, order, cap.
  const lo = opts.from ?? -Infinity;
  const hi = opts.to ?? Infinity;
  const inWindow = all.filter((a) => a.txStart >= lo && a.txStart <= hi);
  inWindow.sort((a, b) => a.txStart - b.txStart || a.frameId - b.frameId || a.rxEnd - b.rxEnd || (a.toEndpoint < b.toEndpoint ? -1 : a.toEndpoint > b.toEndpoint ? 1 : 0));
  const max = Math.max(0, Math.floor(opts.maxArrows ?? 500));
  const arrows = inWindow.slice(0, max);
  const omitted = inWindow.length - arrows.length;
  let lastShown = -Infinity;
  for (const a of arrows) lastShown = Math.max(lastShown, a.rxEnd);
  const markHi = omitted > 0 ? lastShown : hi;
  // notes are capped like arrows (a storm of drops must not make the picture unbounded)
  const shownMarks = marks.filter((m) => m.time >= lo && m.time <= markHi).slice(0, max);

  // Columns: requested ones, then in order of appearance; lifeline notes only on drawn columns,
  // except drops, which bring their station in.
  const names: string[] = [];
  const seen = new Set<string>();
  const addColumn = (c: string) => {
    if (c === '' || seen.has(c)) return;
    seen.add(c);
    names.push(c);
  };
  for (const s of opts.stations ?? []) addColumn(s);
  for (const a of arrows) {
    addColumn(a.from);
    addColumn(a.to);
  }
  // a drop mark adds a column only for a station of the picture (an adapter, switch or hub): a
  // router's stack, named after the host rather than an adapter, has its drops left out
  for (const m of shownMarks) if (m.kind === 'drop' && (opts.stations === undefined || adapters.has(m.column) || switches.has(m.column) || hubs.has(m.column))) addColumn(m.column);
  const finalMarks = shownMarks.filter((m) => seen.has(m.column)).sort((a, b) => a.time - b.time);
  const columns: LadderColumn[] = names.map((name) => ({ name, kind: switches.has(name) ? 'switch' : hubs.has(name) ? 'hub' : adapters.has(name) ? 'adapter' : 'endpoint' }));
  return { columns, arrows, marks: finalMarks, omitted };
}

// ---------------------------------------------------------------------------------------------
// Time axis: piecewise-linear with cut-out idle stretches

interface Segment {
  /** Time at the top and bottom of the stretch, ns. */
  readonly t0: Nanos;
  readonly t1: Nanos;
  /** Pixel row of t0. */
  readonly y0: number;
}

/** The 1-2-5 value at or above `x` (x > 0). */
function niceCeil(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** The 1-2-5 value nearest to `x` on a log scale (x > 0). */
function niceNearest(x: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  let best = p;
  for (const m of [1, 2, 5, 10]) if (Math.abs(Math.log(m * p / x)) < Math.abs(Math.log(best / x))) best = m * p;
  return best;
}

/** A time for an axis label: in the unit of its magnitude, with the decimals `step` needs. */
function formatTime(t: Nanos, step: number): string {
  const a = Math.abs(t);
  const [unit, name] = a >= 1e9 ? [1e9, 's'] : a >= 1e6 ? [1e6, 'ms'] : a >= 1e3 ? [1e3, 'µs'] : [1, 'ns'];
  const decimals = Math.max(0, Math.min(9, Math.ceil(Math.log10(unit / step) - 1e-9)));
  return `${(t / unit).toFixed(decimals)} ${name}`;
}

class TimeScale {
  readonly segments: Segment[] = [];
  readonly bottom: number;

  constructor(
    intervals: readonly (readonly [Nanos, Nanos])[],
    readonly nsPerPx: number,
    top: number,
    maxIdlePx: number,
    readonly breakPx: number,
    padPx: number,
  ) {
    const sorted = [...intervals].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged: [Nanos, Nanos][] = [];
    const joinNs = maxIdlePx * nsPerPx;
    for (const [a, b] of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && a - last[1] <= joinNs) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    const pad = padPx * nsPerPx;
    let y = top;
    for (const [a, b] of merged) {
      const t0 = a - pad;
      const t1 = b + pad;
      this.segments.push({ t0, t1, y0: y });
      y += (t1 - t0) / nsPerPx + breakPx;
    }
    this.bottom = merged.length > 0 ? y - breakPx : top;
  }

  /** Pixel row of time `t`. */
  y(t: Nanos): number {
    const segs = this.segments;
    if (segs.length === 0) return this.bottom;
    if (t <= segs[0].t0) return segs[0].y0;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      if (t <= s.t1) return s.y0 + (t - s.t0) / this.nsPerPx;
      const n = segs[i + 1];
      if (n !== undefined && t < n.t0) {
        // inside a cut-out stretch: spread it over the break
        const yEnd = s.y0 + (s.t1 - s.t0) / this.nsPerPx;
        return yEnd + ((t - s.t1) / (n.t0 - s.t1)) * this.breakPx;
      }
    }
    const last = segs[segs.length - 1];
    return last.y0 + (last.t1 - last.t0) / this.nsPerPx;
  }

  /** Bottom pixel row of segment `s`. */
  y1(s: Segment): number {
    return s.y0 + (s.t1 - s.t0) / this.nsPerPx;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

const SANS = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const MONO = 'DejaVu Sans Mono, Menlo, Consolas, monospace';
const LABEL_PX = 11;
const LABEL_CHAR = LABEL_PX * 0.6;
const PALETTE = ['#1f5f9e', '#2e7d32', '#7b3fa0', '#a65e00', '#00838f', '#ad1457'];
const DROP = '#c62828';
const FAULT = '#ef6c00';
const LOST = '#8a8a8a';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Seg {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  owner: number;
}

function boxesOverlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** True when segment `s` passes through box `b` (Liang–Barsky clipping). */
function segmentHitsBox(s: Seg, b: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
    return true;
  };
  return clip(-dx, s.x1 - b.x) && clip(dx, b.x + b.w - s.x1) && clip(-dy, s.y1 - b.y) && clip(dy, b.y + b.h - s.y1) && t0 <= t1;
}

/** A 4-pointed star centred on (x, y): the fault marker. */
function star(x: number, y: number, r: number): string {
  const pts: string[] = [];
  for (let i = 0; i < 8; i++) {
    const ang = (Math.PI / 4) * i - Math.PI / 2;
    const rr = i % 2 === 0 ? r : r * 0.38;
    pts.push(`${num(x + rr * Math.cos(ang))},${num(y + rr * Math.sin(ang))}`);
  }
  return pts.join(' ');
}

/** A zigzag from x0 to x1 around row y. */
function zigzag(x0: number, x1: number, y: number, amp: number): string {
  const pts: string[] = [];
  const step = 8;
  let k = 0;
  for (let x = x0; x < x1; x += step, k++) pts.push(`${num(x)},${num(y + (k % 2 === 0 ? -amp : amp))}`);
  pts.push(`${num(x1)},${num(y + (k % 2 === 0 ? -amp : amp))}`);
  return pts.join(' ');
}

function faultText(f: readonly LadderFault[]): string {
  const flips = f.filter((x) => x.fault === 'bit' || x.fault === 'symbol' || x.fault === 'corrupt');
  if (flips.length === 0) return '';
  if (flips[0].fault === 'corrupt') return flips.length === 1 ? `⚡ octet ${flips[0].position ?? '?'} damaged, FCS recomputed` : `⚡ ${flips.length} octets damaged, FCS recomputed`;
  const what = flips[0].fault === 'symbol' ? 'code bit' : 'bit';
  return flips.length === 1 ? `⚡ ${what} ${flips[0].position ?? '?'} flipped` : `⚡ ${flips.length} ${what}s flipped`;
}

/** Renders trace events as an SVG ladder diagram (see the module notes for what is drawn and how). */
export function renderLadderSvg(events: readonly TraceEvent[], opts: LadderOptions = {}): string {
  return renderModel(buildLadderModel(events, opts), opts);
}

function renderModel(model: LadderModel, opts: LadderOptions): string {
  const { columns, arrows, marks } = model;
  const delivered = arrows.filter((a) => !a.lost);

  // Scale.
  let nsPerPx = opts.nsPerPx;
  if (nsPerPx === undefined || !(nsPerPx > 0)) {
    const spans = (delivered.length > 0 ? delivered : arrows).map((a) => Math.max(1, a.rxEnd - a.txStart)).sort((x, y) => x - y);
    nsPerPx = spans.length > 0 ? niceNearest(spans[Math.floor((spans.length - 1) / 2)] / 44) : 100;
  }
  const padPx = 16;
  const maxIdlePx = Math.max(2 * padPx + 8, opts.maxIdlePx ?? 80);
  const breakPx = Math.max(16, opts.breakPx ?? 34);

  // Horizontal layout.
  const colIndex = new Map(columns.map((c, i) => [c.name, i] as const));
  let gap = opts.columnGap ?? 0;
  if (!(gap > 0)) {
    gap = 200;
    for (const a of arrows) {
      const span = a.lost ? 1 : Math.abs((colIndex.get(a.to) ?? 0) - (colIndex.get(a.from) ?? 0)) || 1;
      gap = Math.max(gap, (monoWidth(a.label, LABEL_PX) + 28) / span);
    }
    gap = Math.min(400, Math.ceil(gap / 10) * 10);
  }
  const title = opts.title ?? '';
  const axisW = 92;
  const left = axisW + 70;
  const xOf = (c: string): number => left + (colIndex.get(c) ?? 0) * gap;
  const lastX = left + Math.max(0, columns.length - 1) * gap;
  const headTop = title !== '' ? 46 : 18;
  const headH = 38;
  const plotTop = headTop + headH + 14;

  // Vertical layout.
  const intervals: [Nanos, Nanos][] = [];
  for (const a of arrows) intervals.push([a.txStart, Math.max(a.rxEnd, a.txEnd)]);
  for (const m of marks) intervals.push([m.time, m.time]);
  const ts = new TimeScale(intervals, nsPerPx, plotTop, maxIdlePx, breakPx, padPx);
  const y = (t: Nanos) => ts.y(t);

  // Lifeline notes (one per station and instant): right of the lifeline, except on the last of
  // several columns; on the other side, or a row lower, when that spot is taken.
  interface Note {
    group: LadderMark[];
    x: number;
    ty: number;
    onLeft: boolean;
    box: Box;
    text: string;
  }
  const noteGroups = new Map<string, LadderMark[]>();
  for (const m of marks) {
    const k = `${m.column}@${m.time}`;
    const g = noteGroups.get(k);
    if (g === undefined) noteGroups.set(k, [m]);
    else g.push(m);
  }
  const notes: Note[] = [];
  let notesRight = lastX + 50;
  for (const group of noteGroups.values()) {
    const m = group[0];
    const x = xOf(m.column);
    const text = group.map((g) => g.text).join(', ');
    const w = monoWidth(text, 10) + 4;
    const preferLeft = columns.length > 1 && colIndex.get(m.column) === columns.length - 1;
    // the last column keeps its notes inside the picture (left, a row lower) before going right
    const spots: [number, boolean][] = preferLeft ? [[0, true], [1, true], [2, true], [0, false], [1, false], [2, false]] : [[0, false], [0, true], [1, false], [1, true], [2, false], [2, true]];
    let chosen: { ty: number; onLeft: boolean; box: Box } | null = null;
    for (const [row, onLeft] of spots) {
      const ty = y(m.time) + row * 12;
      const box = { x: onLeft ? x - 9 - w : x + 7, y: ty - 6, w, h: 12 };
      if (!notes.some((n) => boxesOverlap(n.box, box))) {
        chosen = { ty, onLeft, box };
        break;
      }
    }
    chosen ??= { ty: y(m.time), onLeft: preferLeft, box: { x: preferLeft ? x - 9 - w : x + 7, y: y(m.time) - 6, w, h: 12 } };
    notes.push({ group, x, text, ...chosen });
    notesRight = Math.max(notesRight, chosen.box.x + chosen.box.w + 12);
  }

  const out: string[] = [];
  out.push(
    el(
      'defs',
      {},
      ...PALETTE.map((c, i) => el('marker', { id: `head${i}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' }, el('path', { d: 'M0,1 L10,5 L0,9 z', fill: c }))),
      el('marker', { id: 'headDrop', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' }, el('path', { d: 'M0,1 L10,5 L0,9 z', fill: DROP })),
    ),
  );
  out.push(el('rect', { x: 0, y: 0, width: '100%', height: '100%', fill: '#ffffff' }));
  if (title !== '') out.push(textEl({ x: 24, y: 30, 'font-family': SANS, 'font-size': 16, 'font-weight': 'bold', fill: '#222' }, title));

  // Lifelines, per unbroken stretch; breaks between them.
  const lines: string[] = [];
  const breaks: string[] = [];
  const axis: string[] = [];
  const tickStep = niceCeil(72 * nsPerPx);
  const plotRight = notesRight;
  ts.segments.forEach((s, i) => {
    const ya = i === 0 ? headTop + headH : s.y0;
    const yb = ts.y1(s);
    for (const c of columns) lines.push(el('line', { x1: xOf(c.name), y1: ya, x2: xOf(c.name), y2: yb, stroke: '#b0b0b0', 'stroke-width': 1.2 }));
    axis.push(el('line', { x1: axisW, y1: s.y0, x2: axisW, y2: yb, stroke: '#666', 'stroke-width': 1 }));
    // ticks at multiples of the step; a stretch too short for one gets its middle labelled
    const first = Math.max(0, Math.ceil(s.t0 / tickStep) * tickStep);
    let any = false;
    for (let t = first; t <= s.t1; t += tickStep) {
      any = true;
      const ty = ts.y(t);
      axis.push(el('line', { x1: axisW - 5, y1: ty, x2: axisW, y2: ty, stroke: '#666' }));
      axis.push(textEl({ x: axisW - 8, y: ty + 3.5, 'text-anchor': 'end', 'font-family': SANS, 'font-size': 10, fill: '#555' }, formatTime(t, tickStep)));
    }
    if (!any) {
      const tm = Math.max(0, Math.round((s.t0 + s.t1) / 2));
      const ty = ts.y(tm);
      axis.push(el('line', { x1: axisW - 5, y1: ty, x2: axisW, y2: ty, stroke: '#666' }));
      axis.push(textEl({ x: axisW - 8, y: ty + 3.5, 'text-anchor': 'end', 'font-family': SANS, 'font-size': 10, fill: '#555' }, formatTime(tm, Math.min(tickStep, niceCeil(Math.max(1, (s.t1 - s.t0) / 4))))));
    }
    const n = ts.segments[i + 1];
    if (n !== undefined) {
      const ym = yb + breakPx / 2;
      for (const c of columns) lines.push(el('line', { x1: xOf(c.name), y1: yb, x2: xOf(c.name), y2: yb + breakPx, stroke: '#cfcfcf', 'stroke-width': 1.2, 'stroke-dasharray': '2 3' }));
      breaks.push(el('polyline', { class: 'break', points: zigzag(axisW - 30, plotRight, ym - 4, 2.5), fill: 'none', stroke: '#9e9e9e', 'stroke-width': 1 }));
      breaks.push(el('polyline', { points: zigzag(axisW - 30, plotRight, ym + 4, 2.5), fill: 'none', stroke: '#9e9e9e', 'stroke-width': 1 }));
      const label = `${formatDuration(n.t0 - s.t1)} idle, not to scale`;
      const w = monoWidth(label, 10) + 10;
      const cx = (left + lastX) / 2;
      breaks.push(el('rect', { x: cx - w / 2, y: ym - 7, width: w, height: 14, fill: '#ffffff', rx: 3 }));
      breaks.push(textEl({ x: cx, y: ym + 3.5, 'text-anchor': 'middle', 'font-family': SANS, 'font-size': 10, 'font-style': 'italic', fill: '#757575' }, label));
    }
  });
  out.push(el('g', { class: 'lifelines' }, ...lines));
  out.push(el('g', { class: 'axis' }, ...axis, textEl({ x: axisW - 8, y: headTop + headH - 2, 'text-anchor': 'end', 'font-family': SANS, 'font-size': 10, 'font-weight': 'bold', fill: '#555' }, 'time ↓')));
  out.push(el('g', { class: 'breaks' }, ...breaks));

  // Station headers (and footers on tall diagrams).
  const header = (c: LadderColumn, top: number, cls = 'station'): string => {
    const x = xOf(c.name);
    const w = Math.min(gap - 20, Math.max(84, monoWidth(c.name, 13) + 24));
    const fill = c.kind === 'switch' || c.kind === 'hub' ? '#fff3e0' : '#e8f0fa';
    const stroke = c.kind === 'switch' || c.kind === 'hub' ? '#e0a040' : '#7a9cc6';
    return el(
      'g',
      { class: cls, 'data-name': c.name, 'data-x': x },
      el('rect', { x: x - w / 2, y: top, width: w, height: headH, rx: 5, fill, stroke }),
      textEl({ x, y: top + 17, 'text-anchor': 'middle', 'font-family': SANS, 'font-size': 13, 'font-weight': 'bold', fill: '#1a1a1a' }, c.name),
      textEl({ x, y: top + 31, 'text-anchor': 'middle', 'font-family': SANS, 'font-size': 9.5, fill: '#666' }, c.kind),
    );
  };
  out.push(el('g', { class: 'stations' }, ...columns.map((c) => header(c, headTop))));

  // Arrow geometry first (labels avoid every arrow), then drawing.
  interface Geo {
    a: LadderArrow;
    xs: number;
    ys: number;
    xr: number;
    yr: number;
    color: number;
  }
  const geos: Geo[] = arrows.map((a) => {
    const xs = xOf(a.from);
    let xr: number;
    let yr: number;
    if (a.lost) {
      const dir = a.to !== '' ? Math.sign(xOf(a.to) - xs) || 1 : colIndex.get(a.from) === columns.length - 1 && columns.length > 1 ? -1 : 1;
      xr = xs + dir * gap * 0.5;
      yr = y(a.txStart) + (y(a.rxEnd) - y(a.txStart)) * 0.5;
    } else {
      xr = xOf(a.to);
      yr = y(a.rxEnd);
    }
    return { a, xs, ys: y(a.txStart), xr, yr, color: (colIndex.get(a.from) ?? 0) % PALETTE.length };
  });
  const segs: Seg[] = geos.map((g, i) => ({ x1: g.xs, y1: g.ys, x2: g.xr, y2: g.yr, owner: i }));
  const placed: Box[] = [];
  // Lifeline notes were laid out first: they sit next to the lifeline at a fixed row.
  const noteEls: string[] = [];
  for (const n of notes) {
    const drop = n.group.some((g) => g.kind === 'drop');
    placed.push(n.box);
    const titles = n.group.map((g) => g.title).filter((t): t is string => t !== undefined);
    const m = n.group[0];
    noteEls.push(
      el(
        'g',
        { class: drop ? 'mark drop' : 'mark', 'data-column': m.column, 'data-time': m.time },
        ...(titles.length > 0 ? [titleEl(titles.join('; '))] : []),
        el('circle', { cx: n.x, cy: y(m.time), r: 3, fill: drop ? DROP : '#777' }),
        el('rect', { x: n.box.x, y: n.box.y, width: n.box.w, height: n.box.h, fill: '#ffffff', 'fill-opacity': 0.85 }),
        textEl({ x: n.onLeft ? n.x - 9 : n.x + 9, y: n.ty + 3.5, 'text-anchor': n.onLeft ? 'end' : 'start', 'font-family': MONO, 'font-size': 10, fill: drop ? DROP : '#666', 'font-style': drop ? 'normal' : 'italic' }, n.text),
      ),
    );
  }

  // Drop labels: under the arrowhead, on the sender's side.
  const dropLabels = new Map<number, { x: number; y: number; anchor: string; text: string }>();
  geos.forEach((g, i) => {
    if (g.a.drop === undefined && !g.a.lost) return;
    const dir = Math.sign(g.xr - g.xs) || 1;
    const text = g.a.drop !== undefined ? `✗ ${g.a.drop.counter}` : `✗ lost${g.a.faults.some((f) => f.fault === 'drop') ? ` (${g.a.faults.find((f) => f.fault === 'drop')!.source})` : ''}`;
    const x = g.a.lost ? g.xr + dir * 6 : g.xr - dir * 8;
    const anchor = g.a.lost ? (dir > 0 ? 'start' : 'end') : dir > 0 ? 'end' : 'start';
    const yy = g.a.lost ? g.yr + 4 : g.yr + 14;
    const w = monoWidth(text, LABEL_PX);
    placed.push({ x: anchor === 'end' ? x - w : x, y: yy - 10, w, h: 13 });
    dropLabels.set(i, { x, y: yy, anchor, text });
  });

  // Faults: a star where the flipped bit sits along the frame (stars are obstacles for labels).
  const faultGeo = geos.map((g) => {
    const a = g.a;
    const flips = a.faults.filter((f) => f.fault === 'bit' || f.fault === 'symbol' || f.fault === 'corrupt');
    if (flips.length === 0) return null;
    const sym = a.frame.symbols as { bitCount?: unknown } | undefined;
    const total = flips[0].fault === 'symbol' && sym !== undefined && typeof sym.bitCount === 'number' ? sym.bitCount : a.frame.bytes.length * 8;
    const stars = flips.slice(0, 8).map((f) => {
      const bit = f.fault === 'corrupt' ? (8 + (f.position ?? 0)) * 8 + 4 : (f.position ?? 0); // octets count from the destination address
      const p = Math.max(0, Math.min(1, (bit + 0.5) / Math.max(1, total)));
      return [g.xs + (g.xr - g.xs) * p, g.ys + (g.yr - g.ys) * p] as const;
    });
    for (const [fx, fy] of stars) placed.push({ x: fx - 7, y: fy - 7, w: 14, h: 14 });
    return { stars, text: faultText(a.faults) };
  });

  /** The candidate box (text `w` wide, baseline at `base`, anchored middle at `cx`) with the lowest cost. */
  const cost = (box: Box, owner: number): number => {
    const padded = { x: box.x - 4, y: box.y - 1, w: box.w + 8, h: box.h + 2 };
    let c = 0;
    for (const p of placed) if (boxesOverlap(padded, p)) c += 1000;
    for (const s of segs) if (s.owner !== owner && segmentHitsBox(s, box)) c += 40;
    return c;
  };

  // Frame labels: the candidate spot that overlaps the fewest labels and arrows.
  const labelPos = geos.map((g, i) => {
    const span = Math.abs(g.xr - g.xs);
    const maxChars = Math.max(4, Math.floor((span - 24) / LABEL_CHAR));
    const text = ellipsize(g.a.label, maxChars);
    const w = monoWidth(text, LABEL_PX);
    const slope = g.xr === g.xs ? 0 : (g.yr - g.ys) / (g.xr - g.xs);
    const xMin = Math.min(g.xs, g.xr) + 10;
    const xMax = Math.max(g.xs, g.xr) - 10;
    let best: { x: number; base: number; cost: number } | null = null;
    for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      for (const side of [-1, 1]) {
        let cx = g.xs + (g.xr - g.xs) * f;
        cx = Math.max(xMin + w / 2, Math.min(xMax - w / 2, cx));
        const yAt = (x: number) => g.ys + slope * (x - g.xs);
        const yl = yAt(cx - w / 2);
        const yr = yAt(cx + w / 2);
        const base = side < 0 ? Math.min(yl, yr) - 4 : Math.max(yl, yr) + 4 + 9;
        const box: Box = { x: cx - w / 2, y: base - 9, w, h: 12 };
        const c = Math.abs(f - 0.5) * 4 + (side > 0 ? 1 : 0) + cost(box, i);
        if (best === null || c < best.cost) best = { x: cx, base, cost: c };
      }
    }
    const b = best!;
    placed.push({ x: b.x - w / 2, y: b.base - 9, w, h: 12 });
    return { x: b.x, y: b.base, text };
  });

  // Fault labels: beside the first star, wherever they collide least.
  const faultLabels = faultGeo.map((fg, i) => {
    if (fg === null || fg.text === '') return null;
    const [fx, fy] = fg.stars[0];
    const w = monoWidth(fg.text, 10);
    let best: { x: number; y: number; anchor: string; cost: number } | null = null;
    for (const [dx, dy, anchor] of [[-6, 18, 'end'], [6, 18, 'start'], [-6, -10, 'end'], [6, -10, 'start'], [10, 4, 'start'], [-10, 4, 'end']] as const) {
      const x = fx + dx;
      const box: Box = { x: anchor === 'end' ? x - w : x, y: fy + dy - 9, w, h: 12 };
      const c = cost(box, i);
      if (best === null || c < best.cost) best = { x, y: fy + dy, anchor, cost: c };
    }
    const b = best!;
    placed.push({ x: b.anchor === 'end' ? b.x - w : b.x, y: b.y - 9, w, h: 12 });
    return { x: b.x, y: b.y, anchor: b.anchor, text: fg.text };
  });

  const frames: string[] = [];
  geos.forEach((g, i) => {
    const a = g.a;
    const color = a.drop !== undefined ? DROP : a.lost ? LOST : PALETTE[g.color];
    const parts: string[] = [titleEl(`frame #${a.frameId} ${a.fromEndpoint} → ${a.toEndpoint || '?'}: ${a.label}${a.drop ? ` — dropped: ${a.drop.reason} [${a.drop.counter}]` : ''}`)];
    if (!a.lost) {
      // the frame on the wire: first bit to last bit at the sender and at the receiver
      const pts = [`${num(g.xs)},${num(y(a.txStart))}`, `${num(g.xr)},${num(y(a.rxStart))}`, `${num(g.xr)},${num(y(a.rxEnd))}`, `${num(g.xs)},${num(y(a.txEnd))}`].join(' ');
      parts.push(el('polygon', { class: 'band', points: pts, fill: color, 'fill-opacity': 0.1, stroke: 'none' }));
    }
    parts.push(
      el('line', {
        class: 'arrow',
        x1: g.xs,
        y1: g.ys,
        x2: g.xr,
        y2: g.yr,
        stroke: color,
        'stroke-width': 1.6,
        'stroke-dasharray': a.drop !== undefined ? '6 4' : a.lost ? '3 3' : undefined,
        'marker-end': a.lost ? undefined : a.drop !== undefined ? 'url(#headDrop)' : `url(#head${g.color})`,
      }),
    );
    const lp = labelPos[i];
    parts.push(textEl({ class: 'label', x: lp.x, y: lp.y, 'text-anchor': 'middle', 'font-family': MONO, 'font-size': LABEL_PX, fill: a.lost ? '#666' : '#1a1a1a', stroke: '#ffffff', 'stroke-width': 3, 'stroke-linejoin': 'round', 'paint-order': 'stroke' }, lp.text));
    const dl = dropLabels.get(i);
    if (dl !== undefined) {
      parts.push(textEl({ class: 'drop-label', x: dl.x, y: dl.y, 'text-anchor': dl.anchor, 'font-family': MONO, 'font-size': LABEL_PX, 'font-weight': 'bold', fill: DROP, stroke: '#ffffff', 'stroke-width': 3, 'paint-order': 'stroke' }, dl.text));
    }
    const fg = faultGeo[i];
    if (fg !== null) for (const [fx, fy] of fg.stars) parts.push(el('polygon', { class: 'fault', points: star(fx, fy, 7), fill: FAULT, stroke: '#ffffff', 'stroke-width': 1 }));
    const fl = faultLabels[i];
    if (fl !== null) parts.push(textEl({ class: 'fault-label', x: fl.x, y: fl.y, 'text-anchor': fl.anchor, 'font-family': MONO, 'font-size': 10, fill: FAULT, stroke: '#ffffff', 'stroke-width': 3, 'paint-order': 'stroke' }, fl.text));
    frames.push(
      el(
        'g',
        {
          class: a.drop !== undefined ? 'frame dropped' : a.lost ? 'frame lost' : 'frame',
          'data-frame-id': a.frameId,
          'data-from': a.from,
          'data-to': a.to,
          'data-tx-start': a.txStart,
          'data-rx-end': a.rxEnd,
          'data-counter': a.drop?.counter,
        },
        ...parts,
      ),
    );
  });
  out.push(el('g', { class: 'frames' }, ...frames));
  out.push(el('g', { class: 'marks' }, ...noteEls));

  // Footer: station names again on tall diagrams, the omission note, the legend.
  let yEnd = ts.bottom + 10;
  if (ts.bottom - plotTop > 700) {
    out.push(el('g', { class: 'stations-bottom' }, ...columns.map((c) => header(c, yEnd, 'station-foot'))));
    yEnd += headH + 6;
  }
  if (model.omitted > 0) {
    yEnd += 16;
    out.push(textEl({ class: 'omitted', x: 24, y: yEnd, 'font-family': SANS, 'font-size': 11, 'font-style': 'italic', fill: DROP }, `${model.omitted} more frame${model.omitted > 1 ? 's' : ''} not drawn (maxArrows = ${arrows.length})`));
  }
  let width = Math.max(plotRight + 10, left + 380);
  if (opts.legend ?? true) {
    const items: [string, string][] = [];
    const lx = 24;
    let ly = yEnd + 26;
    const sample = (kind: string): string => {
      const x0 = lx;
      const x1 = lx + 46;
      const yy = ly - 4;
      switch (kind) {
        case 'arrow':
          return el('g', {}, el('polygon', { points: `${x0},${yy - 6} ${x1},${yy - 3} ${x1},${yy + 6} ${x0},${yy + 3}`, fill: PALETTE[0], 'fill-opacity': 0.1 }), el('line', { x1: x0, y1: yy - 6, x2: x1, y2: yy + 6, stroke: PALETTE[0], 'stroke-width': 1.6, 'marker-end': 'url(#head0)' }));
        case 'drop':
          return el('line', { x1: x0, y1: yy - 5, x2: x1, y2: yy + 5, stroke: DROP, 'stroke-width': 1.6, 'stroke-dasharray': '6 4', 'marker-end': 'url(#headDrop)' });
        case 'lost':
          return el('line', { x1: x0, y1: yy - 3, x2: x0 + 30, y2: yy + 3, stroke: LOST, 'stroke-width': 1.6, 'stroke-dasharray': '3 3' });
        case 'fault':
          return el('polygon', { points: star(x0 + 23, yy, 7), fill: FAULT });
        case 'break':
          return el('g', {}, el('polyline', { points: zigzag(x0, x1, yy - 4, 2.5), fill: 'none', stroke: '#9e9e9e' }), el('polyline', { points: zigzag(x0, x1, yy + 4, 2.5), fill: 'none', stroke: '#9e9e9e' }));
        default:
          return el('g', {}, el('circle', { cx: x0 + 23, cy: yy, r: 3, fill: '#777' }));
      }
    };
    items.push(['arrow', 'a frame: first bit leaves the sender → last bit reaches the receiver; the band is the frame on the wire']);
    if (arrows.some((a) => a.drop !== undefined)) items.push(['drop', 'dropped by the receiver, ✗ the counter that counted it']);
    if (arrows.some((a) => a.faults.some((f) => f.fault === 'bit' || f.fault === 'symbol'))) items.push(['fault', 'fault injected: a flipped bit, drawn where it sits in the frame']);
    if (arrows.some((a) => a.faults.some((f) => f.fault === 'corrupt'))) items.push(['fault', 'fault injected: an octet damaged and a valid FCS written over it']);
    if (arrows.some((a) => a.lost)) items.push(['lost', 'sent but never delivered (lost on the medium)']);
    if (ts.segments.length > 1) items.push(['break', 'idle time cut out (not to scale)']);
    if (marks.length > 0) items.push(['note', 'an event on the station (link change, drop)']);
    const legend: string[] = [textEl({ x: lx, y: ly, 'font-family': SANS, 'font-size': 11, 'font-weight': 'bold', fill: '#333' }, `Time flows down, to scale: 1 px = ${formatDuration(nsPerPx)}${ts.segments.length > 1 ? `; idle stretches over ${maxIdlePx} px are cut out` : ''}.`)];
    ly += 22;
    for (const [kind, text] of items) {
      legend.push(sample(kind));
      legend.push(textEl({ x: lx + 58, y: ly, 'font-family': SANS, 'font-size': 11, fill: '#333' }, text));
      width = Math.max(width, lx + 58 + text.length * 6.2 + 20);
      ly += 19;
    }
    out.push(el('g', { class: 'legend' }, ...legend));
    yEnd = ly;
  }
  const height = yEnd + 12;
  return svgDocument(Math.ceil(width), Math.ceil(height), out.join('\n'), {
    'font-family': SANS,
    'data-ns-per-px': nsPerPx,
    'data-segments': ts.segments.map((s) => `${s.t0}:${s.t1}:${num(s.y0)}`).join(' '),
  });
}

// ---------------------------------------------------------------------------------------------
// The recorder

/** Collects the events a ladder diagram needs from a simulator's trace bus, and renders them. */
export class LadderRecorder {
  private readonly events: TraceEvent[] = [];
  private unsubscribe: (() => void) | null;
  /** True once `maxEvents` were recorded and recording stopped (the diagram shows the run's beginning). */
  truncated = false;

  /**
   * Starts recording on `sim.trace` (anything with a trace bus). With `maxEvents`, recording stops
   * after that many events, so a long run's recorder stays bounded (a diagram draws at most
   * `maxArrows` frames anyway).
   */
  constructor(sim: { readonly trace: TraceBus }, opts: { maxEvents?: number } = {}) {
    const max = opts.maxEvents ?? Infinity;
    this.unsubscribe = sim.trace.subscribe((e) => {
      this.events.push(e);
      if (this.events.length >= max) {
        this.truncated = true;
        this.stop();
      }
    }, LADDER_KINDS);
  }

  /** Stops recording (what was recorded stays). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The events recorded so far. */
  get recorded(): readonly TraceEvent[] {
    return this.events;
  }

  /** The diagram's model: columns, arrows and notes. */
  model(opts: LadderModelOptions = {}): LadderModel {
    return buildLadderModel(this.events, opts);
  }

  /** The arrows the diagram draws, in order. */
  arrows(opts: LadderModelOptions = {}): readonly LadderArrow[] {
    return this.model(opts).arrows;
  }

  /** Renders the recorded events as an SVG document. */
  toSvg(opts: LadderOptions = {}): string {
    return renderLadderSvg(this.events, opts);
  }
}

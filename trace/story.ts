/**
 * The journey as a story: the narrated trace of {@link narrateAll}, reworked so a reader can follow
 * it in the order things happen and at the depth they chose.
 *
 * - Detail levels: `app`, `stack` as in {@link narrateAll}; `driver` (the demo's default) adds the
 *   driver and the adapter's milestones — the TDT doorbell, the frame on the wire, the switch
 *   forwarding or flooding it, receive DMA, drops and faults — and tells each interrupt in one
 *   line (cause, how long the line was up, what the ISR and the NAPI poll did); `hw` shows every
 *   register access, descriptor write-back and interrupt-line change instead (the statistics
 *   registers the watchdog reads collapsed into one line); `wire` adds PHYs, media, switch
 *   learning, every arrival and, in signal fidelity, the line code of each frame (code groups,
 *   code bits, code violations found by the receiving PHY).
 * - Causal order: an ARP request is told before the driver and adapter lines that send it; a
 *   datagram that has to wait for ARP says so; each transmitted frame is preceded by the Ethernet
 *   header the stack wrote (and, after an ARP reply, that the waiting datagram now leaves).
 * - TCP (see {@link TcpNarrator}): every segment with flags, relative seq/ack, window and MSS,
 *   and why — the handshake's three steps, full-sized segments, piggy-backed and delayed ACKs,
 *   duplicate ACKs, retransmissions and their reason, FIN, TIME-WAIT; RTT samples and the RTO.
 * - One frame, one number: a frame keeps the number it got on its first transmission through every
 *   switch copy (forwarded or flooded) to every receiver, and the number shows from the driver's
 *   descriptor on.
 * @module
 */
import type { TraceEvent } from '../sim/trace.js';
import { formatNanos, formatDuration } from '../sim/time.js';
import { createLineCodec, type LineStream, type PhyKind, type LineCodec } from '../hw/phy/linecode/index.js';
import { findFrameStart } from '../hw/mac/framing.js';
import * as R from '../hw/registers/e1000.js';
import type { RegDef } from '../hw/registers/engine.js';
import { LAYERS, layerOf, type Layer } from './narrate.js';
import { describeEvent } from './text.js';
import { TcpNarrator } from './tcpstory.js';
import '../stack/apps/http.js';

/** One line of the story: when, which layer tells it, who, what. */
export interface StoryLine {
  /** Simulated time, ns. */
  readonly time: number;
  /** The layer the line belongs to (its colour). */
  readonly layer: Layer;
  /** Who did it. */
  readonly source: string;
  /** The sentence. */
  readonly text: string;
}

/** Options of {@link story}. */
export interface StoryOptions {
  /** Only events in this window of simulated time. */
  window?: { from?: number; to?: number };
  /** 2·MSL of the hosts' TCP, ns, for the TIME-WAIT note (default 60 s). */
  twoMslNs?: number;
}

const STAT_REGS: ReadonlySet<string> = new Set(
  Object.values(R)
    .filter((d): d is RegDef => typeof d === 'object' && d !== null && 'group' in d && (d as { group: unknown }).group === 'Statistics')
    .map((d) => d.name),
);

const CAUSE_TEXT: Record<string, string> = {
  TXDW: 'transmit descriptors written back',
  TXQE: 'transmit queue empty',
  LSC: 'link status change',
  RXSEQ: 'receive sequence error',
  RXDMT0: 'receive ring low',
  RXO: 'receive overrun',
  RXT0: 'frame received',
  MDAC: 'MDIO access done',
};

const hostOf = (source: string): string => source.split(/[.:]/)[0];
const level = (d: Layer): number => LAYERS.indexOf(d);
const mac = (b: Uint8Array, at: number): string => Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ETHERTYPE: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x86dd: 'IPv6' };

/** Key of a frame's octets (to recognise a switch's copy of a frame it received). */
function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** The story of `events` at `detail`, one line each (see the module documentation). */
export function story(events: readonly TraceEvent[], detail: Layer, opts: StoryOptions = {}): StoryLine[] {
  const from = opts.window?.from ?? -Infinity;
  const to = opts.window?.to ?? Infinity;
  const d = level(detail);
  const atDriver = detail === 'driver';

  // ---- frame identity: a switch's copies keep the number of the frame it received
  const switches = new Set<string>();
  const alias = new Map<number, number>();
  const root = (id: number): number => {
    let r = id;
    for (let i = 0; i < 16 && alias.has(r); i++) r = alias.get(r)!;
    return r;
  };
  const received = new Map<string, number>(); // bytes → frame id, for frames that reached a switch port
  const isPort = (name: string) => /\.p\d+$/.test(name);
  for (const e of events) {
    if (e.kind === 'switch.forward' || e.kind === 'switch.flood' || e.kind === 'switch.learn') switches.add(e.source);
    if (e.kind !== 'wire.rx') continue;
    if (isPort(e.frame.sender)) {
      const orig = received.get(bytesKey(e.frame.bytes));
      if (orig !== undefined && orig !== e.frame.id) alias.set(e.frame.id, orig);
    }
    if (isPort(e.to)) received.set(bytesKey(e.frame.bytes), root(e.frame.id));
  }

  const out: StoryLine[] = [];
  const push = (time: number, layer: Layer, source: string, text: string) => out.push({ time, layer, source, text });
  const codecs = new Map<PhyKind, LineCodec>();
  /** Index in `out` of the last netdev.xmit line per host at its time (for moving ARP requests before it). */
  const lastXmit = new Map<string, { time: number; index: number }>();
  /** Hosts whose last IP datagram (this instant) has not reached a driver yet: it waits for ARP. */
  const pendingIp = new Map<string, { time: number; length: number; dst: string; iface: string }>();
  /** Hosts that just learned a MAC address from an ARP reply (this instant). */
  const resolved = new Map<string, number>();
  let statRun: { source: string; time: number; count: number; nonZero: string[]; index: number } | null = null;
  const tcp = new TcpNarrator(opts.twoMslNs);

  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.time < from || e.time > to) continue;
    if (e.kind === 'tcp.segment' || e.kind === 'tcp.rtt' || e.kind === 'tcp.event' || (e.kind === 'state' && e.machine === 'tcp')) {
      const text = tcp.line(e); // (told at stack detail and below; the narrator keeps its state regardless)
      if (text !== null && d >= level('stack')) push(e.time, 'stack', e.kind === 'state' ? hostOf(e.source) : e.source, text);
      continue;
    }
    if (e.kind === 'state') continue;
    const host = hostOf(e.source);
    const layer = layerOf(e);

    // statistics registers the watchdog reads: nothing below hw, one line at hw
    if (e.kind === 'reg.access' && e.op === 'read' && STAT_REGS.has(e.reg)) {
      if (d < level('hw')) continue;
      if (statRun && statRun.source === e.source && statRun.time === e.time) {
        statRun.count++;
        if (e.value !== 0) statRun.nonZero.push(`${e.reg}=${e.value}`);
        out[statRun.index] = { ...out[statRun.index], text: statText(statRun) };
        continue;
      }
      statRun = { source: e.source, time: e.time, count: 1, nonZero: e.value !== 0 ? [`${e.reg}=${e.value}`] : [], index: out.length };
      push(e.time, 'hw', e.source, statText(statRun));
      continue;
    }

    // one line per interrupt at the driver level, told when the handler reads ICR
    if (e.kind === 'reg.access' && e.op === 'read' && e.reg === 'ICR') {
      if (atDriver) push(e.time, 'driver', e.source, interruptText(events, i, e.source, e.value, e.fields));
      if (d < level('hw')) continue;
    }

    if (e.kind === 'ip.packet' && e.dir === 'tx') pendingIp.set(host, { time: e.time, length: e.length, dst: e.dst, iface: e.iface });

    if (e.kind === 'netdev.xmit') {
      const sent = findSent(events, i, e.source);
      const wf = sent?.frame;
      const id = wf ? root(wf.id) : undefined;
      if (d >= level('stack') && wf) {
        const start = findFrameStart(wf.bytes);
        if (start >= 0 && wf.bytes.length >= start + 14) {
          const type = (wf.bytes[start + 12] << 8) | wf.bytes[start + 13];
          const waited = resolved.get(host) === e.time && type === 0x0800;
          push(
            e.time,
            'stack',
            e.source.replace(':', '.'),
            `Ethernet header written: ${mac(wf.bytes, start + 6)} → ${mac(wf.bytes, start)}, type ${ETHERTYPE[type] ?? '0x' + type.toString(16).padStart(4, '0')}${waited ? ' — the datagram that waited for ARP can leave now' : ''}`,
          );
        }
      }
      if (wf && findFrameStart(wf.bytes) >= 0 && wf.bytes[findFrameStart(wf.bytes) + 12] === 0x08 && wf.bytes[findFrameStart(wf.bytes) + 13] === 0x00) pendingIp.delete(host);
      if (d >= level('driver')) {
        lastXmit.set(host, { time: e.time, index: out.length - (d >= level('stack') && wf ? 1 : 0) });
        push(e.time, 'driver', e.source, `driver copied a ${e.length}-byte frame${id !== undefined ? ` (#${id})` : ''} into a DMA buffer and filled TX descriptor ${e.firstDescriptor}${e.descriptors > 1 ? ` (+${e.descriptors - 1})` : ''}`);
      }
      continue;
    }

    if (e.kind === 'arp.packet' && e.dir === 'tx' && (e.op === 'request' || e.op === 'reply')) {
      if (d < level('stack')) continue;
      const lines: string[] = [];
      const waiting = pendingIp.get(host);
      if (e.op === 'request' && waiting && waiting.time === e.time) {
        lines.push(`no ARP entry for ${e.targetIp} on ${e.iface}: the ${waiting.length}-byte datagram to ${waiting.dst} waits in the ARP queue (its Ethernet header needs the next hop's MAC address)`);
        pendingIp.delete(host);
      }
      lines.push(describeEvent(e)!);
      const x = lastXmit.get(host);
      const where = x && x.time === e.time ? x.index : out.length;
      out.splice(where, 0, ...lines.map((text) => ({ time: e.time, layer: 'stack' as Layer, source: e.source, text })));
      if (x && x.time === e.time) x.index += lines.length;
      continue;
    }

    if (e.kind === 'arp.packet' && e.dir === 'rx' && e.op === 'reply') resolved.set(host, e.time);

    // what shows at which detail
    const min = minDetail(e, layer, switches);
    if (min === null || d < level(min)) continue;
    if (atDriver && (e.kind === 'kernel.irq' || e.kind === 'napi.poll')) continue; // in the interrupt line
    let text = describe(e, root);
    if (text === null) continue;
    push(e.time, displayLayer(e, layer, switches), e.source, text);

    // line coding at wire detail (signal fidelity)
    if (detail === 'wire' && (e.kind === 'wire.tx' || e.kind === 'wire.rx') && e.frame.symbols !== undefined) {
      const s = e.frame.symbols as LineStream;
      if (e.kind === 'wire.tx') push(e.time, 'wire', e.source, `line code ${s.kind}: ${e.frame.bytes.length} octets → ${s.groupCount} code groups, ${s.bitCount} code bits`);
      else {
        let codec = codecs.get(s.kind);
        if (codec === undefined) codecs.set(s.kind, (codec = createLineCodec(s.kind)));
        const r = codec.decodeFrame(s);
        text = r.errors.length === 0 ? `the PHY at ${e.to} decoded ${s.groupCount} code groups: no code violation` : `the PHY at ${e.to} decoded ${s.groupCount} code groups: ${r.errors.length} code violation${r.errors.length > 1 ? 's' : ''} (${r.errors.map((x) => `${x.kind} at code group ${x.index}`).join(', ')})`;
        push(e.time, 'wire', e.to, text);
      }
    }
  }
  // say when time passes with nothing to tell on this path (a timeout running out, a retry timer)
  const told: StoryLine[] = [];
  for (const l of out) {
    const prev = told[told.length - 1];
    if (prev !== undefined && l.time - prev.time >= QUIET_NS) told.push({ time: prev.time, layer: l.layer, source: '…', text: `(${formatDuration(l.time - prev.time)} pass with nothing else to tell on this path)` });
    told.push(l);
  }
  return told;
}

/** A pause in the story this long or longer is said out loud, ns. */
const QUIET_NS = 100_000_000;

function isSwitchPort(source: string, switches: ReadonlySet<string>): boolean {
  for (const s of switches) if (source.startsWith(`${s}.p`)) return true;
  return false;
}

/** The lowest detail an event shows at (null: never on its own). */
function minDetail(e: TraceEvent, layer: Layer, switches: ReadonlySet<string>): Layer | null {
  switch (e.kind) {
    case 'reg.access':
      return e.op === 'write' && e.reg === 'TDT' ? 'driver' : 'hw';
    case 'wire.tx':
      return isSwitchPort(e.source, switches) ? 'wire' : 'driver';
    case 'nic.rx':
    case 'switch.forward':
    case 'switch.flood':
    case 'fault':
    case 'drop':
      return layer === 'app' || layer === 'stack' ? layer : 'driver';
    case 'log':
      return (e as Extract<TraceEvent, { kind: 'log' }>).level === 'warn' ? 'driver' : layer === 'hw' ? 'wire' : layer;
    default:
      return layer;
  }
}

/** The layer a line is shown (and coloured) as: switch and fault lines are the wire's. */
function displayLayer(e: TraceEvent, layer: Layer, switches: ReadonlySet<string>): Layer {
  if (e.kind === 'switch.forward' || e.kind === 'switch.flood' || e.kind === 'fault') return 'wire';
  if (e.kind === 'drop' && switches.has(e.source)) return 'wire';
  return layer;
}

/** The sentence of an event with frame numbers mapped to the frame's first number. */
function describe(e: TraceEvent, root: (id: number) => number): string | null {
  switch (e.kind) {
    case 'wire.tx':
      return `on the wire: frame #${root(e.frame.id)}, preamble+SFD, ${e.frame.bytes.length - 12} bytes of frame, FCS — ${e.frame.bytes.length * 8} bits until ${formatNanos(e.end)}`;
    case 'wire.rx':
      return `last bit of frame #${root(e.frame.id)} arrives at ${e.to}`;
    case 'nic.rx':
      return `RX DMA wrote frame #${root(e.frameId)} (${e.length} bytes) into descriptor ${e.firstIndex}${e.descriptors > 1 ? ` (+${e.descriptors - 1})` : ''}`;
    case 'switch.forward':
      return `frame #${root(e.frameId)} to ${e.dst}: learned on port ${e.outPort}, forwarded from port ${e.inPort} (store and forward)`;
    case 'switch.flood':
      return `frame #${root(e.frameId)} to ${e.dst} (${e.why}): flooded from port ${e.inPort} to ports ${e.outPorts.join(', ') || 'none'}`;
    case 'drop':
      return `dropped ${e.what}${e.frameId !== undefined ? ` #${root(e.frameId)}` : ''}: ${e.reason} [counted in ${e.counter}]`;
    case 'app.http':
      return `${e.process}[${e.pid}] HTTP ${e.message}`;
    case 'fault':
      if (e.fault === 'corrupt') return `fault injected: frame #${root(e.frameId)} damaged in the router's memory after its FCS check: ${e.detail ?? `octet ${e.position}`} — the frame leaves with a valid FCS`;
      return `fault injected: ${e.fault} on frame #${root(e.frameId)}${e.position !== undefined ? ` at ${e.fault === 'symbol' ? 'code bit' : 'bit'} ${e.position}` : ''}${e.detail ? ` (${e.detail})` : ''}`;
    default:
      return describeEvent(e);
  }
}

/** The frame a netdev.xmit put on the wire: the next wire.tx of the same host's adapter. */
function findSent(events: readonly TraceEvent[], i: number, driver: string): Extract<TraceEvent, { kind: 'wire.tx' }> | undefined {
  const [host, ifname] = driver.split(':');
  const names = new Set([host, `${host}.${ifname}`]);
  for (let k = i + 1; k < events.length && events[k].time <= events[i].time + 1_000_000; k++) {
    const x = events[k];
    if (x.kind === 'wire.tx' && names.has(x.source)) return x;
    if (x.kind === 'netdev.xmit' && x.source === driver) return undefined;
  }
  return undefined;
}

/** One interrupt in one sentence: cause, how long the line was up, what the ISR and NAPI did. */
function interruptText(events: readonly TraceEvent[], i: number, nic: string, icr: number, fields: string | undefined): string {
  const t = events[i].time;
  let raised: number | undefined;
  for (let k = i - 1; k >= 0; k--) {
    const x = events[k];
    if (x.kind === 'irq' && x.line === nic) {
      if (x.level) raised = x.time;
      break;
    }
  }
  if (icr === 0) return `interrupt handler read ICR = 0: not this adapter's interrupt`;
  const causes = (fields ?? '')
    .split('|')
    .filter(Boolean)
    .map((c) => (CAUSE_TEXT[c] ? `${c} (${CAUSE_TEXT[c]})` : c));
  const host = hostOf(nic);
  let poll: Extract<TraceEvent, { kind: 'napi.poll' }> | undefined;
  for (let k = i + 1; k < events.length && events[k].time === t; k++) {
    const x = events[k];
    if (x.kind === 'napi.poll' && hostOf(x.source) === host) {
      poll = x;
      break;
    }
  }
  const up = raised !== undefined ? `, line up ${formatDuration(t - raised)}` : '';
  const did = poll
    ? `ISR masked the adapter (IMC) and scheduled NAPI; the poll ${poll.work > 0 ? `took ${poll.work} frame${poll.work > 1 ? 's' : ''} off the RX ring (budget ${poll.budget}) and refilled it` : 'found no received frame'}, reclaimed sent descriptors and unmasked interrupts (IMS)`
    : 'ISR masked the adapter (IMC) and scheduled NAPI';
  return `interrupt: ICR = ${causes.join(' + ') || `0x${icr.toString(16)}`}${up} → ${did}`;
}

function statText(r: { count: number; nonZero: string[] }): string {
  return `watchdog read ${r.count} statistics register${r.count > 1 ? 's' : ''} (clear on read)${r.nonZero.length ? `: ${r.nonZero.join(' ')}` : ': all zero'}`;
}

/** ANSI colours per layer (SGR codes). */
export const LAYER_COLOUR: Readonly<Record<Layer, string>> = { app: '35', stack: '36', driver: '32', hw: '33', wire: '34' };

/** Formats story lines as `time  layer  source  sentence`, coloured per layer when `colour`. */
export function formatStory(lines: readonly StoryLine[], opts: { colour?: boolean } = {}): string[] {
  return lines.map((l) => {
    const s = `${formatNanos(l.time).padStart(14)}  ${l.layer.padEnd(6)} ${l.source.padEnd(14)} ${l.text}`;
    return opts.colour ? `\x1b[${LAYER_COLOUR[l.layer]}m${s}\x1b[0m` : s;
  });
}

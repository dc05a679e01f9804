/**
 * `nicsim demo` — the main job. A small network: a client and a DNS server on a switched LAN with
 * a router, and a server on another subnet behind it. The client resolves the server's name and
 * pings it. The result is the narrated journey of the first message (the DNS query) from socket to
 * wire and back, a summary (counters, ARP tables, routes, sockets, ping), and the files people
 * look at: a pcapng capture (plus a classic pcap and a capture with preamble, SFD and FCS), an SVG
 * ladder diagram, a VCD waveform and the JSON lines of every trace event.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../sim/trace.js';
import { MS, formatNanos, formatDuration } from '../sim/time.js';
import { Network, type NetHost } from '../topology/network.js';
import { bitErrors, scriptedFlips } from '../hw/faults.js';
import type { Cable } from '../hw/medium/cable.js';
import type { Speed } from '../hw/medium/types.js';
import { Process } from '../stack/socket/api.js';
import { DnsResolver, DnsServer } from '../stack/apps/dns.js';
import { ping, formatPing, type PingResult } from '../stack/tools/ping.js';
import { arp, formatArp } from '../stack/tools/arp.js';
import { route, formatRoute } from '../stack/tools/route.js';
import { netstat, formatNetstat } from '../stack/tools/netstat.js';
import { ipLink, formatIpLink } from '../stack/tools/iplink.js';
import { formatIpv4Addr } from '../stack/wire/ipv4.js';
import { CaptureStream } from '../trace/capture.js';
import { FileSink } from '../trace/sink.js';
import { LadderRecorder } from '../trace/ladder.js';
import { VcdWriter } from '../trace/vcd.js';
import { jsonlSink } from '../trace/jsonl.js';
import { narrateAll, type Layer } from '../trace/narrate.js';
import { story, formatStory, type StoryLine } from '../trace/story.js';
import { createLineCodec } from '../hw/phy/linecode/index.js';
import { prepareOutDir } from './outdir.js';
import { UsageError } from './errors.js';

/** Frame events the ladder diagram records at most (a long run's diagram shows its beginning). */
const LADDER_MAX_EVENTS = 20_000;

/** Options of the demo. */
export interface NetDemoOptions {
  /** Simulation seed. */
  seed: number;
  /** Where to write the files (null: write nothing). */
  outDir: string | null;
  /** Detail of the narrated journey. */
  detail: Layer;
  /** Adapter fidelity. */
  fidelity: 'frame' | 'signal';
  /** Link speed every adapter advertises (default: the best, 1000). */
  speed: Speed;
  /** Bit error rate on every cable (0: none). */
  ber: number;
  /** Also narrate the state machines' transitions. */
  inspect: boolean;
  /** Pings to send. */
  count: number;
  /** Who to ping: a name the DNS server knows or an address (default server.lan). */
  target: string;
  /** Flip bit `bit` (counted from the first preamble bit) of the `frame`-th frame the client sends. */
  flip?: { frame: number; bit: number };
  /** Ping data bytes [-s] (default 56). */
  size?: number;
  /** TTL of the pings [-t] (default: the stack's, 64). */
  ttl?: number;
  /** Time between pings, ns [-i] (default 1 s). */
  intervalNs?: number;
  /** How long to wait for replies after the last ping, ns [-W] (default: iputils' rule). */
  timeoutNs?: number;
}

/** The demo's outcome. */
export interface NetDemoResult {
  /** The narrated journey of the first message. */
  journey: string[];
  /** The same, line by line with time, layer and source (for colouring). */
  story: StoryLine[];
  /** Summary text sections. */
  sections: Array<{ title: string; text: string }>;
  /** Machine-readable summary. */
  summary: Record<string, unknown>;
  /** Files written (absolute paths) with what each holds. */
  files: Array<{ path: string; what: string }>;
  /** The ping result (null when the name did not resolve). */
  ping: PingResult | null;
  /** Set when `flip` flipped nothing: why (the frame was never sent, or is shorter than the bit). */
  flipProblem: string | null;
  /** Files that could not be written, one message each (the rest of the result is complete). */
  fileErrors: string[];
  /** What the run kept in memory at the end (bounded however long it ran; the files were streamed). */
  retained: { journeyEvents: number; stateEvents: number; ladderEvents: number };
}

/** Line bits (frame fidelity) or code bits (signal fidelity) of the longest frame the client can send: a flip beyond them cannot happen. */
export function maxFlipBit(fidelity: 'frame' | 'signal', speed: Speed): number {
  const lineBytes = 8 + 1518; // preamble and SFD, then a maximum-size frame with its FCS
  if (fidelity === 'frame') return lineBytes * 8;
  const kind = speed === 1000 ? '1000BASE-X' : speed === 100 ? '100BASE-TX' : '10BASE-T';
  return createLineCodec(kind).encodeFrame(new Uint8Array(lineBytes)).bitCount;
}

const ZONE = { 'server.lan': '10.0.1.2', 'dns.lan': '10.0.0.53', 'router.lan': '10.0.0.1', 'client.lan': '10.0.0.2' };

/**
 * Interrupt delivery latency of every demo host, ns: from the adapter asserting its IRQ line to
 * the handler's first instruction (the ICR read that deasserts it). A microsecond is the order of
 * a real PC's; with none, the line would rise and fall within one simulated instant.
 */
export const DEMO_IRQ_LATENCY_NS = 1_000;

/** ANAR / 1000BASE-T control values advertising only `speed` (both duplexes). */
function advertise(speed: Speed): [number, number] {
  return speed === 1000 ? [0x01e1, 0x0300] : speed === 100 ? [0x0181, 0] : [0x0061, 0];
}

/** Who is plugged into each switch port of the demo. */
const SWITCH_PORT_PEER = ['client', 'dns', 'router.eth0'];

/** Builds the demo network (not started). */
export function buildDemoNetwork(o: Pick<NetDemoOptions, 'seed' | 'fidelity' | 'speed' | 'ber' | 'flip'>) {
  const net = new Network({ seed: o.seed, fidelity: o.fidelity });
  const kernel = { irqLatencyNs: DEMO_IRQ_LATENCY_NS };
  const client = net.host('client', { interfaces: [{ address: '10.0.0.2/24', mac: '02:00:00:00:00:02' }], gateway: '10.0.0.1', kernel });
  const dns = net.host('dns', { interfaces: [{ address: '10.0.0.53/24', mac: '02:00:00:00:00:35' }], gateway: '10.0.0.1', kernel });
  const router = net.router('router', { interfaces: [{ address: '10.0.0.1/24', mac: '02:00:00:00:01:01' }, { address: '10.0.1.1/24', mac: '02:00:00:00:01:02' }], kernel });
  const server = net.host('server', { interfaces: [{ address: '10.0.1.2/24', mac: '02:00:00:00:02:02' }], gateway: '10.0.1.1', kernel });
  const [anar, gtcr] = advertise(o.speed);
  for (const h of [client, dns, router, server])
    for (const n of h.nics) {
      n.phy.mdioWrite(9, gtcr);
      n.phy.mdioWrite(4, anar);
    }
  const sw = net.switch({ name: 'switch', ports: 3 });
  const cables: Cable[] = [
    net.cable(client.port(0), sw.port(0), { lengthM: 10, name: 'cable-client' }),
    net.cable(dns.port(0), sw.port(1), { lengthM: 30, name: 'cable-dns' }),
    net.cable(router.port(0), sw.port(2), { lengthM: 5, name: 'cable-router-lan' }),
    net.cable(router.port(1), server.port(0), { lengthM: 100, name: 'cable-server' }),
  ];
  const flipper = o.flip ? scriptedFlips(net.sim, [o.fidelity === 'signal' ? { frame: o.flip.frame, symbol: o.flip.bit } : { frame: o.flip.frame, bit: o.flip.bit }], { name: 'flip' }) : null;
  if (flipper) cables[0].use(0, flipper);
  if (o.ber > 0) for (const c of cables) for (const dir of [0, 1] as const) c.use(dir, bitErrors(net.sim, { ber: o.ber, name: `${c.name}.${dir}` }));
  return { net, client, dns, router, server, sw, cables, flipper };
}

function hostSections(hosts: NetHost[]): Array<{ title: string; text: string }> {
  const out: Array<{ title: string; text: string }> = [];
  for (const h of hosts) {
    const counters = h.stack.counters.snapshot({ nonZero: true }) as Record<string, number>;
    const parts = [
      `interfaces (ip -s link):\n${indent(formatIpLink(ipLink(h.stack), { stats: 1 }))}`,
      `ARP table (arp -n):\n${indent(formatArp(arp(h.stack)))}`,
      `routes (route -n):\n${indent(formatRoute(route(h.stack)))}`,
      `sockets (netstat -anu):\n${indent(formatNetstat(netstat(h.stack)))}`,
      `stack counters (non-zero): ${Object.entries(counters).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`,
    ];
    out.push({ title: `${h.name}`, text: parts.join('\n') });
  }
  return out;
}

function indent(s: string): string {
  return s
    .trimEnd()
    .split('\n')
    .map((l) => '  ' + l)
    .join('\n');
}

/** Runs the demo. */
export async function runNetDemo(o: NetDemoOptions): Promise<NetDemoResult> {
  if (o.flip) {
    const max = maxFlipBit(o.fidelity, o.speed);
    if (o.flip.bit >= max) throw new UsageError(`--flip ${o.flip.frame}:${o.flip.bit}: the longest frame the client can send has ${max} ${o.fidelity === 'signal' ? 'code' : 'line'} bits (0..${max - 1})`);
  }
  const outDir = o.outDir === null ? null : prepareOutDir(o.outDir);
  const { net, client, dns, router, server, sw, flipper } = buildDemoNetwork(o);
  const sim = net.sim;
  // What is kept in memory is bounded however long the run: the events of the first message (the
  // journey), the state changes when --inspect narrates them, and the flip injector's own events;
  // the captures and the JSON lines stream to their files as the run goes.
  const events: TraceEvent[] = [];
  const stateEvents: TraceEvent[] = [];
  const flipEvents: TraceEvent[] = [];
  let eventCount = 0;
  let keepJourney = true;
  let answered = false;
  sim.trace.subscribe((e) => {
    eventCount++;
    if (keepJourney) {
      events.push(e);
      if (answered && e.kind === 'socket.call' && e.process === 'demo' && e.call === 'close') keepJourney = false;
    }
    if (o.inspect && e.kind === 'state') stateEvents.push(e);
    if (e.source === 'flip' && (e.kind === 'fault' || e.kind === 'log')) flipEvents.push(e);
  });
  // one capture interface per adapter: what each adapter received (switch ports are not adapters)
  const adapters = [client, dns, router, server].flatMap((h) => h.nics.map((n) => n.name));
  // each capture point is its own pcapng interface: host adapters by name, switch ports as switch.pN
  const describe = (name: string) => {
    const port = new RegExp(`^${sw.name}\\.p(\\d+)$`).exec(name);
    return port ? `${sw.name} port ${port[1]}: every frame that reached the port (before the switch's FCS check)` : `host adapter ${name}: every frame that reached it (before its FCS check)`;
  };
  const files: Array<{ path: string; what: string }> = [];
  const fileErrors: string[] = [];
  const streams: Array<{ sink: FileSink; what: string; end?: () => void; last?: boolean }> = [];
  const open = (name: string, what: string): FileSink | null => {
    if (outDir === null) return null;
    const p = join(outDir, name);
    try {
      const sink = new FileSink(p);
      streams.push({ sink, what });
      return sink;
    } catch (e) {
      fileErrors.push(`could not write ${p}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  const stream = (name: string, what: string, opts: ConstructorParameters<typeof CaptureStream>[2]) => {
    const sink = open(name, what);
    if (sink === null) return;
    const c = new CaptureStream(sim, (chunk) => sink.write(chunk), opts);
    streams[streams.length - 1].end = () => c.close();
  };
  stream('capture.pcapng', 'every frame that reached each host adapter, one interface per adapter; frames it discarded are flagged (epb_flags CRC / symbol error)', { direction: 'rx', variant: 'frame', adapters, describe });
  stream('capture.pcap', 'the frames the adapters accepted, as classic pcap with nanosecond timestamps (no flags in classic pcap, so frames with FCS or symbol errors are left out)', { direction: 'rx', variant: 'frame', adapters, describe, format: 'pcap', omitErrored: true });
  // what every link carried, at every receiving end (switch ports too): preamble, SFD, frame, FCS
  stream('capture-wire.pcapng', 'what every link carried at every receiving end, one interface per capture point (host adapters, switch ports switch.pN): preamble, SFD, frame and FCS as received (LINKTYPE_ETHERNET_MPACKET), errors flagged', { direction: 'rx', variant: 'wire', describe });
  const jsonl = open('trace.jsonl', 'every trace event as JSON lines');
  if (jsonl !== null) {
    const off = jsonlSink(sim, (line) => jsonl.write(line));
    Object.assign(streams[streams.length - 1], { end: off, last: true });
  }
  // the diagram draws at most 500 frames: a long run's recorder keeps its beginning only
  const ladder = new LadderRecorder(sim, { maxEvents: LADDER_MAX_EVENTS });

  await net.start();
  const named = new DnsServer(new Process(dns.stack, 'named'), { zone: ZONE });
  await net.settle(named.start());
  const proc = new Process(client.stack, 'demo');
  const resolver = new DnsResolver(proc, { servers: ['10.0.0.53'] });

  // The first message: the DNS query, from the resolver's socket to the wire and back.
  await net.runFor(1 * MS);
  const tQuery = sim.now;
  const vcd = new VcdWriter(sim, { fromNs: tQuery, links: Object.fromEntries([client, dns, router, server].flatMap((h) => h.nics.map((n) => [n.name, n.link !== null]))) });
  let address: number | null = null;
  let lookupError: string | null = null;
  try {
    address = await net.settle(resolver.lookup(o.target));
  } catch (e) {
    lookupError = e instanceof Error ? e.message : String(e);
  }
  const tAnswer = sim.now;
  vcd.detach();
  // the journey ends when the resolver closes its socket after the answer (perhaps already done)
  const isClose = (e: TraceEvent) => e.time >= tAnswer && e.kind === 'socket.call' && e.process === 'demo' && e.call === 'close';
  if (events.some(isClose)) keepJourney = false;
  else answered = true;

  let pingResult: PingResult | null = null;
  if (address !== null) {
    const intervalNs = o.intervalNs ?? 1_000 * MS;
    // a long run (many pings) may take longer than settle's default minute
    const maxNs = o.count * intervalNs + (o.timeoutNs ?? 0) + 60_000 * MS;
    pingResult = await net.settle(ping(client.stack, address, { count: o.count, intervalNs, hostname: o.target, size: o.size, ttl: o.ttl, timeoutNs: o.timeoutNs }), maxNs);
  }
  await net.runFor(10 * MS);
  keepJourney = false; // (a journey that never closed its socket ends with the run's traffic)

  // the journey ends when the resolver closes its socket after the answer (or the last failure);
  // a retry after a timeout closes and reopens one first. The ping starts at the same instant.
  const closeAt = events.findIndex((e) => e.time >= tAnswer && e.kind === 'socket.call' && e.process === 'demo' && e.call === 'close');
  const window = closeAt >= 0 ? events.slice(0, closeAt + 1) : events;
  const journeyEvents = o.inspect ? window : window.filter((e) => e.kind !== 'state');
  const journeyStory = story(journeyEvents, o.detail, { window: { from: tQuery, to: tAnswer } });
  const journey = formatStory(journeyStory);
  const sections = [
    {
      title: 'the first message',
      text:
        address !== null
          ? `client asked dns (10.0.0.53) for ${o.target} at ${formatNanos(tQuery)}; the answer ${formatIpv4Addr(address)} reached the application ${formatDuration(tAnswer - tQuery)} later`
          : `the lookup of ${o.target} failed: ${lookupError}`,
    },
    ...(pingResult ? [{ title: `ping ${o.target}`, text: formatPing(pingResult) }] : []),
    ...(o.inspect
      ? [
          {
            title: 'state machines (--inspect): every transition of the run',
            text: narrateAll(
              stateEvents,
              'wire',
            ).join('\n'),
          },
        ]
      : []),
    ...hostSections([client, dns, router, server]),
    {
      title: 'switch',
      text: [
        ...Array.from({ length: sw.portCount }, (_, i) => {
          const s = sw.portStats(i);
          return `port ${i} (${SWITCH_PORT_PEER[i]}): rx ${s.rxFrames} frames, tx ${s.txFrames}, flooded ${s.flooded}, forwarded ${s.forwarded}, filtered ${s.filtered}, rxErrors ${s.rxErrors}, txDrops ${s.txDrops}`;
        }),
        `MAC table: ${sw
          .macTable()
          .map((m) => `${m.mac}→p${m.port}`)
          .join(', ')}`,
      ].join('\n'),
    },
  ];
  const summary: Record<string, unknown> = {
    target: o.target,
    resolved: address === null ? null : formatIpv4Addr(address),
    lookupError,
    firstMessageNs: tAnswer - tQuery,
    ping: pingResult && { transmitted: pingResult.transmitted, received: pingResult.received, lossPercent: pingResult.lossPercent, minNs: pingResult.minNs, avgNs: pingResult.avgNs, maxNs: pingResult.maxNs, ttl: pingResult.replies[0]?.ttl },
    hosts: Object.fromEntries(
      [client, dns, router, server].map((h) => [
        h.name,
        {
          counters: h.stack.counters.snapshot({ nonZero: true }),
          arp: arp(h.stack).map((r) => ({ ...r })),
          interfaces: h.drivers.map((d) => ({ name: d.name, ...d.stats() })),
        },
      ]),
    ),
    switch: {
      ports: Array.from({ length: sw.portCount }, (_, i) => ({ port: i, peer: SWITCH_PORT_PEER[i], ...sw.portStats(i) })),
      macTable: sw.macTable().map((m) => ({ mac: m.mac, port: m.port, ageNs: m.ageNs })),
    },
    simulatedNs: sim.now,
    events: eventCount,
  };

  let flipProblem: string | null = null;
  if (o.flip && !flipEvents.some((e) => e.kind === 'fault')) {
    const warn = flipEvents.find((e) => e.kind === 'log');
    flipProblem =
      warn && warn.kind === 'log'
        ? `--flip ${o.flip.frame}:${o.flip.bit}: nothing flipped: ${warn.message}`
        : `--flip ${o.flip.frame}:${o.flip.bit}: frame ${o.flip.frame} was never sent (the client sent ${flipper?.stats.frames ?? 0} frames)`;
  }

  const finish = (last: boolean) => {
    for (const st of streams) {
      if ((st.last ?? false) !== last) continue;
      try {
        st.end?.();
        st.sink.close();
        files.push({ path: st.sink.path, what: st.what });
      } catch (e) {
        fileErrors.push(`could not write ${st.sink.path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  finish(false);
  if (outDir !== null) {
    const dir = outDir;
    const write = (name: string, data: string | Uint8Array, what: string) => {
      const p = join(dir, name);
      try {
        writeFileSync(p, data);
        files.push({ path: p, what });
      } catch (e) {
        fileErrors.push(`could not write ${p}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    write('ladder.svg', ladder.toSvg({ title: `nicsim demo: client resolves ${o.target} and pings it`, stations: ['client', 'switch', 'dns', 'router.eth0', 'router.eth1', 'server'] }), ladder.truncated ? `ladder diagram of the run's first frames (its first ${LADDER_MAX_EVENTS} frame events), time flowing down to scale` : 'ladder diagram of every frame, time flowing down to scale');
    write('signals.vcd', vcd.render(), 'line levels, IRQ lines and link state during the first message (GTKWave)');
  }
  finish(true);
  const retained = { journeyEvents: events.length, stateEvents: stateEvents.length, ladderEvents: ladder.recorded.length };
  return { journey, story: journeyStory, sections, summary, files, ping: pingResult, flipProblem, fileErrors, retained };
}

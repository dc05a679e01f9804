/**
 * `nicsim demo` — the main job, the journey of the book's chapter. A small network: a client and a
 * DNS server on a switched LAN with a router, and a web server on another subnet behind it. The
 * client (a browser) resolves `www.lan` (DNS over UDP), opens a TCP connection to the web server
 * across the router (the three-way handshake), sends `GET /`, receives a page that takes several
 * MSS-sized segments, and the connection closes (FIN both ways; the server's socket stays in
 * TIME-WAIT). Then it pings the server. The result is the narrated journey from socket to wire and
 * back, a summary (the page, counters, ARP tables, routes, sockets, ping), and the files people
 * look at: a pcapng capture (plus a classic pcap and a capture with preamble, SFD and FCS), an SVG
 * ladder diagram, a VCD waveform and the JSON lines of every trace event.
 *
 * Faults: `flip` flips a bit of a frame the client sends (the next FCS check drops the frame, and
 * TCP or DNS recovers); `corrupt` damages an octet of a frame the router sends and writes a valid
 * FCS over it — a router whose memory corrupts a frame between its adapters' FCS check and FCS
 * generation — so only the end-to-end checksums (IP header, UDP, TCP) can catch it.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../sim/trace.js';
import { MS, formatNanos, formatDuration } from '../sim/time.js';
import { Network, type NetHost } from '../topology/network.js';
import { bitErrors, corruptFrames, scriptedFlips } from '../hw/faults.js';
import type { Cable } from '../hw/medium/cable.js';
import type { Speed } from '../hw/medium/types.js';
import { Process } from '../stack/socket/api.js';
import { DnsResolver, DnsServer } from '../stack/apps/dns.js';
import { HttpError, HttpServer, httpGet, type HttpResponse } from '../stack/apps/http.js';
import { DEMO_PAGE, DEMO_ZONE } from '../topology/demo.js';
import { ping, formatPing, type PingResult } from '../stack/tools/ping.js';
import { arp, formatArp } from '../stack/tools/arp.js';
import { route, formatRoute } from '../stack/tools/route.js';
import { netstat, formatNetstat } from '../stack/tools/netstat.js';
import { ipLink, formatIpLink } from '../stack/tools/iplink.js';
import { formatIpv4Addr } from '../stack/wire/ipv4.js';
import { toIpv4 } from '../stack/iface/route.js';
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
  /** The web server's name (`www.lan`), or for `ping` who to ping: a name the DNS server knows or an address. */
  target: string;
  /** Fetch `http://target/` (default true; `ping` turns it off). */
  fetch?: boolean;
  /** Flip bit `bit` (counted from the first preamble bit) of the `frame`-th frame the client sends. */
  flip?: { frame: number; bit: number };
  /** Damage octet `byte` (from the destination address) of the `frame`-th frame the router sends, with a valid FCS written over it. */
  corrupt?: { frame: number; byte: number };
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
  /** The page the client fetched (null when the fetch failed or was not asked for). */
  page: HttpResponse | null;
  /** Set when `flip` flipped nothing: why (the frame was never sent, or is shorter than the bit). */
  flipProblem: string | null;
  /** Set when `corrupt` damaged nothing: why. */
  corruptProblem: string | null;
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

const ZONE = DEMO_ZONE;

/** Largest octet `--corrupt` can name: the last before the FCS of a maximum-size frame. */
export const MAX_CORRUPT_BYTE = 1513;

/** The web page the demo's server serves at `/` (see topology/demo.ts). */
export { DEMO_PAGE };

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
export function buildDemoNetwork(o: Pick<NetDemoOptions, 'seed' | 'fidelity' | 'speed' | 'ber' | 'flip' | 'corrupt'>) {
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
  // the router's memory: both of its transmit directions share one injector (it counts the router's frames)
  const corrupter = o.corrupt ? corruptFrames(net.sim, [{ frame: o.corrupt.frame, byte: o.corrupt.byte }], { name: 'router-memory' }) : null;
  if (corrupter) for (const c of [cables[2], cables[3]]) c.use(0, corrupter);
  if (o.ber > 0) for (const c of cables) for (const dir of [0, 1] as const) c.use(dir, bitErrors(net.sim, { ber: o.ber, name: `${c.name}.${dir}` }));
  return { net, client, dns, router, server, sw, cables, flipper, corrupter };
}

function hostSections(hosts: NetHost[]): Array<{ title: string; text: string }> {
  const out: Array<{ title: string; text: string }> = [];
  for (const h of hosts) {
    const counters = h.stack.counters.snapshot({ nonZero: true }) as Record<string, number>;
    const parts = [
      `interfaces (ip -s link):\n${indent(formatIpLink(ipLink(h.stack), { stats: 1 }))}`,
      `ARP table (arp -n):\n${indent(formatArp(arp(h.stack)))}`,
      `routes (route -n):\n${indent(formatRoute(route(h.stack)))}`,
      `sockets (netstat -an):\n${indent(formatNetstat(netstat(h.stack)))}`,
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
  if (o.corrupt && o.corrupt.byte > MAX_CORRUPT_BYTE) throw new UsageError(`--corrupt ${o.corrupt.frame}:${o.corrupt.byte}: the longest frame the router can send has ${MAX_CORRUPT_BYTE + 1} octets before its FCS (0..${MAX_CORRUPT_BYTE})`);
  const fetch = o.fetch ?? true;
  const outDir = o.outDir === null ? null : prepareOutDir(o.outDir);
  const { net, client, dns, router, server, sw, flipper, corrupter } = buildDemoNetwork(o);
  const sim = net.sim;
  // What is kept in memory is bounded however long the run: the events of the journey (until the
  // fetch — or the lookup — is over), the state changes when --inspect narrates them, and the
  // fault injectors' own events; the captures and the JSON lines stream to their files as the run
  // goes.
  const events: TraceEvent[] = [];
  const stateEvents: TraceEvent[] = [];
  const flipEvents: TraceEvent[] = [];
  let eventCount = 0;
  let keepJourney = true;
  sim.trace.subscribe((e) => {
    eventCount++;
    if (keepJourney) events.push(e);
    if (o.inspect && e.kind === 'state') stateEvents.push(e);
    if ((e.source === 'flip' || e.source === 'router-memory') && (e.kind === 'fault' || e.kind === 'log')) flipEvents.push(e);
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
  const httpd = new HttpServer(new Process(server.stack, 'httpd'), { pages: { '/': DEMO_PAGE } });
  await net.settle(httpd.start());
  const proc = new Process(client.stack, 'browser');
  const resolver = new DnsResolver(proc, { servers: ['10.0.0.53'] });

  // The journey: DNS, connect, GET, the page, close — from the browser's sockets to the wire and back.
  await net.runFor(1 * MS);
  const tQuery = sim.now;
  const vcd = new VcdWriter(sim, { fromNs: tQuery, links: Object.fromEntries([client, dns, router, server].flatMap((h) => h.nics.map((n) => [n.name, n.link !== null]))) });
  let address: number | null = null;
  let lookupError: string | null = null;
  let page: HttpResponse | null = null;
  let fetchError: string | null = null;
  if (fetch) {
    try {
      page = await net.settle(httpGet(proc, resolver, o.target, '/', { timeoutNs: 60_000 * MS }));
      address = toIpv4(page.address);
    } catch (e) {
      fetchError = e instanceof Error ? e.message : String(e);
      if (e instanceof HttpError && e.code === 'resolve') lookupError = e.message;
    }
    if (address === null && lookupError === null) address = await net.settle(resolver.lookup(o.target)).catch(() => null); // (from the resolver's cache)
    // the close ends when the client's connection is gone and the server's waits in TIME-WAIT (or gives up)
    for (let i = 0; i < 600 && (client.stack.tcp.sockets().length > 0 || server.stack.tcp.sockets().some((x) => x.state !== 'LISTEN' && x.state !== 'TIME-WAIT')); i++) await net.runFor(100 * MS);
  } else {
    try {
      address = await net.settle(resolver.lookup(o.target));
    } catch (e) {
      lookupError = e instanceof Error ? e.message : String(e);
    }
  }
  // the journey's last event: the last TCP event of the fetch (or the resolver's last socket call)
  let tEnd = tQuery;
  for (const e of events) if (e.time >= tQuery && (e.kind.startsWith('tcp.') || (e.kind === 'state' && e.machine === 'tcp') || (e.kind === 'socket.call' && e.process === 'browser'))) tEnd = Math.max(tEnd, e.time);
  vcd.detach();
  keepJourney = false; // what follows (the pings) streams to the files only

  let pingResult: PingResult | null = null;
  if (address !== null) {
    const intervalNs = o.intervalNs ?? 1_000 * MS;
    // a long run (many pings) may take longer than settle's default minute
    const maxNs = o.count * intervalNs + (o.timeoutNs ?? 0) + 60_000 * MS;
    pingResult = await net.settle(ping(client.stack, address, { count: o.count, intervalNs, hostname: o.target, size: o.size, ttl: o.ttl, timeoutNs: o.timeoutNs }), maxNs);
  }
  await net.runFor(10 * MS);

  const window = events.filter((e) => e.time <= tEnd);
  const journeyEvents = o.inspect ? window : window.filter((e) => e.kind !== 'state' || e.machine === 'tcp');
  const twoMslNs = 2 * server.stack.tcp.config.mslNs;
  const journeyStory = story(journeyEvents, o.detail, { window: { from: tQuery, to: tEnd }, twoMslNs });
  const journey = formatStory(journeyStory);
  // what the page took: segments, and when each step finished
  const at = (pred: (e: TraceEvent) => boolean) => events.find((e) => e.time >= tQuery && pred(e))?.time;
  const tResolved = at((e) => e.kind === 'socket.call' && e.process === 'browser' && e.call === 'recvfrom' && e.result === 'ok');
  const tConnected = at((e) => e.kind === 'socket.call' && e.process === 'browser' && e.call === 'connect' && e.result === 'ok' && e.time >= (tResolved ?? tQuery) && events.some((x) => x.kind === 'tcp.segment' && x.source === 'client' && x.time <= e.time && x.time >= tQuery));
  const pageSegs = events.filter((e) => e.kind === 'tcp.segment' && e.dir === 'tx' && e.source === 'server' && e.len > 0 && e.time <= tEnd);
  const fresh = pageSegs.filter((e) => e.kind === 'tcp.segment' && !e.retransmit).length;
  const retrans = pageSegs.length - fresh;
  const clientRetrans = events.filter((e) => e.kind === 'tcp.segment' && e.dir === 'tx' && e.source === 'client' && e.retransmit && e.time <= tEnd).length;
  const timeWait = server.stack.tcp.sockets().filter((x) => x.state === 'TIME-WAIT').length > 0;
  const rel = (t: number | undefined) => (t === undefined ? '—' : formatDuration(t - tQuery));
  const pageText = !fetch
    ? null
    : page !== null
      ? [
          `the browser fetched http://${o.target}/ from ${page.address}: ${page.status} ${page.reason}, a ${page.body.length}-byte page (+ ${page.headBytes} bytes of HTTP head) in ${fresh} TCP segments from the server${retrans + clientRetrans > 0 ? `; ${retrans + clientRetrans} segment${retrans + clientRetrans > 1 ? 's' : ''} retransmitted (${retrans} by the server, ${clientRetrans} by the client)` : ''}`,
          `timeline from the first socket call at ${formatNanos(tQuery)}: DNS answer ${rel(tResolved)}, connection established ${rel(tConnected)}, connection closed ${rel(tEnd)}`,
          timeWait ? `the server closed first, so its socket waits in TIME-WAIT for 2·MSL (${formatDuration(twoMslNs)}) before it is deleted (netstat below shows it)` : 'no socket is left in TIME-WAIT',
        ].join('\n')
      : `the fetch of http://${o.target}/ failed: ${fetchError}`;
  const sections = [
    ...(pageText !== null ? [{ title: 'the web page', text: pageText }] : []),
    ...(!fetch
      ? [
          {
            title: 'the name',
            text: address !== null ? `client asked dns (10.0.0.53) for ${o.target} at ${formatNanos(tQuery)}; the answer ${formatIpv4Addr(address)} reached the application ${formatDuration(tEnd - tQuery)} later` : `the lookup of ${o.target} failed: ${lookupError}`,
          },
        ]
      : []),
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
    journeyNs: tEnd - tQuery,
    page: !fetch
      ? null
      : page === null
        ? { error: fetchError }
        : { url: `http://${o.target}/`, status: page.status, bytes: page.body.length, headBytes: page.headBytes, segments: fresh, retransmitted: retrans + clientRetrans, resolvedNs: tResolved === undefined ? null : tResolved - tQuery, connectedNs: tConnected === undefined ? null : tConnected - tQuery, closedNs: tEnd - tQuery, serverTimeWait: timeWait },
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
  if (o.flip && !flipEvents.some((e) => e.kind === 'fault' && e.source === 'flip')) {
    const warn = flipEvents.find((e) => e.kind === 'log' && e.source === 'flip');
    flipProblem =
      warn && warn.kind === 'log'
        ? `--flip ${o.flip.frame}:${o.flip.bit}: nothing flipped: ${warn.message}`
        : `--flip ${o.flip.frame}:${o.flip.bit}: frame ${o.flip.frame} was never sent (the client sent ${flipper?.stats.frames ?? 0} frames)`;
  }
  let corruptProblem: string | null = null;
  if (o.corrupt && !flipEvents.some((e) => e.kind === 'fault' && e.source === 'router-memory')) {
    const warn = flipEvents.find((e) => e.kind === 'log' && e.source === 'router-memory');
    corruptProblem =
      warn && warn.kind === 'log'
        ? `--corrupt ${o.corrupt.frame}:${o.corrupt.byte}: nothing damaged: ${warn.message}`
        : `--corrupt ${o.corrupt.frame}:${o.corrupt.byte}: frame ${o.corrupt.frame} was never sent (the router sent ${corrupter?.stats.frames ?? 0} frames)`;
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
    write('ladder.svg', ladder.toSvg({ title: fetch ? `nicsim demo: the browser resolves ${o.target}, fetches http://${o.target}/ over TCP, and pings it` : `nicsim demo: client resolves ${o.target} and pings it`, stations: ['client', 'switch', 'dns', 'router.eth0', 'router.eth1', 'server'] }), ladder.truncated ? `ladder diagram of the run's first frames (its first ${LADDER_MAX_EVENTS} frame events), time flowing down to scale` : 'ladder diagram of every frame, time flowing down to scale');
    write('signals.vcd', vcd.render(), fetch ? 'line levels, IRQ lines and link state during the journey (DNS, handshake, page, close) (GTKWave)' : 'line levels, IRQ lines and link state during the lookup (GTKWave)');
  }
  finish(true);
  const retained = { journeyEvents: events.length, stateEvents: stateEvents.length, ladderEvents: ladder.recorded.length };
  return { journey, story: journeyStory, sections, summary, files, ping: pingResult, page, flipProblem, corruptProblem, fileErrors, retained };
}

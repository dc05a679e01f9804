/**
 * `nicsim bridge` and `nicsim run`: an emulated network in real time with links to the outside
 * (UDP datagrams or a length-prefixed stream, QEMU's framings), or a topology file run in
 * simulated time.
 * @module
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { UsageError } from './errors.js';
import { parseCommandLine, intOption, numberOption, type OptionSpec } from './args.js';
import { parseTopology, buildTopology, addRoutes, TopologyError, type TopologySpec, type BuiltTopology, type FaultsSpec, type RunStep } from '../topology/file.js';
import { attachUdp, attachStream, parseHostPort, type Link } from '../topology/links.js';
import { startServices, runStep, defaultPage, type RunningServices, type StepResult } from '../topology/services.js';
import { pcapFileHeader } from '../trace/pcap.js';
import { parseCidr } from '../topology/network.js';
import { parseIpv4Addr } from '../stack/wire/ipv4.js';
import { SEC } from '../sim/time.js';

/** Options of `nicsim bridge`. */
export const BRIDGE_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  address: { type: 'string' },
  gateway: { type: 'string' },
  mac: { type: 'string' },
  echo: { type: 'boolean' },
  discard: { type: 'boolean' },
  http: { type: 'boolean' },
  'http-file': { type: 'string' },
  dns: { type: 'string' },
  udp: { type: 'string' },
  stream: { type: 'string' },
  listen: { type: 'boolean' },
  speed: { type: 'string' },
  ber: { type: 'string' },
  fault: { type: 'string' },
  pcap: { type: 'string' },
  ping: { type: 'string' },
  lookup: { type: 'string' },
  fetch: { type: 'string' },
  seconds: { type: 'string' },
  'until-done': { type: 'boolean' },
  seed: { type: 'string' },
  'no-status': { type: 'boolean' },
};

/** Options of `nicsim run`. */
export const RUN_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  seed: { type: 'string' },
};

/** `nicsim bridge --help`. */
export const BRIDGE_HELP = `usage: nicsim bridge [FILE] [--udp LOCAL:PORT,REMOTE:PORT | --stream HOST:PORT [--listen]]
                    [--name NAME] [--address A/N] [--gateway A] [--mac MAC] [--speed 10|100|1000]
                    [--echo] [--discard] [--http] [--http-file FILE] [--dns NAME=ADDR,...]
                    [--ber RATE] [--fault SPEC]
                    [--ping ADDR] [--lookup NAME@SERVER] [--fetch http://ADDR[:PORT]/PATH]
                    [--pcap FILE] [--seconds S] [--until-done] [--seed N] [--json] [--no-status]

Runs an emulated host (adapter, driver, stack) in real time with its cable attached to the outside:
  --udp L:P,R:P     one Ethernet frame per UDP datagram, no FCS, bound to L:P, sent to R:P (only
                    datagrams from R:P are accepted): QEMU -netdev dgram, socat UDP-DATAGRAM
  --stream H:P      4-byte big-endian length, then the frame (QEMU -netdev stream); connects to
                    H:P (retrying every second) or, with --listen, accepts one peer there
The host (default: emu, 10.0.0.2/24, a MAC derived from the name: 02:XX:XX:XX:XX:01):
  --address A/N, --gateway A, --mac MAC
  --echo            echo on UDP and TCP port 7      --discard   discard on TCP port 9
  --http            an HTTP server on TCP port 80 with a page naming the host at /
  --http-file FILE  also serve FILE (at most 16 MiB) at /file (implies --http)
  --dns ZONE        a DNS server on UDP port 53 for NAME=ADDR[,NAME=ADDR...]
The link: --ber RATE (0 <= RATE < 0.01) and --fault drop=P,duplicate=P,delay=MS,jitter=MS on the
emulated cable, both directions; --speed is the fastest mode the outside end advertises.
Once the link is up the host can --ping ADDR (3 requests), --lookup NAME@SERVER, --fetch a URL
(HTTP/1.0 GET over the emulated TCP; prints the status and the body's sha256).
--pcap FILE writes what crossed the bridge (wall-clock timestamps). On a terminal a status line
on stderr shows frames each way, drops and lag (--no-status turns it off). Runs until SIGINT or
SIGTERM (or --seconds S, or with --until-done once the steps are done), then prints a summary
(--json: as JSON).
With FILE (a topology file, see 'nicsim run --help'), the file's remotes are the links and the
host options do not apply.
Exit status: 0, 1 when a --ping/--lookup/--fetch failed, 2 for a bad command line or file.`;

/** `nicsim run --help`. */
export const RUN_HELP = `usage: nicsim run FILE [--seed N] [--json]

Builds the network a topology file describes (JSON; schema: topology/topology.schema.json): hosts,
routers, switches, hubs, remotes, cables with faults, addresses, routes and services, boots it
in simulated time, does its "run" steps (ping, lookup, fetch) in order and prints what they gave
and each host's non-zero counters. A file with remote links runs with 'nicsim bridge FILE'.
Exit status: 0, 1 when a step failed, 2 for a bad command line or file.`;

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function readTopologyFile(path: string): TopologySpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not JSON (${(e as Error).message})`);
  }
  try {
    return parseTopology(json);
  } catch (e) {
    if (e instanceof TopologyError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}

function parseFault(v: string): FaultsSpec {
  const f: FaultsSpec = {};
  for (const part of v.split(',')) {
    const m = /^\s*(drop|duplicate|delay|jitter)=([^\s]+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--fault expects drop=P,duplicate=P,delay=MS,jitter=MS (any of them), got '${v}'`);
    const n = numberOption('fault', m[2], `a number for ${m[1]}`)!;
    if (m[1] === 'drop' || m[1] === 'duplicate') {
      if (!(n >= 0 && n <= 1)) throw new UsageError(`--fault ${m[1]} must be a probability in [0, 1], got ${m[2]}`);
      f[m[1]] = n;
    } else {
      if (!(n >= 0 && n <= 10000)) throw new UsageError(`--fault ${m[1]} must be 0..10000 ms, got ${m[2]}`);
      if (m[1] === 'delay') f.delayMs = n;
      else f.jitterMs = n;
    }
  }
  return f;
}

function checkAddr(v: string, opt: string): string {
  if (parseIpv4Addr(v.trim()) === undefined) throw new UsageError(`--${opt} expects an IPv4 address, got '${v}'`);
  return v.trim();
}

/** The topology `nicsim bridge` builds from its options (no FILE). */
export function bridgeTopology(values: Record<string, string | boolean | undefined>): TopologySpec {
  const name = str(values.name) ?? 'emu';
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(name)) throw new UsageError(`--name must start with a letter and have at most 32 letters, digits, '-' or '_', got '${name}'`);
  const address = (str(values.address) ?? '10.0.0.2/24').trim();
  try {
    parseCidr(address);
  } catch {
    throw new UsageError(`--address expects an address with a prefix length (e.g. 10.0.0.2/24), got '${address}'`);
  }
  const mac = str(values.mac)?.trim();
  if (mac !== undefined && !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac)) throw new UsageError(`--mac expects six hex octets (02:00:00:00:01:01), got '${mac}'`);
  if (mac !== undefined && (parseInt(mac.slice(0, 2), 16) & 1) !== 0) throw new UsageError(`--mac ${mac} is a group address; a station needs an individual one`);
  const gateway = values.gateway === undefined ? undefined : checkAddr(str(values.gateway) ?? '', 'gateway');
  const udp = str(values.udp);
  const stream = str(values.stream);
  if (udp === undefined && stream === undefined) throw new UsageError("bridge needs --udp LOCAL:PORT,REMOTE:PORT or --stream HOST:PORT (or a topology file with remotes)");
  if (udp !== undefined && stream !== undefined) throw new UsageError('--udp and --stream contradict each other: one link per host (use a topology file for more)');
  if (values.listen && stream === undefined) throw new UsageError('--listen applies to --stream only');
  if (udp !== undefined) {
    const parts = udp.split(',');
    if (parts.length !== 2) throw new UsageError(`--udp expects LOCAL:PORT,REMOTE:PORT (e.g. 127.0.0.1:9000,127.0.0.1:9001), got '${udp}'`);
    for (const p of parts) {
      try {
        parseHostPort(p, '--udp');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
  }
  if (stream !== undefined) {
    try {
      const hp = parseHostPort(stream, '--stream');
      if (hp.port === 0 && !values.listen) throw new UsageError('--stream: port 0 only with --listen');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message);
    }
  }
  const speedText = str(values.speed)?.trim();
  if (speedText !== undefined && !['10', '100', '1000'].includes(speedText)) throw new UsageError(`--speed must be 10, 100 or 1000, got '${speedText}'`);
  const speedV = speedText === undefined ? undefined : Number(speedText);
  const ber = numberOption('ber', values.ber, 'a bit error rate such as 1e-6');
  if (ber !== undefined && !(ber >= 0 && ber < 0.01)) throw new UsageError(`--ber must be a bit error rate in [0, 0.01), got ${String(values.ber).trim()}`);
  const faults: FaultsSpec = { ...(str(values.fault) === undefined ? {} : parseFault(str(values.fault)!)), ...(ber === undefined ? {} : { ber }) };
  const dns: Record<string, string> = {};
  if (values.dns !== undefined) {
    for (const part of (str(values.dns) ?? '').split(',')) {
      const m = /^\s*([A-Za-z0-9._-]+)=(\S+)\s*$/.exec(part);
      if (!m || parseIpv4Addr(m[2]) === undefined) throw new UsageError(`--dns expects NAME=ADDR[,NAME=ADDR...] (e.g. emu.lan=10.0.0.2), got '${part}'`);
      dns[m[1]] = m[2];
    }
  }
  const httpFile = str(values['http-file']);
  if (values['http-file'] !== undefined && (httpFile ?? '').trim() === '') throw new UsageError('--http-file needs a file name');
  if (httpFile !== undefined) {
    let size: number;
    try {
      size = statSync(httpFile).size;
    } catch (e) {
      throw new UsageError(`--http-file: cannot read ${httpFile}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
    if (size > 16 * 1024 * 1024) throw new UsageError(`--http-file: ${httpFile} is ${size} bytes, more than 16 MiB`);
  }
  const http = httpFile !== undefined ? { '/': defaultPage(name), '/file': `@${httpFile}` } : values.http === true ? true : undefined;
  const run: RunStep[] = [];
  if (values.ping !== undefined) run.push({ from: name, ping: checkAddr(str(values.ping) ?? '', 'ping') });
  if (values.lookup !== undefined) {
    const m = /^([A-Za-z0-9._-]+)@(\S+)$/.exec((str(values.lookup) ?? '').trim());
    if (!m || parseIpv4Addr(m[2]) === undefined) throw new UsageError(`--lookup expects NAME@SERVER (e.g. linux.test@10.0.0.1), got '${String(values.lookup)}'`);
    run.push({ from: name, lookup: m[1], server: m[2] });
  }
  if (values.fetch !== undefined) {
    const u = (str(values.fetch) ?? '').trim();
    const m = /^http:\/\/(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?::(\d{1,5}))?(\/\S*)?$/.exec(u);
    if (!m || parseIpv4Addr(m[1]) === undefined || (m[2] !== undefined && Number(m[2]) > 65535)) throw new UsageError(`--fetch expects http://ADDRESS[:PORT]/PATH (an IPv4 address), got '${u}'`);
    run.push({ from: name, fetch: u });
  }
  const spec = {
    seed: intOption('seed', values.seed, 0, 2 ** 32 - 1, 1),
    hosts: {
      [name]: {
        interfaces: [mac === undefined ? address : { address, mac }],
        ...(gateway === undefined ? {} : { gateway }),
        services: { echo: values.echo === true, discard: values.discard === true, ...(http === undefined ? {} : { http }), ...(values.dns === undefined ? {} : { dns }) },
      },
    },
    remotes: { [name === 'peer' ? 'outside' : 'peer']: udp !== undefined ? { udp, ...(speedV ? { speed: speedV } : {}) } : { stream: stream!, ...(values.listen ? { listen: true } : {}), ...(speedV ? { speed: speedV } : {}) } },
    cables: [{ a: name, b: name === 'peer' ? 'outside' : 'peer', ...(Object.keys(faults).length ? { faults } : {}) }],
    run,
  };
  try {
    return parseTopology(JSON.parse(JSON.stringify(spec)));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Streams of a command run. */
export interface BridgeIo {
  /** Standard output. */
  out: (s: string) => void;
  /** Standard error. */
  err: (s: string) => void;
  /** Standard error is a terminal (status line). */
  stderrIsTTY: boolean;
  /** Aborts the run (the CLI wires SIGINT and SIGTERM to it). */
  signal?: AbortSignal;
  /** Called once every link is attached (tests learn the bound ports). */
  onReady?: (built: BuiltTopology, links: Map<string, Link>) => void;
}

const wallEpochMs = Date.now() - performance.now();

/** A pcap record (nanosecond format) stamped with the wall clock (epoch ns exceed 2^53, so seconds and ns are written apart). */
function wallClockRecord(frame: Uint8Array): Uint8Array {
  const ms = wallEpochMs + performance.now();
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6));
  const b = new Uint8Array(16 + frame.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, sec, true);
  v.setUint32(4, nsec, true);
  v.setUint32(8, frame.length, true);
  v.setUint32(12, frame.length, true);
  b.set(frame, 16);
  return b;
}

function fmtMs(ns: number): string {
  return `${(ns / 1e6).toFixed(1)} ms`;
}

async function startAll(built: BuiltTopology): Promise<Map<string, RunningServices>> {
  const services = new Map<string, RunningServices>();
  await built.net.start();
  addRoutes(built);
  for (const k of ['hosts', 'routers'] as const)
    for (const [name, h] of Object.entries(built.spec[k] ?? {})) {
      if (h.services === undefined) continue;
      const host = built.hosts.get(name)!;
      services.set(name, await built.net.settle(startServices(host.stack, h.services)));
    }
  return services;
}

function hostCounters(built: BuiltTopology): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, h] of built.hosts) out[name] = h.stack.counters.snapshot({ nonZero: true });
  return out;
}

/** `nicsim run FILE`. */
export async function runCommand(args: readonly string[], io: BridgeIo): Promise<number> {
  const { values, positionals } = parseCommandLine('run', args, RUN_OPTIONS, { positionals: true });
  if (values.help) {
    io.out(RUN_HELP + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'run needs a topology FILE' : `run takes one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  const spec = readTopologyFile(positionals[0]);
  if (values.seed !== undefined) spec.seed = intOption('seed', values.seed, 0, 2 ** 32 - 1, 1);
  if (Object.keys(spec.remotes ?? {}).length > 0) throw new UsageError(`${positionals[0]} has remote links (${Object.keys(spec.remotes!).join(', ')}): run it with 'nicsim bridge ${positionals[0]}'`);
  const built = buildTopology(spec);
  await startAll(built);
  const steps: StepResult[] = [];
  for (const s of spec.run ?? []) steps.push(await built.net.settle(runStep(built.hosts.get(s.from)!.stack, s), 120 * SEC));
  const counters = hostCounters(built);
  if (values.json) io.out(JSON.stringify({ steps: steps.map(({ what, ok, text }) => ({ what, ok, text })), hosts: counters, simulatedNs: built.net.sim.now }, null, 2) + '\n');
  else {
    const lines: string[] = [];
    for (const s of steps) lines.push(`== ${s.what} ==`, s.text, '');
    for (const [name, c] of Object.entries(counters)) lines.push(`== ${name} counters (non-zero) ==`, ...Object.entries(c).map(([k, v]) => `  ${k} ${v}`), '');
    io.out(lines.join('\n'));
  }
  return steps.every((s) => s.ok) ? 0 : 1;
}

/** `nicsim bridge [FILE] ...`. */
export async function bridgeCommand(args: readonly string[], io: BridgeIo): Promise<number> {
  const { values, positionals } = parseCommandLine('bridge', args, BRIDGE_OPTIONS, { positionals: true });
  if (values.help) {
    io.out(BRIDGE_HELP + '\n');
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`bridge takes at most one topology FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  let spec: TopologySpec;
  if (positionals.length === 1) {
    const hostOnly = ['name', 'address', 'gateway', 'mac', 'echo', 'discard', 'http', 'http-file', 'dns', 'udp', 'stream', 'listen', 'speed', 'ber', 'fault', 'ping', 'lookup', 'fetch'];
    const given = hostOnly.find((k) => values[k] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given} does not apply with a topology file (the file describes the hosts, links and steps)`);
    spec = readTopologyFile(positionals[0]);
    if (values.seed !== undefined) spec.seed = intOption('seed', values.seed, 0, 2 ** 32 - 1, 1);
    if (Object.keys(spec.remotes ?? {}).length === 0) throw new UsageError(`${positionals[0]} has no remote links: run it with 'nicsim run ${positionals[0]}'`);
  } else spec = bridgeTopology(values);
  const seconds = numberOption('seconds', values.seconds, 'a number of seconds');
  if (values['until-done'] && (spec.run ?? []).length === 0) throw new UsageError('--until-done needs steps to wait for (--ping, --lookup, --fetch, or run steps in the file)');
  if (seconds !== undefined && !(seconds > 0 && seconds <= 86400)) throw new UsageError(`--seconds must be in (0, 86400], got ${String(values.seconds).trim()}`);
  const pcapPath = str(values.pcap);
  if (values.pcap !== undefined && (pcapPath ?? '').trim() === '') throw new UsageError('--pcap needs a file name');
  let pcapFd: number | null = null;
  if (pcapPath !== undefined) {
    try {
      pcapFd = openSync(pcapPath, 'w');
      writeSync(pcapFd, pcapFileHeader());
    } catch (e) {
      throw new UsageError(`--pcap: cannot write ${pcapPath}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
  }

  const built = buildTopology(spec);
  const sim = built.net.sim;
  const links = new Map<string, Link>();
  let statusTimer: ReturnType<typeof setInterval> | undefined;
  let statusDrawn = false;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  io.signal?.addEventListener('abort', onAbort);
  // Without a signal from the caller, SIGINT and SIGTERM end the run (with the summary).
  const sigs: NodeJS.Signals[] = io.signal === undefined ? ['SIGINT', 'SIGTERM'] : [];
  for (const s of sigs) process.on(s, onAbort);
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const steps: StepResult[] = [];
  try {
    await startAll(built);
    for (const [name, r] of built.remotes) {
      try {
        links.set(name, r.udp !== undefined ? await attachUdp(r.endpoint, r.udp) : await attachStream(r.endpoint, { address: r.stream!.address, listen: r.stream!.listen }));
      } catch (e) {
        throw new UsageError(`remote ${name}: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`.replace(/\s+/g, ' ').trim());
      }
      if (pcapFd !== null) {
        const fd = pcapFd;
        r.endpoint.tap((_dir, frame) => writeSync(fd, wallClockRecord(frame)));
      }
    }
    io.onReady?.(built, links);
    if (!values.json) for (const [name, l] of links) io.err(`nicsim: ${name}: ${l.description}\n`);

    const status = () => {
      const st = sim.realtimeStats();
      let inF = 0;
      let outF = 0;
      let drops = 0;
      for (const r of built.remotes.values()) {
        const s = r.endpoint.stats;
        inF += s.inFrames;
        outF += s.outFrames;
        drops += s.inQueueDrops + s.inLengthDrops + s.inNoLinkDrops + s.outErrors + s.outNoLinkDrops;
      }
      for (const l of links.values()) drops += l.stats.txDrops + l.stats.txErrors + l.stats.rxForeign;
      const line = `in ${inF}  out ${outF}  drops ${drops}  lag ${st ? fmtMs(st.lagNs) : '-'}  ${st ? Math.round(st.eventsPerSec) : 0} events/s`;
      io.err(`\r\x1b[K${line}`);
      statusDrawn = true;
    };
    if (io.stderrIsTTY && !values['no-status'] && !values.json) statusTimer = setInterval(status, 500);
    if (seconds !== undefined) deadline = setTimeout(() => ac.abort(), Math.round(seconds * 1000));

    const loop = sim.runRealtime({ waitForPosts: true, signal: ac.signal });
    const stepsDone = (async () => {
      // the steps start once every link to the outside is up
      while (!ac.signal.aborted && ![...built.remotes.values()].every((r) => r.endpoint.linkUp)) await new Promise((res) => setTimeout(res, 50));
      for (const s of spec.run ?? []) {
        if (ac.signal.aborted) return;
        const r = await runStep(built.hosts.get(s.from)!.stack, s);
        steps.push(r);
        if (!values.json) io.out(`== ${r.what} ==\n${r.text}\n\n`);
      }
      if (values['until-done']) ac.abort();
    })();
    const result = await loop;
    if (statusTimer !== undefined) clearInterval(statusTimer);
    if (statusDrawn) io.err('\r\x1b[K');
    void stepsDone;
    const ran = spec.run?.length ?? 0;
    const summary = {
      remotes: Object.fromEntries([...built.remotes].map(([name, r]) => [name, { ...r.endpoint.stats, link: links.get(name)?.stats }])),
      hosts: hostCounters(built),
      realtime: { events: result.events, maxLagMs: Math.round(result.maxLagNs / 1e3) / 1e3, simulatedSeconds: Math.round(sim.now / 1e6) / 1e3 },
      steps: steps.map(({ what, ok, text }) => ({ what, ok, text })),
      unfinishedSteps: ran - steps.length,
    };
    if (values.json) io.out(JSON.stringify(summary, null, 2) + '\n');
    else {
      const lines = ['== summary =='];
      for (const [name, r] of built.remotes) {
        const s = r.endpoint.stats;
        const l = links.get(name)?.stats;
        lines.push(`${name}: ${s.inFrames} frames in (${s.inBytes} bytes), ${s.outFrames} out (${s.outBytes} bytes); dropped: queue ${s.inQueueDrops}, length ${s.inLengthDrops}, no link ${s.inNoLinkDrops + s.outNoLinkDrops}, bad frames ${s.outErrors}` + (l ? `, socket ${l.txDrops + l.txErrors}, foreign ${l.rxForeign}` : ''));
      }
      lines.push(`real time: ${result.events} events, simulated clock at ${(sim.now / 1e9).toFixed(1)} s, max lag ${fmtMs(result.maxLagNs)}`);
      for (const [name, c] of Object.entries(summary.hosts)) lines.push(`${name} counters: ${Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      if (summary.unfinishedSteps > 0) lines.push(`${summary.unfinishedSteps} step(s) did not finish before the end`);
      io.out(lines.join('\n') + '\n');
    }
    return steps.length === ran && steps.every((s) => s.ok) ? 0 : 1;
  } finally {
    if (statusTimer !== undefined) clearInterval(statusTimer);
    if (deadline !== undefined) clearTimeout(deadline);
    io.signal?.removeEventListener('abort', onAbort);
    for (const s of sigs) process.off(s, onAbort);
    ac.abort();
    for (const l of links.values()) await l.close();
    if (pcapFd !== null) closeSync(pcapFd);
  }
}

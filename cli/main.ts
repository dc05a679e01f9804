#!/usr/bin/env node
/**
 * The `nicsim` command.
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runDemo } from './demo.js';
import { regsCommand } from './regs.js';
import { runLan } from './lan.js';
import { runNetDemo } from './netdemo.js';
import { viewCommand, VIEW_HELP } from './view.js';
import { bridgeCommand, runCommand, BRIDGE_HELP, RUN_HELP } from './bridge.js';
import { LAYERS, type Layer } from '../trace/narrate.js';
import { formatStory } from '../trace/story.js';
import { formatPing } from '../stack/tools/ping.js';
import { encodeCommand, decodeCommand, parseHexBytes, parseLevels, phyKind } from './linecode.js';
import { UsageError } from './errors.js';
import { parseCommandLine, intOption, numberOption, type OptionSpec, type Parsed } from './args.js';
import { formatProgress, longRunWarning } from './progress.js';
import type { Speed } from '../hw/medium/types.js';

/** Longest twisted-pair segment 10BASE-T, 100BASE-TX and 1000BASE-T allow, m (the cables here are twisted pair). */
const MAX_TWISTED_PAIR_M = 100;

const USAGE = `nicsim — an Ethernet LAN adapter (Intel 8254x subset) emulated at register level

usage: nicsim <command> [options]      (in a clone: npx nicsim <command> …, or npm start -- …)

commands:
  demo                 the main job: a browser resolves www.lan, fetches a page over TCP across a
                       router and pings it; narrated journey, summary, and files
                       [--out DIR] [--detail app|stack|driver|hw|wire] [--json] [--no-files]
                       [--seed N] [--phy P] [--fidelity frame|signal] [--ber R] [--flip N:BIT]
                       [--corrupt N:BYTE] [--inspect]
  ping HOST            ping HOST (a name such as server.lan, or an address) from the demo's client
                       [-c N] [-s BYTES] [-t TTL] [-i SECONDS] [-W SECONDS] [--json] [--seed N] [--phy P] [--fidelity F] [--ber R]
  adapters             two bare adapters programmed through registers exchange one frame
                       [--seed N] [--speed 10|100|1000] [--length METRES] [--verbose] [--json]
  lan --hub            N stations saturate a 10 Mb/s repeater hub: utilization and collisions
                       --stations N --size BYTES [--seconds S] [--seed N] [--length METRES] [--phy P] [--json]
  encode --phy P HEX   line-code the bytes the MAC hands the PHY (preamble … FCS) [--json] [--no-scramble]
  decode --phy P [LEVELS|-]
                       decode line levels (or encode's --json output) back to bytes [--json]
  regs [REG [VALUE]]   the register map, one register's fields, or VALUE decoded [--json]
  view                 serve a page that runs the demo in a browser: registers, rings, wire,
                       step by step [--port N] [--seed N] [--phy P] [--ber R] [--flip N:BIT]
  bridge [FILE]        an emulated host (or a topology file) in real time, linked to the outside
                       --udp L:P,R:P | --stream H:P [--listen] [--address A/N] [--echo] [--dns Z] …
  run FILE             a topology file (hosts, routers, switches, hubs, cables) in simulated time
  help [COMMAND]       this text, or a command's options

Run 'nicsim <command> --help' (or -h) for a command's options. Exit status: 0 success, 1 the run
found a problem (no ping reply, line errors in decode), 2 a bad command line (one line on stderr,
nothing simulated).`;

const HELP: Record<string, string> = {
  view: VIEW_HELP,
  demo: `usage: nicsim demo [--out DIR] [--detail app|stack|driver|hw|wire] [--json] [--no-files] [--seed N]
                   [--phy 10BASE-T|100BASE-TX|1000BASE-X] [--fidelity frame|signal] [--ber RATE]
                   [--flip FRAME:BIT] [--corrupt FRAME:BYTE] [--inspect]

A client and a DNS server share a switched LAN with a router; a web server sits on another subnet
behind it. The client's browser resolves www.lan (DNS over UDP), connects to the web server (the
three-way handshake), sends GET /, receives a 5,000-byte page in four TCP segments and closes
(FIN both ways; the server's socket stays in TIME-WAIT), then pings the server. Prints the
narrated journey from socket to wire and back at the chosen detail (default driver: the
applications, the stack, the driver and the adapter's milestones, one line per interrupt; hw: every
register access; wire: PHYs, media and line code too), coloured per layer on a terminal (NO_COLOR
turns it off), then a summary per host (interfaces,
ARP table, routes, sockets, counters), and writes capture.pcapng, capture.pcap,
capture-wire.pcapng, ladder.svg, signals.vcd and trace.jsonl into --out (default ./nicsim-out,
created if missing; checked before anything runs).

  --phy P           the speed every adapter advertises (default 1000BASE-X)
  --fidelity signal line-code every frame (symbols on the wire, code violations in SYMERRS)
  --ber RATE        independent bit errors on every cable, 0 <= RATE < 0.01
  --flip FRAME:BIT  flip bit BIT (from the first preamble bit; a code bit in signal fidelity) of
                    the FRAME-th frame the client sends; a flip that never happened (the client
                    sent fewer frames, or that frame is shorter) is reported and exits 2
  --corrupt FRAME:BYTE
                    invert octet BYTE (0: the first octet of the destination address) of the
                    FRAME-th frame the router sends, as a router whose memory damages a frame
                    after its adapter checked the FCS would: the frame leaves with a valid FCS,
                    so only the IP, UDP or TCP checksum can catch it; a corruption that never
                    happened is reported and exits 2
  --inspect         narrate the state machines too
  --json            the summary as JSON (hosts, switch counters and MAC table, files)`,
  ping: `usage: nicsim ping HOST [-c COUNT] [-s BYTES] [-t TTL] [-i SECONDS] [-W SECONDS] [--json]
                  [--seed N] [--phy P] [--fidelity frame|signal] [--ber RATE]

Builds the demo network, resolves HOST through its DNS server when it is a name (server.lan,
dns.lan, router.lan) and pings it from the client, printing ping's familiar output. Options as in
iputils' ping:
  -c, --count N       requests to send, 1..1000 (default 4)
  -s, --size BYTES    data bytes per request, 0..65507 (default 56; 8 + BYTES of ICMP)
  -t, --ttl N         time to live of the requests, 1..255 (default 64)
  -i, --interval S    seconds between requests, 0.001..60 (default 1)
  -W, --timeout S     seconds to wait for replies after the last request, 0.001..3600
                      (default: twice the longest round trip, 10 s when nothing came back)
Exit status as iputils: 0 when a reply came back, 1 when none did, 2 for an unknown host or a
bad command line.`,
  adapters: `usage: nicsim adapters [--seed N] [--speed 10|100|1000] [--length METRES] [--verbose] [--json]

Two adapters, programmed through their registers, auto-negotiate over a cable and exchange one
frame. Prints the narrated trace: descriptor fetch, doorbell, bytes on the wire with preamble,
SFD and FCS, receive DMA, descriptor write-back and the interrupt. --length is the twisted-pair
cable's length, 0..100 m (the limit of 10BASE-T, 100BASE-TX and 1000BASE-T; default 10).`,
  lan: `usage: nicsim lan --hub --stations N --size BYTES [--seconds S] [--seed N] [--length METRES] [--phy 10BASE-T|100BASE-TX] [--json]

N adapters (1..64), each on a cable of METRES (0..100, default 25) to one 10 Mb/s repeater hub,
keep their transmit rings full of BYTES-byte frames (64..1518, header to FCS) for S simulated
seconds (0 < S <= 60, default 1, after 100 ms of warm-up); --phy 100BASE-TX makes it a 100 Mb/s
class II repeater. Prints the utilization (bits of intact frames over bit rate × time),
collisions per intact frame, and per-station frames/s, collisions and deferrals. On a terminal a
progress bar with the time left runs on stderr; a run on course to take more than 5 minutes
says so on stderr.`,
  encode: `usage: nicsim encode --phy 10BASE-T|100BASE-TX|1000BASE-X [--json] [--no-scramble] HEX…

Line-codes the bytes the MAC hands the PHY — preamble, SFD, frame and FCS — and prints the line
stream with its delimiters (/J/K/…/T/R/ for 100BASE-TX, /S/…/T/R/ for 1000BASE-X) as code groups
and line levels. With --json: { "codeGroups": [...], "levels": [...] }; code groups as bit strings in
transmission order (8b/10b as abcdeifghj from negative running disparity), levels as numbers
(-1/0/1 MLT-3, 0/1 Manchester half-bits and NRZ). 100BASE-TX code groups are shown before the
scrambler and levels after it unless --no-scramble.`,
  decode: `usage: nicsim decode --phy 10BASE-T|100BASE-TX|1000BASE-X [--json] [--no-scramble] [LEVELS | -]

Decodes line levels back to the bytes the MAC would receive and lists what the PHY reported
(invalid code groups, disparity errors, missing delimiters, code violations). LEVELS are -1/0/1
separated by spaces or commas, a string like 0110+0-, or the JSON that 'nicsim encode --json'
prints; '-' or nothing reads standard input (e.g. nicsim encode --phy 10BASE-T --json 55 d5 |
nicsim decode --phy 10BASE-T). Exit status 1 when the PHY reported a line error or no frame was
found, 0 when the frame decoded cleanly.`,
  bridge: BRIDGE_HELP,
  run: RUN_HELP,
  regs: `usage: nicsim regs [REG [VALUE]] [--json]

Without arguments, lists every register of the adapter's BAR0 map. With REG (e.g. RCTL, RAH,
BMSR), shows its fields. With a VALUE (decimal or 0x hex), decodes it field by field.`,
};

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies Record<string, OptionSpec>;
const NET = { seed: { type: 'string' }, phy: { type: 'string' }, fidelity: { type: 'string' }, ber: { type: 'string' } } as const satisfies Record<string, OptionSpec>;

/** The options of each command. */
const SPECS: Record<string, Record<string, OptionSpec>> = {
  demo: { ...COMMON, ...NET, out: { type: 'string' }, detail: { type: 'string' }, 'no-files': { type: 'boolean' }, inspect: { type: 'boolean' }, flip: { type: 'string' }, corrupt: { type: 'string' } },
  ping: {
    ...COMMON,
    ...NET,
    count: { type: 'string', short: 'c' },
    size: { type: 'string', short: 's' },
    ttl: { type: 'string', short: 't' },
    interval: { type: 'string', short: 'i' },
    timeout: { type: 'string', short: 'W' },
  },
  adapters: { ...COMMON, seed: { type: 'string' }, speed: { type: 'string' }, length: { type: 'string' }, verbose: { type: 'boolean' } },
  lan: { ...COMMON, hub: { type: 'boolean' }, stations: { type: 'string' }, size: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, length: { type: 'string' }, phy: { type: 'string' }, fidelity: { type: 'string' }, ber: { type: 'string' } },
  encode: { ...COMMON, phy: { type: 'string' }, 'no-scramble': { type: 'boolean' } },
  decode: { ...COMMON, phy: { type: 'string' }, 'no-scramble': { type: 'boolean' } },
  regs: { ...COMMON },
};

/** For options a command lacks, the command that has them (for the error message). */
const ELSEWHERE: Record<string, Record<string, string>> = {
  ping: { out: 'demo', detail: 'demo', 'no-files': 'demo', inspect: 'demo', flip: 'demo', corrupt: 'demo' },
  demo: { count: 'ping', c: 'ping', size: 'ping', s: 'ping', ttl: 'ping', t: 'ping', interval: 'ping', i: 'ping', timeout: 'ping', W: 'ping' },
};

function parseFlip(v: string | boolean | undefined): { frame: number; bit: number } | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const m = /^(\d+):(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || !Number.isSafeInteger(Number(m[1])) || !Number.isSafeInteger(Number(m[2])))
    throw new UsageError(`--flip expects FRAME:BIT with FRAME >= 1 and BIT >= 0 (e.g. 2:300: bit 300 of the client's second frame), got '${v}'`);
  return { frame: Number(m[1]), bit: Number(m[2]) };
}

function parseCorrupt(v: string | boolean | undefined): { frame: number; byte: number } | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const m = /^(\d+):(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || !Number.isSafeInteger(Number(m[1])) || !Number.isSafeInteger(Number(m[2])))
    throw new UsageError(`--corrupt expects FRAME:BYTE with FRAME >= 1 and BYTE >= 0 (e.g. 12:100: octet 100 of the router's twelfth frame), got '${v}'`);
  return { frame: Number(m[1]), byte: Number(m[2]) };
}

/** Seconds (a decimal number) within [lo, hi], as integer ns. */
function secondsOption(name: string, v: string | boolean | undefined, lo: number, hi: number): number | undefined {
  const s = numberOption(name, v, 'a number of seconds');
  if (s === undefined) return undefined;
  if (!(s >= lo && s <= hi)) throw new UsageError(`--${name} must be between ${lo} and ${hi} seconds, got ${String(v).trim()}`);
  return Math.round(s * 1e9);
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    throw new UsageError('could not read levels from standard input');
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

/** What `main` needs to know about the terminal (defaults: the process's own streams). */
export interface Terminal {
  /** Standard input is a terminal (decode then prints a hint instead of waiting). */
  stdinIsTTY?: boolean;
  /** Standard error is a terminal (progress bars). */
  stderrIsTTY?: boolean;
  /** Standard output is a terminal (colour per layer, unless `noColor`). */
  stdoutIsTTY?: boolean;
  /** The NO_COLOR convention: set (non-empty) turns colour off. */
  noColor?: boolean;
  /** Wall clock in ms (progress and ETA). */
  now?: () => number;
  /** Standard input's text (default: read from the process's standard input when needed). */
  stdin?: string;
}

/**
 * Progress of a `lan` run on stderr: a bar with the time left on a terminal (at most 4 updates a
 * second), and one warning (terminal or not) when the run is on course to take very long.
 */
function startProgress(err: (s: string) => void, tty: boolean, now: () => number): { update: (p: { simNs: number; startNs: number; endNs: number; events: number }) => void; stop: () => void } {
  const t0 = now();
  let last = 0;
  let warned = false;
  let drawn = false;
  return {
    update: (q) => {
      const t = now();
      if (t - last < 250) return;
      last = t;
      const p = { ...q, wallMs: t - t0 };
      const w = warned ? null : longRunWarning(p);
      if (w !== null) {
        warned = true;
        err(`${drawn ? '\r\x1b[K' : ''}nicsim: ${w}\n`);
      }
      if (tty) {
        err(`\r\x1b[K  ${formatProgress(p)}`);
        drawn = true;
      }
    },
    stop: () => {
      if (drawn) err('\r\x1b[K');
    },
  };
}

function netOptions(values: Parsed['values']) {
  const detail = str(values.detail) ?? 'driver';
  if (!(LAYERS as readonly string[]).includes(detail)) throw new UsageError(`--detail must be one of ${LAYERS.join(', ')}, got '${detail}'`);
  const fidelity = str(values.fidelity) ?? 'frame';
  if (fidelity !== 'frame' && fidelity !== 'signal') throw new UsageError(`--fidelity must be frame or signal, got '${fidelity}'`);
  const ber = numberOption('ber', values.ber, 'a bit error rate such as 1e-6') ?? 0;
  if (!(ber >= 0 && ber < 0.01)) throw new UsageError(`--ber must be a bit error rate in [0, 0.01), got ${String(values.ber).trim()}`);
  const speed: Speed = values.phy === undefined ? 1000 : ({ '10BASE-T': 10, '100BASE-TX': 100, '1000BASE-X': 1000 } as const)[phyKind(str(values.phy))];
  return { detail: detail as Layer, fidelity: fidelity as 'frame' | 'signal', ber, speed, seed: intOption('seed', values.seed, 0, 2 ** 32 - 1, 1) };
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s), term: Terminal = {}): Promise<number> {
  const stdinIsTTY = term.stdinIsTTY ?? process.stdin.isTTY === true;
  const stderrIsTTY = term.stderrIsTTY ?? process.stderr.isTTY === true;
  const colour = (term.stdoutIsTTY ?? process.stdout.isTTY === true) && !(term.noColor ?? (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== ''));
  const now = term.now ?? (() => Date.now());
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      if (cmd === 'help' && rest.length > 0) {
        const h = HELP[rest[0]];
        if (h === undefined) throw new UsageError(`no help for '${rest[0]}': commands are ${Object.keys(HELP).join(', ')}`);
        out(h + '\n');
        return 0;
      }
      out(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-V') {
      out(version() + '\n');
      return 0;
    }
    if (cmd === 'view') return await viewCommand(rest, out, err);
    if (cmd === 'bridge' || cmd === 'run') return await (cmd === 'bridge' ? bridgeCommand : runCommand)(rest, { out, err, stderrIsTTY });
    const spec = SPECS[cmd];
    if (spec === undefined) throw new UsageError(`unknown command '${cmd}' (try 'nicsim help')`);
    const { values, positionals } = parseCommandLine(cmd, rest, spec, { positionals: cmd === 'ping' || cmd === 'encode' || cmd === 'decode' || cmd === 'regs', elsewhere: ELSEWHERE[cmd] });
    if (values.help) {
      out(HELP[cmd] + '\n');
      return 0;
    }
    if (cmd === 'demo' || cmd === 'ping') {
      const net = netOptions(values);
      if (cmd === 'ping' && positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'ping needs one HOST (e.g. server.lan or 10.0.1.2)' : `ping takes one HOST, got ${positionals.length}: ${positionals.join(' ')}`);
      const opts = {
        ...net,
        outDir: cmd === 'demo' && !values['no-files'] ? (str(values.out) ?? 'nicsim-out') : null,
        inspect: values.inspect === true,
        count: intOption('count', values.count, 1, 1000, cmd === 'ping' ? 4 : 3),
        target: cmd === 'ping' ? positionals[0] : 'www.lan',
        fetch: cmd === 'demo',
        flip: parseFlip(values.flip),
        corrupt: parseCorrupt(values.corrupt),
        size: values.size === undefined ? undefined : intOption('size', values.size, 0, 65507, 56),
        ttl: values.ttl === undefined ? undefined : intOption('ttl', values.ttl, 1, 255, 64),
        intervalNs: secondsOption('interval', values.interval, 0.001, 60),
        timeoutNs: secondsOption('timeout', values.timeout, 0.001, 3600),
      };
      if (cmd === 'demo' && values['no-files'] && values.out !== undefined) throw new UsageError('--out and --no-files contradict each other');
      const r = await runNetDemo(opts);
      if (cmd === 'ping') {
        if (values.json) out(JSON.stringify(r.summary.ping ?? { error: r.summary.lookupError }, null, 2) + '\n');
        if (!r.ping) {
          const why = String(r.summary.lookupError ?? 'unknown host');
          err(`ping: ${opts.target}: ${why.startsWith(`${opts.target}: `) ? why.slice(opts.target.length + 2) : why}\n`);
          return 2;
        }
        if (!values.json) out(formatPing(r.ping) + '\n');
        return r.ping.received > 0 ? 0 : 1;
      }
      if (values.json) out(JSON.stringify({ ...r.summary, files: r.files }, null, 2) + '\n');
      else {
        const text = [
          `== The journey: the browser resolves www.lan, connects (three-way handshake), sends GET /, receives the page in segments and closes — from socket to wire and back (detail: ${net.detail}) ==`,
          ...formatStory(r.story, { colour }),
          '',
          ...r.sections.flatMap((sec) => [`== ${sec.title} ==`, sec.text, '']),
          ...(r.files.length ? ['== files ==', ...r.files.map((f) => `${f.path}\n    ${f.what}`)] : []),
        ];
        out(text.join('\n') + '\n');
      }
      for (const m of r.fileErrors) err(`nicsim: ${m}\n`);
      if (r.flipProblem !== null || r.corruptProblem !== null) {
        for (const m of [r.flipProblem, r.corruptProblem]) if (m !== null) err(`nicsim: ${m}\n`);
        return 2;
      }
      return r.fileErrors.length > 0 ? 1 : 0;
    }
    if (cmd === 'adapters') {
      const speed = intOption('speed', values.speed, 10, 1000, 1000);
      if (speed !== 10 && speed !== 100 && speed !== 1000) throw new UsageError(`--speed must be 10, 100 or 1000, got ${speed}`);
      const r = runDemo({ seed: intOption('seed', values.seed, 0, 2 ** 32 - 1, 1), speed: speed as Speed, lengthM: intOption('length', values.length, 0, MAX_TWISTED_PAIR_M, 10), verbose: values.verbose === true });
      if (values.json) out(JSON.stringify(r.summary, null, 2) + '\n');
      else out([...r.lines, '', 'summary:', ...Object.entries(r.summary).map(([k, v]) => `  ${k}: ${v}`)].join('\n') + '\n');
      return 0;
    }
    if (cmd === 'lan') {
      if (!values.hub) throw new UsageError('lan needs --hub (the shared-medium study)');
      if (values.fidelity !== undefined && values.fidelity !== 'frame') throw new UsageError('lan: a hub carries frames only (--fidelity frame); use demo --fidelity signal for line-coded links');
      if (values.ber !== undefined) throw new UsageError('lan: bit errors are injected on cables, and a hub has none; use demo --ber');
      const hubSpeed = values.phy === undefined ? 10 : ({ '10BASE-T': 10, '100BASE-TX': 100, '1000BASE-X': 0 } as const)[phyKind(str(values.phy))];
      if (hubSpeed === 0) throw new UsageError('lan: repeater hubs run at 10BASE-T or 100BASE-TX');
      if (values.stations === undefined || values.size === undefined) throw new UsageError('lan needs --stations N and --size BYTES');
      const seconds = numberOption('seconds', values.seconds, 'a number of seconds') ?? 1;
      if (!(seconds > 0 && seconds <= 60)) throw new UsageError(`--seconds must be a number in (0, 60], got ${String(values.seconds).trim()}`);
      const lanOpts = { stations: intOption('stations', values.stations, 1, 64, 1), size: intOption('size', values.size, 64, 1518, 64), seconds, seed: intOption('seed', values.seed, 0, 2 ** 32 - 1, 1), lengthM: intOption('length', values.length, 0, MAX_TWISTED_PAIR_M, 25), speed: hubSpeed as 10 | 100 };
      const progress = startProgress(err, stderrIsTTY, now);
      let r;
      try {
        r = await runLan(lanOpts, progress.update);
      } finally {
        progress.stop();
      }
      if (values.json) out(JSON.stringify(r, null, 2) + '\n');
      else {
        const lines = [
          `${r.params.stations} station(s), ${r.params.size}-byte frames, ${r.params.speedMbps} Mb/s hub, ${r.params.seconds} s`,
          `utilization ${(r.utilization * 100).toFixed(1)}%   collisions/frame ${r.collisionsPerFrame.toFixed(3)}   ${Math.round(r.framesPerSecond)} frames/s`,
          '',
          'station  frames/s  collisions  excessive  late  deferrals',
          ...r.stations.map((s) => `${s.name.padEnd(7)}  ${Math.round(s.framesPerSecond).toString().padStart(8)}  ${String(s.collisions).padStart(10)}  ${String(s.excessiveCollisions).padStart(9)}  ${String(s.lateCollisions).padStart(4)}  ${String(s.deferrals).padStart(9)}`),
        ];
        out(lines.join('\n') + '\n');
      }
      return 0;
    }
    if (cmd === 'encode' || cmd === 'decode') {
      const kind = phyKind(str(values.phy));
      const scramble = !values['no-scramble'];
      if (cmd === 'encode') {
        const r = encodeCommand(kind, parseHexBytes(positionals), scramble);
        out((values.json ? JSON.stringify(r.data) : r.text) + '\n');
        return 0;
      }
      const fromStdin = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-');
      if (fromStdin && stdinIsTTY && term.stdin === undefined)
        throw new UsageError(`decode: give the levels as arguments or pipe them in, e.g. nicsim encode --phy ${kind} --json 55 d5 | nicsim decode --phy ${kind}`);
      const input = fromStdin ? (term.stdin ?? readStdin()) : positionals.join(' ');
      const r = decodeCommand(kind, parseLevels(input), scramble);
      out((values.json ? JSON.stringify(r.data, null, 2) : r.text) + '\n');
      return r.data.errors.length > 0 || r.data.bytes === '' ? 1 : 0;
    }
    // regs
    const r = regsCommand(positionals);
    out((values.json ? JSON.stringify(r.data, null, 2) : r.text) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`nicsim: ${e.message}\n`);
      return 2;
    }
    err(`nicsim: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** Whether this module is the program (also when started through a symlinked `bin`, as npm installs it). */
function isMainModule(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
const isMain = isMainModule();
if (isMain) main(process.argv.slice(2)).then((code) => (process.exitCode = code));

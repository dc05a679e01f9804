#!/usr/bin/env node
/**
 * The `nicsim` command.
 * @module
 */
import { parseArgs } from 'node:util';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runDemo } from './demo.js';
import { regsCommand } from './regs.js';
import { runLan } from './lan.js';
import { runNetDemo } from './netdemo.js';
import { LAYERS, type Layer } from '../trace/narrate.js';
import { formatPing } from '../stack/tools/ping.js';
import { encodeCommand, decodeCommand, parseHexBytes, parseLevels, phyKind } from './linecode.js';
import { UsageError } from './errors.js';
import type { Speed } from '../hw/medium/types.js';

const USAGE = `nicsim — an Ethernet LAN adapter (Intel 8254x subset) emulated at register level

usage: nicsim <command> [options]

commands:
  demo                 the main job: a client resolves a server's name and pings it across a
                       router; narrated journey of the first message, summary, and files
                       [--out DIR] [--detail app|stack|driver|hw|wire] [--json] [--no-files]
                       [--seed N] [--phy P] [--fidelity frame|signal] [--ber R] [--flip N:BIT] [--inspect]
  ping HOST            ping HOST (a name such as server.lan, or an address) from the demo's client
                       [--count N] [--size BYTES] [--ttl N] [--json] [--seed N] [--phy P] [--fidelity F] [--ber R]
  adapters             two bare adapters programmed through registers exchange one frame
                       [--seed N] [--speed 10|100|1000] [--length METRES] [--verbose] [--json]
  lan --hub            N stations saturate a 10 Mb/s repeater hub: utilization and collisions
                       --stations N --size BYTES [--seconds S] [--seed N] [--length METRES] [--phy P] [--json]
  encode --phy P HEX   line-code the bytes the MAC hands the PHY (preamble … FCS) [--json] [--no-scramble]
  decode --phy P [LEVELS|-]
                       decode line levels (or encode's --json output) back to bytes [--json]
  regs [REG [VALUE]]   the register map, one register's fields, or VALUE decoded [--json]
  help                 this text

Run 'nicsim <command> --help' for a command's options.`;

const HELP: Record<string, string> = {
  demo: `usage: nicsim demo [--out DIR] [--detail app|stack|driver|hw|wire] [--json] [--no-files] [--seed N]
                   [--phy 10BASE-T|100BASE-TX|1000BASE-X] [--fidelity frame|signal] [--ber RATE] [--inspect]

A client and a DNS server share a switched LAN with a router; a server sits on another subnet
behind it. The client resolves server.lan and pings it. Prints the narrated journey of the first
message (the DNS query) from socket to wire and back at the chosen detail (default hw: registers,
DMA and interrupts included; wire adds the PHYs and media), then a summary per host (interfaces,
ARP table, routes, sockets, counters), and writes capture.pcapng, capture.pcap,
capture-wire.pcapng, ladder.svg, signals.vcd and trace.jsonl into --out (default ./nicsim-out).
--phy picks the speed every adapter advertises, --fidelity signal line-codes every frame,
--ber injects independent bit errors on every cable, --flip N:BIT flips bit BIT (from the first
preamble bit; a code bit in signal fidelity) of the N-th frame the client sends, and --inspect
narrates the state machines too.`,
  ping: `usage: nicsim ping HOST [--count N] [--size BYTES] [--ttl N] [--json] [--seed N] [--phy P] [--fidelity F] [--ber R]

Builds the demo network, resolves HOST through its DNS server when it is a name (server.lan,
dns.lan, router.lan) and pings it from the client, printing ping's familiar output.`,
  adapters: `usage: nicsim adapters [--seed N] [--speed 10|100|1000] [--length METRES] [--verbose] [--json]

Two adapters, programmed through their registers, auto-negotiate over a cable and exchange one
frame. Prints the narrated trace: descriptor fetch, doorbell, bytes on the wire with preamble,
SFD and FCS, receive DMA, descriptor write-back and the interrupt.`,
  lan: `usage: nicsim lan --hub --stations N --size BYTES [--seconds S] [--seed N] [--length METRES] [--phy 10BASE-T|100BASE-TX] [--json]

N adapters (1..64), each on a cable of METRES (default 25) to one 10 Mb/s repeater hub, keep
their transmit rings full of BYTES-byte frames (64..1518, header to FCS) for S simulated seconds
(default 1, after 100 ms of warm-up); --phy 100BASE-TX makes it a 100 Mb/s class II repeater. Prints the utilization (bits of intact frames over bit rate
× time), collisions per intact frame, and per-station frames/s, collisions and deferrals.`,
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
prints; '-' or nothing reads standard input.`,
  regs: `usage: nicsim regs [REG [VALUE]] [--json]

Without arguments, lists every register of the adapter's BAR0 map. With REG (e.g. RCTL, RAH,
BMSR), shows its fields. With a VALUE (decimal or 0x hex), decodes it field by field.`,
};

function int(name: string, v: string | undefined, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} expects a whole number, got '${v}'`);
  const n = Number(v);
  if (n < lo || n > hi) throw new UsageError(`--${name} must be between ${lo} and ${hi}, got ${n}`);
  return n;
}

function parseFlip(v: string | undefined): { frame: number; bit: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 1) throw new UsageError(`--flip expects FRAME:BIT (e.g. 2:300: bit 300 of the client's second frame), got '${v}'`);
  return { frame: Number(m[1]), bit: Number(m[2]) };
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

/**
 * On a terminal, shows how far a long run got — simulated time and events per wall-clock second —
 * on stderr, at most 4 times a second; quiet when piped. Returns `update` and `stop`.
 */
function startProgress(err: (s: string) => void): { update: (p: { simNs: number; events: number }) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const t0 = Date.now();
  let last = 0;
  return {
    update: ({ simNs, events }) => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      const rate = events / Math.max(0.001, (now - t0) / 1000);
      err(`\r  simulated ${(simNs / 1e9).toFixed(3)} s · ${rate >= 1e6 ? (rate / 1e6).toFixed(2) + ' M' : Math.round(rate / 1e3) + ' k'} events/s`);
    },
    stop: () => err('\r\x1b[K'),
  };
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      out(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version') {
      out(version() + '\n');
      return 0;
    }
    if (cmd === 'demo' || cmd === 'ping') {
      const { values, positionals } = parseArgs({
        args: rest,
        strict: true,
        allowPositionals: cmd === 'ping',
        options: {
          out: { type: 'string' },
          detail: { type: 'string' },
          json: { type: 'boolean' },
          'no-files': { type: 'boolean' },
          seed: { type: 'string' },
          phy: { type: 'string' },
          fidelity: { type: 'string' },
          ber: { type: 'string' },
          inspect: { type: 'boolean' },
          count: { type: 'string' },
          size: { type: 'string' },
          ttl: { type: 'string' },
          flip: { type: 'string' },
          help: { type: 'boolean' },
        },
      });
      if (values.help) {
        out(HELP[cmd] + '\n');
        return 0;
      }
      const detail = values.detail ?? 'hw';
      if (!(LAYERS as readonly string[]).includes(detail)) throw new UsageError(`--detail must be one of ${LAYERS.join(', ')}, got '${detail}'`);
      const fidelity = values.fidelity ?? 'frame';
      if (fidelity !== 'frame' && fidelity !== 'signal') throw new UsageError(`--fidelity must be frame or signal, got '${fidelity}'`);
      const ber = values.ber === undefined ? 0 : Number(values.ber);
      if (!(ber >= 0 && ber < 0.01)) throw new UsageError(`--ber must be a bit error rate in [0, 0.01), got '${values.ber}'`);
      const speed: Speed = values.phy === undefined ? 1000 : ({ '10BASE-T': 10, '100BASE-TX': 100, '1000BASE-X': 1000 } as const)[phyKind(values.phy)];
      if (cmd === 'ping' && positionals.length !== 1) throw new UsageError('ping needs one HOST (e.g. server.lan or 10.0.1.2)');
      if (cmd === 'demo' && (values.count || values.size || values.ttl)) throw new UsageError('--count, --size and --ttl are options of ping');
      const opts = {
        seed: int('seed', values.seed, 0, 2 ** 32 - 1, 1),
        outDir: cmd === 'demo' && !values['no-files'] ? (values.out ?? 'nicsim-out') : null,
        detail: detail as Layer,
        fidelity: fidelity as 'frame' | 'signal',
        speed,
        ber,
        inspect: values.inspect ?? false,
        count: int('count', values.count, 1, 1000, cmd === 'ping' ? 4 : 3),
        target: cmd === 'ping' ? positionals[0] : 'server.lan',
        flip: parseFlip(values.flip),
      };
      const r = await runNetDemo(opts);
      if (cmd === 'ping') {
        if (values.json) out(JSON.stringify(r.summary.ping ?? { error: r.summary.lookupError }, null, 2) + '\n');
        else out((r.ping ? formatPing(r.ping) : `ping: ${opts.target}: ${String(r.summary.lookupError)}`) + '\n');
        return r.ping && r.ping.received > 0 ? 0 : 1;
      }
      if (values.json) {
        out(JSON.stringify({ ...r.summary, files: r.files }, null, 2) + '\n');
        return 0;
      }
      const text = [
        `== The journey of the first message: the client's DNS query for server.lan, from socket to wire and back (detail: ${detail}) ==`,
        ...r.journey,
        '',
        ...r.sections.flatMap((sec) => [`== ${sec.title} ==`, sec.text, '']),
        ...(r.files.length ? ['== files ==', ...r.files.map((f) => `${f.path}\n    ${f.what}`)] : []),
      ];
      out(text.join('\n') + '\n');
      return 0;
    }
    if (cmd === 'adapters') {
      const { values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options: { seed: { type: 'string' }, speed: { type: 'string' }, length: { type: 'string' }, verbose: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
      if (values.help) {
        out(HELP.adapters + '\n');
        return 0;
      }
      const speed = int('speed', values.speed, 10, 1000, 1000);
      if (speed !== 10 && speed !== 100 && speed !== 1000) throw new UsageError(`--speed must be 10, 100 or 1000, got ${speed}`);
      const r = runDemo({ seed: int('seed', values.seed, 0, 2 ** 32 - 1, 1), speed: speed as Speed, lengthM: int('length', values.length, 0, 100_000, 10), verbose: values.verbose ?? false });
      if (values.json) out(JSON.stringify(r.summary, null, 2) + '\n');
      else out([...r.lines, '', 'summary:', ...Object.entries(r.summary).map(([k, v]) => `  ${k}: ${v}`)].join('\n') + '\n');
      return 0;
    }
    if (cmd === 'lan') {
      const { values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options: { hub: { type: 'boolean' }, stations: { type: 'string' }, size: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, length: { type: 'string' }, phy: { type: 'string' }, fidelity: { type: 'string' }, ber: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
      if (values.help) {
        out(HELP.lan + '\n');
        return 0;
      }
      if (!values.hub) throw new UsageError('lan needs --hub (the shared-medium study)');
      if (values.fidelity !== undefined && values.fidelity !== 'frame') throw new UsageError('lan: a hub carries frames only (--fidelity frame); use demo --fidelity signal for line-coded links');
      if (values.ber !== undefined) throw new UsageError('lan: bit errors are injected on cables, and a hub has none; use demo --ber');
      const hubSpeed = values.phy === undefined ? 10 : ({ '10BASE-T': 10, '100BASE-TX': 100, '1000BASE-X': 0 } as const)[phyKind(values.phy)];
      if (hubSpeed === 0) throw new UsageError('lan: repeater hubs run at 10BASE-T or 100BASE-TX');
      if (values.stations === undefined || values.size === undefined) throw new UsageError('lan needs --stations N and --size BYTES');
      const seconds = values.seconds === undefined ? 1 : Number(values.seconds);
      if (!(seconds > 0 && seconds <= 60)) throw new UsageError(`--seconds must be a number in (0, 60], got '${values.seconds}'`);
      const progress = startProgress(err);
      let r;
      try {
        r = await runLan({ stations: int('stations', values.stations, 1, 64, 1), size: int('size', values.size, 64, 1518, 64), seconds, seed: int('seed', values.seed, 0, 2 ** 32 - 1, 1), lengthM: int('length', values.length, 0, 100, 25), speed: hubSpeed as 10 | 100 }, progress.update);
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
      const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { phy: { type: 'string' }, json: { type: 'boolean' }, 'no-scramble': { type: 'boolean' }, help: { type: 'boolean' } } });
      if (values.help) {
        out(HELP[cmd] + '\n');
        return 0;
      }
      const kind = phyKind(values.phy);
      const scramble = !values['no-scramble'];
      if (cmd === 'encode') {
        const r = encodeCommand(kind, parseHexBytes(positionals), scramble);
        out((values.json ? JSON.stringify(r.data) : r.text) + '\n');
      } else {
        const input = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-') ? readStdin() : positionals.join(' ');
        const r = decodeCommand(kind, parseLevels(input), scramble);
        out((values.json ? JSON.stringify(r.data, null, 2) : r.text) + '\n');
      }
      return 0;
    }
    if (cmd === 'regs') {
      const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean' } } });
      if (values.help) {
        out(HELP.regs + '\n');
        return 0;
      }
      const r = regsCommand(positionals);
      out((values.json ? JSON.stringify(r.data, null, 2) : r.text) + '\n');
      return 0;
    }
    throw new UsageError(`unknown command '${cmd}' (try 'nicsim help')`);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
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

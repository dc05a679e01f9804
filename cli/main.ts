#!/usr/bin/env node
/**
 * The `nicsim` command.
 * @module
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { runDemo } from './demo.js';
import { regsCommand } from './regs.js';
import { UsageError } from './errors.js';
import type { Speed } from '../hw/medium/types.js';

const USAGE = `nicsim — an Ethernet LAN adapter (Intel 8254x subset) emulated at register level

usage: nicsim <command> [options]

commands:
  demo                 two adapters on a cable exchange a frame, narrated step by step
                       [--seed N] [--speed 10|100|1000] [--length METRES] [--verbose] [--json]
  regs [REG [VALUE]]   the register map, one register's fields, or VALUE decoded [--json]
  help                 this text

Run 'nicsim <command> --help' for a command's options.`;

const HELP: Record<string, string> = {
  demo: `usage: nicsim demo [--seed N] [--speed 10|100|1000] [--length METRES] [--verbose] [--json]

Two adapters, programmed through their registers, auto-negotiate over a cable and exchange one
frame. Prints the narrated trace: descriptor fetch, doorbell, bytes on the wire with preamble,
SFD and FCS, receive DMA, descriptor write-back and the interrupt.`,
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

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

/** Runs the CLI; returns the exit status. */
export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
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
    if (cmd === 'demo') {
      const { values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options: { seed: { type: 'string' }, speed: { type: 'string' }, length: { type: 'string' }, verbose: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
      if (values.help) {
        out(HELP.demo + '\n');
        return 0;
      }
      const speed = int('speed', values.speed, 10, 1000, 1000);
      if (speed !== 10 && speed !== 100 && speed !== 1000) throw new UsageError(`--speed must be 10, 100 or 1000, got ${speed}`);
      const r = runDemo({ seed: int('seed', values.seed, 0, 2 ** 32 - 1, 1), speed: speed as Speed, lengthM: int('length', values.length, 0, 100_000, 10), verbose: values.verbose ?? false });
      if (values.json) out(JSON.stringify(r.summary, null, 2) + '\n');
      else out([...r.lines, '', 'summary:', ...Object.entries(r.summary).map(([k, v]) => `  ${k}: ${v}`)].join('\n') + '\n');
      return 0;
    }
    if (cmd === 'regs') {
      const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean' } } });
      if (values.help) {
        out(HELP.regs + '\n');
        return 0;
      }
      const r = regsCommand(positionals, values.json ?? false);
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

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) process.exitCode = main(process.argv.slice(2));

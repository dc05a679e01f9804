/**
 * The command-line parser of `nicsim`: `--name value`, `--name=value`, `-x value`, `-xVALUE`,
 * boolean flags and `--` ending the options. Unlike `node:util`'s parseArgs it takes the word after
 * a string option as its value whatever it looks like (so `--ber -1` reaches the range check and
 * says why -1 is wrong), and every error is one line naming the option and the command.
 * @module
 */
import { UsageError } from './errors.js';

/** One option of a command: a string value or a flag, with an optional one-letter alias. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` is a flag. */
  type: 'string' | 'boolean';
  /** One-letter alias (`-c` for `--count`). */
  short?: string;
}

/** Parsed command line: option values by long name, then the positional arguments. */
export interface Parsed {
  /** Values of string options (last one wins) and `true` for flags given. */
  values: Record<string, string | boolean | undefined>;
  /** Words that are not options. */
  positionals: string[];
}

/**
 * Parses `args` for command `cmd`. `elsewhere` names, for options this command does not take, the
 * command that does (for the error message).
 */
export function parseCommandLine(cmd: string, args: readonly string[], spec: Readonly<Record<string, OptionSpec>>, opts: { positionals: boolean; elsewhere?: Readonly<Record<string, string>> }): Parsed {
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) byShort.set(s.short, name);
  const unknown = (shown: string, name: string): never => {
    const other = opts.elsewhere?.[name];
    throw new UsageError(other ? `${shown} is an option of '${other}', not of '${cmd}'` : `unknown option '${shown}' for '${cmd}' (try 'nicsim ${cmd} --help')`);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let name: string;
    let shown: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      shown = `--${name}`;
      if (!(name in spec)) unknown(shown, name);
    } else if (a.length >= 2 && a[0] === '-' && !/^-[\d.]/.test(a)) {
      shown = a.slice(0, 2);
      const long = byShort.get(a[1]);
      if (long === undefined) unknown(shown, a[1]);
      name = long!;
      inline = a.length > 2 ? a.slice(2) : undefined;
      if (spec[name].type === 'boolean' && inline !== undefined) throw new UsageError(`${shown} takes no value (in '${a}')`);
    } else {
      if (!opts.positionals) throw new UsageError(`'${cmd}' takes no arguments, got '${a}'`);
      positionals.push(a);
      continue;
    }
    if (spec[name].type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${shown} takes no value, got '${shown}=${inline}'`);
      values[name] = true;
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`${shown} needs a value`);
      const next = args[++i];
      if (/^--[A-Za-z]/.test(next)) throw new UsageError(`${shown} needs a value, got the option '${next}'`);
      inline = next;
    }
    values[name] = inline;
  }
  return { values, positionals };
}

/** A whole number from option `--name` (default `dflt` when absent), within [lo, hi]. */
export function intOption(name: string, v: string | boolean | undefined, lo: number, hi: number, dflt: number): number {
  if (v === undefined || typeof v === 'boolean') return dflt;
  if (!/^[-+]?\d+$/.test(v.trim())) throw new UsageError(`--${name} expects a whole number, got '${v}'`);
  const n = Number(v);
  if (n < lo || n > hi) throw new UsageError(`--${name} must be between ${lo} and ${hi}, got ${v.trim()}`);
  return n;
}

/** A decimal number (`1e-6`, `0.5`, `-1`) from option `--name`, or undefined when absent. */
export function numberOption(name: string, v: string | boolean | undefined, what: string): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const t = v.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) throw new UsageError(`--${name} expects ${what}, got '${v}'`);
  return Number(t);
}

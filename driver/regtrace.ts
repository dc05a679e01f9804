/**
 * Register-sequence testing: a recorder of the adapter's register accesses (from the trace bus's
 * `reg.access` events: time, offset, decoded register and field names, read/write, value) and a
 * matcher that checks them against an expected sequence written by name.
 *
 * Pattern language (steps separated by commas or new lines; the whole trace must match):
 *
 * | step            | matches                                                                  |
 * |-----------------|--------------------------------------------------------------------------|
 * | `REG=VALUE`     | a write of exactly VALUE: a number (`0xffffffff`) or fields `A\|B\|F=3`  |
 * | `REG\|=A\|B`    | a write whose value has those fields set (others are free)               |
 * | `REG&=~A\|B`    | a write whose value has those fields clear                               |
 * | `REG`           | any write of REG                                                         |
 * | `REG?`          | a read of REG (`REG?=V`, `REG?\|=A`, `REG?&=~A` test the value read)      |
 * | `REG[3]`        | instance 3 of an array register; `REG[*]` or plain `REG`: any instance  |
 * | `*`             | any one access                                                           |
 * | `…` or `...`    | any number of accesses (including none)                                  |
 * | `(a, b)`        | a group                                                                  |
 * | `step{n}`, `step{n,m}`, `step{n,}`, `step+` | repetition                                  |
 *
 * Field names and values come from the register table (the 8254x's by default), so the pattern
 * reads like the datasheet: `IMC=0xffffffff, CTRL|=RST, CTRL?+, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ`.
 * @module
 */
import type { TraceBus } from '../sim/trace.js';
import type { Nanos } from '../sim/time.js';
import type { RegDef } from '../hw/registers/engine.js';
import { E1000_REGISTERS } from '../hw/registers/e1000.js';

/** One recorded register access. */
export interface RegAccess {
  /** Simulated time, ns. */
  time: Nanos;
  /** The device that was accessed (trace source). */
  source: string;
  /** Read or write. */
  op: 'read' | 'write';
  /** BAR0 offset. */
  offset: number;
  /** Register label as decoded (`CTRL`, `RAL[3]`). */
  reg: string;
  /** Register mnemonic without the index. */
  name: string;
  /** Array index (0 for plain registers). */
  index: number;
  /** Value written, or value the read returned. */
  value: number;
  /** Decoded fields (`EN|BAM|BSIZE=0(2048)`). */
  fields: string;
}

/** Options of {@link recordRegisters}. */
export interface RecordOptions {
  /** Only accesses to this device (trace source), or those the predicate accepts (default: all). */
  source?: string | ((source: string) => boolean);
}

/** Options of the matcher. */
export interface MatchOptions {
  /** The register table names resolve against (default the 8254x's). */
  registers?: readonly RegDef[];
}

/** The matcher's verdict. */
export type RegMatchResult = { ok: true } | { ok: false; message: string; at: number };

/** A recorder of register accesses; `stop()` detaches it. */
export class RegisterTrace {
  /** Accesses in order. */
  readonly accesses: RegAccess[] = [];
  private readonly off: () => void;

  constructor(bus: TraceBus, opts: RecordOptions = {}) {
    const src = opts.source;
    const want = src === undefined ? () => true : typeof src === 'string' ? (s: string) => s === src : src;
    this.off = bus.subscribe(
      (ev) => {
        if (ev.kind !== 'reg.access' || !want(ev.source)) return;
        const m = /^(.*)\[(\d+)\]$/.exec(ev.reg);
        this.accesses.push({ time: ev.time, source: ev.source, op: ev.op, offset: ev.offset, reg: ev.reg, name: m ? m[1] : ev.reg, index: m ? Number(m[2]) : 0, value: ev.value >>> 0, fields: ev.fields });
      },
      ['reg.access'],
    );
  }

  /** Stops recording. */
  stop(): void {
    this.off();
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.accesses.length = 0;
  }

  /** The accesses as readable lines. */
  format(): string {
    return formatRegisterTrace(this.accesses);
  }

  /** Matches the recorded accesses against `pattern`. */
  match(pattern: string, opts?: MatchOptions): RegMatchResult {
    return matchRegisterSequence(this.accesses, pattern, opts);
  }

  /** Throws a {@link RegisterSequenceError} unless the recorded accesses match `pattern`. */
  expect(pattern: string, opts?: MatchOptions): void {
    assertRegisterSequence(this.accesses, pattern, opts);
  }
}

/** Starts recording the register accesses of `sim` (optionally of one device). */
export function recordRegisters(sim: { trace: TraceBus }, opts: RecordOptions = {}): RegisterTrace {
  return new RegisterTrace(sim.trace, opts);
}

/** A register sequence did not match; the message shows where and why. */
export class RegisterSequenceError extends Error {
  constructor(
    message: string,
    /** Index of the first access that could not be matched (the trace length when it ended too early). */
    readonly at: number,
  ) {
    super(message);
    this.name = 'RegisterSequenceError';
  }
}

/** Throws a {@link RegisterSequenceError} unless `accesses` match `pattern`. */
export function assertRegisterSequence(accesses: readonly RegAccess[], pattern: string, opts?: MatchOptions): void {
  const r = matchRegisterSequence(accesses, pattern, opts);
  if (!r.ok) throw new RegisterSequenceError(r.message, r.at);
}

/** One access as a line: time, R/W, register, value, decoded fields. */
export function formatRegAccess(a: RegAccess): string {
  const t = `${(a.time / 1000).toFixed(3)} µs`.padStart(14);
  return `${t}  ${a.op === 'read' ? 'R' : 'W'} ${a.reg.padEnd(9)} ${a.op === 'read' ? '→' : '='} 0x${a.value.toString(16).padStart(8, '0')}${a.fields ? `  ${a.fields}` : ''}`;
}

/** Accesses as readable lines (numbered). */
export function formatRegisterTrace(accesses: readonly RegAccess[], from = 0, to = accesses.length): string {
  const lines: string[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, accesses.length); i++) lines.push(`${String(i).padStart(5)}  ${formatRegAccess(accesses[i])}`);
  return lines.join('\n');
}

// ------------------------------------------------------------------ pattern compiler

interface AccessStep {
  kind: 'access';
  text: string;
  name: string;
  index: number | null;
  op: 'read' | 'write';
  cmp: 'any' | 'eq' | 'set' | 'clear';
  value: number;
  mask: number;
}
type Node =
  | AccessStep
  | { kind: 'any'; text: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

/** Splits at commas and new lines outside parentheses. */
function splitItems(s: string, where: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '{') depth += 1000;
    if (ch === '}') depth -= 1000;
    if (ch === '(') depth++;
    if (ch === ')') {
      depth--;
      if (depth < 0) throw new SyntaxError(`register pattern: unbalanced ')' in ${where}`);
    }
    if ((ch === ',' || ch === '\n') && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new SyntaxError(`register pattern: unbalanced '(' or '{' in ${where}`);
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function parseNumber(s: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16) >>> 0;
  if (/^\d+$/.test(s)) return Number(s) >>> 0;
  return null;
}

function parseExpr(def: RegDef, expr: string, step: string): { value: number; mask: number } {
  let value = 0;
  let mask = 0;
  for (const raw of expr.split('|')) {
    const term = raw.trim();
    if (term === '') throw new SyntaxError(`register pattern: empty term in '${step}'`);
    const n = parseNumber(term);
    if (n !== null) {
      value |= n;
      mask |= n;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.+))?$/.exec(term);
    if (!m) throw new SyntaxError(`register pattern: cannot read '${term}' in '${step}'`);
    const fd = Object.values(def.f).find((f) => f.name.toUpperCase() === m[1].toUpperCase());
    if (!fd) throw new SyntaxError(`register pattern: ${def.name} has no field '${m[1]}' (fields: ${Object.keys(def.f).join(', ')}) in '${step}'`);
    if (m[2] === undefined) {
      if (fd.width !== 1) throw new SyntaxError(`register pattern: ${def.name}.${fd.name} is ${fd.width} bits wide; write ${fd.name}=VALUE in '${step}'`);
      value |= fd.mask;
      mask |= fd.mask;
    } else {
      const v = parseNumber(m[2].trim());
      if (v === null) throw new SyntaxError(`register pattern: '${m[2]}' is not a number in '${step}'`);
      const shifted = fd.width === 32 ? v : (v << fd.lsb) >>> 0;
      if ((shifted & ~fd.mask) !== 0 || (fd.width < 32 && v >= 2 ** fd.width)) throw new SyntaxError(`register pattern: ${v} does not fit ${def.name}.${fd.name} (${fd.width} bits) in '${step}'`);
      value |= shifted;
      mask |= fd.mask;
    }
  }
  return { value: value >>> 0, mask: mask >>> 0 };
}

function parseAccess(text: string, regs: readonly RegDef[]): AccessStep {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+|\*)\])?(\?)?\s*(?:(\|=|&=~|=)\s*(.+))?$/.exec(text);
  if (!m) throw new SyntaxError(`register pattern: cannot read step '${text}'`);
  const [, name, idx, q, op, expr] = m;
  const def = regs.find((r) => r.name.toUpperCase() === name.toUpperCase());
  if (!def) throw new SyntaxError(`register pattern: unknown register '${name}' in '${text}'`);
  let index: number | null = null;
  if (idx !== undefined && idx !== '*') {
    index = Number(idx);
    if (index >= def.count) throw new SyntaxError(`register pattern: ${def.name} has ${def.count} instance(s); '${text}' names [${index}]`);
  }
  if (op === undefined) return { kind: 'access', text, name: def.name, index, op: q ? 'read' : 'write', cmp: 'any', value: 0, mask: 0 };
  const { value, mask } = parseExpr(def, expr, text);
  return { kind: 'access', text, name: def.name, index, op: q ? 'read' : 'write', cmp: op === '=' ? 'eq' : op === '|=' ? 'set' : 'clear', value, mask };
}

function parseItem(item: string, regs: readonly RegDef[]): Node {
  let base = item;
  let min = 1;
  let max = 1;
  const q = /(?:\{\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}|\+)$/.exec(item);
  if (q) {
    base = item.slice(0, q.index).trim();
    if (q[0] === '+') {
      min = 1;
      max = Infinity;
    } else {
      min = Number(q[1]);
      max = q[2] === undefined ? min : q[3] === '' || q[3] === undefined ? Infinity : Number(q[3]);
      if (max < min) throw new SyntaxError(`register pattern: bad repetition in '${item}'`);
    }
  }
  let node: Node;
  if (base === '…' || base === '...') node = { kind: 'repeat', node: { kind: 'any', text: '…' }, min: 0, max: Infinity };
  else if (base === '*') node = { kind: 'any', text: '*' };
  else if (base.startsWith('(') && base.endsWith(')')) node = parseSeq(base.slice(1, -1), regs, item);
  else node = parseAccess(base, regs);
  return min === 1 && max === 1 ? node : { kind: 'repeat', node, min, max };
}

function parseSeq(s: string, regs: readonly RegDef[], where: string): Node {
  return { kind: 'seq', items: splitItems(s, where).map((it) => parseItem(it, regs)) };
}

interface State {
  step: AccessStep | { kind: 'any'; text: string } | null;
  next: number;
  eps: number[];
}

/** Thompson construction: builds `node` so that it continues to state `next`; returns its start. */
function build(states: State[], node: Node, next: number): number {
  const add = (s: State) => states.push(s) - 1;
  switch (node.kind) {
    case 'access':
    case 'any':
      return add({ step: node, next, eps: [] });
    case 'seq': {
      let s = next;
      for (let j = node.items.length - 1; j >= 0; j--) s = build(states, node.items[j], s);
      return s;
    }
    case 'repeat': {
      let s: number;
      if (node.max === Infinity) {
        const loop = add({ step: null, next: -1, eps: [] });
        const body = build(states, node.node, loop);
        states[loop].eps = [body, next];
        s = loop;
      } else {
        s = next;
        for (let j = 0; j < node.max - node.min; j++) {
          const body = build(states, node.node, s);
          s = add({ step: null, next: -1, eps: [body, next] });
        }
      }
      for (let j = 0; j < node.min; j++) s = build(states, node.node, s);
      return s;
    }
  }
}

function stepMatches(step: AccessStep | { kind: 'any' }, a: RegAccess): boolean {
  if (step.kind === 'any') return true;
  if (a.name !== step.name || a.op !== step.op) return false;
  if (step.index !== null && a.index !== step.index) return false;
  switch (step.cmp) {
    case 'any':
      return true;
    case 'eq':
      return a.value >>> 0 === step.value;
    case 'set':
      return ((a.value & step.mask) >>> 0) === step.value;
    case 'clear':
      return (a.value & step.mask) === 0;
  }
}

/** Matches `accesses` against `pattern` (see the module documentation); never throws on a mismatch, only on a malformed pattern. */
export function matchRegisterSequence(accesses: readonly RegAccess[], pattern: string, opts: MatchOptions = {}): RegMatchResult {
  const regs = opts.registers ?? E1000_REGISTERS;
  const root = parseSeq(pattern, regs, 'the pattern');
  const states: State[] = [{ step: null, next: -1, eps: [] }]; // state 0 accepts
  const start = build(states, root, 0);
  const mark = new Int32Array(states.length).fill(-1);
  let gen = 0;
  const closure = (from: number[], out: number[]) => {
    const stack = from.slice();
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (mark[s] === gen) continue;
      mark[s] = gen;
      out.push(s);
      for (const e of states[s].eps) stack.push(e);
    }
  };
  let cur: number[] = [];
  closure([start], cur);
  for (let ai = 0; ai < accesses.length; ai++) {
    const a = accesses[ai];
    const targets: number[] = [];
    for (const s of cur) {
      const st = states[s].step;
      if (st !== null && stepMatches(st, a)) targets.push(states[s].next);
    }
    gen++;
    const next: number[] = [];
    closure(targets, next);
    if (next.length === 0) return { ok: false, at: ai, message: mismatch(accesses, ai, cur, states) };
    cur = next;
  }
  if (cur.includes(0)) return { ok: true };
  return { ok: false, at: accesses.length, message: mismatch(accesses, accesses.length, cur, states) };
}

function mismatch(accesses: readonly RegAccess[], at: number, cur: number[], states: State[]): string {
  const expected = [...new Set(cur.map((s) => states[s].step?.text).filter((t): t is string => t !== undefined && t !== '…'))];
  const exp = expected.length === 0 ? 'the end of the trace' : expected.map((t) => `\`${t}\``).join(' or ');
  const lines: string[] = [];
  if (at < accesses.length) {
    lines.push(`register sequence mismatch at access #${at} of ${accesses.length}:`);
    lines.push(`  got      ${formatRegAccess(accesses[at]).trim()}`);
    lines.push(`  expected ${exp}`);
  } else {
    lines.push(`register sequence ended after ${accesses.length} accesses; expected ${exp} next`);
  }
  if (at > 0) {
    lines.push('  matched so far (last 8):');
    lines.push(formatRegisterTrace(accesses, at - 8, at));
  }
  if (at + 1 < accesses.length) {
    lines.push('  following:');
    lines.push(formatRegisterTrace(accesses, at + 1, at + 6));
  }
  return lines.join('\n');
}

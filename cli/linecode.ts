/**
 * `nicsim encode` / `nicsim decode`: the study tool for the physical layer. Encode takes the bytes
 * the MAC hands the PHY (preamble, SFD, frame, FCS) and prints the line stream with its delimiters
 * as code groups and line levels; decode takes line levels back to bytes and reports what the
 * receiving PHY complained about.
 * @module
 */
import { createLineCodec, lineStreamFromLevels, groupName, codeGroupInfo, runningDisparityAfter, type LineStream, type PhyKind } from '../hw/phy/linecode/index.js';
import { UsageError } from './errors.js';

/** PHY names accepted by `--phy` (case-insensitive, with aliases). */
export const PHY_NAMES: Readonly<Record<string, PhyKind>> = {
  '10base-t': '10BASE-T',
  manchester: '10BASE-T',
  '100base-tx': '100BASE-TX',
  mlt3: '100BASE-TX',
  '1000base-x': '1000BASE-X',
  '8b10b': '1000BASE-X',
};

/** Resolves a `--phy` value. */
export function phyKind(name: string | undefined): PhyKind {
  if (name === undefined) throw new UsageError('--phy is required: 10BASE-T, 100BASE-TX or 1000BASE-X');
  const k = PHY_NAMES[name.toLowerCase()];
  if (!k) throw new UsageError(`unknown PHY '${name}' (use 10BASE-T, 100BASE-TX or 1000BASE-X)`);
  return k;
}

/** Parses hex bytes given as `55 55 d5 …`, `55:55:d5`, or `5555d5…`. */
export function parseHexBytes(args: string[]): Uint8Array {
  const s = args.join(' ').replace(/0x/gi, '').replace(/[\s:,-]+/g, '');
  if (s.length === 0) throw new UsageError('give the bytes to encode in hex, e.g. 55 55 55 55 55 55 55 d5 ff ff …');
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new UsageError('the bytes must be hexadecimal');
  if (s.length % 2) throw new UsageError('odd number of hex digits');
  if (s.length / 2 > 20000) throw new UsageError('at most 20000 bytes');
  return Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
}

/** Names of the code groups of a stream (`/J/`, `data(5)`, `K28.5`, `D21.5`, …). */
function groupLabels(kind: PhyKind, groups: readonly string[]): string[] {
  if (kind === '10BASE-T') return groups.map((g) => (g === '01' ? '1' : g === '10' ? '0' : 'violation'));
  if (kind === '100BASE-TX') return groups.map((g) => groupName(parseInt(g, 2)));
  let rd = 0;
  return groups.map((g) => {
    const c = parseInt(g, 2);
    const info = codeGroupInfo(c, rd);
    rd = runningDisparityAfter(c, rd);
    return info.name;
  });
}

/** `nicsim encode`: returns text and the JSON form. */
export function encodeCommand(kind: PhyKind, bytes: Uint8Array, scramble: boolean): { text: string; data: { codeGroups: string[]; levels: number[] } } {
  const codec = createLineCodec(kind);
  const stream: LineStream = codec.encodeFrame(bytes, kind === '100BASE-TX' ? { scramble } : {});
  const codeGroups = [...stream.codeGroups];
  const levels = Array.from(stream.levels);
  const labels = groupLabels(kind, codeGroups);
  const rows: string[] = [];
  const perRow = kind === '10BASE-T' ? 16 : 8;
  for (let i = 0; i < codeGroups.length; i += perRow) {
    rows.push(`  ${String(i).padStart(5)}  ` + codeGroups.slice(i, i + perRow).map((g, j) => `${g}(${labels[i + j]})`).join(' '));
  }
  const unit = kind === '10BASE-T' ? 'half-bit levels (0/1), 50 ns each at 10 Mb/s' : kind === '100BASE-TX' ? `MLT-3 levels (-1/0/+1) ${scramble ? 'after' : 'without'} the scrambler, 8 ns each` : 'NRZ levels (0/1) in abcdeifghj order, 0.8 ns each';
  const text = [
    `${kind}: ${bytes.length} bytes → ${codeGroups.length} code groups, ${levels.length} line symbols`,
    kind === '100BASE-TX' ? '(code groups before the scrambler; idle /I/ leads so a receiver can lock its descrambler)' : kind === '1000BASE-X' ? '(starting from negative running disparity; /I/ = K28.5 + D5.6/D16.2, /S/ = K27.7, /T/ = K29.7, /R/ = K23.7)' : '(bits LSB first; a 1 is a low→high transition at mid-bit)',
    'code groups:',
    ...rows,
    `levels (${unit}):`,
    ...chunk(levels, 64).map((r) => '  ' + r.map((v) => (v < 0 ? '-' : v > 0 ? (kind === '100BASE-TX' ? '+' : '1') : '0')).join('')),
  ].join('\n');
  return { text, data: { codeGroups, levels } };
}

/** Parses decode input: a JSON `{ "levels": [...] }` (as `encode --json` prints) or a list of levels. */
export function parseLevels(input: string): number[] {
  const t = input.trim();
  if (t.startsWith('{')) {
    let j: unknown;
    try {
      j = JSON.parse(t);
    } catch {
      throw new UsageError('the input looks like JSON but does not parse');
    }
    const lv = (j as { levels?: unknown }).levels;
    if (!Array.isArray(lv) || !lv.every((v) => v === -1 || v === 0 || v === 1)) throw new UsageError('JSON input needs "levels": an array of -1, 0 and 1');
    return lv as number[];
  }
  const parts = t.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 1 && /^[-+01]+$/.test(parts[0]) && parts[0].length > 2) return [...parts[0]].map((c) => (c === '-' ? -1 : c === '+' ? 1 : Number(c)));
  const out = parts.map(Number);
  if (out.length === 0 || !out.every((v) => v === -1 || v === 0 || v === 1)) throw new UsageError('levels must be -1, 0 or 1 (space or comma separated, or a string like 0110+0-)');
  return out;
}

/** `nicsim decode`: returns text and the JSON form. */
export function decodeCommand(kind: PhyKind, levels: number[], scramble: boolean): { text: string; data: { bytes: string; errors: { kind: string; index: number; detail?: string }[] } } {
  if (levels.length > 400_000) throw new UsageError('at most 400000 levels');
  const stream = lineStreamFromLevels(kind, levels, { scrambled: scramble });
  const r = createLineCodec(kind).decodeFrame(stream, kind === '100BASE-TX' ? { scramble } : {});
  const hex = Array.from(r.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const errors = r.errors.map((e) => ({ kind: e.kind, index: e.index, detail: e.detail }));
  const text = [
    `${kind}: ${levels.length} line symbols → ${r.bytes.length} bytes${r.frames.length > 1 ? ` (first of ${r.frames.length} frames)` : ''}`,
    hex || '(no frame found)',
    errors.length === 0 ? 'no line errors' : `line errors:\n${errors.map((e) => `  code group ${e.index}: ${e.kind}${e.detail ? ` — ${e.detail}` : ''}`).join('\n')}`,
  ].join('\n');
  return { text, data: { bytes: hex, errors } };
}

function chunk<T>(a: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n));
  return out;
}

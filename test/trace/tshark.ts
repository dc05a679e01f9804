/**
 * Running tshark over captures in tests: every checksum check on, one row of fields per frame, and
 * the expert infos that mean malformed, bad checksum or worse. Shared by the capture and demo tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether tshark is installed (CI installs it from Debian). */
export const HAVE_TSHARK = spawnSync('which', ['tshark']).status === 0;

const SEP = '\t';
/** Separator of repeated field occurrences in a row. */
export const AGG = '|';
/** The fields read for every frame. */
export const FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.protocols',
  'frame.interface_name',
  'frame.packet_flags_direction',
  'frame.packet_flags_crc_error',
  'frame.packet_flags_symbol_error',
  'frame.interface_description',
  'fpp.checksum.status',
  'eth.fcs.status',
  'ip.checksum.status',
  'udp.checksum.status',
  'tcp.checksum.status',
  '_ws.malformed',
  '_ws.expert.group',
  '_ws.expert.severity',
  '_ws.expert.message',
] as const;

/** One frame as tshark dissected it. */
export type Row = Record<(typeof FIELDS)[number], string>;

/** Expert group: checksum (epan/proto.h). */
export const PI_CHECKSUM = 0x01000000;
/** Expert group: malformed. */
export const PI_MALFORMED = 0x07000000;
/** Expert severity: warning. */
export const PI_WARN = 0x00600000;

/** A scratch directory for capture files; call the returned function to remove it. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nicsim-tshark-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `bytes` to `dir/name` and runs tshark over it with every checksum check on; one row per frame. */
export function tshark(dir: string, name: string, bytes: Uint8Array): Row[] {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return tsharkFile(path);
}

/** Runs tshark over a capture file with every checksum check on; one row per frame. */
export function tsharkFile(path: string): Row[] {
  const prefs = ['eth.check_fcs:TRUE', 'ip.check_checksum:TRUE', 'udp.check_checksum:TRUE', 'tcp.check_checksum:TRUE'].flatMap((p) => ['-o', p]);
  const out = execFileSync('tshark', ['-n', '-r', path, ...prefs, '-T', 'fields', '-E', `separator=${SEP}`, '-E', 'occurrence=a', '-E', `aggregator=${AGG}`, ...FIELDS.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const cols = l.split(SEP);
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Row;
    });
}

/** The expert infos of a row that say malformed, bad checksum, or anything at warning level or above. */
export function badExperts(r: Row): string[] {
  if (r['_ws.expert.group'] === '') return r['_ws.malformed'] === '' ? [] : ['malformed'];
  const groups = r['_ws.expert.group'].split(AGG).map(Number);
  const sev = r['_ws.expert.severity'].split(AGG).map(Number);
  const msgs = r['_ws.expert.message'].split(AGG);
  if ([...groups, ...sev].some(Number.isNaN)) return [`unparsed expert fields: ${r['_ws.expert.group']} / ${r['_ws.expert.severity']}`];
  return groups.flatMap((g, i) => (g === PI_CHECKSUM || g === PI_MALFORMED || sev[i] >= PI_WARN ? [msgs[i] ?? `group ${g}`] : []));
}

/** tshark's epoch time for `ns`: seconds with nine decimals. */
export const epoch = (ns: number) => `${Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, '0')}`;

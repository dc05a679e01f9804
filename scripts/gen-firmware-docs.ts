/**
 * Generates the register and descriptor chapters of the adapter's datasheet (firmware-docs/) from
 * the declarative tables the device itself runs on, so the documentation cannot drift from the
 * code: `hw/registers/e1000.ts` (BAR0 and I/O window), `hw/phy/registers.ts` (PHY) and
 * `hw/descriptors.ts` (legacy descriptor layouts and bit meanings).
 *
 * Usage (after `npm run build`, or simply `npm run docs`):
 *
 *     node dist/scripts/gen-firmware-docs.js           write the generated files
 *     node dist/scripts/gen-firmware-docs.js --check   exit 1 and name stale files, write nothing
 *     node dist/scripts/gen-firmware-docs.js --out DIR write into DIR instead of firmware-docs/
 *
 * Guarantees: the output is a pure function of the tables (no dates, paths or environment), with
 * `\n` line endings; every generated file starts with a line naming its sources and saying it must
 * not be edited by hand. The written chapters in firmware-docs/ are never touched.
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getField, type Access, type FieldDef, type RegDef } from '../hw/registers/engine.js';
import { BAR0_SIZE, E1000_REGISTERS, IO_BAR_SIZE, IO_REGISTERS } from '../hw/registers/e1000.js';
import { PHY_ADDRESS, PHY_REGISTERS } from '../hw/phy/registers.js';
import {
  DESC_SIZE, RX_DESC_LAYOUT, RXD_ERR, RXD_ERR_DOC, RXD_STAT, RXD_STAT_DOC, TX_DESC_LAYOUT, TXD_CMD, TXD_CMD_DOC, TXD_STA, TXD_STA_DOC,
  TX_CONTEXT_DESC_LAYOUT, TX_DATA_DESC_LAYOUT, TXD_TUCMD, TXD_TUCMD_DOC, TXD_POPTS, TXD_POPTS_DOC,
  type DescField,
} from '../hw/descriptors.js';

/** The phrase every generated file's first line carries (used to recognise generated files). */
export const GENERATED_MARKER = 'Generated file: do not edit by hand.';

/** The command that regenerates firmware-docs/. */
export const REGENERATE_COMMAND = 'npm run docs';

/** The hand-written chapters of firmware-docs/ (the generator never writes them). */
export const WRITTEN_CHAPTERS: readonly string[] = ['README.md', 'init-sequence.md', 'interrupts.md', 'eeprom.md', 'phy.md'];

function header(sources: readonly string[]): string {
  const list = sources.map((s) => `\`${s}\``).join(', ');
  return `> **${GENERATED_MARKER}** Produced by \`scripts/gen-firmware-docs.ts\` from ${list}; change those sources and run \`${REGENERATE_COMMAND}\`.\n`;
}

// ------------------------------------------------------------------ formatting helpers

function hex(v: number, digits: number): string {
  return '0x' + (v >>> 0).toString(16).toUpperCase().padStart(digits, '0');
}

/** Escapes text for a markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  return out.join('\n') + '\n';
}

function bitRange(msb: number, lsb: number): string {
  return msb === lsb ? `${lsb}` : `${msb}:${lsb}`;
}

function fieldBits(fd: FieldDef): string {
  return bitRange(fd.lsb + fd.width - 1, fd.lsb);
}

/** Contiguous runs of bits in `[0, width)` that no field defines, high bits first. */
function reservedRanges(definedMask: number, width: number): string[] {
  const out: string[] = [];
  let msb = -1;
  for (let b = width - 1; b >= -1; b--) {
    const free = b >= 0 && ((definedMask >>> b) & 1) === 0;
    if (free && msb < 0) msb = b;
    else if (!free && msb >= 0) {
      out.push(bitRange(msb, b + 1));
      msb = -1;
    }
  }
  return out;
}

function fieldsInBitOrder(def: RegDef): FieldDef[] {
  return Object.values(def.f).sort((a, b) => b.lsb - a.lsb);
}

/** The register's access: its default mode, or the distinct field modes when they differ. */
function accessSummary(def: RegDef): string {
  const modes: Access[] = [];
  for (const fd of fieldsInBitOrder(def).reverse()) if (!modes.includes(fd.access)) modes.push(fd.access);
  if (modes.length === 0 || (modes.length === 1 && modes[0] === def.access)) return def.access;
  // The register's default mode first (when a field uses it), then the others from bit 0 up.
  const ordered = modes.includes(def.access) ? [def.access, ...modes.filter((m) => m !== def.access)] : modes;
  return ordered.join(', ');
}

function fieldValue(v: number, width: number): string {
  return width <= 4 ? String(v) : hex(v, Math.ceil(width / 4));
}

function enumValues(fd: FieldDef): string {
  if (!fd.values) return '';
  return Object.entries(fd.values)
    .map(([k, v]) => `${k} = ${v}`)
    .join('; ');
}

function status(def: RegDef): string {
  return def.implemented ? 'implemented' : 'stored only';
}

function sentence(s: string): string {
  const t = s.trim();
  return t === '' || /[.!?)]$/.test(t) ? t : t + '.';
}

// ------------------------------------------------------------------ register chapter

/** How one register file is presented (BAR0, I/O window, PHY). */
interface Space {
  /** Anchor prefix. */
  id: string;
  /** Register width in bits. */
  width: 16 | 32;
  /** Column title for the location. */
  where: string;
  /** The location of a register (first instance). */
  loc(def: RegDef): string;
  /** Longer location text for a register's section. */
  locLong(def: RegDef): string;
}

function arrayLoc(def: RegDef, digits: number): string {
  const base = hex(def.offset, digits);
  return def.count > 1 ? `${base} + ${def.stride}n` : base;
}

const BAR0: Space = {
  id: 'bar0',
  width: 32,
  where: 'Offset',
  loc: (d) => arrayLoc(d, 4),
  locLong: (d) =>
    d.count > 1
      ? `BAR0 ${arrayLoc(d, 4)}, n = 0…${d.count - 1} (${d.count} registers, stride ${d.stride} bytes; last at ${hex(d.offset + (d.count - 1) * d.stride, 4)})`
      : `BAR0 ${hex(d.offset, 4)}`,
};

const IO: Space = {
  id: 'io',
  width: 32,
  where: 'I/O offset',
  loc: (d) => hex(d.offset, 2),
  locLong: (d) => `I/O BAR ${hex(d.offset, 2)}`,
};

const PHY: Space = {
  id: 'phy',
  width: 16,
  where: 'Register',
  loc: (d) => String(d.offset / 4),
  locLong: (d) => `PHY address ${PHY_ADDRESS}, register ${d.offset / 4} (MDIC.REGADD = ${d.offset / 4})`,
};

function anchor(space: Space, def: RegDef): string {
  return `${space.id}-${def.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function label(def: RegDef): string {
  return def.count > 1 ? `${def.name}[n]` : def.name;
}

function summaryTable(space: Space, defs: readonly RegDef[]): string {
  const digits = space.width / 4;
  return table(
    [space.where, 'Mnemonic', 'Name', 'Access', 'Reset', 'Status'],
    defs.map((d) => [space.loc(d), `[${label(d)}](#${anchor(space, d)})`, d.long, accessSummary(d), hex(d.reset, digits), status(d)]),
  );
}

function registerSection(space: Space, def: RegDef): string {
  const digits = space.width / 4;
  const out: string[] = [];
  out.push(`<a id="${anchor(space, def)}"></a>\n`);
  out.push(`### ${label(def)} — ${def.long}\n`);
  const reserved = reservedRanges(def.definedMask, space.width);
  const facts: string[][] = [
    ['Location', space.locLong(def)],
    ['Access', accessSummary(def)],
    ['Reset value', hex(def.reset, digits)],
    ['Status', def.implemented ? 'implemented' : 'stored only: accepted and kept, no behaviour attached'],
    ['Reserved bits', reserved.length ? `${reserved.join(', ')} (writes of 1 are dropped and traced as \`reg.unimplemented\`)` : 'none'],
  ];
  out.push(table(['Property', 'Value'], facts));
  if (def.notes) out.push(`${sentence(def.notes)}\n`);
  const fields = fieldsInBitOrder(def);
  if (fields.length > 0) {
    out.push(
      table(
        ['Bits', 'Field', 'Access', 'Reset', 'Description', 'Values'],
        fields.map((fd) => [fieldBits(fd), `${def.name}.${fd.name}`, fd.access, fieldValue(getField(def.reset, fd), fd.width), fd.desc, enumValues(fd)]),
      ),
    );
  }
  return out.join('\n');
}

/** BAR0 groups in datasheet order; groups not listed follow in order of first offset. */
const GROUP_ORDER = ['General', 'EEPROM', 'PHY', 'Interrupts', 'Receive', 'Transmit', 'Filtering', 'Statistics', 'Stored only'];

const GROUP_TITLES: Readonly<Record<string, string>> = {
  General: 'General control and status',
  EEPROM: 'EEPROM access',
  PHY: 'PHY access (MDIO)',
  Interrupts: 'Interrupts',
  Receive: 'Receive',
  Transmit: 'Transmit',
  Filtering: 'Receive address filtering',
  Statistics: 'Statistics',
  'Stored only': 'Stored-only registers',
};

const GROUP_INTROS: Readonly<Record<string, string>> = {
  General: 'Device control, device status and the link as the MAC sees it.',
  EEPROM: 'The 64-word serial EEPROM, read either a word at a time through EERD or by driving the Microwire pins through EECD. See [eeprom.md](eeprom.md).',
  PHY: 'MDIC carries clause-22 MDIO transactions to the internal PHY; the PHY\'s own registers are listed in [PHY registers](#phy-registers). See [phy.md](phy.md).',
  Interrupts: 'Interrupt causes, mask, throttling. See [interrupts.md](interrupts.md).',
  Receive: 'Receive control, the receive descriptor ring and receive interrupt moderation. See [descriptors.md](descriptors.md) and [init-sequence.md](init-sequence.md).',
  Transmit: 'Transmit control, the transmit descriptor ring and transmit interrupt moderation.',
  Filtering: 'Exact-match receive addresses and the multicast hash table.',
  Statistics: 'Statistics counters. Each is cleared when read; the 64-bit octet counters are a low/high pair cleared when the high half is read.',
  'Stored only': 'Registers that drivers touch but that nicsim does not act on: writes are stored and read back, nothing else happens. They exist so that an ordinary driver\'s initialisation runs without `reg.unknown` events.',
};

function orderedGroups(defs: readonly RegDef[]): string[] {
  const seen: string[] = [];
  for (const d of defs) if (!seen.includes(d.group)) seen.push(d.group);
  const known = GROUP_ORDER.filter((g) => seen.includes(g));
  return [...known, ...seen.filter((g) => !GROUP_ORDER.includes(g))];
}

function groupAnchor(group: string): string {
  return `group-${group.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function instances(defs: readonly RegDef[]): number {
  return defs.reduce((n, d) => n + d.count, 0);
}

const ACCESS_LEGEND: readonly (readonly [Access, string, string])[] = [
  ['RW', 'the stored value', 'the written value is stored'],
  ['RO', 'the value the device maintains', 'ignored; a write that would change these bits is traced (writing back the value just read is not)'],
  ['WO', 'always 0', 'stored internally, where the device\'s write hook acts on it'],
  ['RC', 'the current value, after which the bits are cleared', 'ignored; a write that would change these bits is traced'],
  ['RC/W1C', 'the current value, after which the bits are cleared', 'each 1 clears the matching bit; 0s change nothing'],
  ['W1C', 'the stored value', 'each 1 clears the matching bit; 0s change nothing'],
  ['W1S', 'the stored value', 'each 1 sets the matching bit; 0s change nothing'],
  ['SC', 'the stored value', 'stored; the device clears the bit itself once the action it started is over'],
];

function renderRegisters(): string {
  const out: string[] = [];
  out.push(header(['hw/registers/e1000.ts', 'hw/phy/registers.ts', 'hw/registers/engine.ts']));
  out.push('# Register reference\n');
  const bar0Impl = E1000_REGISTERS.filter((d) => d.implemented).length;
  out.push(
    `The adapter has three register files, all described by declarative tables that the device model itself runs on. ` +
      `**BAR0** is a ${BAR0_SIZE / 1024} KiB memory window holding ${E1000_REGISTERS.length} register definitions ` +
      `(${instances(E1000_REGISTERS)} 32-bit registers once arrays are expanded; ${bar0Impl} definitions implemented, ` +
      `${E1000_REGISTERS.length - bar0Impl} stored only). The **I/O window** (an I/O BAR of ${IO_BAR_SIZE} bytes) holds ` +
      `${IO_REGISTERS.length} registers that reach BAR0 indirectly. The **PHY** has ${PHY_REGISTERS.length} 16-bit clause-22 registers, ` +
      `reached through [MDIC](#bar0-mdic) at PHY address ${PHY_ADDRESS}.\n`,
  );
  out.push(
    'All registers are accessed as aligned 32-bit little-endian words. A read or write at an offset that no register occupies returns 0 ' +
      '(writes are discarded) and is reported on the trace bus as `reg.unknown`; a write that sets bits no field defines keeps those bits at 0 ' +
      'and is reported as `reg.unimplemented`, as is a write that tries to change read-only bits. "Stored only" registers accept and keep any value of their ' +
      'defined bits but have no effect on the device.\n',
  );
  out.push('## Contents\n');
  const groups = orderedGroups(E1000_REGISTERS);
  const toc = ['- [Access modes](#access-modes)', '- [BAR0 register map by offset](#bar0-map)'];
  for (const g of groups) toc.push(`- BAR0: [${GROUP_TITLES[g] ?? g}](#${groupAnchor(g)})`);
  toc.push('- [I/O window](#io-window)', '- [PHY registers](#phy-registers)');
  out.push(toc.join('\n') + '\n');

  out.push('<a id="access-modes"></a>\n');
  out.push('## Access modes\n');
  out.push(
    'Every field has one access mode; a register\'s mode is the default for its fields, and the tables show the distinct modes when its fields ' +
      'mix them. The register-file engine (`hw/registers/engine.ts`) implements each mode once for all registers:\n',
  );
  out.push(table(['Mode', 'A read returns', 'A write does'], ACCESS_LEGEND.map(([m, r, w]) => [`\`${m}\``, r, w])));
  out.push(
    'The device itself updates registers without these rules (setting status bits, counting statistics). Statistics counters saturate at ' +
      '0xFFFFFFFF instead of wrapping. Field values in the tables below are shown in decimal for fields up to 4 bits wide and in hexadecimal otherwise.\n',
  );

  out.push('<a id="bar0-map"></a>\n');
  out.push('## BAR0 register map by offset\n');
  out.push(
    table(
      ['Offset', 'Mnemonic', 'Name', 'Group'],
      E1000_REGISTERS.map((d) => [BAR0.loc(d), `[${label(d)}](#${anchor(BAR0, d)})`, d.long, GROUP_TITLES[d.group] ?? d.group]),
    ),
  );

  for (const g of groups) {
    const defs = E1000_REGISTERS.filter((d) => d.group === g);
    out.push(`<a id="${groupAnchor(g)}"></a>\n`);
    out.push(`## BAR0: ${GROUP_TITLES[g] ?? g}\n`);
    if (GROUP_INTROS[g]) out.push(`${GROUP_INTROS[g]}\n`);
    out.push(summaryTable(BAR0, defs));
    for (const d of defs) out.push(registerSection(BAR0, d));
  }

  out.push('<a id="io-window"></a>\n');
  out.push('## I/O window\n');
  out.push(
    `The I/O BAR is ${IO_BAR_SIZE} bytes: software writes a BAR0 offset into IOADDR and then reads or writes IODATA, which performs that ` +
      'BAR0 access with all of its side effects. The two low bits of IOADDR are ignored when IODATA forwards the access.\n',
  );
  out.push(summaryTable(IO, IO_REGISTERS));
  for (const d of IO_REGISTERS) out.push(registerSection(IO, d));

  out.push('<a id="phy-registers"></a>\n');
  out.push('## PHY registers\n');
  out.push(
    `The internal PHY answers at MDIO address ${PHY_ADDRESS}. Its registers are 16 bits wide and are reached only through [MDIC](#bar0-mdic): ` +
      'REGADD selects the register number shown below. Register numbers without an entry read 0 and ignore writes (traced as `reg.unknown`). ' +
      'See [phy.md](phy.md) for link setup.\n',
  );
  out.push(summaryTable(PHY, PHY_REGISTERS));
  for (const d of PHY_REGISTERS) out.push(registerSection(PHY, d));
  return out.join('\n');
}

// ------------------------------------------------------------------ descriptor chapter

function bitNumber(mask: number): number {
  return 31 - Math.clz32(mask);
}

/** A table of one descriptor byte's bits, reserved bits included. */
function bitTable<K extends string>(prefix: string, bitsOf: Readonly<Record<K, number>>, docs: Readonly<Record<K, string>>, width: number): string {
  const rows: string[][] = [];
  const byBit = new Map<number, K>();
  for (const k of Object.keys(bitsOf) as K[]) byBit.set(bitNumber(bitsOf[k]), k);
  for (let b = width - 1; b >= 0; b--) {
    const k = byBit.get(b);
    rows.push(k === undefined ? [String(b), '—', hex(1 << b, 2), 'Reserved'] : [String(b), `${prefix}.${k}`, hex(bitsOf[k], 2), docs[k]]);
  }
  return table(['Bit', 'Name', 'Mask', 'Meaning'], rows);
}

/** Fills the gaps of a layout with reserved fields and checks fields do not overlap. */
function completeLayout(layout: readonly DescField[]): DescField[] {
  const sorted = [...layout].sort((a, b) => a.offset - b.offset);
  const out: DescField[] = [];
  let at = 0;
  for (const f of sorted) {
    if (f.offset < at) throw new Error(`descriptor field ${f.name} overlaps its predecessor`);
    if (f.offset > at) out.push({ name: 'reserved', offset: at, size: f.offset - at, writer: 'software', desc: 'Reserved' });
    out.push(f);
    at = f.offset + f.size;
  }
  if (at < DESC_SIZE) out.push({ name: 'reserved', offset: at, size: DESC_SIZE - at, writer: 'software', desc: 'Reserved' });
  if (at > DESC_SIZE) throw new Error(`descriptor layout is ${at} bytes, not ${DESC_SIZE}`);
  return out;
}

/** An ASCII drawing of a 16-byte descriptor as two little-endian 64-bit words, bit 63 on the left. */
function diagram(layout: readonly DescField[]): string {
  const fields = completeLayout(layout);
  const lines: string[] = [];
  const margin = '      ';
  for (let row = 0; row < DESC_SIZE; row += 8) {
    const inRow = fields.filter((f) => f.offset >= row && f.offset < row + 8).sort((a, b) => b.offset - a.offset);
    for (const f of inRow) if (f.offset + f.size > row + 8) throw new Error(`descriptor field ${f.name} crosses a 64-bit boundary`);
    const widths = inRow.map((f) => f.size * 8 - 1);
    const ruler = inRow.map((f, i) => {
      const lsb = String((f.offset - row) * 8);
      const msb = String((f.offset - row + f.size) * 8 - 1);
      return f.size * 8 - 1 >= msb.length + lsb.length + 1 ? msb.padEnd(widths[i] - lsb.length) + lsb : ''.padEnd(widths[i]);
    });
    const names = inRow.map((f, i) => {
      const w = widths[i];
      const n = f.name.length > w ? f.name.slice(0, w) : f.name;
      const left = Math.floor((w - n.length) / 2);
      return ' '.repeat(left) + n + ' '.repeat(w - n.length - left);
    });
    lines.push(`${margin} ${ruler.join(' ')}`);
    lines.push(`${margin}+${widths.map((w) => '-'.repeat(w)).join('+')}+`);
    lines.push(`${('+' + hex(row, 2)).padEnd(margin.length)}|${names.join('|')}|`);
    if (row + 8 >= DESC_SIZE) lines.push(`${margin}+${widths.map((w) => '-'.repeat(w)).join('+')}+`);
  }
  return '```text\n' + lines.join('\n') + '\n```\n';
}

function layoutTable(layout: readonly DescField[]): string {
  return table(
    ['Bytes', 'Field', 'Size', 'Written by', 'Description'],
    completeLayout(layout).map((f) => [
      f.size === 1 ? String(f.offset) : `${f.offset}–${f.offset + f.size - 1}`,
      f.name,
      `${f.size} byte${f.size > 1 ? 's' : ''}`,
      f.writer,
      f.desc,
    ]),
  );
}

function writers(layout: readonly DescField[], who: DescField['writer']): string {
  const names = layout.filter((f) => f.writer === who).map((f) => f.name);
  return names.length ? names.join(', ') : 'nothing';
}

function renderDescriptors(): string {
  const out: string[] = [];
  out.push(header(['hw/descriptors.ts']));
  out.push('# Descriptors\n');
  out.push(
    `The adapter moves frames through two rings of legacy descriptors in host memory, one for transmit and one for receive. ` +
      `A descriptor is ${DESC_SIZE} bytes; multi-byte fields are little-endian; addresses are 64-bit physical addresses ` +
      '(nicsim\'s host memory is exact below 2^53). The ring base registers ignore their four low bits, so rings are ' +
      `${DESC_SIZE}-byte aligned, and ring lengths are multiples of 128 bytes (8 descriptors). ` +
      'How the rings are set up and how the head and tail registers move is described in [init-sequence.md](init-sequence.md); ' +
      'the registers themselves are in [registers.md](registers.md). The field offsets in the tables below come from one table, ' +
      '`DESC` in `hw/descriptors.ts`, which the adapter model and the driver both use.\n',
  );
  out.push(
    'The diagrams show each descriptor as two 64-bit words with bit 63 on the left; the number on the left of a row is the byte offset ' +
      'of that word. Bit numbers above the boxes are positions within the 64-bit word.\n',
  );

  out.push('## Transmit descriptor (legacy)\n');
  out.push(diagram(TX_DESC_LAYOUT));
  out.push(layoutTable(TX_DESC_LAYOUT));
  out.push(
    `Software fills ${writers(TX_DESC_LAYOUT, 'software')}; the device writes back only ${writers(TX_DESC_LAYOUT, 'device')}, ` +
      'and only in descriptors whose CMD has RS or RPS set. The upper four bits of byte 12 are reserved and preserved by the write-back.\n',
  );
  out.push('### TXD_CMD — command byte (byte 11)\n');
  out.push(bitTable('TXD_CMD', TXD_CMD, TXD_CMD_DOC, 8));
  out.push('### TXD_STA — status (byte 12, bits 3:0)\n');
  out.push(bitTable('TXD_STA', TXD_STA, TXD_STA_DOC, 4));

  out.push('## Transmit context descriptor (TCP/IP)\n');
  out.push(diagram(TX_CONTEXT_DESC_LAYOUT));
  out.push(layoutTable(TX_CONTEXT_DESC_LAYOUT));
  out.push(
    'A descriptor with TXD_CMD.DEXT set and DTYP (bits 7:4 of byte 10) = 0, placed between frames, loads the checksum offsets ' +
      'that data descriptors ask for with POPTS; it stays in force until the next context descriptor or a reset. It carries no data; ' +
      'with TUCMD.RS the device writes DD into its STA. A context descriptor inside a frame drops that frame (`counters.txMalformed`). ' +
      'Offsets count from the first byte of the frame (the destination address); a range or offset outside the frame inserts nothing.\n',
  );
  out.push('### TXD_TUCMD — context command byte (byte 11)\n');
  out.push(bitTable('TXD_TUCMD', TXD_TUCMD, TXD_TUCMD_DOC, 8));

  out.push('## Transmit data descriptor (TCP/IP)\n');
  out.push(diagram(TX_DATA_DESC_LAYOUT));
  out.push(layoutTable(TX_DATA_DESC_LAYOUT));
  out.push(
    'A descriptor with DEXT set and DTYP = 1 carries data like a legacy one (DCMD has EOP, IFCS, RS, RPS, IDE at the legacy positions), ' +
      'with a 20-bit length. The POPTS of the first data descriptor of a frame choose the insertions: IXSM with the context\'s IP offsets, ' +
      'TXSM with its TCP/UDP offsets (the IP checksum is inserted first). A frame that mixes legacy and extended descriptors is dropped ' +
      '(`counters.txMalformed`).\n',
  );
  out.push(
    '**TCP segmentation (TSO).** Data descriptors with DCMD.TSE after a context descriptor with TUCMD.TSE (and TCP and IP) form one ' +
      'TSO packet: HDRLEN bytes of Ethernet, IPv4 and TCP header followed by PAYLEN bytes of payload (up to 64 KiB; the transmit FIFO ' +
      'bound does not apply to the packet, only to each segment). The adapter sends ⌈PAYLEN / MSS⌉ frames, each the header followed by ' +
      'at most MSS bytes: the IP total length and identification (+1 per segment) and the TCP sequence number are set per segment, FIN ' +
      'and PSH are kept only on the last, and software preloads the TCP pseudo-header sum *without* the length (the adapter adds each ' +
      'segment\'s). With IXSM/TXSM each segment gets both checksums. The descriptors are written back after the last segment; TSCTC ' +
      'counts the packet. A context that does not fit the data — MSS 0, HDRLEN not below the data or too short for IPCSS/TUCSS + 20, ' +
      'PAYLEN not matching, UDP, a segment larger than the transmit FIFO — drops the packet (`counters.txMalformed`, TSCTFC).\n',
  );
  out.push('### TXD_POPTS — packet options (byte 13)\n');
  out.push(bitTable('TXD_POPTS', TXD_POPTS, TXD_POPTS_DOC, 8));

  out.push('## Receive descriptor (legacy)\n');
  out.push(diagram(RX_DESC_LAYOUT));
  out.push(layoutTable(RX_DESC_LAYOUT));
  out.push(
    `Software provides ${writers(RX_DESC_LAYOUT, 'software')} (and should clear the rest, in particular STATUS, before handing the ` +
      `descriptor over); the device writes ${writers(RX_DESC_LAYOUT, 'device')} when it has stored data in the buffer.\n`,
  );
  out.push('### RXD_STAT — status byte (byte 12)\n');
  out.push(bitTable('RXD_STAT', RXD_STAT, RXD_STAT_DOC, 8));
  out.push('### RXD_ERR — errors byte (byte 13)\n');
  out.push(bitTable('RXD_ERR', RXD_ERR, RXD_ERR_DOC, 8));
  return out.join('\n');
}

// ------------------------------------------------------------------ entry points

/** Renders every generated file of firmware-docs/: file name → markdown content. */
export function renderFirmwareDocs(): Map<string, string> {
  return new Map([
    ['registers.md', renderRegisters()],
    ['descriptors.md', renderDescriptors()],
  ]);
}

/** The repository's firmware-docs/ directory (found from this module's location, in source or in dist/). */
export function firmwareDocsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'firmware-docs');
    const up = dirname(dir);
    if (up === dir) return resolve('firmware-docs');
    dir = up;
  }
}

/** A generated file that does not match the generator's output, and why. */
export interface StaleFile {
  /** File name inside firmware-docs/. */
  file: string;
  /** `missing`, `differs`, or `orphan` (carries the generated marker but is no longer produced). */
  problem: 'missing' | 'differs' | 'orphan';
}

/** Compares `dir` with {@link renderFirmwareDocs}; returns the stale files (empty when up to date). */
export function staleFirmwareDocs(dir: string = firmwareDocsDir(), rendered: Map<string, string> = renderFirmwareDocs()): StaleFile[] {
  const stale: StaleFile[] = [];
  for (const [file, content] of rendered) {
    const path = join(dir, file);
    if (!existsSync(path)) stale.push({ file, problem: 'missing' });
    else if (readFileSync(path, 'utf8') !== content) stale.push({ file, problem: 'differs' });
  }
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.md') || rendered.has(file)) continue;
      const first = readFileSync(join(dir, file), 'utf8').split('\n', 1)[0];
      if (first.includes(GENERATED_MARKER)) stale.push({ file, problem: 'orphan' });
    }
  }
  return stale;
}

/** Runs the command line: writes the files, or with `--check` reports stale ones; returns the exit code. */
export function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const outAt = argv.indexOf('--out');
  const dir = outAt >= 0 && argv[outAt + 1] ? resolve(argv[outAt + 1]) : firmwareDocsDir();
  const rendered = renderFirmwareDocs();
  if (check) {
    const stale = staleFirmwareDocs(dir, rendered);
    if (stale.length === 0) {
      console.log(`firmware-docs: ${rendered.size} generated files are up to date in ${dir}`);
      return 0;
    }
    for (const s of stale) console.error(`firmware-docs: ${s.file} is stale (${s.problem})`);
    console.error(`regenerate with: ${REGENERATE_COMMAND}`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of rendered) {
    const path = join(dir, file);
    const old = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (old === content) continue;
    writeFileSync(path, content);
    console.log(`firmware-docs: wrote ${file}`);
  }
  for (const s of staleFirmwareDocs(dir, rendered)) {
    if (s.problem === 'orphan') console.warn(`firmware-docs: ${s.file} is marked as generated but no longer produced; delete it`);
  }
  return 0;
}

function isMainModule(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return pathToFileURL(realpathSync(arg)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMainModule()) process.exitCode = main(process.argv.slice(2));

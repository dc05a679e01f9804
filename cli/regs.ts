/**
 * `nicsim regs [REG [VALUE]]`: the register map, one register's fields, or a value decoded field by field.
 * @module
 */
import { E1000_REGISTERS, IO_REGISTERS, registerByName } from '../hw/registers/e1000.js';
import { PHY_REGISTERS } from '../hw/phy/registers.js';
import { getField, type RegDef } from '../hw/registers/engine.js';
import { UsageError } from './errors.js';

const hex = (v: number, w: number) => '0x' + v.toString(16).toUpperCase().padStart(w, '0');

function bitsLabel(lsb: number, width: number): string {
  return width === 1 ? String(lsb) : `${lsb + width - 1}:${lsb}`;
}

function find(name: string): { def: RegDef; phy: boolean } | undefined {
  const n = name.toUpperCase().replace(/\[\d+\]$/, '');
  const d = registerByName(n);
  if (d) return { def: d, phy: false };
  const p = PHY_REGISTERS.find((r) => r.name === n || `PHY.${r.name}` === n);
  return p ? { def: p, phy: true } : undefined;
}

/** Renders the register listing, one register, or a decoded value; returns text or JSON data. */
export function regsCommand(args: string[]): { text: string; data: unknown } {
  if (args.length === 0) {
    const rows = E1000_REGISTERS.map((r) => ({ offset: r.offset, name: r.count > 1 ? `${r.name}[${r.count}]` : r.name, long: r.long, access: r.access, reset: r.reset, implemented: r.implemented }));
    const text = [
      'offset   register      access  reset       description',
      ...rows.map((r) => `${hex(r.offset, 5)}  ${r.name.padEnd(12)}  ${r.access.padEnd(6)}  ${hex(r.reset, 8)}  ${r.long}${r.implemented ? '' : ' (stored only)'}`),
      '',
      `I/O BAR: ${IO_REGISTERS.map((r) => `${r.name} at ${hex(r.offset, 2)}`).join(', ')}. PHY (via MDIC): ${PHY_REGISTERS.map((r) => r.name).join(', ')}.`,
      "Try 'nicsim regs RCTL' or 'nicsim regs RCTL 0x0400801a'.",
    ].join('\n');
    return { text, data: rows };
  }
  if (args.length > 2) throw new UsageError('regs takes at most a register name and a value');
  const found = find(args[0]);
  if (!found) throw new UsageError(`unknown register '${args[0]}' (run 'nicsim regs' for the list)`);
  const { def, phy } = found;
  const fields = Object.values(def.f);
  if (args.length === 1) {
    const where = phy ? `PHY register ${def.offset / 4} (via MDIC)` : def.count > 1 ? `BAR0 ${hex(def.offset, 5)} + ${def.stride}·n, n = 0..${def.count - 1}` : `BAR0 ${hex(def.offset, 5)}`;
    const text = [
      `${def.name} — ${def.long}`,
      `${where}, access ${def.access}, reset ${hex(def.reset, phy ? 4 : 8)}${def.implemented ? '' : ', stored only'}`,
      ...(def.notes ? [def.notes] : []),
      '',
      'bits   field         access  description',
      ...fields.map((f) => `${bitsLabel(f.lsb, f.width).padEnd(5)}  ${f.name.padEnd(12)}  ${f.access.padEnd(6)}  ${f.desc}`),
    ].join('\n');
    return { text, data: { name: def.name, long: def.long, offset: def.offset, access: def.access, reset: def.reset, fields: fields.map((f) => ({ name: f.name, lsb: f.lsb, width: f.width, access: f.access, desc: f.desc })) } };
  }
  const raw = args[1];
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(raw)) throw new UsageError(`'${raw}' is not a number (use decimal or 0x hex)`);
  const value = Number(raw);
  if (value > 0xffffffff) throw new UsageError(`'${raw}' does not fit in 32 bits`);
  const decoded = fields.map((f) => {
    const v = getField(value, f);
    const named = f.values?.[v];
    return { name: f.name, bits: bitsLabel(f.lsb, f.width), value: v, meaning: named ?? (f.width === 1 ? (v ? 'set' : 'clear') : undefined), desc: f.desc };
  });
  const undef = (value & ~def.definedMask) >>> 0;
  const text = [
    `${def.name} = ${hex(value >>> 0, 8)}`,
    ...decoded.map((d) => `  ${d.bits.padEnd(5)} ${d.name.padEnd(12)} = ${String(d.value).padEnd(6)} ${d.meaning ? `(${d.meaning}) ` : ''}— ${d.desc}`),
    ...(undef ? [`  bits ${hex(undef, 8)} are not defined by nicsim for ${def.name}`] : []),
  ].join('\n');
  return { text, data: { name: def.name, value: value >>> 0, fields: decoded, undefinedBits: undef } };
}

/**
 * The adapter's register table against the Intel 8254x (82540EM) datasheet: the offsets, field
 * positions and access modes below are written out from the datasheet (and the Linux e1000
 * driver's e1000_hw.h), not derived from the table under test.
 */
import { describe, expect, test } from 'vitest';
import * as R from '../../../hw/registers/e1000.js';
import type { RegDef } from '../../../hw/registers/engine.js';

/** Datasheet BAR0 offsets of every register the issue names. */
const OFFSETS: Record<string, number> = {
  CTRL: 0x0000, STATUS: 0x0008, EECD: 0x0010, EERD: 0x0014, CTRL_EXT: 0x0018, MDIC: 0x0020,
  FCAL: 0x0028, FCAH: 0x002c, FCT: 0x0030, VET: 0x0038,
  ICR: 0x00c0, ITR: 0x00c4, ICS: 0x00c8, IMS: 0x00d0, IMC: 0x00d8,
  RCTL: 0x0100, FCTTV: 0x0170, TXCW: 0x0178, TCTL: 0x0400, TIPG: 0x0410, AIT: 0x0458,
  LEDCTL: 0x0e00, PBA: 0x1000, FCRTL: 0x2160, FCRTH: 0x2168,
  RDBAL: 0x2800, RDBAH: 0x2804, RDLEN: 0x2808, RDH: 0x2810, RDT: 0x2818, RDTR: 0x2820, RXDCTL: 0x2828, RADV: 0x282c,
  TDBAL: 0x3800, TDBAH: 0x3804, TDLEN: 0x3808, TDH: 0x3810, TDT: 0x3818, TIDV: 0x3820, TXDCTL: 0x3828, TADV: 0x382c,
  RXCSUM: 0x5000, MTA: 0x5200, RAL: 0x5400, RAH: 0x5404, VFTA: 0x5600, WUC: 0x5800, WUFC: 0x5808, MANC: 0x5820,
};

/** The statistics block, CRCERRS 0x4000 … TSCTFC 0x40FC (datasheet section 13.7). */
const STATS: Record<string, number> = {
  CRCERRS: 0x4000, ALGNERRC: 0x4004, SYMERRS: 0x4008, RXERRC: 0x400c, MPC: 0x4010, SCC: 0x4014, ECOL: 0x4018, MCC: 0x401c,
  LATECOL: 0x4020, COLC: 0x4028, DC: 0x4030, TNCRS: 0x4034, SEC: 0x4038, CEXTERR: 0x403c, RLEC: 0x4040, XONRXC: 0x4048,
  XONTXC: 0x404c, XOFFRXC: 0x4050, XOFFTXC: 0x4054, FCRUC: 0x4058, PRC64: 0x405c, PRC127: 0x4060, PRC255: 0x4064,
  PRC511: 0x4068, PRC1023: 0x406c, PRC1522: 0x4070, GPRC: 0x4074, BPRC: 0x4078, MPRC: 0x407c, GPTC: 0x4080,
  GORCL: 0x4088, GORCH: 0x408c, GOTCL: 0x4090, GOTCH: 0x4094, RNBC: 0x40a0, RUC: 0x40a4, RFC: 0x40a8, ROC: 0x40ac,
  RJC: 0x40b0, MGTPRC: 0x40b4, MGTPDC: 0x40b8, MGTPTC: 0x40bc, TORL: 0x40c0, TORH: 0x40c4, TOTL: 0x40c8, TOTH: 0x40cc,
  TPR: 0x40d0, TPT: 0x40d4, PTC64: 0x40d8, PTC127: 0x40dc, PTC255: 0x40e0, PTC511: 0x40e4, PTC1023: 0x40e8,
  PTC1522: 0x40ec, MPTC: 0x40f0, BPTC: 0x40f4, TSCTC: 0x40f8, TSCTFC: 0x40fc,
};

function byName(name: string): RegDef {
  const d = R.E1000_REGISTERS.find((r) => r.name === name);
  if (!d) throw new Error(`${name} is not in the table`);
  return d;
}

/** `[name, '0x…', offset]` rows for test.each (names print the offset in hex). */
function withHex(table: Record<string, number>): Array<[string, string, number]> {
  return Object.entries(table).map(([n, o]) => [n, `0x${o.toString(16).toUpperCase()}`, o]);
}

/** `{ FIELD: mask }` of a register, for comparison with the datasheet's masks. */
function masks(def: RegDef): Record<string, number> {
  return Object.fromEntries(Object.values(def.f).map((f) => [f.name, f.mask]));
}

describe('offsets match the 8254x datasheet', () => {
  test.each(withHex(OFFSETS))('%s at %s', (name, _hex, offset) => {
    expect(byName(name).offset).toBe(offset);
  });

  test.each(withHex(STATS))('statistics: %s at %s', (name, _hex, offset) => {
    expect(byName(name).offset).toBe(offset);
  });

  test('arrays: MTA 128 words, RAL/RAH 16 pairs 8 bytes apart, VFTA 128 words', () => {
    expect([R.MTA.count, R.MTA.stride]).toEqual([128, 4]);
    expect([R.RAL.count, R.RAL.stride, R.RAH.count, R.RAH.stride]).toEqual([16, 8, 16, 8]);
    expect([R.VFTA.count, R.VFTA.stride]).toEqual([128, 4]);
    expect(R.RAL.offset + 15 * R.RAL.stride).toBe(0x5478); // RAL[15]
    expect(R.RAH.offset + 15 * R.RAH.stride).toBe(0x547c); // RAH[15]
  });

  test('every statistics register reads as clear-on-read, except the low halves of 64-bit counters (cleared by reading the high half)', () => {
    const low = new Set(['GORCL', 'GOTCL', 'TORL', 'TOTL']);
    for (const name of Object.keys(STATS)) expect([name, byName(name).access]).toEqual([name, low.has(name) ? 'RO' : 'RC']);
  });

  test('the I/O window: IOADDR at 0x00, IODATA at 0x04 of an 8-byte BAR; BAR0 is 128 KiB', () => {
    expect([R.IOADDR.offset, R.IODATA.offset, R.IO_BAR_SIZE]).toEqual([0x00, 0x04, 8]);
    expect(R.BAR0_SIZE).toBe(0x20000);
  });
});

describe('field positions match the datasheet (masks as in Linux e1000_hw.h)', () => {
  test('EERD: START b0, DONE b4, ADDR 15:8, DATA 31:16', () => {
    expect(masks(R.EERD)).toEqual({ START: 0x1, DONE: 0x10, ADDR: 0xff00, DATA: 0xffff0000 });
  });

  test('MDIC: DATA 15:0, REGADD 20:16, PHYADD 25:21, OP 27:26 (01 write, 10 read), R b28, I b29, E b30', () => {
    expect(masks(R.MDIC)).toEqual({ DATA: 0xffff, REGADD: 0x001f0000, PHYADD: 0x03e00000, OP: 0x0c000000, R: 0x10000000, I: 0x20000000, E: 0x40000000 });
    expect(R.MDIC.f.OP.values).toMatchObject({ 1: 'write', 2: 'read' });
  });

  test('RCTL bits', () => {
    expect(masks(R.RCTL)).toMatchObject({
      EN: 0x2, SBP: 0x4, UPE: 0x8, MPE: 0x10, LPE: 0x20, LBM: 0xc0, RDMTS: 0x300, MO: 0x3000, BAM: 0x8000,
      BSIZE: 0x30000, VFE: 0x40000, CFIEN: 0x80000, CFI: 0x100000, DPF: 0x400000, PMCF: 0x800000, BSEX: 0x2000000, SECRC: 0x4000000,
    });
  });

  test('TCTL bits', () => {
    expect(masks(R.TCTL)).toMatchObject({ EN: 0x2, PSP: 0x8, CT: 0xff0, COLD: 0x3ff000, SWXOFF: 0x400000, RTLC: 0x1000000 });
  });

  test('interrupt causes, identical in ICR, ICS, IMS and IMC', () => {
    const causes = { TXDW: 0x1, TXQE: 0x2, LSC: 0x4, RXSEQ: 0x8, RXDMT0: 0x10, RXO: 0x40, RXT0: 0x80, MDAC: 0x200, RXCFG: 0x400, TXD_LOW: 0x8000, SRPD: 0x10000 };
    for (const def of [R.ICR, R.ICS, R.IMS, R.IMC]) expect(masks(def)).toEqual(causes);
    expect(R.INT).toEqual(causes);
    expect([R.ICR.access, R.ICS.access, R.IMS.access, R.IMC.access]).toEqual(['RC/W1C', 'WO', 'W1S', 'WO']);
  });

  test('RAH: AV b31, AS 17:16, address bytes 4-5 in 15:0', () => {
    expect(masks(R.RAH)).toEqual({ RAH: 0xffff, AS: 0x30000, AV: 0x80000000 });
  });

  test('CTRL and STATUS bits', () => {
    expect(masks(R.CTRL)).toMatchObject({ FD: 0x1, LRST: 0x8, ASDE: 0x20, SLU: 0x40, ILOS: 0x80, SPEED: 0x300, FRCSPD: 0x800, FRCDPX: 0x1000, RST: 0x4000000, RFCE: 0x8000000, TFCE: 0x10000000, VME: 0x40000000, PHY_RST: 0x80000000 });
    expect(R.CTRL.f.RST.access).toBe('SC');
    expect(masks(R.STATUS)).toMatchObject({ FD: 0x1, LU: 0x2, FUNC_ID: 0xc, TXOFF: 0x10, TBIMODE: 0x20, SPEED: 0xc0, ASDV: 0x300 });
  });

  test('EECD bits: SK b0, CS b1, DI b2, DO b3 (RO), FWE 5:4, EE_REQ b6, EE_GNT b7 (RO), EE_PRES b8, EE_SIZE b9', () => {
    expect(masks(R.EECD)).toEqual({ SK: 0x1, CS: 0x2, DI: 0x4, DO: 0x8, FWE: 0x30, EE_REQ: 0x40, EE_GNT: 0x80, EE_PRES: 0x100, EE_SIZE: 0x200 });
    expect([R.EECD.f.DO.access, R.EECD.f.EE_GNT.access]).toEqual(['RO', 'RO']);
  });

  test('timers: delays in 16 bits, FPD b31 of RDTR and TIDV; ring lengths in bits 19:7', () => {
    for (const def of [R.RDTR, R.RADV, R.TIDV, R.TADV]) expect(def.f.DELAY.mask).toBe(0xffff);
    expect([R.RDTR.f.FPD.mask, R.TIDV.f.FPD.mask]).toEqual([0x80000000, 0x80000000]);
    expect([R.RDLEN.f.LEN.mask, R.TDLEN.f.LEN.mask]).toEqual([0xfff80, 0xfff80]);
    expect(R.ITR.f.INTERVAL.mask).toBe(0xffff);
  });
});

describe('table sanity', () => {
  test('no two register instances share a word; all are 4-byte aligned and inside BAR0', () => {
    const owner = new Map<number, string>();
    for (const def of R.E1000_REGISTERS) {
      for (let i = 0; i < def.count; i++) {
        const off = def.offset + i * def.stride;
        expect(off % 4, `${def.name}[${i}]`).toBe(0);
        expect(off, `${def.name}[${i}]`).toBeLessThan(R.BAR0_SIZE);
        expect(owner.get(off), `${def.name}[${i}] at 0x${off.toString(16)}`).toBeUndefined();
        owner.set(off, `${def.name}[${i}]`);
      }
    }
    expect(owner.size).toBe(R.E1000_REGISTERS.reduce((n, d) => n + d.count, 0));
  });

  test('no overlapping fields, and every reset value lies inside the defined bits', () => {
    for (const def of R.E1000_REGISTERS) {
      let seen = 0;
      for (const f of Object.values(def.f)) {
        expect(seen & f.mask, `${def.name}.${f.name}`).toBe(0);
        seen |= f.mask;
      }
      expect((def.reset & ~def.definedMask) >>> 0, def.name).toBe(0);
    }
  });

  test('the table is sorted by offset and names are unique', () => {
    const offs = R.E1000_REGISTERS.map((d) => d.offset);
    expect(offs).toEqual([...offs].sort((x, y) => x - y));
    const names = R.E1000_REGISTERS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('datasheet reset values: MDIC.R, EECD.EE_PRES, VET 0x8100, LEDCTL, PBA 48K/16K, TIPG IPGT=8', () => {
    expect(R.MDIC.reset & R.MDIC.f.R.mask).not.toBe(0);
    expect(R.EECD.reset & R.EECD.f.EE_PRES.mask).not.toBe(0);
    expect(R.EECD.reset & R.EECD.f.EE_SIZE.mask).toBe(0); // 64-word Microwire part
    expect(R.VET.reset).toBe(0x8100);
    expect(R.LEDCTL.reset).toBe(0x07068302);
    expect(R.PBA.reset).toBe(0x00100030);
    expect(R.TIPG.reset & 0x3ff).toBe(8);
  });

  test('registerByName finds registers by mnemonic, with or without an array index', () => {
    expect(R.registerByName('rctl')).toBe(R.RCTL);
    expect(R.registerByName('RAL[3]')).toBe(R.RAL);
    expect(R.registerByName('IODATA')).toBe(R.IODATA);
    expect(R.registerByName('NOPE')).toBeUndefined();
  });
});

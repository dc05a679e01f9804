/**
 * 8b/10b against the standard (IEEE 802.3 tables 36-1a/36-2, Widmer & Franaszek): the expected
 * code groups are built here from the 5b/6b and 3b/4b columns written out as facts, independently
 * of the implementation's tables.
 */
import { describe, expect, test } from 'vitest';
import {
  CONTROL_CODES,
  D16_2,
  D5_6,
  K23_7,
  K27_7,
  K28_5,
  K29_7,
  alignCodeGroups,
  codeGroupInfo,
  codeGroupToString,
  codeGroupsToBits,
  decode8b10bStream,
  encode8b10bStream,
  encodeOrderedSet,
  encodeSymbol,
  findComma,
  parseCodeGroup,
  symbolName,
} from '../../../../hw/phy/linecode/index.js';
import { PREAMBLE_SFD, arr, macFrame, prng } from './helpers.js';

// ---- facts: 5b/6b (abcdei) per EDCBA, columns RD- | RD+ (one column when both are equal)
const SIX = `
D0 100111 011000 | D1 011101 100010 | D2 101101 010010 | D3 110001
D4 110101 001010 | D5 101001 | D6 011001 | D7 111000 000111
D8 111001 000110 | D9 100101 | D10 010101 | D11 110100
D12 001101 | D13 101100 | D14 011100 | D15 010111 101000
D16 011011 100100 | D17 100011 | D18 010011 | D19 110010
D20 001011 | D21 101010 | D22 011010 | D23 111010 000101
D24 110011 001100 | D25 100110 | D26 010110 | D27 110110 001001
D28 001110 | D29 101110 010001 | D30 011110 100001 | D31 101011 010100`;
// ---- facts: 3b/4b (fghj) per HGF, RD- | RD+
const FOUR = `x.0 1011 0100 | x.1 1001 | x.2 0101 | x.3 1100 0011 | x.4 1101 0010 | x.5 1010 | x.6 0110 | x.P7 1110 0001 | x.A7 0111 1000`;
// ---- facts: the twelve special code groups, RD- and RD+
const SPECIAL = `
K28.0 001111 0100 110000 1011 | K28.1 001111 1001 110000 0110 | K28.2 001111 0101 110000 1010
K28.3 001111 0011 110000 1100 | K28.4 001111 0010 110000 1101 | K28.5 001111 1010 110000 0101
K28.6 001111 0110 110000 1001 | K28.7 001111 1000 110000 0111 | K23.7 111010 1000 000101 0111
K27.7 110110 1000 001001 0111 | K29.7 101110 1000 010001 0111 | K30.7 011110 1000 100001 0111`;

function columns(text: string): Map<string, [string, string]> {
  const m = new Map<string, [string, string]>();
  for (const cell of text.split(/[|\n]/).map((c) => c.trim()).filter(Boolean)) {
    const [name, minus, plus] = cell.split(/\s+/);
    m.set(name, [minus, plus ?? minus]);
  }
  return m;
}
const six = columns(SIX);
const four = columns(FOUR);
const ones = (s: string) => [...s].filter((c) => c === '1').length;

/** The expected code group of Dx.y at running disparity rd (0 = RD-), from the facts above. */
function expectedData(x: number, y: number, rd: number): { code: string; rd: number } {
  const s6 = six.get(`D${x}`)![rd];
  const rd1 = ones(s6) === 3 ? rd : 1 - rd; // a ±2 sub-block flips the running disparity
  const a7 = y === 7 && ((rd1 === 0 && [17, 18, 20].includes(x)) || (rd1 === 1 && [11, 13, 14].includes(x)));
  const s4 = four.get(y === 7 ? (a7 ? 'x.A7' : 'x.P7') : `x.${y}`)![rd1];
  const rd2 = ones(s4) === 2 ? rd1 : 1 - rd1;
  return { code: s6 + s4, rd: rd2 };
}

describe('8b/10b code tables', () => {
  test('a few code groups everyone knows', () => {
    expect(codeGroupToString(encodeSymbol(0x00, 0) & 0x3ff)).toBe('1001110100'); // D0.0 RD-
    expect(codeGroupToString(encodeSymbol(0x00, 1) & 0x3ff)).toBe('0110001011'); // D0.0 RD+
    expect(codeGroupToString(encodeSymbol(0xb5, 0) & 0x3ff)).toBe('1010101010'); // D21.5
    expect(codeGroupToString(encodeSymbol(0x4a, 1) & 0x3ff)).toBe('0101010101'); // D10.2
    expect(codeGroupToString(encodeSymbol(K28_5, 0) & 0x3ff)).toBe('0011111010');
    expect(codeGroupToString(encodeSymbol(K28_5, 1) & 0x3ff)).toBe('1100000101');
    expect(codeGroupToString(encodeSymbol(0xf1, 0) & 0x3ff)).toBe('1000110111'); // D17.7 uses A7 at RD-
    expect(codeGroupToString(encodeSymbol(0xeb, 1) & 0x3ff)).toBe('1101001000'); // D11.7 uses A7 at RD+
    expect(codeGroupToString(encodeSymbol(0xeb, 0) & 0x3ff)).toBe('1101001110'); // D11.7 uses P7 at RD-
  });

  test('every data character D0.0–D31.7 in both running disparities', () => {
    let checked = 0;
    for (let b = 0; b < 256; b++) {
      for (const rd of [0, 1]) {
        const want = expectedData(b & 31, b >> 5, rd);
        const e = encodeSymbol(b, rd);
        expect({ name: symbolName(b), rd, code: codeGroupToString(e & 0x3ff), after: e >>> 10 }).toEqual({
          name: `D${b & 31}.${b >> 5}`,
          rd,
          code: want.code,
          after: want.rd,
        });
        // and it decodes back, valid in its own column
        expect(codeGroupInfo(e & 0x3ff, rd)).toEqual({ symbol: b, name: symbolName(b), control: false, valid: true, disparityError: false, rd: want.rd });
        checked++;
      }
    }
    expect(checked).toBe(512);
  });

  test('all twelve valid special characters in both running disparities', () => {
    const special = columns(SPECIAL.replace(/\b([01]{6}) ([01]{4})\b/g, '$1$2')); // join the sub-blocks
    expect(special.size).toBe(12);
    expect(CONTROL_CODES.map((c) => c.name).sort()).toEqual([...special.keys()].sort());
    for (const [name, [minus, plus]] of special) {
      const [x, y] = name.slice(1).split('.').map(Number);
      const sym = 0x100 | (y << 5) | x;
      for (const [rd, want] of [[0, minus], [1, plus]] as const) {
        const e = encodeSymbol(sym, rd);
        expect(codeGroupToString(e & 0x3ff)).toBe(want);
        const info = codeGroupInfo(e & 0x3ff, rd);
        expect(info).toMatchObject({ symbol: sym, name, control: true, valid: true, disparityError: false });
        expect(info.rd).toBe(e >>> 10);
        // a balanced code group keeps the running disparity, an unbalanced one (±2) flips it
        expect(e >>> 10).toBe(ones(want) === 5 ? rd : 1 - rd);
      }
    }
    expect(() => encodeSymbol(0x100 | 0x0a, 0)).toThrow(RangeError); // K10.0 does not exist
  });

  test('every code group: run length ≤ 5, disparity 0 or ±2, alternating RD', () => {
    for (let sym = 0; sym < 0x200; sym++) {
      for (const rd of [0, 1]) {
        let e: number;
        try {
          e = encodeSymbol(sym, rd);
        } catch {
          continue;
        }
        const s = codeGroupToString(e & 0x3ff);
        expect(s).not.toMatch(/000000|111111/);
        const d = 2 * ones(s) - 10; // ones minus zeros
        expect([0, rd === 0 ? 2 : -2]).toContain(d);
      }
    }
  });

  test('the comma appears only in K28.1, K28.5 and K28.7', () => {
    const withComma = CONTROL_CODES.filter((c) => c.codes.some((g) => findComma([...g].map(Number)) >= 0)).map((c) => c.name);
    expect(withComma).toEqual(['K28.1', 'K28.5', 'K28.7']);
    for (let b = 0; b < 256; b++) {
      for (const rd of [0, 1]) expect(findComma([...codeGroupToString(encodeSymbol(b, rd) & 0x3ff)].map(Number))).toBe(-1);
    }
  });

  test('a comma never appears across data characters (singular comma)', () => {
    const rng = prng(7);
    for (let k = 0; k < 50; k++) {
      const data = new Uint8Array(200).map(() => rng.int(256));
      let rd = rng.int(2);
      const codes: number[] = [];
      for (const b of data) {
        const e = encodeSymbol(b, rd);
        codes.push(e & 0x3ff);
        rd = e >>> 10;
      }
      expect(findComma(codeGroupsToBits(codes))).toBe(-1);
    }
  });

  test('decoding: wrong column is a disparity error, unknown groups are invalid', () => {
    const d21_1 = encodeSymbol(0x35, 0) & 0x3ff; // neutral, same in both columns
    expect(codeGroupInfo(d21_1, 1)).toMatchObject({ valid: true, disparityError: false });
    const d0_0minus = encodeSymbol(0x00, 0) & 0x3ff;
    expect(codeGroupInfo(d0_0minus, 1)).toMatchObject({ symbol: 0, valid: true, disparityError: true });
    expect(codeGroupInfo(parseCodeGroup('000000 1111'), 0)).toMatchObject({ valid: false, name: 'invalid' });
    expect(codeGroupInfo(parseCodeGroup('1111000000'), 0)).toMatchObject({ valid: false });
    // D7 is neutral but RD dependent: 111000 is RD- only
    expect(codeGroupInfo(encodeSymbol(0x07, 0) & 0x3ff, 1)).toMatchObject({ symbol: 7, disparityError: true });
    expect(() => parseCodeGroup('10101')).toThrow(RangeError);
  });
});

describe('ordered sets', () => {
  const str = (codes: number[]) => codes.map(codeGroupToString);
  test('/S/, /T/, /R/ are K27.7, K29.7, K23.7', () => {
    expect(str(encodeOrderedSet('S', 0).codes)).toEqual(['1101101000']);
    expect(str(encodeOrderedSet('T', 0).codes)).toEqual(['1011101000']);
    expect(str(encodeOrderedSet('R', 0).codes)).toEqual(['1110101000']);
    expect(str(encodeOrderedSet('R', 1).codes)).toEqual(['0001010111']);
  });

  test('/I1/ flips RD+ to RD-, /I2/ keeps RD-', () => {
    expect(encodeOrderedSet('I1', 1)).toEqual({ codes: [parseCodeGroup('1100000101'), parseCodeGroup('1010010110')], rd: 0 });
    expect(encodeOrderedSet('I2', 0)).toEqual({ codes: [parseCodeGroup('0011111010'), parseCodeGroup('1001000101')], rd: 0 });
  });
});

describe('1000BASE-X stream', () => {
  const rng = prng(11);

  test('layout: idle, /S/ for the first preamble octet, data, /T/R/ (+/R/), idle', () => {
    const mac = macFrame(rng, 47); // 8 + 47 + 4 = 59 octets: /T/ lands on an odd position
    const { codes, rd } = encode8b10bStream([mac], { idleBefore: 1, idleAfter: 2 });
    const info = arr(codes).map((c) => codeGroupInfo(c, 0).name);
    expect(info.slice(0, 3)).toEqual(['K28.5', 'D16.2', 'K27.7']);
    expect(info.slice(3, 10)).toEqual(['D21.2', 'D21.2', 'D21.2', 'D21.2', 'D21.2', 'D21.2', 'D21.6']);
    // /S/ at 2, octets 1..58 at 3..60, /T/ at 61 (odd) → /R/ at 62 → next at 63 (odd) → one more /R/
    expect(info.slice(61, 64)).toEqual(['K29.7', 'K23.7', 'K23.7']);
    expect(info.slice(64)).toHaveLength(4);
    expect([info[64], info[66]]).toEqual(['K28.5', 'K28.5']);
    expect(rd).toBe(0);
  });

  test('no extra /R/ when the next position is already even', () => {
    const mac = macFrame(rng, 48);
    const { codes } = encode8b10bStream([mac], { idleBefore: 1, idleAfter: 1 });
    const names = arr(codes).map((c) => codeGroupInfo(c, 0).name);
    expect(names.slice(-4)).toEqual(['K29.7', 'K23.7', 'K28.5', names[names.length - 1]]);
    expect(names.length % 2).toBe(0);
  });

  test('the first /I/ after a frame is /I1/ exactly when the running disparity is positive', () => {
    let seen = { I1: 0, I2: 0 };
    for (let k = 0; k < 40; k++) {
      const mac = macFrame(rng, 46 + rng.int(30));
      const { codes, rd } = encode8b10bStream([mac], { idleBefore: 0, idleAfter: 3 });
      // running disparity just before the first idle
      let r = 0;
      const n = codes.length - 6;
      for (let i = 0; i < n; i++) r = codeGroupInfo(codes[i], r).rd;
      const second = codeGroupInfo(codes[n + 1], 0).symbol;
      expect(second).toBe(r === 1 ? D5_6 : D16_2);
      seen = { I1: seen.I1 + (r === 1 ? 1 : 0), I2: seen.I2 + (r === 0 ? 1 : 0) };
      expect(codeGroupInfo(codes[n + 3], 0).symbol).toBe(D16_2); // then /I2/
      expect(rd).toBe(0);
    }
    expect(seen.I1).toBeGreaterThan(0);
    expect(seen.I2).toBeGreaterThan(0);
  });

  test('round trip of random frames, several per stream', () => {
    for (let k = 0; k < 30; k++) {
      const frames = Array.from({ length: 1 + rng.int(3) }, () => macFrame(rng, rng.int(1515)));
      const { codes } = encode8b10bStream(frames);
      const r = decode8b10bStream(codes);
      expect(r.errors).toEqual([]);
      expect(r.frames.map(arr)).toEqual(frames.map(arr));
    }
  });

  test('comma alignment: any bit offset, either polarity', () => {
    const mac = macFrame(rng, 64);
    const { codes } = encode8b10bStream([mac]);
    const bits = codeGroupsToBits(codes);
    for (let shift = 0; shift < 23; shift++) {
      const noisy = new Int8Array(shift + bits.length);
      for (let i = 0; i < shift; i++) noisy[i] = i % 3 === 0 ? 1 : 0; // no comma in here
      noisy.set(bits, shift);
      const al = alignCodeGroups(noisy)!;
      expect(al.offset).toBe(shift);
      expect(al.rd).toBe(0);
      const r = decode8b10bStream(al.codes, { rd: al.rd, bitOffset: al.offset });
      expect(r.errors).toEqual([]);
      expect(arr(r.frames[0])).toEqual(arr(mac));
    }
    // starting on an RD+ comma
    const k = encodeSymbol(K28_5, 1) & 0x3ff;
    const al = alignCodeGroups(codeGroupsToBits([k, encodeSymbol(D5_6, 0) & 0x3ff]))!;
    expect(al).toMatchObject({ offset: 0, rd: 1 });
    expect(alignCodeGroups(new Int8Array(100))).toBeNull();
  });

  describe('decoder errors', () => {
    const mac = Uint8Array.from([...PREAMBLE_SFD, 1, 2, 3, 4, 5, 6]);
    const good = () => Array.from(encode8b10bStream([mac], { idleBefore: 1, idleAfter: 1 }).codes);

    test('invalid code group inside a frame', () => {
      const c = good();
      c[5] = parseCodeGroup('0000011111');
      const r = decode8b10bStream(c);
      expect(r.errors[0]).toMatchObject({ kind: 'invalid-code-group', index: 5, bit: 50 });
      expect(r.frames).toHaveLength(1);
    });

    test('disparity error', () => {
      const c = good();
      // replace preamble D21.2 (neutral) by D0.0 in the wrong column
      c[3] = encodeSymbol(0x00, 1) & 0x3ff;
      const r = decode8b10bStream(c);
      expect(r.errors[0]).toMatchObject({ kind: 'disparity', index: 3 });
    });

    test('missing /S/ is a false carrier', () => {
      const c = good();
      c[2] = encodeSymbol(0x55, 0) & 0x3ff;
      const r = decode8b10bStream(c);
      expect(r.errors[0]).toMatchObject({ kind: 'missing-start', index: 2 });
      expect(r.frames).toEqual([]);
    });

    test('missing /T/R/: idle inside the frame, /T/ without /R/, end of stream', () => {
      const c = good();
      const t = c.findIndex((x) => codeGroupInfo(x, 0).symbol === K29_7);
      let rd = 0;
      for (let i = 0; i < t; i++) rd = codeGroupInfo(c[i], rd).rd;
      const idle = c.slice(0, t).concat(encodeOrderedSet(rd ? 'I1' : 'I2', rd).codes);
      expect(decode8b10bStream(idle).errors).toEqual([expect.objectContaining({ kind: 'missing-end', index: t })]);
      const noR = c.slice();
      noR[t + 1] = encodeSymbol(K28_5, 0) & 0x3ff;
      expect(decode8b10bStream(noR).errors[0]).toMatchObject({ kind: 'missing-end', index: t + 1 });
      const cut = decode8b10bStream(c.slice(0, t));
      expect(cut.errors).toEqual([expect.objectContaining({ kind: 'missing-end', index: t })]);
      expect(arr(cut.frames[0])).toEqual(arr(mac.subarray(0, mac.length)));
    });

    test('bad /I/ ordered set', () => {
      const c = good();
      c[1] = encodeSymbol(0x00, 1) & 0x3ff;
      expect(decode8b10bStream(c).errors[0]).toMatchObject({ kind: 'invalid-code-group', index: 1 });
    });
  });

  test('the start/end delimiters are the ones named by the ordered sets', () => {
    const { codes } = encode8b10bStream([Uint8Array.from(PREAMBLE_SFD)], { idleBefore: 0, idleAfter: 0 });
    expect(arr(codes).map((c) => codeGroupInfo(c, 0).symbol)).toEqual([K27_7, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5, K29_7, K23_7]);
    expect(K23_7).toBe(0x1f7);
  });
});

describe('1000BASE-X stream coders against one symbol at a time', () => {
  const rng = prng(23);

  /** Symbols in order from `rd`: the code groups and the running disparity after them. */
  function encodeSymbols(symbols: readonly number[], rd: number): { codes: number[]; rd: number } {
    const codes: number[] = [];
    for (const s of symbols) {
      const e = encodeSymbol(s, rd);
      codes.push(e & 0x3ff);
      rd = e >>> 10;
    }
    return { codes, rd };
  }

  /** The stream as clause 36 lays it out, built one `encodeSymbol` at a time. */
  function referenceStream(frames: Uint8Array[], idleBefore: number, idleBetween: number, idleAfter: number): number[] {
    const out: number[] = [];
    let rd = 0;
    const put = (symbols: number[]): void => {
      const r = encodeSymbols(symbols, rd);
      out.push(...r.codes);
      rd = r.rd;
    };
    const idle = (count: number): void => {
      for (let i = 0; i < count; i++) {
        put([K28_5]);
        put([rd === 0 ? D5_6 : D16_2]);
      }
    };
    idle(idleBefore);
    frames.forEach((f, fi) => {
      if (fi > 0) idle(idleBetween);
      put([K27_7, ...Array.from(f.subarray(1)), K29_7, K23_7]);
      if (out.length % 2 === 1) put([K23_7]);
    });
    idle(idleAfter);
    return out;
  }

  test('the stream encoder (two code groups per store) equals the symbol-by-symbol stream, any length and layout', () => {
    const lengths = [...Array.from({ length: 41 }, (_, i) => i), 63, 64, 1526, 9030];
    for (const len of lengths) {
      const f = Uint8Array.from({ length: len }, () => rng.int(256));
      for (const [before, between, after] of [[2, 5, 1], [0, 0, 0], [1, 3, 2]]) {
        const frames = [f, f.subarray(0, len >> 1), Uint8Array.from({ length: 1 + rng.int(20) }, () => rng.int(256))];
        const got = encode8b10bStream(frames, { idleBefore: before, idleBetween: between, idleAfter: after });
        expect(arr(got.codes)).toEqual(referenceStream(frames, before, between, after));
      }
    }
  });

  test('an encoder output at an odd offset inside a longer buffer is the same', () => {
    // a frame starting at an odd byte offset (its octets not 16-bit aligned)
    const big = Uint8Array.from({ length: 1601 }, () => rng.int(256));
    const f = big.subarray(1, 1527);
    expect(arr(encode8b10bStream([f]).codes)).toEqual(referenceStream([f], 2, 5, 1));
  });

  test('jumbo frames and streams longer than the kept scratch buffers round-trip', () => {
    const frames = [macFrame(rng, 9000), macFrame(rng, 60), macFrame(rng, 16_000)];
    const long = Array.from({ length: 6 }, () => macFrame(rng, 12_000)); // 72 k code groups in one stream
    const l = encode8b10bStream(long);
    expect(arr(l.codes)).toEqual(referenceStream(long, 2, 5, 1));
    expect(decode8b10bStream(l.codes).frames.map(arr)).toEqual(long.map(arr));
    const single = decode8b10bStream(encode8b10bStream([macFrame(rng, 70_000)]).codes);
    expect(single.errors).toEqual([]);
    expect(single.frames[0].length).toBe(70_012);
    const { codes } = encode8b10bStream(frames);
    const r = decode8b10bStream(codes);
    expect(r.errors).toEqual([]);
    expect(r.frames.map(arr)).toEqual(frames.map(arr));
    // the frames handed out are their own memory: decoding again does not change them
    const first = arr(r.frames[0]);
    decode8b10bStream(encode8b10bStream([macFrame(rng, 9000)]).codes);
    expect(arr(r.frames[0])).toEqual(first);
  });

  test('every 10-bit code group in both running disparities, inside a frame, decodes as the table says', () => {
    for (const rd of [0, 1]) {
      // /I2/ /S/ and one data octet that leaves the running disparity at `rd`
      const lead = encodeSymbols([K28_5, D16_2, K27_7], 0);
      const pad = [...Array(256).keys()].find((p) => encodeSymbols([p], lead.rd).rd === rd)!;
      for (let code = 0; code < 1024; code++) {
        const info = codeGroupInfo(code, rd);
        if (info.valid && (info.symbol === K28_5 || info.symbol === K29_7)) continue; // they end the frame
        const tail = encodeSymbols([K29_7, K23_7, K23_7, K28_5], info.rd); // /T/R/R/ brings /I/ to an even position
        const idle = encodeSymbols([tail.rd === 0 ? D5_6 : D16_2], tail.rd);
        const codes = [...lead.codes, encodeSymbols([pad], lead.rd).codes[0], code, ...tail.codes, ...idle.codes];
        const r = decode8b10bStream(Uint16Array.from(codes));
        const octet = !info.valid || info.control ? 0 : info.symbol;
        expect(r.frames.map(arr)).toEqual([[0x55, pad, octet]]);
        // a group valid only in the other column is a disparity error; one that is not data (a
        // control character, or no code group at all) inside a frame is also an invalid code group
        const kinds = [...(info.disparityError ? ['disparity'] : []), ...(!info.valid || info.control ? ['invalid-code-group'] : [])];
        expect(r.errors.map((e) => [e.kind, e.index])).toEqual(kinds.map((k) => [k, 4]));
      }
    }
  });
});

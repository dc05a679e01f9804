/** 4B/5B against IEEE 802.3 table 24-1, written out here as facts. */
import { describe, expect, test } from 'vitest';
import {
  CONTROL_GROUPS,
  DATA_GROUPS,
  INVALID_GROUPS,
  classifyGroup,
  encode4b5bStream,
  encodeNibbles,
  groupName,
  groupToString,
  groupsToBits,
} from '../../../../hw/phy/linecode/index.js';
import { PREAMBLE_SFD, arr } from './helpers.js';

const DATA = `0 11110 | 1 01001 | 2 10100 | 3 10101 | 4 01010 | 5 01011 | 6 01110 | 7 01111
8 10010 | 9 10011 | A 10110 | B 10111 | C 11010 | D 11011 | E 11100 | F 11101`;
const CONTROL = `I 11111 | J 11000 | K 10001 | T 01101 | R 00111 | H 00100`;
const INVALID = `00000 00001 00010 00011 00101 00110 01000 01100 10000 11001`;

const cells = (t: string) => t.split(/[|\n]/).map((c) => c.trim().split(/\s+/));

describe('4B/5B code groups', () => {
  test('all 16 data groups', () => {
    for (const [hex, code] of cells(DATA)) {
      const n = parseInt(hex, 16);
      expect(groupToString(DATA_GROUPS[n])).toBe(code);
      expect(classifyGroup(parseInt(code, 2))).toEqual({ kind: 'data', nibble: n });
    }
  });

  test('all 6 control groups', () => {
    for (const [name, code] of cells(CONTROL)) {
      expect(groupToString(CONTROL_GROUPS[name as keyof typeof CONTROL_GROUPS])).toBe(code);
      expect(classifyGroup(parseInt(code, 2))).toEqual({ kind: 'control', name });
      expect(groupName(parseInt(code, 2))).toBe(`/${name}/`);
    }
  });

  test('the other 10 groups are invalid, and the 32 are covered once', () => {
    const inv = INVALID.split(' ');
    expect(INVALID_GROUPS.map(groupToString)).toEqual(inv);
    for (const code of inv) expect(classifyGroup(parseInt(code, 2))).toEqual({ kind: 'invalid' });
    const all = new Set([...DATA_GROUPS, ...Object.values(CONTROL_GROUPS), ...INVALID_GROUPS]);
    expect(all.size).toBe(32);
  });

  test('a byte is two groups, low nibble first; the left bit goes first', () => {
    expect(arr(encodeNibbles(Uint8Array.of(0x5d))).map(groupToString)).toEqual(['11011', '01011']);
    expect(arr(groupsToBits([CONTROL_GROUPS.J, CONTROL_GROUPS.K]))).toEqual([1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

describe('4B/5B stream', () => {
  test('/J/K/ replaces the first preamble octet, /T/R/ ends, /I/ around', () => {
    const mac = Uint8Array.from([...PREAMBLE_SFD, 0xa1]);
    const g = arr(encode4b5bStream([mac], { idleBefore: 2, idleAfter: 1 })).map(groupName);
    expect(g).toEqual([
      '/I/', '/I/', '/J/', '/K/',
      ...Array(12).fill('data(5)'), 'data(5)', 'data(D)', // 6 more preamble octets, SFD 0xD5 low nibble first
      'data(1)', 'data(A)',
      '/T/', '/R/', '/I/',
    ]);
  });

  test('idle between frames', () => {
    const f = Uint8Array.from(PREAMBLE_SFD);
    const g = arr(encode4b5bStream([f, f], { idleBefore: 0, idleBetween: 3, idleAfter: 0 })).map(groupName);
    expect(g.length).toBe(2 * 18 + 3);
    expect(g.slice(16, 23)).toEqual(['/T/', '/R/', '/I/', '/I/', '/I/', '/J/', '/K/']);
  });
});

import { describe, expect, test } from 'vitest';
import { buildEepromImage, eepromChecksumValid, eepromSum, macFromEeprom, parseMac, formatMac, EEPROM_SUM } from '../../hw/index.js';

describe('EEPROM image', () => {
  test('MAC in words 0-2 low byte first; the 64 words sum to 0xBABA', () => {
    const img = buildEepromImage('00:1b:21:3a:4c:5d');
    expect(img.length).toBe(64);
    expect(img[0]).toBe(0x1b00);
    expect(img[1]).toBe(0x3a21);
    expect(img[2]).toBe(0x5d4c);
    expect(eepromSum(img)).toBe(EEPROM_SUM);
    expect(eepromChecksumValid(img)).toBe(true);
    expect(formatMac(macFromEeprom(img))).toBe('00:1b:21:3a:4c:5d');
    expect(img[0x0d]).toBe(0x100e);
    expect(img[0x0e]).toBe(0x8086);
  });
  test('a bad image fails validation', () => {
    expect(eepromChecksumValid(buildEepromImage('02:00:00:00:00:01', { badChecksum: true }))).toBe(false);
    expect(() => parseMac('02:00:00:00:01')).toThrow(/not a MAC/);
    expect(() => buildEepromImage('02:00:00:00:00:01', { words: { 0x3f: 1 } })).toThrow(RangeError);
  });
});

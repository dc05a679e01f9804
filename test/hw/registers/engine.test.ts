/**
 * The register-file engine, once per access mode, on a small synthetic table (no adapter): what a
 * bus read returns, what a bus write stores, what the trace bus and the anomaly counters say.
 */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import type { TraceEvent } from '../../../sim/trace.js';
import { RegisterFile, bit, bits, decodeFields, reg, getField, setField, type RegInstance } from '../../../hw/registers/engine.js';

const G = { group: 'Test' };
// One register per access mode; bits 31:16 are undefined everywhere (for the unimplemented-bit tests).
const RWR = reg(0x00, 'RWR', 'Read/Write', 'RW', { ...G, reset: 0x1234 }, { LO: bits(0, 8, 'low byte'), HI: bits(8, 8, 'high byte') });
const ROR = reg(0x04, 'ROR', 'Read Only', 'RO', { ...G, reset: 0x00aa }, { V: bits(0, 16, 'value') });
const WOR = reg(0x08, 'WOR', 'Write Only', 'WO', G, { V: bits(0, 16, 'value') });
const RCR = reg(0x0c, 'RCR', 'Read Clear', 'RC', G, { V: bits(0, 16, 'value') });
const RCW = reg(0x10, 'RCW', 'Read Clear / W1C', 'RC/W1C', G, { V: bits(0, 16, 'value') });
const W1CR = reg(0x14, 'W1CR', 'Write 1 to Clear', 'W1C', G, { V: bits(0, 16, 'value') });
const W1SR = reg(0x18, 'W1SR', 'Write 1 to Set', 'W1S', G, { V: bits(0, 16, 'value') });
const SCR = reg(0x1c, 'SCR', 'Self Clearing', 'RW', G, { GO: bit(0, 'start', 'SC'), ARG: bits(8, 8, 'argument') });
const ARR = reg(0x40, 'ARR', 'Array', 'RW', { ...G, count: 4, stride: 8, reset: 0x5 }, { V: bits(0, 32, 'value') });
const ENUMR = reg(0x80, 'ENUMR', 'Decoded', 'RW', G, {
  EN: bit(0, 'enable'),
  OFF: bit(1, 'a zero bit'),
  MODE: bits(4, 2, 'mode', { values: { 0: 'slow', 2: 'fast' } }),
  CNT: bits(8, 8, 'count'),
  NIB: bits(16, 3, 'small'),
});
const WIDE = reg(0x84, 'WIDE', 'Whole word', 'RW', G, { VALUE: bits(0, 32, 'value') });
const CLO = reg(0x88, 'CLO', 'Counter low', 'RO', G, { COUNT: bits(0, 32, 'count') });
const CHI = reg(0x8c, 'CHI', 'Counter high', 'RC', G, { COUNT: bits(0, 32, 'count') });
const SIZE = 0x100;

function setup() {
  const sim = new Simulator();
  const rec = sim.trace.record();
  const rf = new RegisterFile([RWR, ROR, WOR, RCR, RCW, W1CR, W1SR, SCR, ARR, ENUMR, WIDE, CLO, CHI], SIZE, sim.trace, 'dev', () => sim.now);
  return { sim, rf, events: rec.events };
}

function ofKind<K extends TraceEvent['kind']>(events: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

describe('access modes (one test each)', () => {
  test('RW: reads the reset value, stores what is written, reads have no side effect', () => {
    const { rf } = setup();
    expect(rf.read(0x00)).toBe(0x1234);
    rf.write(0x00, 0xbeef);
    expect(rf.read(0x00)).toBe(0xbeef);
    expect(rf.read(0x00)).toBe(0xbeef);
    expect(rf.anomalies).toEqual({ unknownReads: 0, unknownWrites: 0, unimplementedWrites: 0 });
  });

  test('RO: a bus write is ignored and traced; the device-set value stays', () => {
    const { rf, events } = setup();
    expect(rf.read(0x04)).toBe(0x00aa);
    rf.set(ROR, 0x0055);
    rf.write(0x04, 0x1234);
    expect(rf.read(0x04)).toBe(0x0055);
    // the bits the write tried to change: 0x1234 ^ 0x0055
    expect(ofKind(events, 'reg.unimplemented')).toMatchObject([{ offset: 0x04, reg: 'ROR', bits: 0x1261, why: 'read-only bits; write ignored' }]);
    expect(rf.anomalies.unimplementedWrites).toBe(1);
  });

  test('RO: writing back the current value (read-modify-write) is silent', () => {
    const { rf, events } = setup();
    rf.write(0x04, rf.read(0x04));
    expect(ofKind(events, 'reg.unimplemented')).toEqual([]);
    expect(rf.anomalies.unimplementedWrites).toBe(0);
  });

  test('RO fields of a writable register: 0s written over device-set bits are how a command is composed (silent); a 1 written into a clear one is reported', () => {
    const CMD = reg(0x00, 'CMD', 'Command', 'RW', G, { START: bit(0, 'start', 'SC'), DONE: bit(4, 'done', 'RO'), ADDR: bits(8, 8, 'address'), DATA: bits(16, 16, 'data', { access: 'RO' }) });
    const sim = new Simulator();
    const rec = sim.trace.record();
    const rf = new RegisterFile([CMD], 0x10, sim.trace, 'dev', () => sim.now);
    rf.set(CMD, 0xbeef_0010); // the device finished a read: DONE and DATA set
    rf.write(0x00, 0x0000_0301); // the next read: START | ADDR=3, zeros in DONE and DATA
    expect(ofKind(rec.events, 'reg.unimplemented')).toEqual([]);
    rf.set(CMD, 0);
    rf.write(0x00, 0x0001_0010); // 1s into DONE and DATA, which read 0
    expect(ofKind(rec.events, 'reg.unimplemented')).toMatchObject([{ reg: 'CMD', bits: 0x0001_0010, why: 'read-only bits; write ignored' }]);
    expect(rf.anomalies.unimplementedWrites).toBe(1);
  });

  test('WO: reads as 0 while the written value is stored for the device', () => {
    const { rf } = setup();
    rf.write(0x08, 0xcafe);
    expect(rf.read(0x08)).toBe(0);
    expect(rf.get(WOR)).toBe(0xcafe);
  });

  test('RC: returns the value, then clears it; writes are ignored', () => {
    const { rf } = setup();
    rf.setBits(RCR, 0x0101);
    rf.write(0x0c, 0xffff);
    expect(rf.read(0x0c)).toBe(0x0101);
    expect(rf.read(0x0c)).toBe(0);
  });

  test('RC/W1C: returns then clears on read; a written 1 clears that bit, a 0 leaves it', () => {
    const { rf } = setup();
    rf.set(RCW, 0x000f);
    rf.write(0x10, 0x0003);
    expect(rf.get(RCW)).toBe(0x000c);
    expect(rf.read(0x10)).toBe(0x000c);
    expect(rf.read(0x10)).toBe(0);
  });

  test('W1C: clears only the bits written as 1; reads do not clear', () => {
    const { rf } = setup();
    rf.set(W1CR, 0b1111);
    rf.write(0x14, 0b1010);
    expect(rf.read(0x14)).toBe(0b0101);
    expect(rf.read(0x14)).toBe(0b0101);
    rf.write(0x14, 0);
    expect(rf.read(0x14)).toBe(0b0101);
  });

  test('W1S: a 1 sets the bit, a 0 has no effect', () => {
    const { rf } = setup();
    rf.write(0x18, 0b0011);
    rf.write(0x18, 0b0100);
    expect(rf.read(0x18)).toBe(0b0111);
    rf.write(0x18, 0);
    expect(rf.read(0x18)).toBe(0b0111);
  });

  test('SC: a written 1 is kept (and read back) until the device clears it', () => {
    const { rf } = setup();
    rf.write(0x1c, 0x4201);
    expect(rf.read(0x1c)).toBe(0x4201);
    expect(rf.read(0x1c)).toBe(0x4201);
    rf.clearBits(SCR, SCR.f.GO.mask);
    expect(rf.read(0x1c)).toBe(0x4200);
  });
});

describe('anomalies', () => {
  test('an unknown offset reads 0, ignores writes, and is traced as reg.unknown and counted', () => {
    const { rf, events } = setup();
    const before = Array.from(rf.storage);
    expect(rf.read(0x20)).toBe(0);
    rf.write(0x20, 0xdeadbeef);
    rf.write(0x44, 1); // the gap between ARR[0] (0x40) and ARR[1] (0x48)
    expect(Array.from(rf.storage)).toEqual(before);
    expect(ofKind(events, 'reg.unknown')).toMatchObject([
      { op: 'read', offset: 0x20, value: 0, source: 'dev' },
      { op: 'write', offset: 0x20, value: 0xdeadbeef },
      { op: 'write', offset: 0x44, value: 1 },
    ]);
    expect(rf.anomalies).toEqual({ unknownReads: 1, unknownWrites: 2, unimplementedWrites: 0 });
  });

  test('writing bits no field defines is traced as reg.unimplemented; the defined bits are still stored', () => {
    const { rf, events } = setup();
    rf.write(0x00, 0xffff_5678);
    expect(rf.read(0x00)).toBe(0x5678);
    expect(ofKind(events, 'reg.unimplemented')).toMatchObject([{ offset: 0x00, reg: 'RWR', bits: 0xffff_0000 }]);
    expect(rf.anomalies.unimplementedWrites).toBe(1);
  });

  test('a write of both undefined and read-only bits gives one trace event per kind', () => {
    const { rf, events } = setup();
    rf.write(0x04, 0x0001_0001); // ROR holds 0x00aa: bit 0 would change bits 0, 1, 3, 5 and 7
    expect(ofKind(events, 'reg.unimplemented').map((e) => e.bits)).toEqual([0x0001_0000, 0x0000_00ab]);
    expect(rf.anomalies.unimplementedWrites).toBe(1);
  });

  test.each([
    ['unaligned', 0x02],
    ['unaligned inside a register', 0x05],
    ['negative', -4],
    ['just past the window', SIZE],
    ['far past the window', 0x7fff_fffc],
    ['not an integer', 1.5],
    ['NaN', Number.NaN],
  ])('%s offset (%s): never throws, reads 0, writes change nothing, counted as unknown', (_what, offset) => {
    const { rf, events } = setup();
    const before = Array.from(rf.storage);
    let v = -1;
    expect(() => {
      v = rf.read(offset);
      rf.write(offset, 0xffffffff);
    }).not.toThrow();
    expect(v).toBe(0);
    expect(Array.from(rf.storage)).toEqual(before);
    expect(rf.anomalies).toEqual({ unknownReads: 1, unknownWrites: 1, unimplementedWrites: 0 });
    expect(ofKind(events, 'reg.unknown')).toHaveLength(2);
  });
});

describe('arrays, hooks, tracing', () => {
  test('an array expands to `count` instances `stride` bytes apart, each with its own storage and label', () => {
    const { rf } = setup();
    expect([0x40, 0x48, 0x50, 0x58].map((o) => rf.instanceAt(o)?.label)).toEqual(['ARR[0]', 'ARR[1]', 'ARR[2]', 'ARR[3]']);
    expect(rf.instanceAt(0x60)).toBeUndefined();
    rf.write(0x50, 0xabcd);
    expect([0x40, 0x48, 0x50, 0x58].map((o) => rf.read(o))).toEqual([5, 5, 0xabcd, 5]);
    expect(rf.get(ARR, 2)).toBe(0xabcd);
    expect(rf.instanceAt(0x58)?.index).toBe(3);
  });

  test('onWrite gets the time, the instance, the written and the old value, after the write is applied', () => {
    const { sim, rf } = setup();
    const seen: Array<[number, string, number, number, number]> = [];
    rf.onWrite(ARR, (now, inst, written, old) => seen.push([now, inst.label, written, old, rf.get(ARR, inst.index)]));
    sim.schedule(250, () => rf.write(0x48, 0x77));
    sim.run();
    expect(seen).toEqual([[250, 'ARR[1]', 0x77, 5, 0x77]]);
  });

  test('onRead can replace the value a read returns; WO masking still applies to it', () => {
    const { rf } = setup();
    rf.onRead(RWR, (_i, stored) => stored + 1);
    rf.onRead(WOR, () => 0xffff);
    rf.onRead(RCR, () => undefined);
    rf.set(RCR, 3);
    expect(rf.read(0x00)).toBe(0x1235);
    expect(rf.read(0x08)).toBe(0); // every defined bit of WOR is write-only
    expect(rf.read(0x0c)).toBe(3); // a hook returning nothing keeps the stored value
  });

  test('afterRead runs after the read-to-clear has been applied', () => {
    const { rf } = setup();
    let seen = -1;
    rf.afterRead(RCR, () => (seen = rf.get(RCR)));
    rf.set(RCR, 9);
    expect(rf.read(0x0c)).toBe(9);
    expect(seen).toBe(0);
  });

  test('every access is traced as reg.access with the decoded fields', () => {
    const { rf, events } = setup();
    rf.write(0x80, 0x0000_0321);
    rf.read(0x80);
    expect(ofKind(events, 'reg.access')).toMatchObject([
      { op: 'write', offset: 0x80, reg: 'ENUMR', value: 0x321, fields: 'EN|MODE=2(fast)|CNT=0x3' },
      { op: 'read', offset: 0x80, reg: 'ENUMR', value: 0x321, fields: 'EN|MODE=2(fast)|CNT=0x3' },
    ]);
  });

  test('reset() puts every register and array element back to its reset value', () => {
    const { rf } = setup();
    rf.write(0x00, 0x1);
    rf.write(0x58, 0x1);
    rf.set(ROR, 0);
    rf.reset();
    expect([rf.read(0x00), rf.read(0x04), rf.read(0x58)]).toEqual([0x1234, 0x00aa, 5]);
  });
});

describe('decodeFields', () => {
  test.each([
    [0x0000_0000, 'MODE=0(slow)'],
    [0x0000_0001, 'EN|MODE=0(slow)'],
    [0x0000_0010, 'MODE=1'],
    [0x0005_1223, 'EN|OFF|MODE=2(fast)|CNT=0x12|NIB=5'],
    [0x8000_0001, 'EN|MODE=0(slow)|?0x80000000'],
  ])('ENUMR %i → %s', (value, text) => {
    expect(decodeFields(ENUMR, value)).toBe(text);
  });

  test('a 32-bit field prints the whole word in hex', () => {
    expect(decodeFields(WIDE, 0xfebc0000)).toBe('VALUE=0xfebc0000');
  });
});

describe('table construction', () => {
  test('field masks and getField/setField agree with the declared positions', () => {
    expect(ENUMR.f.CNT.mask).toBe(0x0000_ff00);
    expect(ENUMR.definedMask).toBe(0x0007_ff33);
    expect(getField(0x0000_ab00, ENUMR.f.CNT)).toBe(0xab);
    expect(setField(0xffff_ffff, ENUMR.f.MODE, 1)).toBe(0xffff_ffdf);
  });

  test('overlapping fields or registers are programmer errors and throw', () => {
    expect(() => reg(0, 'X', 'x', 'RW', G, { A: bits(0, 4, 'a'), B: bit(3, 'b') })).toThrow(/overlaps/);
    const sim = new Simulator();
    const clash = reg(0x48, 'CLASH', 'clash', 'RW', G, { V: bit(0, 'v') });
    expect(() => new RegisterFile([ARR, clash], SIZE, sim.trace, 'dev', () => 0)).toThrow(/overlaps/);
  });

  test('device-side counters saturate at 2^32-1 and 64-bit counters carry into the high word', () => {
    const { rf } = setup();
    rf.set(RCR, 0xffff_fffe);
    rf.count(RCR, 5);
    expect(rf.get(RCR)).toBe(0xffff_ffff);
    rf.set(CLO, 0xffff_ff00);
    rf.set(CHI, 7);
    rf.count64(CLO, CHI, 0x180);
    expect([rf.read(0x88), rf.read(0x8c)]).toEqual([0x80, 8]);
  });
});

test('an instance passed to hooks names the register definition', () => {
  const { rf } = setup();
  let inst: RegInstance | undefined;
  rf.onWrite(SCR, (_n, i) => (inst = i));
  rf.write(0x1c, 0);
  expect(inst).toMatchObject({ offset: 0x1c, index: 0, label: 'SCR' });
  expect(inst?.def).toBe(SCR);
});

describe('register files of one layout', () => {
  test('share the table but not their words or hooks', () => {
    const sim = new Simulator();
    const defs = [RWR, ROR, WOR, RCR, RCW, W1CR, W1SR, SCR, ARR, ENUMR, WIDE, CLO, CHI];
    const a = new RegisterFile(defs, SIZE, sim.trace, 'a', () => sim.now);
    const b = new RegisterFile(defs, SIZE, sim.trace, 'b', () => sim.now);
    const seen: string[] = [];
    a.onWrite(RWR, () => seen.push('a'));
    a.write(0x00, 1);
    b.write(0x00, 2);
    expect(seen).toEqual(['a']);
    expect([a.read(0x00), b.read(0x00)]).toEqual([1, 2]);
    expect(b.instanceAt(0x00)?.label).toBe(a.instanceAt(0x00)?.label);
  });

  test('store one word per register instance in table order, not one per word of the window', () => {
    const { rf } = setup();
    rf.write(0x48, 0xcafe); // ARR[1]
    rf.write(0x84, 0xbeef); // WIDE
    // RWR ROR WOR RCR RCW W1CR W1SR SCR, ARR[0..3], ENUMR, WIDE, CLO, CHI
    expect(Array.from(rf.storage)).toEqual([0x1234, 0x00aa, 0, 0, 0, 0, 0, 0, 5, 0xcafe, 5, 5, 0, 0xbeef, 0, 0]);
    expect([rf.get(ARR, 1), rf.get(WIDE)]).toEqual([0xcafe, 0xbeef]);
  });
});

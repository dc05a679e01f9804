/**
 * The register recorder and the sequence matcher: each step kind, repetition and groups, array
 * instances, the failure message (where and what was expected), and malformed patterns.
 */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../sim/index.js';
import { HostMemory, Nic, e1000 as R } from '../../hw/index.js';
import { assertRegisterSequence, matchRegisterSequence, recordRegisters, RegisterSequenceError, type RegAccess } from '../../driver/index.js';

function acc(op: 'r' | 'w', reg: string, value: number, time = 0): RegAccess {
  const m = /^(.*)\[(\d+)\]$/.exec(reg);
  const name = m ? m[1] : reg;
  const def = R.E1000_REGISTERS.find((d) => d.name === name)!;
  const index = m ? Number(m[2]) : 0;
  return { time, source: 'nic', op: op === 'r' ? 'read' : 'write', offset: def.offset + index * def.stride, reg, name, index, value: value >>> 0, fields: '' };
}

const C = R.CTRL.f;
const trace: RegAccess[] = [
  acc('w', 'IMC', 0xffffffff),
  acc('r', 'CTRL', 0x1),
  acc('w', 'CTRL', 0x1 | C.RST.mask),
  acc('r', 'CTRL', 0x1 | C.RST.mask, 500),
  acc('r', 'CTRL', 0x1, 1000),
  acc('w', 'RAL[0]', 0x02),
  acc('w', 'RAH[0]', 0x80000a00),
  acc('w', 'RAL[1]', 0),
  acc('w', 'RAH[1]', 0),
  acc('w', 'IMS', R.INT.RXT0 | R.INT.TXDW | R.INT.LSC | R.INT.RXDMT0 | R.INT.RXSEQ),
];

const ok = (p: string, t = trace) => matchRegisterSequence(t, p).ok;

describe('matcher steps', () => {
  test('exact values by number and by field names (order of names does not matter)', () => {
    expect(ok('IMC=0xffffffff, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ')).toBe(true);
    expect(ok('IMC=0xffffffff, …, IMS=LSC|TXDW|RXSEQ|RXT0|RXDMT0')).toBe(true);
    expect(ok('IMC=0xffffffff, …, IMS=RXT0|TXDW|LSC')).toBe(false); // exact: RXDMT0|RXSEQ also set
  });

  test('REG|=A means a write with A set; REG&=~A a write with A clear; REG? a read', () => {
    expect(ok('IMC=0xffffffff, CTRL?, CTRL|=RST, …')).toBe(true);
    expect(ok('IMC=0xffffffff, CTRL?, CTRL|=SLU, …')).toBe(false);
    expect(ok('IMC=0xffffffff, CTRL?, CTRL&=~SLU, …')).toBe(true);
    expect(ok('IMC=0xffffffff, CTRL, …')).toBe(false); // CTRL without ? is a write
    expect(ok('IMC, CTRL?&=~RST, CTRL|=RST|FD, CTRL?|=RST, CTRL?&=~RST, …')).toBe(true);
    expect(ok('IMC, CTRL?=FD, CTRL=FD|RST, CTRL?=0x04000001, CTRL?=1, …')).toBe(true);
  });

  test('the issue example: IMC=0xffffffff, CTRL|=RST, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ', () => {
    const t = trace.filter((a) => !(a.op === 'read' && a.name === 'CTRL' && a.value === 1 && a.time === 0));
    expect(ok('IMC=0xffffffff, CTRL|=RST, …, IMS=RXT0|TXDW|LSC|RXDMT0|RXSEQ', t)).toBe(true);
  });

  test('* is one access, … any number (also none), the whole trace must be matched', () => {
    expect(ok('*, *, *, …')).toBe(true);
    expect(ok('*{10}')).toBe(true);
    expect(ok('*{9}')).toBe(false);
    expect(ok('…, IMS')).toBe(true);
    expect(ok('…, IMS, …')).toBe(true);
    expect(ok('…, RAL[0], …')).toBe(true);
    expect(ok('IMC, …, RAL[0]')).toBe(false);
  });

  test('repetition: {n}, {n,m}, {n,}, +; groups', () => {
    expect(ok('IMC, CTRL?, CTRL, CTRL?+, …')).toBe(true);
    expect(ok('IMC, CTRL?, CTRL, CTRL?{2}, …')).toBe(true);
    expect(ok('IMC, CTRL?, CTRL, CTRL?{3}, …')).toBe(false);
    expect(ok('IMC, CTRL?, CTRL, CTRL?{1,2}, RAL[0], …')).toBe(true);
    expect(ok('IMC, CTRL?, CTRL, CTRL?{3,}, …')).toBe(false);
    expect(ok('IMC, CTRL?, CTRL, CTRL?{0,}, (RAL=0x2, RAH|=AV), (RAL=0, RAH=0){1}, IMS')).toBe(true);
    expect(ok('…, (RAL[*], RAH[*]){2}, IMS')).toBe(true);
    expect(ok('…, (RAL[*], RAH[*]){3}, IMS')).toBe(false);
  });

  test('array registers: REG[i] one instance, REG[*] or REG any instance; fields of the register table', () => {
    expect(ok('…, RAL[0]=0x2, RAH[0]=RAH=0xa00|AV, RAL[1]=0, RAH[1]=0, IMS')).toBe(true);
    expect(ok('…, RAL[1]=0x2, …')).toBe(false);
    expect(ok('…, RAL=0x2, RAH|=AV, RAL=0, RAH=0, IMS')).toBe(true);
  });
});

describe('mismatch reports', () => {
  test('names the access that failed, what was expected, and the context', () => {
    const r = matchRegisterSequence(trace, 'IMC=0xffffffff, CTRL?, CTRL|=SLU, …');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.at).toBe(2);
    expect(r.message).toContain('mismatch at access #2 of 10');
    expect(r.message).toContain('W CTRL');
    expect(r.message).toContain('0x04000001');
    expect(r.message).toContain('expected `CTRL|=SLU`');
  });

  test('a trace that ends early says what was expected next; assert throws RegisterSequenceError', () => {
    expect(() => assertRegisterSequence(trace, 'IMC, *{8}, IMS, ICS=LSC')).toThrow(RegisterSequenceError);
    const r = matchRegisterSequence(trace, 'IMC, *{8}, IMS, ICS=LSC');
    expect(r.ok ? '' : r.message).toContain('ended after 10 accesses; expected `ICS=LSC` next');
    expect(r.ok ? -1 : r.at).toBe(10);
  });

  test('malformed patterns throw: unknown register, unknown field, multi-bit field without value, bad index', () => {
    expect(() => matchRegisterSequence(trace, 'FOO=1')).toThrow(/unknown register 'FOO'/);
    expect(() => matchRegisterSequence(trace, 'CTRL|=NOPE')).toThrow(/CTRL has no field 'NOPE'/);
    expect(() => matchRegisterSequence(trace, 'CTRL=SPEED')).toThrow(/2 bits wide/);
    expect(() => matchRegisterSequence(trace, 'RAL[16]')).toThrow(/16 instance/);
    expect(() => matchRegisterSequence(trace, '(CTRL, IMC')).toThrow(/unbalanced/);
    expect(() => matchRegisterSequence(trace, 'TCTL=CT=300')).toThrow(/does not fit/);
  });
});

describe('recorder', () => {
  test('records reads and writes of one device from the trace bus, decoded', () => {
    const sim = new Simulator();
    const nic = new Nic(sim, { memory: new HostMemory(1 << 16), name: 'x' });
    const other = new Nic(sim, { memory: new HostMemory(1 << 16), name: 'y' });
    const rec = recordRegisters(sim, { source: 'x' });
    sim.run({ until: 5_000 });
    nic.write32(R.RCTL.offset, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask);
    other.write32(R.RCTL.offset, 0);
    nic.read32(R.RAH.offset + 8 * 0);
    rec.stop();
    nic.read32(R.STATUS.offset);
    expect(rec.accesses).toHaveLength(2);
    expect(rec.accesses[0]).toMatchObject({ time: 5_000, source: 'x', op: 'write', reg: 'RCTL', name: 'RCTL', index: 0, value: 0x8002 });
    expect(rec.accesses[0].fields).toContain('EN|');
    expect(rec.accesses[1]).toMatchObject({ op: 'read', reg: 'RAH[0]', name: 'RAH', index: 0 });
    expect(rec.match('RCTL=EN|BAM, RAH[0]?|=AV').ok).toBe(true);
    expect(() => rec.expect('RCTL=EN')).toThrow(/mismatch at access #0/);
    expect(rec.format()).toMatch(/5\.000 µs {2}W RCTL +?= 0x00008002/);
  });
});

describe('the README example: a user tests their own init code', () => {
  function myInit(nic: Nic, reset = true): void {
    nic.write32(R.IMC.offset, 0xffffffff);
    const ctrl = nic.read32(R.CTRL.offset);
    if (reset) nic.write32(R.CTRL.offset, ctrl | R.CTRL.f.RST.mask);
    nic.write32(R.RCTL.offset, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask);
    nic.write32(R.IMS.offset, R.INT.RXT0 | R.INT.TXDW | R.INT.LSC);
  }

  test('passes as written, and a forgotten reset is reported where it happens', () => {
    const sim = new Simulator();
    const nic = new Nic(sim, { memory: new HostMemory(1 << 16) });
    const rec = recordRegisters(sim, { source: nic.name });
    myInit(nic);
    rec.expect('IMC=0xffffffff, CTRL?, CTRL|=RST, …, IMS=RXT0|TXDW|LSC');
    rec.clear();
    myInit(nic, false);
    const r = rec.match('IMC=0xffffffff, CTRL?, CTRL|=RST, …, IMS=RXT0|TXDW|LSC');
    expect(r.ok).toBe(false);
    const msg = r.ok ? '' : r.message;
    expect(msg.split('\n').slice(0, 3)).toEqual([
      'register sequence mismatch at access #2 of 4:',
      '  got      0.000 µs  W RCTL      = 0x00008002  EN|LBM=0(none)|RDMTS=0(1/2)|MO=0(bits 47:36)|BAM|BSIZE=0(2048)',
      '  expected `CTRL|=RST`',
    ]);
  });
});

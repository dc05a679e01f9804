/** The per-simulator slab: fresh zeroed regions, never handed out twice, one slab per simulator; and its frame pool. */
import { expect, test } from 'vitest';
import { Simulator } from '../../sim/simulator.js';
import { Slab } from '../../sim/slab.js';

test('regions are zeroed, 8-byte aligned and disjoint; a full slab is replaced, large requests get their own store', () => {
  const s = new Slab();
  const a = s.bytes(5);
  const b = s.bytes(3);
  expect([a.byteOffset, b.byteOffset, a.buffer === b.buffer]).toEqual([0, 8, true]);
  a.fill(0xff);
  expect(Array.from(b)).toEqual([0, 0, 0]);
  const w = s.u16(4);
  expect([w.byteOffset, w.length]).toEqual([16, 4]);
  const big = s.bytes(1 << 17);
  expect([big.byteOffset, big.buffer.byteLength]).toEqual([0, 1 << 17]);
  const fill: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) fill.push(s.bytes(60_000));
  expect(fill[19].buffer).not.toBe(a.buffer);
  expect(fill[19].every((x) => x === 0)).toBe(true);
});

test('each simulator owns its slab', () => {
  const x = new Simulator();
  const y = new Simulator();
  expect(x.slab).not.toBe(y.slab);
  expect(x.slab.bytes(8).buffer).not.toBe(y.slab.bytes(8).buffer);
});

test('the frame pool: fresh zeroed buffers until one is given back, then that one (old bytes in it) for the same length only; at most 32 kept per length', () => {
  const s = new Slab();
  const a = s.frame(72);
  expect([a.length, a.every((x) => x === 0)]).toEqual([72, true]);
  a.fill(0xab);
  s.recycle(a);
  const other = s.frame(100);
  expect(other).not.toBe(a);
  const again = s.frame(72);
  expect([again === a, again[0]]).toEqual([true, 0xab]);
  expect(s.frame(72)).not.toBe(a); // handed out once: the pool is empty again
  const many = Array.from({ length: 40 }, () => s.frame(64));
  for (const m of many) s.recycle(m);
  const back = new Set(Array.from({ length: 40 }, () => s.frame(64)));
  expect(many.filter((m) => back.has(m)).length).toBe(32);
});

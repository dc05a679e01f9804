/** The DMA-coherent allocator: alignment, zero fill, page 0 and MMIO windows never handed out, exhaustion, coalescing. */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../../sim/index.js';
import { HostMemory } from '../../../hw/index.js';
import { Kernel } from '../../../driver/index.js';
import { setup } from './helpers.js';

describe('DMA allocator', () => {
  test('aligned, zeroed, never page 0, coalesced on free', () => {
    const { mem, k } = setup();
    mem.bytes.fill(0xee);
    const a = k.dma.alloc(100, 4096)!;
    const b = k.dma.alloc(16, 16)!;
    const c = k.dma.alloc(2048 * 4, 2048)!;
    expect(a.addr).toBe(0x1000);
    expect(a.addr % 4096).toBe(0);
    expect(b.addr).toBe(0x1070);
    expect(c.addr % 2048).toBe(0);
    expect(Array.from(a.bytes.subarray(0, 100)).every((x) => x === 0)).toBe(true);
    expect(c.bytes.length).toBe(8192);
    expect(k.dma.inUse).toBe(100 + 16 + 8192);
    k.dma.release(b);
    k.dma.release(a);
    k.dma.release(c.addr);
    expect(k.dma.inUse).toBe(0);
    expect(k.dma.allocations).toBe(0);
    expect(k.dma.fragments).toBe(1);
    expect(() => k.dma.release(a)).toThrow(/not an allocated block/);
  });

  test('exhaustion returns null; MMIO windows are never handed out', () => {
    const mem = new HostMemory(64 * 1024);
    mem.mmio.push({ base: 0x8000, size: 0x1000 });
    const k = new Kernel(new Simulator(), mem);
    const big = k.dma.alloc(0x7000, 16)!;
    expect(big.addr).toBe(0x1000);
    const next = k.dma.alloc(0x1000, 16)!;
    expect(next.addr).toBe(0x9000); // skips the window at 0x8000
    expect(k.dma.alloc(0x10000, 16)).toBeNull();
    expect(() => k.dma.alloc(10, 3)).toThrow(/power of two/);
  });
});

describe('DMA allocator zero fill', () => {
  test('a block is zeroed where it held data, at every alignment, and pages already zero are left unwritten', () => {
    const { mem, k } = setup();
    mem.bytes.fill(0, 0x1000, 0x4000);
    mem.bytes[0x2345] = 7; // one dirty byte in the second page
    mem.bytes[0x3001] = 9; // and one in the third, unaligned block below
    const a = k.dma.alloc(0x2000, 4096)!; // 0x1000..0x3000
    expect(a.bytes.every((x) => x === 0)).toBe(true);
    const b = k.dma.alloc(7, 1)!; // odd size at 0x3000
    expect(b.addr).toBe(0x3000);
    expect(Array.from(b.bytes)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const c = k.dma.alloc(3, 1)!; // an address that is not 4-aligned
    expect(c.addr).toBe(0x3007);
    mem.bytes.fill(0x5a, 0x3007, 0x300a);
    k.dma.release(c);
    expect(Array.from(k.dma.alloc(3, 1)!.bytes)).toEqual([0, 0, 0]);
  });
});

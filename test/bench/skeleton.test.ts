/**
 * The skeleton of the frame model (bench/skeleton.ts) does the work it claims: every frame is
 * serialized with its FCS, checked, stored byte for byte, written back and counted, at the
 * instants a 1 Gb/s line gives — so its figure is what that work costs, not an empty loop.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { Skeleton, SKELETON_STAT as S, skeletonSession } from '../../bench/skeleton.js';
import { DESC, DESC_SIZE, RXD_STAT, TXD_CMD, TXD_STA } from '../../hw/descriptors.js';

const RX_RING = 0x20000;
const TX_RING = 0x10000;

describe('the skeleton of the frame model', () => {
  test('three minimum-size frames: stored byte for byte in successive buffers, written back, counted, at line-rate instants', () => {
    const k = new Skeleton(64);
    expect(k.step(3)).toBe(3);
    // 72 octets on the line (preamble, SFD, 60 + FCS) = 576 ns, then 96 ns of gap; the last frame arrives 5 ns after its last bit
    expect(k.sim.now).toBe(2 * 672 + 576 + 5);
    const { bytes, view } = k.b.mem;
    for (let i = 0; i < 3; i++) {
      const da = RX_RING + i * DESC_SIZE;
      expect(bytes[da + DESC.STATUS]).toBe(RXD_STAT.DD | RXD_STAT.EOP);
      expect(view.getUint16(da + DESC.LENGTH, true)).toBe(60);
      const at = view.getUint32(da + DESC.ADDR, true);
      expect(bytes.subarray(at, at + 60)).toEqual(k.frame);
      expect(k.a.mem.bytes[TX_RING + i * DESC_SIZE + DESC.STATUS] & TXD_STA.DD).toBe(TXD_STA.DD);
    }
    expect(bytes[RX_RING + 3 * DESC_SIZE + DESC.STATUS]).toBe(0);
    expect([k.a.stats[S.TxGood], k.a.stats[S.TxOctets], k.b.stats[S.RxGood], k.b.stats[S.RxOctets], k.b.stats[S.CrcErrors]]).toEqual([3, 192, 3, 192, 0]);
    expect([k.a.cause, k.b.cause]).toEqual([0x01, 0x80]);
  });

  test('the line holds preamble, SFD, the frame and its FCS, for short frames (word loops) and long ones (zlib)', () => {
    for (const size of [64, 72, 127, 128, 1518]) {
      const k = new Skeleton(size);
      expect(k.step(2)).toBe(2);
      const line = k.lastSent!.bytes;
      expect(line.length).toBe(8 + size);
      expect([...line.subarray(0, 8)]).toEqual([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5]);
      expect(line.subarray(8, 8 + size - 4)).toEqual(k.frame);
      const fcs = new DataView(line.buffer, line.byteOffset + 8 + size - 4, 4).getUint32(0, true);
      expect(fcs).toBe(crc32(k.frame));
    }
  });

  test('a frame sent without its FCS fails the check (short and long frames): counted as a CRC error and not stored', () => {
    for (const size of [64, 127, 1518]) {
      const k = new Skeleton(size);
      k.a.mem.bytes[TX_RING + DESC.CMD] = TXD_CMD.EOP | TXD_CMD.RS; // no IFCS: the line ends with payload, not an FCS
      expect(k.step(2)).toBe(1);
      expect(k.b.stats[S.CrcErrors]).toBe(1);
      expect(k.b.stats[S.RxTotal]).toBe(2);
      expect(k.b.mem.bytes[RX_RING + DESC.STATUS]).toBe(RXD_STAT.DD | RXD_STAT.EOP); // the good frame took the first buffer
      expect(k.b.mem.bytes[RX_RING + DESC_SIZE + DESC.STATUS]).toBe(0);
    }
  });

  test('twenty different frames of each size arrive in order, each whole in its own buffer (lengths off the word size included)', () => {
    for (const size of [64, 71, 72, 127, 128, 1518]) {
      const k = new Skeleton(size);
      const body = size - 4;
      const { bytes, view } = k.a.mem;
      // descriptor i points at its own copy of the frame, numbered i in its last payload byte
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 20; i++) {
        const f = k.frame.slice();
        f[body - 1] = i;
        f[20] = 100 + i;
        const at = 0x200000 + i * 2048;
        bytes.set(f, at);
        view.setUint32(TX_RING + i * DESC_SIZE + DESC.ADDR, at, true);
        frames.push(f);
      }
      expect(k.step(20)).toBe(20);
      const rx = k.b.mem;
      for (let i = 0; i < 20; i++) {
        const da = RX_RING + i * DESC_SIZE;
        expect(rx.view.getUint16(da + DESC.LENGTH, true)).toBe(body);
        const at = rx.view.getUint32(da + DESC.ADDR, true);
        expect(rx.bytes.subarray(at, at + body)).toEqual(frames[i]);
        expect(rx.bytes[at + body]).toBe(0); // nothing past the frame
      }
      const bin = { 64: 0, 71: 1, 72: 1, 127: 1, 128: 2, 1518: 5 }[size]!; // PRC64, PRC127, PRC255 … PRC1522
      expect(k.b.stats[S.RxBySize + bin]).toBe(20);
      expect(k.a.stats[S.TxBySize + bin]).toBe(20);
    }
  });

  test('a frame for another station is not stored; one with no free descriptor is counted', () => {
    const k = new Skeleton(64);
    k.a.mem.bytes[0x40000 + 5] = 0x0c; // every frame now goes to 02:00:00:00:00:0c
    expect(k.step(3)).toBe(0);
    expect([k.b.stats[S.RxTotal], k.b.stats[S.RxGood], k.b.stats[S.NoDescriptor]]).toEqual([3, 0, 0]);
    const full = new Skeleton(64);
    full.b.tail = 2; // two free descriptors
    expect(full.step(3)).toBe(2);
    expect(full.b.stats[S.NoDescriptor]).toBe(1);
  });

  test('the session checks every frame arrived and the last is the frame sent', () => {
    const s = skeletonSession(1518);
    let n = 0;
    for (let i = 0; i < 4; i++) n += s.step() as number;
    expect(n).toBe(4 * 512);
    expect(() => s.close!()).not.toThrow();
    expect(() => skeletonSession(63)).toThrow(/64…1518 bytes, got 63/);
  });
});

/**
 * The adapter driven as a malicious guest driver would drive it (issue 11): receive descriptors
 * that the frame's own bytes overwrite, endless transmit chains, interrupt listeners that re-enter
 * the adapter, and values no register can hold. Each test failed on the code before its fix.
 */
import { describe, expect, test } from 'vitest';
import type { TraceEvent } from '../../sim/trace.js';
import { DESC_SIZE } from '../../hw/descriptors.js';
import { R, LAYOUT, MAC_A, nicWithRawPeer, rxBuffer, rxDesc, ethFrame, rd } from './helpers.js';

function ofKind<K extends TraceEvent['kind']>(events: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

// ====================================================================== defect 1

describe('receive DMA fetches each descriptor once', () => {
  const BAR0 = 0x8_0000; // inside the 1 MiB host memory of these tests
  /**
   * Descriptor 0's buffer is descriptor 1 itself (256-byte buffers, LPE, UPE): the first 8 bytes of
   * the frame (destination and the start of the source address) become descriptor 1's ADDR while
   * the frame is written. The adapter must use the addresses it fetched before writing.
   */
  test.each([
    ['2^40 (beyond host memory)', '00:00:00:00:00:01', 0x100_0000_0000],
    ['0 (NULL)', '00:00:00:00:00:00', 0],
    ['inside the BAR0 window', '00:00:08:00:00:00', BAR0],
  ] as const)('a frame whose bytes overwrite the next descriptor with %s lands in the buffers fetched before', (_what, dst, addr) => {
    const C = R.RCTL.f;
    const { sim, nic, port } = nicWithRawPeer({ nic: { bar0Base: BAR0 }, rctl: C.LPE.mask | C.UPE.mask | (3 << C.BSIZE.lsb) });
    const rec = sim.trace.record(['drop', 'dma.fault', 'nic.rx']);
    nic.memory.writeU64(LAYOUT.rxRing, LAYOUT.rxRing + DESC_SIZE);
    const frame = ethFrame(dst, '00:00:' + MAC_A.slice(6), 600);
    expect(new DataView(frame.buffer).getUint32(4, true) * 2 ** 32 + new DataView(frame.buffer).getUint32(0, true)).toBe(addr);
    port.send(frame);
    expect(() => sim.runFor(100_000)).not.toThrow();
    // 604 bytes with the FCS: 256 + 256 + 92, in descriptors 0, 1 and 2.
    expect(rd(nic, R.RDH)).toBe(3);
    expect(rd(nic, R.GPRC)).toBe(1);
    expect(ofKind(rec.events, 'nic.rx')).toMatchObject([{ length: 604, firstIndex: 0, descriptors: 3, errors: 0 }]);
    expect(ofKind(rec.events, 'dma.fault')).toEqual([]);
    expect(ofKind(rec.events, 'drop')).toEqual([]);
    expect(nic.memory.read(rxBuffer(1), 256)).toEqual(frame.subarray(256, 512));
    expect(nic.memory.read(rxBuffer(2), 88)).toEqual(frame.subarray(512, 600));
    expect(rxDesc(nic, 2)).toMatchObject({ length: 92 });
    // Nothing landed where the frame's bytes pointed.
    expect(nic.memory.bytes.subarray(BAR0, BAR0 + R.BAR0_SIZE).every((b) => b === 0)).toBe(true);
    expect(nic.memory.bytes.subarray(0, 0x1000).every((b) => b === 0)).toBe(true);
  });
});

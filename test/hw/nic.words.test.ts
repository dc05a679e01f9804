/**
 * Short frames go between host memory and the line a 32-bit word at a time (transmit: copy and FCS
 * in one pass; receive: copy and packet checksum in one pass), descriptors are read and written
 * back as words. These tests pin that every length, alignment, PCSS and memory end gives the same
 * bytes, sums and write-backs as the octet-wise reference, and that memory next to a frame is left
 * as it was.
 */
import { describe, expect, test } from 'vitest';
import { HostMemory } from '../../hw/memory.js';
import { DESC_SIZE, RXD_STAT, TXD_CMD, readRxDescriptor, writeRxDescriptor } from '../../hw/descriptors.js';
import { serializeFrame } from '../../hw/mac/framing.js';
import { fcs32 } from '../../hw/mac/fcs.js';
import { LAYOUT, MAC_A, MAC_B, R, ethFrame, nicWithRawPeer, queueTx, rd, rfc1071Sum, rxDesc, setupTx, wr } from './helpers.js';

describe('receive: short frames written a word at a time', () => {
  test('every length 60–127 with and without SECRC, PCSS 0–15, 34 and beyond the frame: bytes, length and packet checksum as the reference; memory after the frame untouched', () => {
    let checked = 0;
    for (const secrc of [false, true]) {
      const { sim, nic, port } = nicWithRawPeer({ rxCount: 8, rctl: secrc ? R.RCTL.f.SECRC.mask : 0 });
      let i = 0;
      for (let len = 60; len < 128; len++) {
        for (const pcss of [0, 1, 2, 3, 13, 14, 15, 34, 200]) {
          const slot = i % 8;
          const buf = LAYOUT.rxBuf + slot * 0x800;
          nic.memory.bytes.fill(0xa5, buf, buf + 0x800);
          writeRxDescriptor(nic.memory, LAYOUT.rxRing + slot * DESC_SIZE, buf);
          wr(nic, R.RXCSUM, pcss);
          const f = ethFrame(MAC_B, MAC_A, len, len * 31 + pcss);
          port.send(f);
          sim.runFor(10_000);
          wr(nic, R.RDT, (slot + 7) % 8);
          const d = readRxDescriptor(nic.memory, LAYOUT.rxRing + slot * DESC_SIZE);
          const stored = secrc ? len : len + 4;
          const wire = serializeFrame(f, true, false).subarray(8);
          expect(d.status & RXD_STAT.DD, `len ${len} pcss ${pcss}`).toBe(RXD_STAT.DD);
          expect(d.length).toBe(stored);
          expect(d.csum, `len ${len} pcss ${pcss} secrc ${secrc}`).toBe(rfc1071Sum(wire, pcss, len));
          expect(nic.memory.bytes.subarray(buf, buf + stored)).toEqual(wire.subarray(0, stored));
          expect(nic.memory.bytes.subarray(buf + stored, buf + stored + 8)).toEqual(new Uint8Array(8).fill(0xa5));
          i++;
          checked++;
        }
      }
    }
    expect(checked).toBe(2 * 68 * 9);
  });

  test('a buffer at an address that is not 4-aligned gets the same bytes and sum (the octet path)', () => {
    const { sim, nic, port } = nicWithRawPeer({ rxCount: 8 });
    wr(nic, R.RXCSUM, 14);
    for (let k = 0; k < 4; k++) {
      const buf = LAYOUT.rxBuf + k * 0x800 + k;
      nic.memory.bytes.fill(0x5a, buf - 4, buf + 0x100);
      writeRxDescriptor(nic.memory, LAYOUT.rxRing + k * DESC_SIZE, buf);
    }
    const frames = [61, 62, 63, 64].map((len, k) => ethFrame(MAC_B, MAC_A, len, k));
    for (const f of frames) {
      port.send(f);
      sim.runFor(10_000);
    }
    frames.forEach((f, k) => {
      const wire = serializeFrame(f, true, false).subarray(8);
      const d = rxDesc(nic, k);
      expect(d.csum).toBe(rfc1071Sum(wire, 14, f.length));
      expect(nic.memory.bytes.subarray(d.buffer - 4, d.buffer)).toEqual(new Uint8Array(4).fill(0x5a));
      expect(nic.memory.bytes.subarray(d.buffer, d.buffer + d.length)).toEqual(wire);
      expect(nic.memory.bytes[d.buffer + d.length]).toBe(0x5a);
    });
  });

  test('a frame that ends at the last byte of a memory whose size is not a multiple of 4 is stored whole', () => {
    const size = LAYOUT.memSize - 1; // the last word of memory is partial
    const { sim, nic, port } = nicWithRawPeer({ nic: { memSize: size }, rxCount: 8 });
    const f = ethFrame(MAC_B, MAC_A, 63, 9); // 67 bytes stored with the FCS
    const buf = size - (f.length + 4);
    writeRxDescriptor(nic.memory, LAYOUT.rxRing, buf);
    port.send(f);
    sim.runFor(10_000);
    expect(rxDesc(nic, 0).status & RXD_STAT.DD).toBe(RXD_STAT.DD);
    expect(nic.memory.bytes.subarray(buf, size)).toEqual(serializeFrame(f, true, false).subarray(8));
  });
});

describe('transmit: short frames read a word at a time, FCS computed while copying', () => {
  /** A transmitting adapter and a raw port that records the line. */
  function sender(memSize?: number) {
    const { sim, nic, port } = nicWithRawPeer({ nic: { memSize }, rxCount: 8 });
    setupTx(nic, 8);
    return { sim, nic, port };
  }

  test('every length 14–127 at every alignment of its buffer, padded or not: the line is preamble, SFD, frame (padding) and its FCS', () => {
    const { sim, nic, port } = sender();
    const expected: Uint8Array[] = [];
    for (let len = 14; len < 128; len++) {
      for (let k = 0; k < 4; k++) {
        const f = ethFrame(MAC_B, MAC_A, len, len + 17 * k);
        const buffer = LAYOUT.txBuf + 0x800 * k + k;
        nic.memory.write(buffer, f);
        queueTx(nic, f, { buffer });
        sim.runFor(20_000);
        expected.push(serializeFrame(f, true, true)); // TCTL.PSP: padded to 60
      }
    }
    expect(port.received.map((w) => w.bytes)).toEqual(expected);
    const last = expected[expected.length - 1];
    expect(fcs32(last, 8, last.length - 4)).toBe(new DataView(last.buffer, last.byteOffset).getUint32(last.length - 4, true));
  });

  test('legacy checksum insertion (IC) on a short frame from words: inserted, then the FCS over the result', () => {
    const { sim, nic, port } = sender();
    const f = ethFrame(MAC_B, MAC_A, 80, 4);
    f[20] = 0; // the checksum field (CSO 20), zero before the insertion
    f[21] = 0;
    queueTx(nic, f, { cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS | TXD_CMD.IC, noDoorbell: true });
    // CSO 20, CSS 22 in the descriptor (bytes 10 and 13), then the doorbell
    const da = LAYOUT.txRing;
    nic.memory.bytes[da + 10] = 20;
    nic.memory.bytes[da + 13] = 22;
    wr(nic, R.TDT, 1);
    sim.runFor(20_000);
    const want = f.slice();
    const sum = ~rfc1071Sum(f, 22, f.length) & 0xffff;
    want[20] = sum >>> 8;
    want[21] = sum & 0xff;
    expect(port.received.map((w) => w.bytes)).toEqual([serializeFrame(want, true, true)]);
  });

  test('without IFCS a short frame goes out with no FCS, as the reference', () => {
    const { sim, nic, port } = sender();
    const f = ethFrame(MAC_B, MAC_A, 70, 2);
    queueTx(nic, f, { cmd: TXD_CMD.EOP | TXD_CMD.RS });
    sim.runFor(20_000);
    expect(port.received.map((w) => w.bytes)).toEqual([serializeFrame(f, false, false)]);
  });

  test('a frame in the last, partial word of memory is read whole', () => {
    const size = LAYOUT.memSize - 3;
    const { sim, nic, port } = sender(size);
    const f = ethFrame(MAC_B, MAC_A, 61, 8);
    const buffer = size - f.length; // ends at the last byte; 4-aligned start only if size - 61 is
    nic.memory.write(buffer, f);
    queueTx(nic, f, { buffer });
    sim.runFor(20_000);
    expect(port.received.map((w) => w.bytes)).toEqual([serializeFrame(f, true, true)]);
    expect(rd(nic, R.GPTC)).toBe(1);
  });
});

test('a memory of 2^32 − 1 bytes: a frame ending in its partial last word is stored and sent whole (the bounds check does not wrap at 2^32)', () => {
  const size = 2 ** 32 - 1; // allocated lazily: only the pages touched are used
  const { sim, nic, port } = nicWithRawPeer({ nic: { memSize: size }, rxCount: 8 });
  // receive: a 63-byte frame and its FCS (SECRC clear), 67 bytes stored at a 4-aligned address, up to the last byte
  const rxBuf = size - 67;
  expect(rxBuf % 4).toBe(0);
  nic.memory.bytes.fill(0xa5, rxBuf, size);
  writeRxDescriptor(nic.memory, LAYOUT.rxRing, rxBuf);
  const f = ethFrame(MAC_B, MAC_A, 63, 3);
  port.send(f);
  sim.runFor(10_000);
  expect(rxDesc(nic, 0).length).toBe(67);
  expect(nic.memory.bytes.subarray(rxBuf, size)).toEqual(serializeFrame(f, true, false).subarray(8));
  // transmit: a 67-byte frame from a 4-aligned buffer that ends at the last byte
  setupTx(nic, 8);
  const g = ethFrame(MAC_B, MAC_A, 67, 5);
  const txBuf = size - 67;
  nic.memory.write(txBuf, g);
  queueTx(nic, g, { buffer: txBuf });
  sim.runFor(20_000);
  expect(port.received.map((w) => w.bytes)).toEqual([serializeFrame(g, true, true)]);
});

test('HostMemory.words views the same bytes (little-endian host); wordAt says which ranges it reaches', () => {
  const m = new HostMemory(4099);
  expect(m.words?.length).toBe(1024);
  m.bytes.set([1, 2, 3, 4], 8);
  expect(m.words![2]).toBe(0x04030201);
  expect([m.wordAt(8, 4), m.wordAt(4092, 4), m.wordAt(0, 4096)]).toEqual([2, 1023, 0]);
  // unaligned, into the partial last word, beyond memory, negative, not an integer
  expect([m.wordAt(9, 4), m.wordAt(4092, 5), m.wordAt(4096, 1), m.wordAt(-4, 4), m.wordAt(8.5, 4)]).toEqual([-1, -1, -1, -1, -1]);
  // near 2^32 nothing wraps: the last word of a 2^32 − 1-byte memory is partial
  const big = new HostMemory(2 ** 32 - 1);
  expect([big.wordAt(2 ** 32 - 68, 64), big.wordAt(2 ** 32 - 68, 67), big.wordAt(2 ** 32, 4)]).toEqual([(2 ** 32 - 68) / 4, -1, -1]);
});

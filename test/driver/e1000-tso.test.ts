/**
 * The driver's TCP segmentation offload (the `tso` option): the TSO context descriptor and data
 * descriptors it writes, the frames the adapter then puts on the wire (the same bytes the stack's
 * software segmentation makes), statistics per segment, the ring slot a context descriptor used,
 * and the errors for a call it cannot honour.
 */
import { describe, expect, test } from 'vitest';
import { e1000 as R, DESC, DESC_SIZE, TXD_CMD, TXD_POPTS, TXD_TUCMD } from '../../hw/index.js';
import { recordRegisters } from '../../driver/index.js';
import { segmentTcpFrame } from '../../stack/iface/gso.js';
import { TcpSegment } from '../../stack/wire/tcp.js';
import { Ipv4Packet } from '../../stack/wire/ipv4.js';
import { bringUp, frame, intact, makePair, seqOf } from './helpers.js';

const SRC_IP = 0x0a000001;
const DST_IP = 0x0a000002;

/** An Ethernet + IPv4 + TCP packet with `payload` bytes (checksums left 0: the device fills them). */
function tcpPacket(dst: Uint8Array, src: Uint8Array, payload: number, o: { seq?: number; flags?: number; id?: number; options?: number } = {}): Uint8Array {
  const tcpHl = 20 + (o.options ?? 0);
  const f = new Uint8Array(14 + 20 + tcpHl + payload);
  const v = new DataView(f.buffer);
  f.set(dst, 0);
  f.set(src, 6);
  v.setUint16(12, 0x0800);
  f[14] = 0x45;
  v.setUint16(16, 20 + tcpHl + payload);
  v.setUint16(18, o.id ?? 0x4321);
  f[20] = 0x40; // DF
  f[22] = 64;
  f[23] = 6;
  v.setUint32(26, SRC_IP);
  v.setUint32(30, DST_IP);
  v.setUint16(34, 40000);
  v.setUint16(36, 80);
  v.setUint32(38, o.seq ?? 0xfffff000); // wraps within the packet
  v.setUint32(42, 7);
  f[46] = (tcpHl / 4) << 4;
  f[47] = o.flags ?? 0x19; // ACK PSH FIN
  v.setUint16(48, 1024);
  for (let i = 54; i < 34 + tcpHl; i++) f[i] = 1; // NOP options
  for (let i = 34 + tcpHl; i < f.length; i++) f[i] = (i * 13 + 5) & 0xff;
  return f;
}

/** What the stack's software segmentation makes of `f` (copies of each segment). */
function softwareSegments(f: Uint8Array, mss: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  segmentTcpFrame(f, f.length, mss, (seg, n) => {
    out.push(seg.slice(0, n));
    return 'sent';
  });
  return out;
}

describe('TCP segmentation offload in the driver', () => {
  test('a context descriptor (offsets, PAYLEN, HDRLEN, MSS, TUCMD = DEXT|TSE|TCP|IP), data descriptors with TSE, one TDT write', async () => {
    const { sim, a, b } = makePair({ both: { driver: { tso: true } } });
    await bringUp(sim, a, b);
    expect(a.drv.tsoMaxSize).toBe(65535);
    const base = a.nic.read32(R.TDBAL.offset);
    const rec = recordRegisters(sim, { source: 'a' });
    const events: unknown[] = [];
    sim.trace.subscribe((e) => events.push(e), ['netdev.xmit']);
    const pkt = tcpPacket(b.drv.mac, a.drv.mac, 5000);
    expect(a.drv.transmit(pkt, 1460)).toBe('ok');
    // context at 0, then ⌈5054 / 2048⌉ = 3 data descriptors
    rec.expect('TDT=4');
    const m = a.mem.bytes;
    const c = base;
    expect([m[c + DESC.IPCSS], m[c + DESC.IPCSO], a.mem.readU16(c + DESC.IPCSE), m[c + DESC.TUCSS], m[c + DESC.TUCSO], a.mem.readU16(c + DESC.TUCSE)]).toEqual([14, 24, 33, 34, 50, 0]);
    expect(a.mem.readU16(c + DESC.LENGTH) + (m[c + DESC.CSO] & 0x0f) * 0x10000).toBe(5000); // PAYLEN
    expect(m[c + DESC.CSO] >>> 4).toBe(0); // DTYP context
    expect(m[c + DESC.CMD]).toBe(TXD_TUCMD.DEXT | TXD_TUCMD.TSE | TXD_TUCMD.TCP | TXD_TUCMD.IP);
    expect([m[c + DESC.HDRLEN], a.mem.readU16(c + DESC.MSS)]).toEqual([54, 1460]);
    const lengths: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const d = base + i * DESC_SIZE;
      lengths.push(a.mem.readU16(d + DESC.LENGTH));
      expect(m[d + DESC.CSO] >>> 4, `descriptor ${i} DTYP`).toBe(1);
      const tse = 1 << 2;
      expect(m[d + DESC.CMD], `descriptor ${i} DCMD`).toBe(TXD_CMD.DEXT | tse | TXD_CMD.IFCS | (i === 3 ? TXD_CMD.EOP | TXD_CMD.RS : 0));
      expect(m[d + DESC.POPTS], `descriptor ${i} POPTS`).toBe(i === 1 ? TXD_POPTS.IXSM | TXD_POPTS.TXSM : 0);
    }
    expect(lengths).toEqual([2048, 2048, 5054 - 4096]);
    // the header in the DMA buffer as the adapter expects it: IP checksum 0, TCP checksum = pseudo-header sum without the length
    const hb = Number(a.mem.readU64(base + DESC_SIZE + DESC.ADDR));
    expect(a.mem.readU16(hb + 24)).toBe(0);
    const ps = (0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6) & 0xffff;
    expect((m[hb + 50] << 8) | m[hb + 51]).toBe(ps);
    expect(events).toEqual([expect.objectContaining({ kind: 'netdev.xmit', length: 5054, firstDescriptor: 0, descriptors: 4, tsoMss: 1460, segments: 4 })]);
    sim.run({ until: sim.now + 1_000_000 });
    // four segments on the wire, byte for byte what software segmentation makes, each with valid checksums
    const want = softwareSegments(pkt, 1460);
    expect(want.map((s) => s.length)).toEqual([1514, 1514, 1514, 54 + 620]);
    expect(b.received.map((f) => Array.from(f))).toEqual(want.map((s) => Array.from(s)));
    for (const [k, f] of b.received.entries()) {
      const ip = new Ipv4Packet(f, 14);
      expect(ip.checksumOk(), `segment ${k} IP checksum`).toBe(true);
      expect(ip.ident).toBe(0x4321 + k);
      const seg = new TcpSegment(f.subarray(34, 14 + ip.totalLen));
      expect(seg.checksumOk(SRC_IP, DST_IP), `segment ${k} TCP checksum`).toBe(true);
      expect(seg.seq).toBe((0xfffff000 + 1460 * k) >>> 0);
      expect(seg.flags).toBe(k === 3 ? 0x19 : 0x10);
    }
    // statistics count segments and the bytes on the wire (headers once per segment)
    expect(a.drv.stats()).toMatchObject({ txPackets: 4, txBytes: 5054 + 3 * 54 });
    expect(a.nic.read32(R.TSCTC.offset)).toBe(1);
  });

  test('TCP options are repeated in every segment; an MSS that divides the payload leaves no short segment', async () => {
    const { sim, a, b } = makePair({ both: { driver: { tso: true } } });
    await bringUp(sim, a, b);
    const pkt = tcpPacket(b.drv.mac, a.drv.mac, 3 * 1448, { options: 12, flags: 0x10 });
    expect(a.drv.transmit(pkt, 1448)).toBe('ok');
    sim.run({ until: sim.now + 1_000_000 });
    expect(b.received.map((f) => f.length)).toEqual([1514, 1514, 1514]);
    expect(b.received.map((f) => Array.from(f))).toEqual(softwareSegments(pkt, 1448).map((s) => Array.from(s)));
  });

  test('the ring slot a context descriptor used gets its buffer address back: 300 frames after a TSO packet arrive intact', async () => {
    const { sim, a, b } = makePair({ both: { driver: { tso: true } } });
    await bringUp(sim, a, b);
    expect(a.drv.transmit(tcpPacket(b.drv.mac, a.drv.mac, 3000), 1000)).toBe('ok');
    sim.run({ until: sim.now + 1_000_000 });
    expect(b.received).toHaveLength(3);
    b.received.length = 0;
    let sent = 0;
    while (sent < 300) {
      while (sent < 300 && a.drv.transmit(frame(b.drv.mac, a.drv.mac, 1514, sent)) === 'ok') sent++;
      sim.run({ until: sim.now + 2_000_000 });
    }
    expect(b.received.map(seqOf)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(b.received.every((f) => intact(f, b.drv.mac, a.drv.mac))).toBe(true);
  });

  test('a small ring limits the packet size it offers; the queue stops while a largest packet and its context would not fit', async () => {
    const { sim, a, b } = makePair({ both: { driver: { tso: true, txRingSize: 64 } } });
    await bringUp(sim, a, b);
    // half the ring's buffers: 31 × 2048 bytes less the Ethernet header
    expect(a.drv.tsoMaxSize).toBe(31 * 2048 - 14);
    const pkt = tcpPacket(b.drv.mac, a.drv.mac, a.drv.tsoMaxSize - 40);
    expect(a.drv.transmit(pkt, 1460)).toBe('ok'); // 32 descriptors of 64: fewer than 32 left (one stays unused)
    expect(a.drv.queueStoppedNow).toBe(true);
    expect(a.drv.transmit(pkt, 1460)).toBe('busy');
    sim.run({ until: sim.now + 5_000_000 });
    expect(a.drv.queueStoppedNow).toBe(false);
    expect(a.drv.transmit(pkt, 1460)).toBe('ok');
    sim.run({ until: sim.now + 5_000_000 });
    expect(b.received).toHaveLength(2 * Math.ceil((a.drv.tsoMaxSize - 40) / 1460));
  });

  test('without the tso option the driver offers no TSO; calls it cannot honour are RangeErrors naming the problem, and touch no register', async () => {
    const plain = makePair();
    await bringUp(plain.sim, plain.a, plain.b);
    expect(plain.a.drv.tsoMaxSize).toBe(0);
    expect(() => plain.a.drv.transmit(tcpPacket(plain.b.drv.mac, plain.a.drv.mac, 3000), 1460)).toThrow(/TCP segmentation offload is off \(the tso option\)/);

    const { sim, a, b } = makePair({ both: { driver: { tso: true } } });
    await bringUp(sim, a, b);
    const rec = recordRegisters(sim, { source: 'a' });
    const good = tcpPacket(b.drv.mac, a.drv.mac, 3000);
    const udp = good.slice();
    udp[23] = 17;
    const frag = good.slice();
    frag[20] |= 0x20; // MF
    expect(() => a.drv.transmit(good, 0)).toThrow(/segmentMss must be a positive integer, got 0/);
    expect(() => a.drv.transmit(good, 1.5)).toThrow(/segmentMss must be a positive integer, got 1.5/);
    expect(() => a.drv.transmit(good, Number.NaN)).toThrow(/segmentMss must be a positive integer, got NaN/);
    expect(() => a.drv.transmit(good, '1460' as unknown as number)).toThrow(/segmentMss must be a positive integer, got 1460/);
    expect(() => a.drv.transmit(udp, 1460)).toThrow(/IP protocol 17, not TCP/);
    expect(() => a.drv.transmit(frag, 1460)).toThrow(/an IP fragment/);
    expect(() => a.drv.transmit(good.subarray(0, 50), 1460)).toThrow(/too short/);
    expect(() => a.drv.transmit(tcpPacket(b.drv.mac, a.drv.mac, 0), 1460)).toThrow(/no TCP payload/);
    expect(() => a.drv.transmit(good, 1461)).toThrow(/would exceed MTU 1500/);
    expect(() => a.drv.transmit(tcpPacket(b.drv.mac, a.drv.mac, 65535 - 39), 1460)).toThrow(/65536-byte datagram is over the 65535 bytes TSO takes/);
    expect(() => a.drv.transmit([1, 2, 3] as unknown as Uint8Array, 1460)).toThrow(TypeError);
    rec.expect('');
    expect(a.drv.ringState()!.tx.nextToUse).toBe(0);
  });
});

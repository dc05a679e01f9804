/**
 * Capture files: byte-exact pcap and pcapng layout on small fixtures, the Capture sink on a real
 * simulation (two adapters on a cable), and tshark reading what we wrote — every frame dissects,
 * no malformed or bad-checksum expert info, FCS status good on the wire variants, bad on the one
 * frame whose FCS a scripted bit flip damaged, timestamps equal to the simulated ns.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { HAVE_TSHARK, AGG, PI_CHECKSUM, badExperts, epoch, scratchDir, tshark as runTshark, type Row } from './tshark.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceBus } from '../../sim/trace.js';
import { truncateAt, type WireFrame } from '../../hw/medium/types.js';
import { scriptedFlips } from '../../hw/faults.js';
import { makePair, queueTx, setupRx, setupTx, type Pair } from '../hw/helpers.js';
import { emitEthernet, ETHERTYPE, MAC_BROADCAST, ETHERNET_HEADER_LEN } from '../../stack/wire/ethernet.js';
import { emitArp, ARP_LEN, ARP_OP } from '../../stack/wire/arp.js';
import { emitIpv4, IP_PROTOCOL, IPV4_MIN_HEADER_LEN, NO_IPV4_OPTIONS, parseIpv4Addr } from '../../stack/wire/ipv4.js';
import { emitUdp, UDP_HEADER_LEN } from '../../stack/wire/udp.js';
import {
  LINKTYPE_ETHERNET_MPACKET,
  PcapngWriter,
  concatChunks,
  encodeOptions,
  pcapFile,
  pcapFileHeader,
  pcapRecord,
  pcapngFile,
  pcapngInterfaceBlock,
  pcapngPacketBlock,
  pcapngSectionHeader,
  writeCaptureFile,
} from '../../trace/pcap.js';
import { Capture, capturedBytes, type CaptureOptions, type CaptureVariant } from '../../trace/capture.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// ------------------------------------------------------------------ layout fixtures

describe('classic pcap layout', () => {
  test('file header: ns magic, version 2.4, reserved zeros, snaplen 262144, LINKTYPE_ETHERNET', () => {
    expect(toHex(pcapFileHeader())).toBe(toHex(hex('4d3cb2a1 0200 0400 00000000 00000000 00000400 01000000')));
  });

  test('file header: link type 274; FCS length in the upper bits (f = 1, 2 words → 0x50000001)', () => {
    expect(toHex(pcapFileHeader({ linkType: LINKTYPE_ETHERNET_MPACKET, snaplen: 65535 }).subarray(16))).toBe('ffff000012010000');
    expect(toHex(pcapFileHeader({ fcsLen: 4 }).subarray(20))).toBe('01000050');
    expect(() => pcapFileHeader({ fcsLen: 3 })).toThrow(RangeError);
  });

  test('record: seconds, nanoseconds, captured and original length, data', () => {
    const r = pcapRecord({ timeNs: 1_234_567_890_123, data: hex('0102030405') });
    expect(toHex(r)).toBe(toHex(hex('d2040000 cb50d921 05000000 05000000 0102030405')));
  });

  test('record longer than the snapshot length is cut; the original length is kept', () => {
    const r = pcapRecord({ timeNs: 7, data: hex('00112233445566778899') }, 4);
    expect(toHex(r)).toBe(toHex(hex('00000000 07000000 04000000 0a000000 00112233')));
  });

  test('file: header then records in the order given', () => {
    const f = pcapFile([{ timeNs: 1, data: hex('aa') }, { timeNs: 2, data: hex('bbcc') }]);
    expect(f.length).toBe(24 + 17 + 18);
    expect(toHex(f.subarray(24))).toBe(toHex(hex('00000000 01000000 01000000 01000000 aa  00000000 02000000 02000000 02000000 bbcc')));
  });

  test('timestamps must be non-negative integer ns', () => {
    expect(() => pcapRecord({ timeNs: 1.5, data: hex('00') })).toThrow(RangeError);
    expect(() => pcapRecord({ timeNs: -1, data: hex('00') })).toThrow(RangeError);
  });
});

describe('pcapng layout', () => {
  test('options: each padded to 4 bytes, then opt_endofopt; nothing at all for no options', () => {
    expect(toHex(encodeOptions([{ code: 2, value: hex('616263') }, { code: 9, value: hex('09') }]))).toBe(toHex(hex('0200 0300 61626300  0900 0100 09000000  0000 0000')));
    expect(encodeOptions([]).length).toBe(0);
  });

  test('SHB: type, length, byte-order magic, version 1.0, section length -1, shb_userappl, end, length', () => {
    expect(toHex(pcapngSectionHeader())).toBe(
      toHex(hex('0a0d0d0a 2c000000 4d3c2b1a 0100 0000 ffffffff ffffffff  0400 0600 6e696373696d 0000  0000 0000  2c000000')),
    );
  });

  test('IDB: link type, reserved, snaplen, if_name, if_tsresol = 9, if_fcslen, end', () => {
    expect(toHex(pcapngInterfaceBlock({ name: 'a', fcsLen: 0 }))).toBe(
      toHex(hex('01000000 30000000  0100 0000 00000400  0200 0100 61000000  0900 0100 09000000  0d00 0100 00000000  0000 0000  30000000')),
    );
  });

  test('IDB: link type 274 without if_fcslen; if_description and 64-bit if_speed', () => {
    expect(toHex(pcapngInterfaceBlock({ name: 'nic0', linkType: LINKTYPE_ETHERNET_MPACKET, snaplen: 2048, description: 'x', speedBps: 1e10 }))).toBe(
      toHex(
        hex(
          '01000000 3c000000  1201 0000 00080000  0200 0400 6e696330  0300 0100 78000000  0800 0800 00e40b54 02000000  0900 0100 09000000  0000 0000  3c000000',
        ),
      ),
    );
  });

  test('EPB: interface, 64-bit ns timestamp (high, low), lengths, data padded to 4, epb_flags direction, end', () => {
    const b = pcapngPacketBlock({ iface: 1, timeNs: 0x1_0000_0005, data: hex('68656c6c6f'), direction: 'outbound' });
    expect(toHex(b)).toBe(
      toHex(hex('06000000 34000000  01000000 01000000 05000000 05000000 05000000  68656c6c 6f000000  0200 0400 02000000  0000 0000  34000000')),
    );
  });

  test('EPB: link-layer errors in the upper half of epb_flags: bit 24 CRC, bit 31 symbol, with the direction', () => {
    const b = pcapngPacketBlock({ iface: 0, timeNs: 1, data: hex('00'), direction: 'inbound', errors: ['crc', 'symbol'] });
    expect(toHex(b.subarray(28, 40))).toBe(toHex(hex('00000000 0200 0400 01000081')));
    const only = pcapngPacketBlock({ iface: 0, timeNs: 1, data: hex('00'), errors: ['crc'] });
    expect(toHex(only.subarray(32, 40))).toBe(toHex(hex('0200 0400 00000001')));
  });

  test('EPB without options has no opt_endofopt; cut to the snapshot length with the original length kept', () => {
    const b = pcapngPacketBlock({ iface: 0, timeNs: 3, data: hex('00112233445566') }, 4);
    expect(toHex(b)).toBe(toHex(hex('06000000 24000000  00000000 00000000 03000000 04000000 07000000  00112233  24000000')));
  });

  test('inbound direction is 1 in epb_flags; comments are options too', () => {
    const b = pcapngPacketBlock({ iface: 0, timeNs: 0, data: hex('00'), direction: 'inbound', comment: 'hi' });
    expect(toHex(b.subarray(28))).toBe(toHex(hex('00000000  0200 0400 01000000  0100 0200 68690000  0000 0000  38000000')));
  });

  test('writer: SHB first, IDBs in order, packets only on added interfaces; a sink sees each block', () => {
    const seen: Uint8Array[] = [];
    const w = new PcapngWriter({}, (c) => seen.push(c));
    expect(w.addInterface({ name: 'a' })).toBe(0);
    expect(w.addInterface({ name: 'b' })).toBe(1);
    w.packet({ iface: 1, timeNs: 5, data: hex('01') });
    expect(() => w.packet({ iface: 2, timeNs: 5, data: hex('01') })).toThrow(RangeError);
    expect(seen.map((c) => new DataView(c.buffer, c.byteOffset).getUint32(0, true))).toEqual([0x0a0d0d0a, 1, 1, 6]);
    expect(w.chunks).toEqual([]);
    const whole = pcapngFile([{ name: 'a' }, { name: 'b' }], [{ iface: 1, timeNs: 5, data: hex('01') }]);
    expect(toHex(whole)).toBe(toHex(concatChunks(seen)));
  });
});

// ------------------------------------------------------------------ a pcapng reader for the checks

interface Block {
  type: number;
  body: Uint8Array;
  options: Map<number, Uint8Array[]>;
}

/** Walks a pcapng file, checking every block's lengths and option alignment; returns the blocks. */
function walkPcapng(file: Uint8Array): Block[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const blocks: Block[] = [];
  let at = 0;
  while (at < file.length) {
    const type = v.getUint32(at, true);
    const len = v.getUint32(at + 4, true);
    expect(len % 4, `block at ${at}: length ${len} not a multiple of 4`).toBe(0);
    expect(v.getUint32(at + len - 4, true), `block at ${at}: trailing length`).toBe(len);
    const body = file.subarray(at + 8, at + len - 4);
    const bv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const optStart = type === 0x0a0d0d0a ? 16 : type === 1 ? 8 : type === 6 ? 20 + ((bv.getUint32(12, true) + 3) & ~3) : body.length;
    const options = new Map<number, Uint8Array[]>();
    let o = optStart;
    if (o < body.length) {
      for (;;) {
        const code = bv.getUint16(o, true);
        const olen = bv.getUint16(o + 2, true);
        if (code === 0) {
          expect(olen).toBe(0);
          expect(o + 4, 'opt_endofopt ends the block body').toBe(body.length);
          break;
        }
        const val = body.subarray(o + 4, o + 4 + olen);
        for (let p = o + 4 + olen; p < o + 4 + ((olen + 3) & ~3); p++) expect(body[p], 'option padding is zero').toBe(0);
        options.set(code, [...(options.get(code) ?? []), val]);
        o += 4 + ((olen + 3) & ~3);
      }
    }
    blocks.push({ type, body, options });
    at += len;
  }
  expect(at).toBe(file.length);
  return blocks;
}

// ------------------------------------------------------------------ traffic

const MAC_A = 0x02_00_00_00_00_0a;
const MAC_B = 0x02_00_00_00_00_0b;
const IP_A = parseIpv4Addr('10.0.0.1')!;
const IP_B = parseIpv4Addr('10.0.0.2')!;

/** A broadcast ARP request from A for B (42 bytes; the MAC pads it to 60). */
function arpRequest(): Uint8Array {
  const b = new Uint8Array(ETHERNET_HEADER_LEN + ARP_LEN);
  emitEthernet({ dst: MAC_BROADCAST, src: MAC_A, ethertype: ETHERTYPE.ARP, payload: b.subarray(ETHERNET_HEADER_LEN) }, b);
  emitArp({ operation: ARP_OP.REQUEST, senderHw: MAC_A, senderIp: IP_A, targetHw: 0, targetIp: IP_B }, b, ETHERNET_HEADER_LEN);
  return b;
}

/** An IPv4/UDP datagram with correct header and UDP checksums, `n` payload bytes. */
function udpFrame(src: { mac: number; ip: number }, dst: { mac: number; ip: number }, n: number, ident: number): Uint8Array {
  const l3 = ETHERNET_HEADER_LEN;
  const l4 = l3 + IPV4_MIN_HEADER_LEN;
  const b = new Uint8Array(l4 + UDP_HEADER_LEN + n);
  for (let i = 0; i < n; i++) b[l4 + UDP_HEADER_LEN + i] = (i * 13 + ident) & 0xff;
  emitUdp({ srcPort: 50000 + ident, dstPort: 50000, hasChecksum: true, payload: b.subarray(l4 + UDP_HEADER_LEN) }, b, src.ip, dst.ip, l4);
  emitIpv4(
    { dscp: 0, ecn: 0, ident, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IP_PROTOCOL.UDP, src: src.ip, dst: dst.ip, options: NO_IPV4_OPTIONS, payload: b.subarray(l4) },
    b,
    l3,
  );
  emitEthernet({ dst: dst.mac, src: src.mac, ethertype: ETHERTYPE.IPV4, payload: b.subarray(l3) }, b);
  return b;
}

const HOST_A = { mac: MAC_A, ip: IP_A };
const HOST_B = { mac: MAC_B, ip: IP_B };

/** The frames A sends (ARP broadcast, a 142-byte UDP datagram, a 1514-byte one: 1500 bytes of IP) and B's reply (short, padded). */
const FROM_A = [arpRequest(), udpFrame(HOST_A, HOST_B, 100, 1), udpFrame(HOST_A, HOST_B, 1472, 2)];
const FROM_B = [udpFrame(HOST_B, HOST_A, 10, 3)];

/** The second frame A sends (the 142-byte datagram) on the line: 8 + 142 + 4 octets; a bit in its FCS. */
const FCS_BIT = (8 + 142) * 8 + 3;

/** Two adapters on a 1 m cable (5 ns); A sends FROM_A, B then FROM_B; `flipFcs` damages the FCS of A's second frame on the way to B. */
function exchange(opts: CaptureOptions, flipFcs = false): { pair: Pair; cap: Capture } {
  const pair = makePair();
  const { sim, a, b, cable } = pair;
  if (flipFcs) cable.use(0, scriptedFlips(sim, [{ frame: 2, bit: FCS_BIT }]));
  const cap = new Capture(sim, opts);
  setupTx(a);
  setupTx(b);
  setupRx(a);
  setupRx(b);
  for (const f of FROM_A) queueTx(a, f);
  sim.run({ until: sim.now + 100_000 });
  for (const f of FROM_B) queueTx(b, f);
  sim.run({ until: sim.now + 100_000 });
  cap.detach();
  return { pair, cap };
}

// ------------------------------------------------------------------ the Capture sink

describe('Capture', () => {
  test('records what each adapter sent (first bit out) and what reached it (first bit in)', () => {
    const { cap } = exchange({});
    const rows = cap.sorted().map((f) => [f.adapter, f.direction, f.timeNs - f.frame.txStart, f.frame.bytes.length]);
    expect(rows).toEqual([
      ['a', 'tx', 0, 8 + 60 + 4],
      ['b', 'rx', 5, 8 + 60 + 4],
      ['a', 'tx', 0, 8 + 142 + 4],
      ['b', 'rx', 5, 8 + 142 + 4],
      ['a', 'tx', 0, 8 + 1514 + 4],
      ['b', 'rx', 5, 8 + 1514 + 4],
      ['b', 'tx', 0, 8 + 60 + 4],
      ['a', 'rx', 5, 8 + 60 + 4],
    ]);
    expect(cap.adapters()).toEqual(['a', 'b']);
    expect(cap.skipped).toBe(0);
  });

  test('a received frame with a damaged FCS is flagged (CRC error) in pcapng and can be left out of classic pcap', () => {
    const { cap } = exchange({ direction: 'rx' }, true);
    expect(cap.sorted().map((f) => cap.line(f).errors)).toEqual([[], ['crc'], [], []]);
    const all = cap.toPcap();
    const kept = cap.toPcap({ omitErrored: true });
    expect(all.length - kept.length).toBe(16 + 142); // one record header and the 142-byte frame fewer
  });

  test('direction and adapter filters', () => {
    expect(exchange({ direction: 'tx' }).cap.frames.map((f) => `${f.adapter}.${f.direction}`)).toEqual(['a.tx', 'a.tx', 'a.tx', 'b.tx']);
    expect(exchange({ direction: 'rx' }).cap.frames.map((f) => `${f.adapter}.${f.direction}`)).toEqual(['b.rx', 'b.rx', 'b.rx', 'a.rx']);
    expect(exchange({ adapters: ['b'] }).cap.frames.map((f) => `${f.adapter}.${f.direction}`)).toEqual(['b.rx', 'b.rx', 'b.rx', 'b.tx']);
  });

  test('pcapng: SHB, one IDB per adapter, EPBs in time order with direction and the variant’s bytes', () => {
    for (const variant of ['frame', 'wire', 'fcs'] as const) {
      const { cap } = exchange({ variant });
      const blocks = walkPcapng(cap.toPcapng());
      expect(blocks.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 1, 6, 6, 6, 6, 6, 6, 6, 6]);
      const idbs = blocks.filter((b) => b.type === 1);
      expect(idbs.map((b) => new TextDecoder().decode(b.options.get(2)![0]))).toEqual(['a', 'b']);
      for (const idb of idbs) {
        const v = new DataView(idb.body.buffer, idb.body.byteOffset);
        expect(v.getUint16(0, true)).toBe(variant === 'wire' ? 274 : 1);
        expect(toHex(idb.options.get(9)![0])).toBe('09');
        expect(idb.options.get(13)?.map(toHex)).toEqual(variant === 'frame' ? ['00'] : variant === 'fcs' ? ['04'] : undefined);
      }
      const sorted = cap.sorted();
      blocks
        .filter((b) => b.type === 6)
        .forEach((epb, i) => {
          const v = new DataView(epb.body.buffer, epb.body.byteOffset);
          const f = sorted[i];
          expect(v.getUint32(0, true)).toBe(f.adapter === 'a' ? 0 : 1);
          expect(v.getUint32(4, true) * 2 ** 32 + v.getUint32(8, true)).toBe(f.timeNs);
          const line = f.frame.bytes;
          const want = variant === 'wire' ? line : variant === 'fcs' ? line.subarray(8) : line.subarray(8, line.length - 4);
          expect(v.getUint32(12, true)).toBe(want.length);
          expect(v.getUint32(16, true)).toBe(want.length);
          expect(toHex(epb.body.subarray(20, 20 + want.length))).toBe(toHex(want));
          expect(toHex(epb.options.get(2)![0])).toBe(f.direction === 'tx' ? '02000000' : '01000000');
        });
    }
  });

  test('pcap: one header, records in time order', () => {
    const { cap } = exchange({ variant: 'fcs' });
    const file = cap.toPcap();
    expect(toHex(file.subarray(20, 24))).toBe('01000050');
    const v = new DataView(file.buffer, file.byteOffset);
    let at = 24;
    const times: number[] = [];
    while (at < file.length) {
      times.push(v.getUint32(at, true) * 1e9 + v.getUint32(at + 4, true));
      at += 16 + v.getUint32(at + 8, true);
    }
    expect(at).toBe(file.length);
    expect(times).toEqual(cap.sorted().map((f) => f.timeNs));
  });

  test('fragments: the wire variant keeps them; the frame variant writes what is left after the SFD less the FCS, or skips and counts', () => {
    const wf: WireFrame = { id: 1, bytes: hex('55555555555555d5' + 'ff'.repeat(6) + '02000000000a' + '0800' + '00'.repeat(46) + 'deadbeef'), bitTimeNs: 1, txStart: 0, sender: 'x' };
    const cutHeader = truncateAt(wf, 8 * 20); // 20 octets: 8 of preamble/SFD, 12 of frame, the last 4 jam
    const cutPreamble = truncateAt(wf, 8 * 6); // 6 octets: preamble only
    expect(capturedBytes(cutHeader, 'wire')).toBe(cutHeader.bytes);
    expect(capturedBytes(cutHeader, 'frame')!.length).toBe(8);
    expect(capturedBytes(cutHeader, 'fcs')!.length).toBe(12);
    expect(capturedBytes(cutPreamble, 'wire')!.length).toBe(6);
    expect(capturedBytes(cutPreamble, 'frame')).toBeNull();
    expect(capturedBytes(cutPreamble, 'fcs')).toBeNull();
    // A damaged SFD: the sender's 8 octets are skipped all the same.
    const badSfd: WireFrame = { ...wf, bytes: wf.bytes.slice() };
    badSfd.bytes[7] ^= 0x01;
    expect(capturedBytes(badSfd, 'frame')!.length).toBe(60);

    let now = 0;
    const bus = new TraceBus(() => now);
    for (const variant of ['frame', 'wire'] as const) {
      const cap = new Capture(bus, { variant, direction: 'rx' });
      for (const f of [wf, cutHeader, cutPreamble]) bus.emit('wire.rx', 'cable0', { frame: f, to: 'b', start: now++ });
      cap.detach();
      expect(cap.frames).toHaveLength(3);
      expect(cap.skipped).toBe(variant === 'frame' ? 1 : 0);
      expect(walkPcapng(cap.toPcapng()).filter((b) => b.type === 6)).toHaveLength(variant === 'frame' ? 2 : 3);
    }
  });

  test('writeCaptureFile writes the bytes (or chunks) to a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicsim-pcap-'));
    try {
      const { cap } = exchange({ variant: 'wire' });
      await cap.writePcapng(join(dir, 'a.pcapng'));
      await cap.writePcap(join(dir, 'a.pcap'));
      await writeCaptureFile(join(dir, 'b.pcap'), [pcapFileHeader(), pcapRecord({ timeNs: 1, data: hex('00') })]);
      expect(toHex(readFileSync(join(dir, 'a.pcapng')))).toBe(toHex(cap.toPcapng()));
      expect(toHex(readFileSync(join(dir, 'a.pcap')))).toBe(toHex(cap.toPcap()));
      expect(readFileSync(join(dir, 'b.pcap')).length).toBe(24 + 17);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------ tshark

if (!HAVE_TSHARK) console.warn('test/trace/pcap.test.ts: tshark is not installed — skipping the tshark tests (apt-get install -y tshark)');

const scratch = HAVE_TSHARK ? scratchDir() : null;
const dir = scratch?.dir ?? '';
afterAll(() => scratch?.remove());

/** Writes `bytes` and runs tshark over it (see ./tshark.ts). */
function tshark(name: string, bytes: Uint8Array): Row[] {
  return runTshark(dir, name, bytes);
}

/** Protocol stacks of FROM_A and FROM_B as tshark names them, after the link layer. */
const STACKS = ['eth:ethertype:arp', 'eth:ethertype:ip:udp:data', 'eth:ethertype:ip:udp:data', 'eth:ethertype:ip:udp:data'];

const VARIANTS: CaptureVariant[] = ['frame', 'wire', 'fcs'];

describe.skipIf(!HAVE_TSHARK)(HAVE_TSHARK ? 'tshark reads the captures' : 'tshark reads the captures (skipped: tshark not installed)', () => {
  for (const variant of VARIANTS) {
    for (const format of ['pcapng', 'pcap'] as const) {
      test(`${variant} variant, ${format}: every frame dissects, no malformed or bad checksum, ns timestamps equal the simulated times`, () => {
        const { cap } = exchange({ variant });
        const rows = tshark(`ok-${variant}.${format}`, format === 'pcapng' ? cap.toPcapng() : cap.toPcap());
        const sorted = cap.sorted();
        expect(rows).toHaveLength(sorted.length);
        rows.forEach((r, i) => {
          const f = sorted[i];
          expect(badExperts(r), `frame ${i + 1}`).toEqual([]);
          expect(r['frame.number']).toBe(String(i + 1));
          // nanosecond precision: nine decimals, and the sub-µs digits survive (rx stamps end in …005)
          expect(r['frame.time_epoch']).toBe(epoch(f.timeNs));
          expect(r['frame.protocols']).toBe((variant === 'wire' ? 'fpp:' : '') + STACKS[Math.floor(i / 2)]);
          if (STACKS[Math.floor(i / 2)].endsWith('udp:data')) {
            expect(r['ip.checksum.status']).toBe('1');
            expect(r['udp.checksum.status']).toBe('1');
          }
          expect(r['fpp.checksum.status']).toBe(variant === 'wire' ? '1' : '');
          expect(r['eth.fcs.status']).toBe(variant === 'fcs' ? '1' : '');
          if (format === 'pcapng') {
            expect(r['frame.interface_name']).toBe(f.adapter);
            expect(Number(r['frame.packet_flags_direction'])).toBe(f.direction === 'tx' ? 2 : 1);
          }
        });
        expect(rows.some((r) => !r['frame.time_epoch'].endsWith('000'))).toBe(true);
      });
    }
  }

  for (const variant of ['wire', 'fcs'] as const) {
    for (const format of ['pcapng', 'pcap'] as const) {
      test(`${variant} variant, ${format}: one flipped FCS bit shows as bad FCS on that frame only`, () => {
        const { cap } = exchange({ variant, direction: 'rx' }, true);
        const rows = tshark(`bad-${variant}.${format}`, format === 'pcapng' ? cap.toPcapng() : cap.toPcap());
        expect(rows).toHaveLength(4);
        const status = variant === 'wire' ? 'fpp.checksum.status' : 'eth.fcs.status';
        expect(rows.map((r) => r[status])).toEqual(['1', '0', '1', '1']);
        expect(rows.map((r) => badExperts(r).length > 0)).toEqual([false, true, false, false]);
        expect(rows[1]['_ws.expert.group'].split(AGG).map(Number)).toContain(PI_CHECKSUM);
        // the datagram itself is intact: only the FCS is wrong
        if (variant === 'fcs') expect(rows[1]['udp.checksum.status']).toBe('1');
      });
    }
  }

  test('the sender’s copy of the damaged frame is good: the flip happened on the cable', () => {
    const { cap } = exchange({ variant: 'wire', direction: 'both' }, true);
    const rows = tshark('both-wire.pcapng', cap.toPcapng());
    expect(rows.map((r) => `${r['frame.interface_name']}:${r['fpp.checksum.status']}`)).toEqual(['a:1', 'b:1', 'a:1', 'b:0', 'a:1', 'b:1', 'b:1', 'a:1']);
  });
});

/**
 * `ip.output` with `segmentMss` over a device without TSO: the stack cuts the TCP packet itself
 * (GSO) — segment lengths, identifications, sequence numbers, flags and checksums — and the
 * request's misuses are errors.
 */
import { describe, expect, it } from 'vitest';
import { IP_PROTOCOL, Ipv4Packet } from '../../../stack/wire/ipv4.js';
import { TCP_FLAG, TcpSegment, writeTcpHeader } from '../../../stack/wire/tcp.js';
import { segmentTcpFrame } from '../../../stack/iface/gso.js';
import { ip, recorder, twoHosts } from '../helpers.js';

const A = ip('10.0.0.1');
const B = ip('10.0.0.2');

/** A TCP segment (no checksum) of `payload` bytes from A:1000 to B:2000. */
function tcp(payload: number, seq: number, flags: number, options = 0): Uint8Array {
  const b = new Uint8Array(20 + options + payload);
  const hl = writeTcpHeader(b, 0, 1000, 2000, seq, 1, flags, 512, 0, options);
  for (let i = hl; i < b.length; i++) b[i] = (i * 31) & 0xff;
  return b;
}

describe('software segmentation (GSO) of a TCP packet', () => {
  it('a 3,500-byte payload with MSS 1,448 leaves as three datagrams: IDs in a row, sequence numbers across the 2^32 wrap, FIN and PSH on the last only, valid checksums', () => {
    const { sim, a, da } = twoHosts();
    const seg = tcp(3500, 0xffff_fc00, TCP_FLAG.ACK | TCP_FLAG.PSH | TCP_FLAG.FIN, 12);
    expect(a.ip.output({ dst: B, protocol: IP_PROTOCOL.TCP, payload: seg, df: true, segmentMss: 1448 })).toBe('queued'); // waiting for ARP
    sim.runFor(1_000_000);
    // the segments waited for ARP (as segments) and then left
    const frames = da.takeSent().map((s) => s.frame).filter((f) => f[12] === 0x08 && f[13] === 0x00);
    expect(frames.map((f) => f.length)).toEqual([14 + 20 + 32 + 1448, 14 + 20 + 32 + 1448, 14 + 20 + 32 + 604]);
    const data: number[] = [];
    frames.forEach((f, k) => {
      const p = new Ipv4Packet(f, 14);
      expect(p.checksumOk(), `segment ${k} IP checksum`).toBe(true);
      expect(p.ident).toBe(100 + k);
      expect(p.dontFragment).toBe(true);
      const t = new TcpSegment(f.subarray(34));
      expect(t.checksumOk(A, B), `segment ${k} TCP checksum`).toBe(true);
      expect(t.seq).toBe((0xffff_fc00 + 1448 * k) >>> 0);
      expect(t.flags).toBe(k === 2 ? TCP_FLAG.ACK | TCP_FLAG.PSH | TCP_FLAG.FIN : TCP_FLAG.ACK);
      // ports, acknowledgement, header length, window and options as in the packet
      const same = [0, 1, 2, 3, 8, 9, 10, 11, 12, 14, 15, ...Array.from({ length: 12 }, (_, i) => 20 + i)];
      expect(same.map((i) => f[34 + i])).toEqual(same.map((i) => seg[i]));
      data.push(...t.payload);
    });
    expect(data).toEqual(Array.from(seg.subarray(32)));
    // the next datagram takes the identification after the last segment's
    expect(a.ip.output({ dst: B, protocol: IP_PROTOCOL.TCP, payload: tcp(10, 5, TCP_FLAG.ACK), df: true })).toBe('sent');
    expect(new Ipv4Packet(da.takeSent()[0].frame, 14).ident).toBe(103);
    expect(a.counters.get('iface.gsoPackets')).toBe(1);
    expect(a.counters.get('arp.queueOverflow')).toBe(0);
    expect(a.counters.get('iface.tsoPackets')).toBe(0);
  });

  it('the identification wraps from 0xffff to 0 within one packet', () => {
    const f = new Uint8Array(14 + 20 + 20 + 300);
    const v = new DataView(f.buffer);
    v.setUint16(12, 0x0800);
    f[14] = 0x45;
    f[23] = 6;
    v.setUint16(18, 0xffff);
    writeTcpHeader(f, 34, 1, 2, 0, 0, TCP_FLAG.ACK, 100);
    const ids: number[] = [];
    expect(segmentTcpFrame(f, f.length, 100, (s, n) => (ids.push(new Ipv4Packet(s.subarray(0, n), 14).ident), 'sent'))).toBe('sent');
    expect(ids).toEqual([0xffff, 0, 1]);
    // the worst status of the segments is the packet's
    const st = ['sent', 'queued', 'sent'] as const;
    let k = 0;
    expect(segmentTcpFrame(f, f.length, 100, () => st[k++])).toBe('queued');
  });

  it('misuse: segmentMss on a UDP datagram or a segment without payload is a RangeError; segments over the MTU with DF are EMSGSIZE (ip.outTooBig)', () => {
    const { a } = twoHosts();
    expect(() => a.ip.output({ dst: B, protocol: IP_PROTOCOL.UDP, payload: new Uint8Array(3000), segmentMss: 1000 })).toThrow(/segmentMss is for TCP packets, not protocol 17/);
    expect(() => a.ip.output({ dst: B, protocol: IP_PROTOCOL.TCP, payload: tcp(0, 1, TCP_FLAG.ACK), segmentMss: 1000 })).toThrow(/needs a TCP header and payload/);
    expect(() => a.ip.output({ dst: B, protocol: IP_PROTOCOL.TCP, payload: tcp(3000, 1, TCP_FLAG.ACK), segmentMss: -5 })).toThrow(/segmentMss must be a positive integer, got -5/);
    expect(a.ip.output({ dst: B, protocol: IP_PROTOCOL.TCP, payload: tcp(3000, 1, TCP_FLAG.ACK), df: true, segmentMss: 1461 })).toEqual({ error: 'EMSGSIZE' });
    expect(a.counters.get('ip.outTooBig')).toBe(1);
  });

  it('a packet given segmentMss that is not segmented gets its checksum: one segment of payload, or a local destination (loopback takes any size)', () => {
    const { sim, a, b, da } = twoHosts({ a: { tcp: false }, b: { tcp: false } });
    const remote = recorder();
    b.ip.register(IP_PROTOCOL.TCP, remote);
    const local = recorder();
    a.ip.register(IP_PROTOCOL.TCP, local);
    const one = tcp(1000, 7, TCP_FLAG.ACK);
    expect(a.ip.output({ dst: B, protocol: IP_PROTOCOL.TCP, payload: one, df: true, segmentMss: 1448 })).toBe('queued');
    sim.runFor(1_000_000);
    const frames = da.takeSent().map((x) => x.frame).filter((f) => f[12] === 0x08 && f[13] === 0x00);
    expect(frames).toHaveLength(1);
    expect(new TcpSegment(frames[0].subarray(34)).checksumOk(A, B)).toBe(true);
    expect(remote.got).toHaveLength(1);
    expect(b.counters.get('ip.badChecksum')).toBe(0);
    const big = tcp(5000, 9, TCP_FLAG.ACK);
    a.ip.output({ dst: A, protocol: IP_PROTOCOL.TCP, payload: big, segmentMss: 1448 });
    sim.runFor(1_000_000);
    expect(local.got.map((d) => d.data.length)).toEqual([5020]);
    expect(new TcpSegment(local.got[0].data).checksumOk(A, A)).toBe(true);
    // the caller's buffer is left as it was (checksum 0)
    expect([big[16], big[17], one[16], one[17]]).toEqual([0, 0, 0, 0]);
  });
});

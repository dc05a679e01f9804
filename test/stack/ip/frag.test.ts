import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import { SEC } from '../../../sim/time.js';
import { NetStack } from '../../../stack/host.js';
import { copiedOptions, fragmentPayload } from '../../../stack/ip/frag.js';
import { TestDevice } from '../../../stack/testdev.js';
import { ETHERTYPE } from '../../../stack/wire/ethernet.js';
import { IP_PROTOCOL, IPV4_OPTION, Ipv4Packet, parseIpv4 } from '../../../stack/wire/ipv4.js';
import { eth, hex, ip, ipv4, mac, nonZero, opt, recorder, routed, rxAccounted, seqBytes, toHex, trace, twoHosts, udp } from '../helpers.js';

const SRC = ip('10.0.0.9');
const DST = ip('10.0.0.1');

/** A host 10.0.0.1 with a recorder for protocol 253, fed frames directly. */
function host(opts: Partial<ConstructorParameters<typeof NetStack>[1]> = {}) {
  const sim = new Simulator();
  const dev = new TestDevice(sim, { name: 'eth0', mac: mac(1) });
  const s = new NetStack(sim, { udp: false, name: 'h', ...opts });
  s.addInterface(dev, { address: '10.0.0.1', prefixLength: 24, announce: false });
  const rec = recorder();
  s.ip.register(253, rec);
  s.ip.register(IP_PROTOCOL.UDP, rec);
  const feed = (packet: Uint8Array) => dev.inject(eth(mac(1), mac(9), ETHERTYPE.IPV4, packet));
  return { sim, s, dev, rec, feed };
}

/** Fragment `payload` (of datagram `id`) at byte offsets `cuts` into IPv4 packets, in order. */
function frags(payload: Uint8Array, cuts: number[], id = 7, fields: Partial<Parameters<typeof ipv4>[0]> = {}): Uint8Array[] {
  const edges = [0, ...cuts, payload.length];
  const out: Uint8Array[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    out.push(
      ipv4({
        src: SRC,
        dst: DST,
        protocol: 253,
        ident: id,
        fragmentOffset: edges[k],
        moreFragments: k + 2 < edges.length,
        payload: payload.subarray(edges[k], edges[k + 1]),
        ...fields,
      }),
    );
  }
  return out;
}

const DATA = seqBytes(3980);

describe('fragmentation', () => {
  it('a 4000-byte datagram to MTU 1500: 1480 + 1480 + 1020 bytes at offsets 0, 1480, 2960', () => {
    const { sim, a, b, da } = twoHosts();
    const rec = recorder();
    b.ip.register(253, rec);
    a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: DATA });
    sim.runFor(1_000_000);
    expect(trace(da.sent, { noArp: true })).toEqual([
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 frag 0+ proto 253 len 1480',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 frag 1480+ proto 253 len 1480',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 frag 2960 proto 253 len 1020',
    ]);
    // Total length, identification, flags + offset (in 8-byte units) as on the wire:
    const heads = da.sent.slice(1).map((f) => toHex(f.frame.subarray(14 + 2, 14 + 8)));
    expect(heads).toEqual(['05 dc 00 64 20 00', '05 dc 00 64 20 b9', '04 10 00 64 01 72']);
    expect(da.sent.slice(1).map((f) => new Ipv4Packet(f.frame, 14).checksumOk())).toEqual([true, true, true]);
    expect(rec.got.map((d) => d.data)).toEqual([DATA]);
    expect(a.counters.get('ip.fragCreated')).toBe(3);
    expect(b.counters.get('ip.fragMerged')).toBe(2);
    expect(b.counters.get('ip.reassembled')).toBe(1);
    expect(b.counters.get('ip.delivered')).toBe(1);
  });

  it('options: the first fragment keeps them all, later ones only the copied ones', () => {
    const options = hex('07 07 04 00 00 00 00 82 0b 00 00 00 00 00 00 00 00 00 00'); // RR (not copied), security (copied), EOL
    expect(toHex(copiedOptions(options))).toBe('82 0b 00 00 00 00 00 00 00 00 00 00');
    const pieces: string[] = [];
    const n = fragmentPayload(seqBytes(100), 68, hex('07 07 04 00 00 00 00 00'), hex('00 00 00 00'), 0, false, (off, more, data, o) => {
      pieces.push(`${off}${more ? '+' : ''} ${data.length} opts ${o?.length ?? 0}`);
    });
    expect(n).toBe(3);
    expect(pieces).toEqual(['0+ 40 opts 8', '40+ 40 opts 4', '80 20 opts 4']);
  });

  it('a router re-fragments to a smaller MTU (offsets stay relative to the original datagram)', () => {
    const { sim, h, s, dr1 } = routed({ mtu2: 576 });
    const rec = recorder();
    s.ip.register(IP_PROTOCOL.UDP, rec);
    const payload = udp(ip('192.168.1.10'), ip('203.0.113.7'), 4000, 9, seqBytes(1992));
    h.ip.output({ dst: ip('203.0.113.7'), protocol: IP_PROTOCOL.UDP, payload });
    sim.runFor(1_000_000);
    expect(trace(dr1.sent, { noArp: true }).map((l) => l.replace(/^\d+ \S+ > \S+ /, ''))).toEqual([
      '192.168.1.10 > 203.0.113.7 ttl 63 id 1000 frag 0+ udp len 552',
      '192.168.1.10 > 203.0.113.7 ttl 63 id 1000 frag 552+ udp len 552',
      '192.168.1.10 > 203.0.113.7 ttl 63 id 1000 frag 1104+ udp len 376',
      '192.168.1.10 > 203.0.113.7 ttl 63 id 1000 frag 1480 udp len 520',
    ]);
    expect(rec.got.map((d) => d.data.length)).toEqual([2000]);
  });
});

describe('reassembly', () => {
  it('in order, reordered, and with a duplicate: one datagram each time, every fragment counted once', () => {
    const { s, rec, feed } = host();
    const f = frags(DATA, [1480, 2960], 1);
    for (const p of f) feed(p);
    const g = frags(DATA, [1480, 2960], 2);
    for (const k of [2, 0, 1]) feed(g[k]);
    const d = frags(DATA, [1480, 2960], 3);
    for (const k of [1, 1, 0, 2]) feed(d[k]);
    expect(rec.got.map((x) => [x.header.ident, x.data.length, x.header.moreFragments, x.header.fragmentOffset])).toEqual([
      [1, 3980, false, 0],
      [2, 3980, false, 0],
      [3, 3980, false, 0],
    ]);
    expect(rec.got.every((x) => toHex(x.data) === toHex(DATA))).toBe(true);
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.fragDuplicate': 1 });
    expect(nonZero(s, 'rx-ok')).toEqual({ 'ip.fragMerged': 6, 'ip.delivered': 3 });
    expect(rxAccounted(s)).toBe(10);
    expect(s.ip.reassembler.bytes).toBe(0);
  });

  it('the reassembled header is fragment zero\'s, with a fresh length and checksum', () => {
    const { rec, feed } = host();
    for (const p of frags(DATA, [1480, 2960], 9, { ttl: 17, options: [opt(IPV4_OPTION.ROUTER_ALERT, [0, 0])] })) feed(p);
    const h = rec.got[0].header;
    const bytes = h.buffer.subarray(h.offset, h.offset + h.totalLen);
    const parsed = parseIpv4(bytes);
    expect(parsed).not.toBeInstanceOf(Error);
    expect(h.totalLen).toBe(24 + 3980);
    expect(h.ttl).toBe(17);
    expect(h.checksumOk()).toBe(true);
  });

  it('a lost fragment: the others wait 30 s, then are dropped, memory is freed, and the source hears time exceeded', () => {
    const { sim, s, dev, rec, feed } = host();
    s.routes.add({ destination: '10.0.0.0', prefixLength: 24, iface: s.interfaces[0] }); // (already connected; harmless)
    const f = frags(DATA, [1480, 2960], 4);
    feed(f[0]);
    feed(f[2]);
    expect(s.ip.reassembler.heldFragments).toBe(2);
    expect(s.ip.reassembler.bytes).toBe(20 + 1480 + 1020);
    expect(s.ip.reassembler.entries()).toEqual([{ key: `${SRC}/${DST}/253/4`, fragments: 2, bytes: 2500, total: 3980, expiresAt: 30 * SEC }]);
    sim.runFor(30 * SEC - 1);
    expect(s.ip.reassembler.heldFragments).toBe(2);
    sim.runFor(1);
    expect(s.ip.reassembler.heldFragments).toBe(0);
    expect(s.ip.reassembler.bytes).toBe(0);
    expect(s.ip.reassembler.datagrams).toBe(0);
    expect(s.timers.live).toBe(0);
    expect(rec.got).toEqual([]);
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.reassemblyTimeout': 2 });
    expect(rxAccounted(s)).toBe(2);
    // The error waits for ARP; look at it in the queue.
    expect(trace(dev.sent)).toEqual(['30000000000 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.9 tell 10.0.0.1']);
    dev.inject(eth(mac(1), mac(9), ETHERTYPE.ARP, hex('00 01 08 00 06 04 00 02 02 00 00 00 00 09 0a 00 00 09 02 00 00 00 00 01 0a 00 00 01')));
    expect(trace(dev.sent).slice(1)).toEqual([
      '30000000000 02:00:00:00:00:01 > 02:00:00:00:00:09 10.0.0.1 > 10.0.0.9 ttl 64 id ' + new Ipv4Packet(dev.sent[1].frame, 14).ident + ' icmp time exceeded code 1 about [10.0.0.9 > 10.0.0.1 proto 253]',
    ]);
    expect(dev.sent[1].frame.length).toBe(14 + 20 + 8 + 20 + 8); // the header of fragment zero and 8 data bytes
  });

  it('without fragment zero no time exceeded is sent', () => {
    const { sim, s, dev, feed } = host();
    const f = frags(DATA, [1480, 2960], 5);
    feed(f[1]);
    sim.runFor(31 * SEC);
    expect(s.counters.get('ip.reassemblyTimeout')).toBe(1);
    expect(dev.sent).toEqual([]);
  });

  it('overlap drops the whole datagram; later fragments start over and time out', () => {
    const { sim, s, rec, feed } = host();
    const a = frags(DATA, [1480, 2960], 6);
    const overlapping = frags(DATA, [1472, 2960], 6)[1]; // 1472…2960: overlaps fragment 0
    feed(a[0]);
    feed(a[2]);
    feed(overlapping);
    expect(s.ip.reassembler.datagrams).toBe(0);
    expect(s.counters.get('ip.fragOverlap')).toBe(3);
    feed(a[1]);
    expect(rec.got).toEqual([]);
    sim.runFor(31 * SEC);
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.fragOverlap': 3, 'ip.reassemblyTimeout': 1 });
    expect(rxAccounted(s)).toBe(4);
  });

  it('contradicting lengths drop the datagram: a second last fragment with another end, data beyond the end', () => {
    const { s, feed } = host();
    const a = frags(DATA, [1480, 2960], 8);
    feed(a[2]); // end 3980
    feed(frags(seqBytes(4000), [1480, 2960], 8)[2]); // end 4000
    expect(s.counters.get('ip.fragOverlap')).toBe(2);
    feed(a[2]);
    feed(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 8, fragmentOffset: 4000, moreFragments: true, payload: seqBytes(8) }));
    expect(s.counters.get('ip.fragOverlap')).toBe(4);
  });

  it('datagrams beyond 65,535 bytes are refused (ping of death)', () => {
    const { s, feed } = host();
    feed(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 9, fragmentOffset: 65_512, moreFragments: false, payload: seqBytes(8) })); // 20 + 65520 > 65535
    feed(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 9, fragmentOffset: 65_504, moreFragments: false, payload: seqBytes(8) })); // 20 + 65512: fits
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.fragTooBig': 1 });
    expect(s.ip.reassembler.heldFragments).toBe(1);
    // With a 60-byte first header the completed datagram would exceed the limit: all 46 fragments go.
    const big = seqBytes(65_512);
    const { s: s2, feed: feed2 } = host();
    feed2(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 11, fragmentOffset: 65_480, moreFragments: false, payload: seqBytes(32) })); // end 65512
    const hdr40 = [opt(0x44, Array(38).fill(0))]; // IHL 15
    for (let off = 0; off < 65_480; off += 1480) {
      const len = Math.min(1480, 65_480 - off);
      feed2(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 11, fragmentOffset: off, moreFragments: true, payload: big.subarray(off, off + len), options: off === 0 ? hdr40 : [] }));
    }
    expect(s2.counters.get('ip.fragTooBig')).toBe(46);
    expect(s2.ip.reassembler.heldFragments).toBe(0);
  });

  it('malformed fragments: empty, or not a multiple of 8 before the last', () => {
    const { s, feed } = host();
    feed(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 12, fragmentOffset: 8, moreFragments: true, payload: seqBytes(0) }));
    feed(ipv4({ src: SRC, dst: DST, protocol: 253, ident: 12, fragmentOffset: 0, moreFragments: true, payload: seqBytes(12) }));
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.fragBad': 2 });
  });

  it('limits: concurrent datagrams, held bytes, fragments per datagram; nothing grows beyond them', () => {
    const { s, feed } = host({ reassemblyMaxDatagrams: 2, reassemblyMaxBytes: 4000, reassemblyMaxFragments: 3 });
    const one = (id: number, off: number, len: number, more = true) => feed(ipv4({ src: SRC, dst: DST, protocol: 253, ident: id, fragmentOffset: off, moreFragments: more, payload: seqBytes(len) }));
    one(1, 0, 1480);
    one(2, 0, 1480);
    one(3, 0, 1480); // a third datagram
    expect(s.counters.get('ip.reassemblyLimit')).toBe(1);
    one(1, 1480, 1480); // 1500 + 1500 + 1480 > 4000
    expect(s.counters.get('ip.reassemblyMemory')).toBe(1);
    expect(s.ip.reassembler.bytes).toBeLessThanOrEqual(4000);
    one(2, 1480, 8);
    one(2, 1488, 8);
    one(2, 1496, 8); // the fourth fragment of datagram 2: the whole datagram goes
    expect(s.counters.get('ip.fragBad')).toBe(4);
    expect(s.ip.reassembler.datagrams).toBe(1);
    expect(rxAccounted(s)).toBe(7);
  });
});

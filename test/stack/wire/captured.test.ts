/**
 * Real captured bytes: frames the Linux kernel put on a veth pair between two network namespaces
 * (captured with dumpcap; for the UDP frames with the veths' transmit checksum offload turned off,
 * since with offload the kernel leaves only the pseudo-header sum in the captured packet): an ARP
 * request and reply, an ICMP echo request and reply from `ping`,
 * an echo request with a Record Route option from `ping -R` and its reply, and a DNS query and
 * response carried by the kernel's UDP/IP. Every codec parses them, every checksum verifies, and
 * every layer emits them back byte for byte.
 */
import { describe, expect, test } from 'vitest';
import { parseEthernet, emitEthernet, ethernetBufferLen, ETHERTYPE } from '../../../stack/wire/ethernet.js';
import { parseArp, emitArp, arpBufferLen, ARP_OP } from '../../../stack/wire/arp.js';
import { parseIpv4, emitIpv4, ipv4BufferLen, parseIpv4Addr, IP_PROTOCOL } from '../../../stack/wire/ipv4.js';
import { parseIcmp, emitIcmp, icmpBufferLen } from '../../../stack/wire/icmp.js';
import { parseUdp, emitUdp, udpBufferLen } from '../../../stack/wire/udp.js';
import { parseDns, emitDns, dnsBufferLen } from '../../../stack/wire/dns.js';
import { isWireError } from '../../../stack/wire/error.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));
const CAPTURED = {
  arpRequest: hex('ffffffffffff020000000001080600010800060400010200000000010a0000010000000000000a000002'),
  arpReply: hex('020000000001020000000002080600010800060400020200000000020a0000020200000000010a000001'),
  echoRequest: hex('0200000000020200000000010800450000547efc40004001a7aa0a0000010a000002080039b951970001c25f016b00000000e210080000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637'),
  echoReply: hex('02000000000102000000000208004500005435850000400131220a0000020a000001000041b951970001c25f016b00000000e210080000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637'),
  recordRouteRequest: hex('02000000000202000000000108004f00007c7efd400040016b710a0000010a000002010727080a0000010000000000000000000000000000000000000000000000000000000000000000080021a351980001c25f016b00000000fa25080000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637'),
  recordRouteReply: hex('02000000000102000000000208004f00007c3586000040010ab40a0000020a0000010727100a0000010a0000020a00000200000000000000000000000000000000000000000000000000000029a351980001c25f016b00000000fa25080000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637'),
  dnsQuery: hex('020000000002020000000001080045000038749e40004011b2140a0000010a0000029c40003500240d4712340100000100000000000006736572766572036c616e0000010001'),
  dnsResponse: hex('02000000000102000000000208004500004808bd400040111de60a0000020a00000100359c400034c06412348180000100010000000006736572766572036c616e0000010001c00c000100010000012c00040a000102'),
};
const A = parseIpv4Addr('10.0.0.1')!;
const B = parseIpv4Addr('10.0.0.2')!;

function ok<T>(x: T): Exclude<T, { kind: string; message: string } & object> {
  if (isWireError(x)) throw new Error(`parse failed: ${(x as { message: string }).message}`);
  return x as never;
}

/** Emits `repr` with `emit` into a fresh buffer of `len(repr)` bytes. */
function reemit<R>(repr: R, len: (r: R) => number, emit: (r: R, b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(len(repr));
  emit(repr, b);
  return b;
}

describe('frames captured from the Linux kernel', () => {
  test('ARP request and reply', () => {
    for (const [frame, op] of [[CAPTURED.arpRequest, ARP_OP.REQUEST], [CAPTURED.arpReply, ARP_OP.REPLY]] as const) {
      const eth = ok(parseEthernet(frame));
      expect(eth.ethertype).toBe(ETHERTYPE.ARP);
      const arp = ok(parseArp(eth.payload));
      expect(arp.operation).toBe(op);
      expect(Array.from(reemit(arp, arpBufferLen, emitArp))).toEqual(Array.from(eth.payload.subarray(0, 28)));
      expect(Array.from(reemit(eth, ethernetBufferLen, emitEthernet))).toEqual(Array.from(frame));
    }
    expect(ok(parseArp(ok(parseEthernet(CAPTURED.arpRequest)).payload))).toMatchObject({ senderIp: A, targetIp: B, targetHw: 0 });
  });

  test('ICMP echo request and reply from ping, with and without a Record Route option', () => {
    for (const name of ['echoRequest', 'echoReply', 'recordRouteRequest', 'recordRouteReply'] as const) {
      const frame = CAPTURED[name];
      const eth = ok(parseEthernet(frame));
      const ip = ok(parseIpv4(eth.payload)); // verifies the header checksum
      expect(ip.protocol).toBe(IP_PROTOCOL.ICMP);
      const icmp = ok(parseIcmp(ip.payload)); // verifies the ICMP checksum
      expect(icmp.kind).toBe(name.endsWith('Request') ? 'echoRequest' : 'echoReply');
      if (icmp.kind === 'echoRequest' || icmp.kind === 'echoReply') {
        expect(icmp.seq).toBe(1);
        expect(icmp.data.length).toBe(56);
      }
      if (name.startsWith('recordRoute')) {
        expect(ip.options.map((o) => o.type)).toContain(7); // Record Route, as ping -R sends it
      } else expect(ip.options).toHaveLength(0);
      expect(Array.from(reemit(icmp, icmpBufferLen, emitIcmp))).toEqual(Array.from(ip.payload));
      expect(Array.from(reemit(ip, ipv4BufferLen, emitIpv4))).toEqual(Array.from(eth.payload));
    }
    // the reply's Record Route option carries the addresses the kernel recorded
    const rr = ok(parseIpv4(ok(parseEthernet(CAPTURED.recordRouteReply)).payload)).options.find((o) => o.type === 7)!;
    expect(rr.data[0]).toBe(0x10); // pointer past two recorded addresses
    expect(Array.from(rr.data.subarray(1, 9))).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
  });

  test('a DNS query and response over the kernel UDP/IP', () => {
    const q = ok(parseEthernet(CAPTURED.dnsQuery));
    const qip = ok(parseIpv4(q.payload));
    const qudp = ok(parseUdp(qip.payload, qip.src, qip.dst)); // verifies the pseudo-header checksum
    expect([qudp.srcPort, qudp.dstPort, qudp.hasChecksum]).toEqual([40000, 53, true]);
    const qdns = ok(parseDns(qudp.payload));
    expect(qdns).toMatchObject({ id: 0x1234, response: false, recursionDesired: true, questions: [{ name: 'server.lan', type: 1, class: 1 }] });
    const r = ok(parseEthernet(CAPTURED.dnsResponse));
    const rip = ok(parseIpv4(r.payload));
    const rudp = ok(parseUdp(rip.payload, rip.src, rip.dst));
    const rdns = ok(parseDns(rudp.payload));
    expect(rdns.answers).toMatchObject([{ kind: 'a', name: 'server.lan', ttl: 300, address: parseIpv4Addr('10.0.1.2') }]);
    for (const [ip, udp, dns] of [[qip, qudp, qdns], [rip, rudp, rdns]] as const) {
      expect(Array.from(reemit(dns, dnsBufferLen, emitDns))).toEqual(Array.from(udp.payload));
      expect(Array.from(reemit(udp, udpBufferLen, (u, b) => emitUdp(u, b, ip.src, ip.dst)))).toEqual(Array.from(ip.payload));
      expect(Array.from(reemit(ip, ipv4BufferLen, emitIpv4))).toEqual(Array.from(ip === qip ? q.payload : r.payload));
    }
  });
});

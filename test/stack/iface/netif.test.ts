import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import { NetStack } from '../../../stack/host.js';
import { TestDevice } from '../../../stack/testdev.js';
import { ETHERTYPE, MAC_BROADCAST } from '../../../stack/wire/ethernet.js';
import { IP_PROTOCOL } from '../../../stack/wire/ipv4.js';
import { eth, hex, ip, ipv4, mac, nonZero, recorder, trace, twoHosts } from '../helpers.js';

function host() {
  const sim = new Simulator();
  const dev = new TestDevice(sim, { name: 'eth0', mac: mac(1) });
  const s = new NetStack(sim, { udp: false, name: 'h' });
  const i = s.addInterface(dev, { address: '10.0.0.1', prefixLength: 24, announce: false });
  const rec = recorder();
  s.ip.register(IP_PROTOCOL.UDP, rec);
  return { sim, s, i, dev, rec };
}

const pkt = (dst = '10.0.0.1') => ipv4({ src: ip('10.0.0.9'), dst: ip(dst), protocol: IP_PROTOCOL.UDP, payload: hex('00 07 00 09 00 08 00 00') });

describe('Ethernet demux', () => {
  it('takes our MAC, broadcast and IPv4 multicast MACs; counts frames for other MACs, other EtherTypes, VLAN tags and runts', () => {
    const { s, dev, rec } = host();
    dev.inject(eth(mac(1), mac(9), ETHERTYPE.IPV4, pkt()));
    dev.inject(eth(MAC_BROADCAST, mac(9), ETHERTYPE.IPV4, pkt('10.0.0.255')));
    dev.inject(eth(0x01_00_5e_00_00_01, mac(9), ETHERTYPE.IPV4, pkt('224.0.0.1')));
    dev.inject(eth(mac(2), mac(9), ETHERTYPE.IPV4, pkt())); // promiscuous reception: not ours
    dev.inject(eth(0x01_80_c2_00_00_00, mac(9), 0x0026, hex('42 42 03'))); // STP to a non-IP multicast MAC
    dev.inject(eth(0x01_00_5e_80_00_01, mac(9), ETHERTYPE.IPV4, pkt('224.0.0.1'))); // 24th bit set: not an IPv4 group MAC
    dev.inject(eth(mac(1), mac(9), ETHERTYPE.IPV6, hex('60 00 00 00')));
    dev.inject(eth(mac(1), mac(9), ETHERTYPE.VLAN, hex('00 05 08 00 45')));
    dev.inject(hex('02 00 00 00 00 01 02 00 00 00 00 09 08'));
    expect(rec.got.map((d) => [d.broadcast, d.multicast])).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
    expect(nonZero(s, 'rx-drop')).toEqual({ 'eth.notForUs': 3, 'eth.unknownType': 1, 'eth.vlanTagged': 1, 'eth.truncated': 1 });
  });

  it('strips link-layer padding: a 60-byte frame carrying a 28-byte datagram delivers 8 payload bytes', () => {
    const { dev, rec } = host();
    const f = new Uint8Array(60);
    f.set(eth(mac(1), mac(9), ETHERTYPE.IPV4, pkt()));
    dev.inject(f);
    expect(rec.got.map((d) => d.data.length)).toEqual([0 + 8]);
  });
});

describe('transmit queue', () => {
  it('a busy device: frames queue in order and leave on onTxWake; nothing overtakes them', () => {
    const { sim, a, b, da } = twoHosts();
    const rec = recorder();
    b.ip.register(253, rec);
    a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('00') });
    sim.runFor(10_000);
    da.takeSent();
    da.blockTx();
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('01') })).toBe('queued');
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('02') })).toBe('queued');
    expect(a.interfaces[0].txQueued).toBe(2);
    sim.runFor(5000);
    da.unblockTx();
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('03') })).toBe('sent');
    sim.runFor(10_000);
    expect(trace(da.sent)).toEqual([
      '15000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 101 proto 253 len 1',
      '15000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 102 proto 253 len 1',
      '15000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 103 proto 253 len 1',
    ]);
    expect(rec.got.map((d) => d.data[0])).toEqual([0, 1, 2, 3]);
    expect(a.counters.get('iface.txQueued')).toBe(2);
  });

  it('the queue is bounded: ENOBUFS and iface.txQueueFull when full; a down device refuses with ENETUNREACH', () => {
    const { sim, a, da } = twoHosts({ a: { txQueueLen: 1 } });
    a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('00') });
    sim.runFor(10_000);
    da.blockTx();
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('01') })).toBe('queued');
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: hex('02') })).toEqual({ error: 'ENOBUFS' });
    expect(a.counters.get('iface.txQueueFull')).toBe(1);
    da.setLink(false);
    sim.runFor(0);
    expect(a.counters.get('iface.txDown')).toBe(1); // the queued frame
    expect(a.ip.output({ dst: ip('255.255.255.255'), protocol: 253, payload: hex('03') })).toEqual({ error: 'ENETUNREACH' });
    expect(a.counters.get('iface.txDown')).toBe(2);
  });
});

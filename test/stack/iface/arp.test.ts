import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import { Simulator } from '../../../sim/simulator.js';
import { SEC } from '../../../sim/time.js';
import { startSimActor, nsToXstateMs } from '../../../sim/xstate.js';
import { NetStack } from '../../../stack/host.js';
import { arpEntryMachine, type ArpEntryEvent } from '../../../stack/iface/arp.js';
import { TestDevice } from '../../../stack/testdev.js';
import { ARP_OP, emitArp } from '../../../stack/wire/arp.js';
import { ETHERTYPE, MAC_BROADCAST } from '../../../stack/wire/ethernet.js';
import { IP_PROTOCOL } from '../../../stack/wire/ipv4.js';
import { eth, hex, ip, mac, nonZero, recorder, toHex, trace, twoHosts, udp } from '../helpers.js';

const TEST_PROTO = 253; // RFC 3692 experimentation

function arpFrame(dst: number, src: number, operation: number, senderHw: number, senderIp: number, targetHw: number, targetIp: number): Uint8Array {
  const a = new Uint8Array(28);
  emitArp({ operation, senderHw, senderIp, targetHw, targetIp }, a);
  return eth(dst, src, ETHERTYPE.ARP, a);
}

/** A host alone on a link whose other end never answers (the peer has no stack). */
function lonely(opts: ConstructorParameters<typeof NetStack>[1] extends infer O ? Partial<O> : never = {}) {
  const sim = new Simulator({ seed: 3 });
  const [dev, peer] = TestDevice.pair(sim, { macs: [mac(1), mac(2)], names: ['eth0', 'peer'] });
  const a = new NetStack(sim, { udp: false, name: 'a', firstIpId: 100, ...opts });
  const ia = a.addInterface(dev, { address: '10.0.0.1', prefixLength: 24, announce: false });
  return { sim, a, ia, dev, peer };
}

describe('ARP request/reply exchange', () => {
  it('broadcasts a request, answers with a unicast reply, then sends the queued datagram (exact bytes and times)', () => {
    const { sim, a, b, da, db } = twoHosts();
    const rec = recorder();
    b.ip.register(TEST_PROTO, rec);
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('de ad be ef') })).toBe('queued');
    sim.runFor(10_000);

    expect(trace(da.sent)).toEqual([
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 proto 253 len 4',
    ]);
    expect(trace(db.sent)).toEqual(['1000 02:00:00:00:00:02 > 02:00:00:00:00:01 arp reply 10.0.0.2 is-at 02:00:00:00:00:02']);

    expect(toHex(da.sent[0].frame)).toBe(
      toHex(hex(`
        ff ff ff ff ff ff 02 00 00 00 00 01 08 06        // broadcast, from a, ARP
        00 01 08 00 06 04 00 01                          // Ethernet/IPv4, request
        02 00 00 00 00 01 0a 00 00 01                    // sender a, 10.0.0.1
        00 00 00 00 00 00 0a 00 00 02                    // target ?, 10.0.0.2
      `)),
    );
    expect(toHex(db.sent[0].frame)).toBe(
      toHex(hex(`
        02 00 00 00 00 01 02 00 00 00 00 02 08 06        // to a, from b, ARP
        00 01 08 00 06 04 00 02                          // Ethernet/IPv4, reply
        02 00 00 00 00 02 0a 00 00 02                    // sender b, 10.0.0.2
        02 00 00 00 00 01 0a 00 00 01                    // target a, 10.0.0.1
      `)),
    );
    expect(toHex(da.sent[1].frame)).toBe(
      toHex(hex(`
        02 00 00 00 00 02 02 00 00 00 00 01 08 00        // to b, from a, IPv4
        45 00 00 18 00 64 00 00 40 fd 65 83              // len 24, id 100, TTL 64, proto 253, checksum
        0a 00 00 01 0a 00 00 02 de ad be ef
      `)),
    );
    expect(rec.got.map((d) => [d.src, d.dst, toHex(d.data)])).toEqual([[ip('10.0.0.1'), ip('10.0.0.2'), 'de ad be ef']]);
    expect(a.arp('eth0').state(ip('10.0.0.2'))).toBe('reachable');
    expect(b.arp('eth0').state(ip('10.0.0.1'))).toBe('stale'); // a request proves nothing about the way back
  });

  it('a second datagram to a resolved neighbour goes out at once', () => {
    const { sim, a, da } = twoHosts();
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('01') });
    sim.runFor(10_000);
    da.takeSent();
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('02') })).toBe('sent');
    expect(trace(da.sent)).toEqual(['10000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 101 proto 253 len 1']);
  });

  it('answers requests for our address, learns the asker, ignores requests for others', () => {
    const { a, ia, dev } = lonely();
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.9'), 0, ip('10.0.0.1')));
    dev.inject(arpFrame(MAC_BROADCAST, mac(8), ARP_OP.REQUEST, mac(8), ip('10.0.0.8'), 0, ip('10.0.0.77')));
    expect(trace(dev.sent)).toEqual(['0 02:00:00:00:00:01 > 02:00:00:00:00:09 arp reply 10.0.0.1 is-at 02:00:00:00:00:01']);
    expect(a.arpTable()).toEqual([{ address: '10.0.0.9', hwType: 'ether', hwAddress: '02:00:00:00:00:09', flags: 'C', iface: 'eth0', state: 'stale', queued: 0 }]);
    expect(ia.arp.macOf(ip('10.0.0.8'))).toBeUndefined();
    expect(nonZero(a, 'rx-drop')).toEqual({ 'arp.notForUs': 1 });
    expect(nonZero(a, 'rx-ok')).toEqual({ 'arp.accepted': 1 });
  });

  it('defends our address against an RFC 5227 probe and counts conflicts and bad packets', () => {
    const { a, dev } = lonely();
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), 0, 0, ip('10.0.0.1'))); // probe: answered
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.1'), 0, ip('10.0.0.1'))); // someone claims 10.0.0.1
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, 0x01_00_5e_00_00_01, ip('10.0.0.9'), 0, ip('10.0.0.1'))); // multicast sender MAC
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(1), ip('10.0.0.9'), 0, ip('10.0.0.1'))); // our own MAC
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.255'), 0, ip('10.0.0.1'))); // broadcast sender IP
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), 3, mac(9), ip('10.0.0.9'), 0, ip('10.0.0.1'))); // RARP op
    dev.inject(arpFrame(mac(1), mac(9), ARP_OP.REPLY, mac(9), ip('10.0.0.9'), mac(1), ip('10.0.0.1'))); // unsolicited
    const bad = arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.9'), 0, ip('10.0.0.1'));
    bad[14 + 1] = 6; // hardware type 6 (IEEE 802)
    dev.inject(bad);
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.9'), 0, ip('10.0.0.1')).subarray(0, 14 + 20));
    expect(trace(dev.sent)).toEqual(['0 02:00:00:00:00:01 > 02:00:00:00:00:09 arp reply 10.0.0.1 is-at 02:00:00:00:00:01']);
    expect(toHex(dev.sent[0].frame.subarray(14 + 18))).toBe('02 00 00 00 00 09 00 00 00 00'); // target: the prober, 0.0.0.0
    expect(nonZero(a, 'rx-drop')).toEqual({
      'arp.conflict': 1,
      'arp.badSender': 3,
      'arp.badOp': 1,
      'arp.unsolicited': 1,
      'arp.unsupported': 1,
      'arp.truncated': 1,
    });
    expect(a.arpTable()).toEqual([]);
  });

  it('a gratuitous ARP from a neighbour with a new MAC updates its entry to stale', () => {
    const { sim, a, ia, dev } = lonely();
    dev.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.9'), 0, ip('10.0.0.1')));
    dev.inject(arpFrame(mac(1), mac(9), ARP_OP.REPLY, mac(9), ip('10.0.0.9'), mac(1), ip('10.0.0.1')));
    expect(ia.arp.state(ip('10.0.0.9'))).toBe('reachable');
    sim.runFor(1000);
    dev.inject(arpFrame(MAC_BROADCAST, mac(0x99), ARP_OP.REQUEST, mac(0x99), ip('10.0.0.9'), 0, ip('10.0.0.9')));
    expect(ia.arp.state(ip('10.0.0.9'))).toBe('stale');
    expect(ia.arp.macOf(ip('10.0.0.9'))).toBe(mac(0x99));
    expect(a.counters.get('arp.accepted')).toBe(3);
  });
});

describe('ARP cache entries over time', () => {
  it('reachable → stale after 30 s → delay on use → probe after 5 s → reachable again when the neighbour answers', () => {
    const { sim, a, b, da } = twoHosts();
    b.ip.register(TEST_PROTO, recorder());
    const states = sim.trace.record(['state']);
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('01') });
    sim.runFor(40 * SEC);
    expect(a.arp('eth0').state(ip('10.0.0.2'))).toBe('stale');
    da.takeSent();
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('02') });
    sim.runFor(10 * SEC);
    expect(trace(da.sent)).toEqual([
      '40000000000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 101 proto 253 len 1', // a stale entry is used at once
      '45000000000 02:00:00:00:00:01 > 02:00:00:00:00:02 arp who-has 10.0.0.2 tell 10.0.0.1', // unicast probe after DELAY
    ]);
    const mine = states.events.filter((e) => e.source === 'a.eth0.arp[10.0.0.2]' && e.kind === 'state').map((e) => `${e.time} ${'from' in e ? `${e.from} → ${e.to}` : ''}`);
    expect(mine).toEqual([
      '0  → incomplete',
      '2000 incomplete → reachable',
      '30000002000 reachable → stale',
      '40000000000 stale → delay',
      '45000000000 delay → probe',
      '45000002000 probe → reachable',
    ]);
  });

  it('a silent neighbour: probes every second, then the entry fails and is removed; the next datagram starts over', () => {
    const { sim, a, ia, da, db } = twoHosts();
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('01') });
    sim.runFor(31 * SEC); // stale
    db.onReceive(() => {}); // b goes deaf
    da.takeSent();
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('02') });
    sim.runFor(5 * SEC + 2 * SEC + 999_999_999);
    expect(ia.arp.state(ip('10.0.0.2'))).toBe('probe');
    sim.runFor(1);
    expect(ia.arp.state(ip('10.0.0.2'))).toBeUndefined();
    expect(trace(da.sent).map((l) => l.replace(/ 02:00:00:00:00:01 > 02:00:00:00:00:02/, ''))).toEqual([
      '31000000000 10.0.0.1 > 10.0.0.2 ttl 64 id 101 proto 253 len 1',
      '36000000000 arp who-has 10.0.0.2 tell 10.0.0.1',
      '37000000000 arp who-has 10.0.0.2 tell 10.0.0.1',
      '38000000000 arp who-has 10.0.0.2 tell 10.0.0.1',
    ]);
    expect(a.counters.get('arp.probesSent')).toBe(3);
    da.takeSent();
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('03') })).toBe('queued');
    expect(ia.arp.state(ip('10.0.0.2'))).toBe('incomplete');
    expect(trace(da.sent)).toEqual(['39000000000 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1']);
  });

  it('resolution fails after 3 requests: each queued datagram is dropped once and reported as host unreachable to its transport', () => {
    const { sim, a, ia, dev } = lonely();
    const rec = recorder();
    a.ip.register(IP_PROTOCOL.UDP, rec);
    const to = ip('10.0.0.2');
    a.ip.output({ dst: to, protocol: IP_PROTOCOL.UDP, payload: udp(ip('10.0.0.1'), to, 5000, 53, hex('aa')) });
    a.ip.output({ dst: to, protocol: IP_PROTOCOL.UDP, payload: udp(ip('10.0.0.1'), to, 5001, 53, hex('bb')) });
    sim.runFor(3 * SEC - 1);
    expect(rec.errors).toEqual([]);
    expect(ia.arp.queued(to)).toBe(2);
    sim.runFor(1);
    expect(trace(dev.sent)).toEqual([
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1',
      '1000000000 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1',
      '2000000000 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1',
    ]);
    expect(rec.errors.map((e) => ({ type: e.type, code: e.code, from: e.from, dst: e.original.dst, sport: (e.original.payload[0] << 8) | e.original.payload[1] }))).toEqual([
      { type: 3, code: 1, from: ip('10.0.0.1'), dst: to, sport: 5000 },
      { type: 3, code: 1, from: ip('10.0.0.1'), dst: to, sport: 5001 },
    ]);
    expect(nonZero(a, 'tx-drop')).toEqual({ 'arp.unresolved': 2 });
    expect(nonZero(a, 'rx-drop')).toEqual({});
    expect(a.counters.get('icmp.localErrors')).toBe(2);
    expect(a.arpTable()).toEqual([]);
    expect(dev.sent.length).toBe(3); // nothing went on the wire about it
  });

  it('the ping hook hears host unreachable for its own echo requests', () => {
    const { sim, a } = lonely();
    const errs: string[] = [];
    a.icmp.onEchoError((e) => errs.push(`${e.type}/${e.code} id ${e.id} seq ${e.seq}`));
    a.icmp.sendEcho({ dst: ip('10.0.0.2'), id: 77, seq: 1, data: hex('00 01') });
    sim.runFor(4 * SEC);
    expect(errs).toEqual(['3/1 id 77 seq 1']);
  });

  it('the waiting queue is bounded: the oldest datagram is dropped and counted', () => {
    const { sim, a, b, da } = twoHosts({ a: { arpQueueLen: 2 } });
    const rec = recorder();
    b.ip.register(TEST_PROTO, rec);
    for (let i = 0; i < 4; i++) expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: Uint8Array.of(i) })).toBe('queued');
    expect(a.counters.get('arp.queueOverflow')).toBe(2);
    expect(a.arp('eth0').queued(ip('10.0.0.2'))).toBe(2);
    sim.runFor(10_000);
    expect(rec.got.map((d) => d.data[0])).toEqual([2, 3]);
    expect(trace(da.sent).slice(1)).toEqual([
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 102 proto 253 len 1',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 103 proto 253 len 1',
    ]);
  });

  it('a full cache refuses new neighbours with ENOBUFS, evicting a stale entry first when there is one', () => {
    const { a, dev } = lonely({ arpMaxEntries: 2 });
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('01') })).toBe('queued');
    expect(a.ip.output({ dst: ip('10.0.0.3'), protocol: TEST_PROTO, payload: hex('01') })).toBe('queued');
    expect(a.ip.output({ dst: ip('10.0.0.4'), protocol: TEST_PROTO, payload: hex('01') })).toEqual({ error: 'ENOBUFS' });
    expect(a.counters.get('arp.cacheFull')).toBe(1);
    // A stale entry (learnt from a request) can be evicted.
    const { a: a2, ia: ia2, dev: dev2 } = lonely({ arpMaxEntries: 1 });
    dev2.inject(arpFrame(MAC_BROADCAST, mac(9), ARP_OP.REQUEST, mac(9), ip('10.0.0.9'), 0, ip('10.0.0.1')));
    expect(a2.ip.output({ dst: ip('10.0.0.4'), protocol: TEST_PROTO, payload: hex('01') })).toBe('queued');
    expect(ia2.arp.state(ip('10.0.0.9'))).toBeUndefined();
    expect(ia2.arp.state(ip('10.0.0.4'))).toBe('incomplete');
    expect(dev.sent.length).toBe(2);
  });

  it('link down flushes the cache and its queues; link up sends a gratuitous ARP', () => {
    const sim = new Simulator();
    const [dev] = TestDevice.pair(sim, { macs: [mac(1), mac(2)], names: ['eth0', 'peer'] });
    const a = new NetStack(sim, { udp: false, name: 'a' });
    const ia = a.addInterface(dev, { address: '10.0.0.1', prefixLength: 24 });
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('01') });
    sim.runFor(500_000_000);
    dev.setLink(false);
    sim.runFor(0);
    expect(ia.arp.size).toBe(0);
    expect(a.counters.get('arp.flushed')).toBe(1);
    sim.runFor(500_000_000);
    dev.setLink(true);
    sim.runFor(0);
    expect(trace(dev.sent)).toEqual([
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.1 tell 10.0.0.1', // at addInterface: the link was up
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1',
      '1000000000 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.1 tell 10.0.0.1', // carrier back
    ]);
    expect(toHex(dev.sent[2].frame)).toBe(
      toHex(hex(`
        ff ff ff ff ff ff 02 00 00 00 00 01 08 06
        00 01 08 00 06 04 00 01
        02 00 00 00 00 01 0a 00 00 01                    // sender: us
        00 00 00 00 00 00 0a 00 00 01                    // target: us too
      `)),
    );
    expect(a.counters.get('arp.announcements')).toBe(2);
  });

  it('an upper-layer confirmation (TCP) turns a delayed entry reachable without probing', () => {
    const { sim, a, ia, da } = twoHosts();
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('01') });
    sim.runFor(31 * SEC);
    a.ip.output({ dst: ip('10.0.0.2'), protocol: TEST_PROTO, payload: hex('02') });
    expect(ia.arp.state(ip('10.0.0.2'))).toBe('delay');
    ia.arp.confirm(ip('10.0.0.2'));
    expect(ia.arp.state(ip('10.0.0.2'))).toBe('reachable');
    da.takeSent();
    sim.runFor(10 * SEC);
    expect(da.sent).toEqual([]);
  });
});

describe('the ARP entry machine (model paths replayed on the simulator clock)', () => {
  const input = { ip: ip('10.0.0.2'), maxRequests: 3, maxProbes: 3 };
  const after = (d: string, state: string) => ({ type: `xstate.after.${d}.arp-entry.${state}` }) as unknown as ArpEntryEvent;
  const events: ArpEntryEvent[] = [
    { type: 'CONFIRM', mac: mac(2) },
    { type: 'UPDATE', mac: mac(2) },
    { type: 'UPDATE', mac: mac(3) },
    { type: 'USE' },
    after('RETRANS', 'incomplete'),
    after('REACHABLE', 'reachable'),
    after('STALE', 'stale'),
    after('DELAY', 'delay'),
    after('RETRANS', 'probe'),
  ];
  const paths = getShortestPaths(arpEntryMachine, { input, events, serializeState: (s) => `${JSON.stringify(s.value)} probes ${s.context.probes} mac ${s.context.mac}` });
  const DELAYS: Record<string, number> = { RETRANS: 1 * SEC, REACHABLE: 30 * SEC, STALE: 60 * SEC, DELAY: 5 * SEC };

  it('reaches every state', () => {
    expect(paths.length).toBeGreaterThan(7);
    expect(new Set(paths.map((p) => JSON.stringify(p.state.value)))).toEqual(
      new Set(['"incomplete"', '"reachable"', '"stale"', '"delay"', '"probe"', '"failed"', '"expired"']),
    );
  });

  for (const path of paths) {
    const name = [JSON.stringify(path.state.value), ...path.steps.map((s) => s.event.type.replace(/^xstate\.after\.(\w+)\..*/, 'after $1'))].join(' ← ');
    it(`path to ${name}`, () => {
      const sim = new Simulator();
      const effects: string[] = [];
      const machine = arpEntryMachine.provide({
        actions: {
          sendRequest: () => void effects.push('request'),
          sendProbe: () => void effects.push('probe'),
          flushQueue: () => void effects.push('flush'),
          failQueue: () => void effects.push('fail'),
          forget: () => void effects.push('forget'),
        },
        delays: Object.fromEntries(Object.entries(DELAYS).map(([k, v]) => [k, nsToXstateMs(v)])),
      });
      const actor = startSimActor(sim, machine, 'test', { input });
      for (const step of path.steps.slice(1)) {
        const m = /^xstate\.after\.(\w+)\./.exec(step.event.type);
        if (m) sim.runFor(DELAYS[m[1]]);
        else actor.send(step.event);
      }
      expect(actor.getSnapshot().value).toEqual(path.state.value);
      expect(actor.getSnapshot().context).toEqual(path.state.context);
      expect(effects[0]).toBe('request'); // every entry without a MAC starts by asking
      if (path.state.value === 'failed') expect(effects.at(-1)).toBe('fail');
      if (path.state.value === 'expired') expect(effects.at(-1)).toBe('forget');
    });
  }
});

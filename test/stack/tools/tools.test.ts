/**
 * The text tools: `arp -n` / `ip neigh`, `route -n` / `ip route`, `netstat -una[p]` and
 * `ip -s [-s] link`, each as data and as the familiar text.
 */
import { describe, expect, test } from 'vitest';
import { Process } from '../../../stack/socket/api.js';
import { arp, formatArp, formatIpNeigh } from '../../../stack/tools/arp.js';
import { formatIpLink, ipLink } from '../../../stack/tools/iplink.js';
import { formatNetstat, netstat } from '../../../stack/tools/netstat.js';
import { ping } from '../../../stack/tools/ping.js';
import { formatIpRoute, formatRoute, ipRoute, route } from '../../../stack/tools/route.js';
import { routedUdp, run, twoUdpHosts } from '../apphelpers.js';
import { hex } from '../helpers.js';

describe('arp', () => {
  test('a resolved and an incomplete entry, as arp -n and ip neigh print them', async () => {
    const { sim, a } = twoUdpHosts();
    await run(sim, () => ping(a, '10.0.0.2', { count: 1 }));
    void ping(a, '10.0.0.9', { count: 1 });
    sim.runFor(500_000_000);
    const rows = arp(a);
    expect(rows.map((r) => [r.address, r.hwAddress, r.flags, r.state, r.iface])).toEqual([
      ['10.0.0.2', '02:00:00:00:00:02', 'C', 'reachable', 'eth0'],
      ['10.0.0.9', '(incomplete)', '', 'incomplete', 'eth0'],
    ]);
    expect(formatArp(rows)).toBe(
      'Address                  HWtype  HWaddress           Flags Mask            Iface\n' +
        '10.0.0.2                 ether   02:00:00:00:00:02   C                     eth0\n' +
        '10.0.0.9                         (incomplete)                              eth0\n',
    );
    expect(formatIpNeigh(rows)).toBe('10.0.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE\n10.0.0.9 dev eth0 INCOMPLETE\n');
    expect(formatArp([])).toBe('');
  });
});

describe('route', () => {
  test('route -n and ip route: default first, then by destination', () => {
    const { h } = routedUdp();
    h.routes.add({ destination: '10.10.0.0', prefixLength: 16, gateway: '192.168.1.1' });
    h.routes.add({ destination: '198.51.100.7', prefixLength: 32, gateway: '192.168.1.1' });
    h.routes.add({ destination: '172.16.0.0', prefixLength: 12, iface: h.interfaces[0] });
    expect(route(h).map((r) => `${r.destination}/${r.genmask} ${r.flags}`)).toEqual([
      '0.0.0.0/0.0.0.0 UG',
      '10.10.0.0/255.255.0.0 UG',
      '172.16.0.0/255.240.0.0 U',
      '192.168.1.0/255.255.255.0 U',
      '198.51.100.7/255.255.255.255 UGH',
    ]);
    expect(formatRoute(route(h))).toBe(
      [
        'Kernel IP routing table',
        'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface',
        '0.0.0.0         192.168.1.1     0.0.0.0         UG    100    0        0 eth0',
        '10.10.0.0       192.168.1.1     255.255.0.0     UG    100    0        0 eth0',
        '172.16.0.0      0.0.0.0         255.240.0.0     U     0      0        0 eth0',
        '192.168.1.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0',
        '198.51.100.7    192.168.1.1     255.255.255.255 UGH   100    0        0 eth0',
        '',
      ].join('\n'),
    );
    expect(formatIpRoute(ipRoute(h))).toBe(
      [
        'default via 192.168.1.1 dev eth0 metric 100 ',
        '10.10.0.0/16 via 192.168.1.1 dev eth0 metric 100 ',
        '172.16.0.0/12 dev eth0 scope link ',
        '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10 ',
        '198.51.100.7 via 192.168.1.1 dev eth0 metric 100 ',
        '',
      ].join('\n'),
    );
  });

  test("a router's two connected networks", () => {
    const { r } = routedUdp();
    expect(formatIpRoute(ipRoute(r))).toBe('192.168.1.0/24 dev r0 proto kernel scope link src 192.168.1.1 \n203.0.113.0/24 dev r1 proto kernel scope link src 203.0.113.1 \n');
  });
});

describe('netstat', () => {
  test('servers and connected sockets, queues, PID/Program name; only bound sockets are listed', async () => {
    const { sim, a, b } = twoUdpHosts();
    const named = new Process(b, 'named');
    const app = new Process(a, 'app');
    const rows = await run(sim, async () => {
      const srv = await named.socket();
      await named.bind(srv, { address: 0, port: 53 });
      const own = await named.socket();
      await named.bind(own, { address: '10.0.0.2', port: 5353 });
      await named.socket(); // unbound: not listed
      const cli = await app.socket();
      await app.connect(cli, { address: '10.0.0.2', port: 53 });
      await app.send(cli, hex('00 01 02'));
      await app.send(cli, hex('03 04'));
      await new Promise<void>((res) => b.timers.after(10_000, () => (sim.wake(), res())));
      return { b: netstat(b), a: netstat(a), aEst: netstat(a, { all: false }), bEst: netstat(b, { all: false }) };
    });
    expect(rows.b).toEqual([
      { proto: 'udp', recvQ: 5, sendQ: 0, local: '0.0.0.0:53', foreign: '0.0.0.0:*', state: '', pid: 1, program: 'named', listening: true },
      { proto: 'udp', recvQ: 0, sendQ: 0, local: '10.0.0.2:5353', foreign: '0.0.0.0:*', state: '', pid: 1, program: 'named', listening: true },
    ]);
    expect(rows.bEst).toEqual([]);
    expect(rows.aEst).toEqual(rows.a);
    expect(formatNetstat(rows.b)).toBe(
      'Active Internet connections (servers and established)\n' +
        'Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n' +
        'udp        5      0 0.0.0.0:53              0.0.0.0:*                          \n' +
        'udp        0      0 10.0.0.2:5353           0.0.0.0:*                          \n',
    );
    expect(formatNetstat(rows.a, { all: false, programs: true })).toBe(
      'Active Internet connections (w/o servers)\n' +
        'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name\n' +
        'udp        0      0 10.0.0.1:32768          10.0.0.2:53             ESTABLISHED 1/app\n',
    );
  });
});

describe('ip link', () => {
  test('ip -s link and ip -s -s link from the device statistics; NO-CARRIER when the link is down', async () => {
    const { sim, a, da } = twoUdpHosts();
    await run(sim, () => ping(a, '10.0.0.2', { count: 2 }));
    const rows = ipLink(a);
    expect(rows.map((r) => [r.index, r.name, r.mtu, r.state, r.mac, r.inet, r.stats.txPackets, r.stats.rxPackets])).toEqual([[1, 'eth0', 1500, 'UP', '02:00:00:00:00:01', '10.0.0.1/24', 3, 3]]);
    expect(formatIpLink(rows)).toBe(
      [
        '1: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP',
        '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff',
        '    RX: bytes  packets  errors  dropped overrun mcast   ',
        '    238        3        0       0       0       0       ',
        '    TX: bytes  packets  errors  dropped carrier collsns ',
        '    238        3        0       0       0       0       ',
        '',
      ].join('\n'),
    );
    da.setLink(false);
    expect(formatIpLink(ipLink(a), { stats: 2 })).toBe(
      [
        '1: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state DOWN',
        '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff',
        '    RX: bytes  packets  errors  dropped overrun mcast   ',
        '    238        3        0       0       0       0       ',
        '    RX errors: length   crc     frame   fifo    missed',
        '               0        0       0       0       0       ',
        '    TX: bytes  packets  errors  dropped carrier collsns ',
        '    238        3        0       0       0       0       ',
        '    TX errors: aborted  fifo   window heartbeat',
        '               0        0       0       0       ',
        '',
      ].join('\n'),
    );
    expect(formatIpLink(ipLink(a), { stats: 0 })).toBe('1: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state DOWN\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n');
  });
});

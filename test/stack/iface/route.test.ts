import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import { NetStack } from '../../../stack/host.js';
import { TestDevice } from '../../../stack/testdev.js';
import { formatIpv4Addr } from '../../../stack/wire/ipv4.js';
import { ip } from '../helpers.js';

function router() {
  const sim = new Simulator();
  const s = new NetStack(sim, { udp: false, name: 'r', forwarding: true });
  const eth0 = s.addInterface(new TestDevice(sim, { name: 'eth0' }), { address: '192.168.1.1', prefixLength: 24, announce: false });
  const eth1 = s.addInterface(new TestDevice(sim, { name: 'eth1' }), { address: '10.0.0.1', prefixLength: 8, announce: false });
  const eth2 = s.addInterface(new TestDevice(sim, { name: 'eth2' }), { address: '172.16.5.1', prefixLength: 16, announce: false });
  return { s, eth0, eth1, eth2 };
}

const via = (s: NetStack, dst: string): string => {
  const r = s.routes.lookup(ip(dst));
  return r === undefined ? 'none' : `${r.iface.name} via ${formatIpv4Addr(r.gateway)} (/${r.prefixLength})`;
};

describe('routing table', () => {
  it('addInterface adds connected routes; lookup takes the longest prefix', () => {
    const { s } = router();
    s.routes.add({ destination: '10.1.0.0', prefixLength: 16, gateway: '192.168.1.254' });
    s.routes.add({ destination: '10.1.2.0', prefixLength: 24, gateway: '172.16.0.9' });
    s.routes.add({ destination: '10.1.2.3', prefixLength: 32, gateway: '10.0.0.99' });
    s.routes.setDefaultGateway('192.168.1.254');
    expect(via(s, '10.9.9.9')).toBe('eth1 via 0.0.0.0 (/8)');
    expect(via(s, '10.1.9.9')).toBe('eth0 via 192.168.1.254 (/16)');
    expect(via(s, '10.1.2.9')).toBe('eth2 via 172.16.0.9 (/24)');
    expect(via(s, '10.1.2.3')).toBe('eth1 via 10.0.0.99 (/32)');
    expect(via(s, '8.8.8.8')).toBe('eth0 via 192.168.1.254 (/0)');
    expect(via(s, '192.168.1.77')).toBe('eth0 via 0.0.0.0 (/24)');
  });

  it('without a default gateway an off-net destination has no route (ENETUNREACH from output)', () => {
    const { s } = router();
    expect(s.routes.lookup(ip('8.8.8.8'))).toBeUndefined();
    expect(s.ip.output({ dst: ip('8.8.8.8'), protocol: 17, payload: new Uint8Array(8) })).toEqual({ error: 'ENETUNREACH' });
    expect(s.counters.get('ip.outNoRoute')).toBe(1);
  });

  it('equal prefixes: lowest metric wins, then the older route', () => {
    const { s } = router();
    s.routes.add({ destination: '100.64.0.0', prefixLength: 10, gateway: '192.168.1.2', metric: 20 });
    s.routes.add({ destination: '100.64.0.0', prefixLength: 10, gateway: '10.0.0.2', metric: 10 });
    s.routes.add({ destination: '100.64.0.0', prefixLength: 10, gateway: '172.16.0.2', metric: 10 });
    expect(via(s, '100.64.1.1')).toBe('eth1 via 10.0.0.2 (/10)');
    expect(s.routes.remove('100.64.0.0', 10, '10.0.0.2')).toBe(1);
    expect(via(s, '100.64.1.1')).toBe('eth2 via 172.16.0.2 (/10)');
    expect(s.routes.remove('100.64.0.0', 10)).toBe(2);
    expect(via(s, '100.64.1.1')).toBe('none');
  });

  it('setDefaultGateway replaces the previous default; a gateway must be on a connected network', () => {
    const { s } = router();
    s.routes.setDefaultGateway('192.168.1.254');
    s.routes.setDefaultGateway('10.0.0.254');
    expect(s.routes.defaultGateway).toBe(ip('10.0.0.254'));
    expect(s.routes.routes.filter((r) => r.prefixLength === 0)).toHaveLength(1);
    expect(() => s.routes.setDefaultGateway('8.8.8.8')).toThrow(/not on a connected network/);
    expect(() => s.routes.add({ destination: '1.2.3.0', prefixLength: 33 })).toThrow(RangeError);
    expect(() => s.routes.add({ destination: 'nope', prefixLength: 8, gateway: '10.0.0.1' })).toThrow(RangeError);
  });

  it('table() gives the route tool its rows (route -n)', () => {
    const { s } = router();
    s.routes.add({ destination: '10.1.2.3', prefixLength: 32, gateway: '10.0.0.99' });
    s.routes.setDefaultGateway('192.168.1.254');
    expect(s.routes.table()).toEqual([
      { destination: '10.1.2.3', gateway: '10.0.0.99', genmask: '255.255.255.255', flags: 'UGH', metric: 100, iface: 'eth1' },
      { destination: '192.168.1.0', gateway: '0.0.0.0', genmask: '255.255.255.0', flags: 'U', metric: 0, iface: 'eth0' },
      { destination: '172.16.0.0', gateway: '0.0.0.0', genmask: '255.255.0.0', flags: 'U', metric: 0, iface: 'eth2' },
      { destination: '10.0.0.0', gateway: '0.0.0.0', genmask: '255.0.0.0', flags: 'U', metric: 0, iface: 'eth1' },
      { destination: '0.0.0.0', gateway: '192.168.1.254', genmask: '0.0.0.0', flags: 'UG', metric: 100, iface: 'eth0' },
    ]);
  });

  it('the lookup cache follows table changes', () => {
    const { s } = router();
    expect(via(s, '8.8.8.8')).toBe('none');
    s.routes.setDefaultGateway('10.0.0.254');
    expect(via(s, '8.8.8.8')).toBe('eth1 via 10.0.0.254 (/0)');
    s.routes.add({ destination: '8.8.8.0', prefixLength: 24, gateway: '172.16.0.1' });
    expect(via(s, '8.8.8.8')).toBe('eth2 via 172.16.0.1 (/24)');
  });
});

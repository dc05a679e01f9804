/**
 * Topology files: the schema file matches the validator's schema, every error names the place and
 * what was expected, the examples parse, and `nicsim run` runs the demo network from its file.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTopology, buildTopology, defaultMac, TOPOLOGY_SCHEMA, TopologyError } from '../../topology/file.js';
import { runCommand } from '../../cli/bridge.js';
import { defaultPage } from '../../topology/services.js';
import { createHash } from 'node:crypto';

const dir = new URL('../../topology/', import.meta.url).pathname;
const load = (f: string) => JSON.parse(readFileSync(`${dir}${f}`, 'utf8')) as unknown;

function err(v: unknown): string {
  try {
    parseTopology(v);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

const host = { interfaces: ['10.0.0.2/24'] };

describe('topology files', () => {
  test('topology.schema.json is the schema the validator uses', () => {
    expect(load('topology.schema.json')).toEqual(JSON.parse(JSON.stringify(TOPOLOGY_SCHEMA)));
  });

  test('hosts without a MAC get one derived from their name (different names, different MACs across processes)', () => {
    const b = buildTopology(parseTopology({ hosts: { client: { interfaces: ['10.0.0.2/24', '10.0.1.2/24'] }, server: host } }));
    const mac = (h: string, i = 0) => Array.from(b.hosts.get(h)!.nics[i].macAddress, (x) => x.toString(16).padStart(2, '0')).join(':');
    expect(defaultMac('client', 0)).toMatch(/^02(:[0-9a-f]{2}){4}:01$/);
    expect(defaultMac('client', 1)).toBe(defaultMac('client', 0).slice(0, -2) + '02');
    expect(defaultMac('server', 0)).not.toBe(defaultMac('client', 0));
    // the adapter's EEPROM carries it (RAL/RAH are programmed from it when the driver opens)
    expect(mac('client', 1)).toBe(defaultMac('client', 1));
    expect(mac('server')).toBe(defaultMac('server', 0));
  });

  test('the examples parse and build', () => {
    const files = readdirSync(`${dir}examples`).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['demo-bridge.json', 'demo.json', 'split-a.json', 'split-b.json']);
    for (const f of files) {
      const b = buildTopology(parseTopology(load(`examples/${f}`)));
      expect(b.hosts.size).toBeGreaterThan(0);
    }
  });

  test.each([
    [{ hosts: { emu: { ...host, gatway: '10.0.0.1' } } }, "hosts.emu: unknown key 'gatway' (expected one of interfaces, gateway, routes, services)"],
    [{ host: {} }, "unknown key 'host' (expected one of seed, autonegMs, hosts, routers, switches, hubs, remotes, cables, run)"],
    [{ hosts: { emu: {} } }, "hosts.emu: missing required key 'interfaces'"],
    [{ hosts: { emu: { interfaces: [] } } }, 'hosts.emu.interfaces: needs at least 1 item'],
    [{ hosts: { emu: { interfaces: ['10.0.0.2'] } } }, 'hosts.emu.interfaces[0]: "10.0.0.2" does not have the expected form (An address with prefix length (10.0.0.2/24), or an object with the address and a MAC)'],
    [{ hosts: { emu: { interfaces: ['10.0.0.300/24'] } } }, "hosts.emu.interfaces[0]: not an address with a prefix length (a.b.c.d/n): '10.0.0.300/24'"],
    [{ hosts: { emu: { interfaces: [{ address: '10.0.0.2/24', mac: '01:00:00:00:00:01' }] } } }, "hosts.emu.interfaces[0].mac: '01:00:00:00:00:01' is a group address"],
    [{ hosts: { emu: { ...host, services: { echo: 'yes' } } } }, 'hosts.emu.services.echo: expected a boolean, got "yes"'],
    [{ seed: 1.5 }, 'seed: expected a whole number, got 1.5'],
    [{ switches: { sw: { ports: 0 } } }, 'switches.sw.ports: must be >= 1, got 0'],
    [{ hubs: { h: { speed: 1000 } } }, 'hubs.h.speed: expected one of 10, 100, got 1000'],
    [{ hosts: { a: host }, switches: { a: { ports: 2 } } }, "switches.a: the name 'a' is already used in hosts"],
    [{ remotes: { r: {} } }, 'remotes.r: needs exactly one of udp or stream'],
    [{ remotes: { r: { udp: '127.0.0.1:1,127.0.0.1:99999' } } }, 'remotes.r.udp: udp: expected HOST:PORT (e.g. 127.0.0.1:9000), got \'127.0.0.1:99999\''],
    [{ hosts: { a: host }, cables: [{ a: 'a', b: 'nowhere' }] }, "cables[0].b: 'nowhere' names no host, router, switch, hub or remote"],
    [{ hosts: { a: host, b: host }, cables: [{ a: 'a.eth1', b: 'b' }] }, "cables[0].a: 'a.eth1': a has 1 interface (eth0..eth0)"],
    [{ hosts: { a: host, b: host, c: host }, cables: [{ a: 'a', b: 'b' }, { a: 'c', b: 'a.eth0' }] }, "cables[1].b: 'a.eth0' is already connected (cables[0].a)"],
    [{ hosts: { a: host }, switches: { s: { ports: 2 } }, cables: [{ a: 'a', b: 's.2' }] }, "cables[0].b: 's.2': a switch port is written s.N with N in 0..1"],
    [{ hosts: { a: host, b: host }, cables: [{ a: 'a', b: 'b', faults: { ber: 0.5 } }] }, 'cables[0].faults.ber: must be < 0.01, got 0.5'],
    [{ hosts: { a: host }, run: [{ from: 'a' }] }, 'run[0]: needs exactly one of ping, lookup, fetch or echo'],
    [{ hosts: { a: host }, run: [{ from: 'b', ping: '10.0.0.1' }] }, "run[0].from: no host or router named 'b'"],
    [{ hosts: { a: { ...host, services: { http: { index: 'x' } } } } }, "hosts.a.services.http: a page path starts with '/' and has no spaces, got 'index'"],
    [{ hosts: { a: { ...host, services: { http: { '/f': '@/nonexistent-file' } } } } }, 'hosts.a.services.http./f: cannot read /nonexistent-file: ENOENT'],
    [[], 'expected an object, got []'],
  ])('%j → %s', (value, message) => {
    expect(err(value)).toBe(message);
  });

  test('nicsim run FILE: the demo network from its file resolves server.lan and pings it across the router', async () => {
    let out = '';
    const code = await runCommand([`${dir}examples/demo.json`], { out: (s) => (out += s), err: () => undefined, stderrIsTTY: false });
    expect(code).toBe(0);
    expect(out).toContain('== client: lookup server.lan @10.0.0.53 ==\nserver.lan has address 10.0.1.2\n');
    expect(out).toMatch(/64 bytes from 10\.0\.1\.2: icmp_seq=3 ttl=63/);
    expect(out).toMatch(/== router counters \(non-zero\) ==[\s\S]*ip\.forwarded 6/);
  });

  test('routes, routers, a hub and a switch from a file: a ping crosses two routers (TTL 62) and a hub; an HTTP fetch the same way', async () => {
    const tmp = join(mkdtempSync(join(tmpdir(), 'nicsim-topo-')), 'routes.json');
    writeFileSync(
      tmp,
      JSON.stringify({
        autonegMs: 10,
        hosts: { a: { interfaces: ['10.0.0.2/24'], routes: [{ to: '10.0.2.0/24', via: '10.0.0.1' }] }, b: { interfaces: ['10.0.2.2/24'], gateway: '10.0.2.1', services: { http: true } } },
        routers: { r1: { interfaces: ['10.0.0.1/24', '10.0.1.1/24'], routes: [{ to: '10.0.2.0/24', via: '10.0.1.2' }] }, r2: { interfaces: ['10.0.1.2/24', '10.0.2.1/24'], gateway: '10.0.1.1' } },
        hubs: { h: { speed: 100 } },
        switches: { s: { ports: 2, speed: 100 } },
        cables: [{ a: 'a', b: 'h' }, { a: 'r1.eth0', b: 'h' }, { a: 'r1.eth1', b: 's.0' }, { a: 's.1', b: 'r2.eth0', lengthM: 50 }, { a: 'r2.eth1', b: 'b', category: 'cat5' }],
        run: [{ from: 'a', ping: '10.0.2.2', count: 2 }, { from: 'a', fetch: 'http://10.0.2.2/' }],
      }),
    );
    let out = '';
    expect(await runCommand([tmp], { out: (s: string) => (out += s), err: () => undefined, stderrIsTTY: false })).toBe(0);
    expect(out).toMatch(/64 bytes from 10\.0\.2\.2: icmp_seq=2 ttl=62/);
    expect(out).toContain(`== a: fetch http://10.0.2.2/ ==\n200 OK; ${Buffer.byteLength(defaultPage('b'))} bytes of body, sha256 ${createHash('sha256').update(defaultPage('b')).digest('hex')}\n`);
  });

  test('nicsim run: a failing step exits 1; a file with remotes or a bad file exits through a usage error', async () => {
    const io = { out: () => undefined, err: () => undefined, stderrIsTTY: false };
    await expect(runCommand([`${dir}examples/split-a.json`], io)).rejects.toThrow(/has remote links \(toB\): run it with 'nicsim bridge/);
    await expect(runCommand([`${dir}nope.json`], io)).rejects.toThrow(/cannot read .*nope\.json: ENOENT/);
    await expect(runCommand([`${dir}topology.schema.json`], io)).rejects.toThrow(/topology\.schema\.json: unknown key/);
    const tmp = join(mkdtempSync(join(tmpdir(), 'nicsim-topo-')), 'lonely.json');
    writeFileSync(tmp, JSON.stringify({ hosts: { a: host, b: { interfaces: ['10.0.0.3/24'] } }, cables: [{ a: 'a', b: 'b' }], run: [{ from: 'a', ping: '10.0.0.99', count: 1 }] }));
    let out = '';
    expect(await runCommand([tmp, '--json'], { ...io, out: (s: string) => (out += s) })).toBe(1);
    expect(JSON.parse(out).steps[0]).toMatchObject({ what: 'a: ping 10.0.0.99', ok: false });
  });
});

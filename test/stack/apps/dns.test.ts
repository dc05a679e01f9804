/**
 * The DNS stub resolver and the authoritative server, over two hosts (a = 10.0.0.1 runs the
 * resolver, b = 10.0.0.2 the server; 1 µs each way): query bytes, the cache and its TTL in
 * simulated time, retries after a lost reply, the hosts table, errors.
 */
import { describe, expect, test } from 'vitest';
import { DnsError, DnsResolver, DnsServer, dnsQuery, type DnsResolverOptions } from '../../../stack/apps/dns.js';
import { Process } from '../../../stack/socket/api.js';
import { AF_INET, SOCK_DGRAM } from '../../../stack/socket/types.js';
import { DNS_CLASS, DNS_OPCODE, DNS_RCODE, DNS_TYPE, dnsBufferLen, emitDns, parseDns, type DnsRepr } from '../../../stack/wire/dns.js';
import { WireError } from '../../../stack/wire/error.js';
import { dropFrames, rejection, run, twoUdpHosts } from '../apphelpers.js';
import { hex, ip, toHex, trace } from '../helpers.js';

const ZONE = { 'www.example.com': '10.0.0.80', 'multi.example.com': ['10.0.0.81', '10.0.0.82'] };

function setup(opts: Partial<DnsResolverOptions> = {}, serverTtl = 300) {
  const t = twoUdpHosts();
  const server = new DnsServer(new Process(t.b, 'named'), { zone: ZONE, ttl: serverTtl });
  const resolver = new DnsResolver(new Process(t.a, 'app'), { servers: ['10.0.0.2'], firstId: 0x1234, timeoutNs: 1_000_000_000, ...opts });
  return { ...t, server, resolver };
}

function enc(r: DnsRepr): Uint8Array {
  const b = new Uint8Array(dnsBufferLen(r));
  emitDns(r, b);
  return b;
}

function msg(bytes: Uint8Array): DnsRepr {
  const m = parseDns(bytes);
  if (m instanceof WireError) throw new Error(m.message);
  return m;
}

/** The DNS messages in a device's sent frames (UDP payloads to or from port 53). */
function dnsSent(frames: readonly { time: number; frame: Uint8Array }[]): { time: number; bytes: Uint8Array }[] {
  return frames.filter((f) => f.frame[23] === 17 && (((f.frame[34] << 8) | f.frame[35]) === 53 || ((f.frame[36] << 8) | f.frame[37]) === 53)).map((f) => ({ time: f.time, bytes: f.frame.subarray(42) }));
}

describe('DnsResolver', () => {
  test('the query on the wire: one A question, RD set, exact bytes; the answer after one round trip', async () => {
    const { sim, da, db, server, resolver } = setup();
    const r = await run(sim, async () => {
      await server.start();
      const answer = await resolver.resolve('www.example.com');
      return { ...answer, at: sim.now };
    });
    expect(r).toEqual({ name: 'www.example.com', address: ip('10.0.0.80'), addresses: [ip('10.0.0.80')], source: 'dns', ttl: 300, server: ip('10.0.0.2'), at: 4000 });
    const q = dnsSent(da.sent);
    expect(q.map((x) => x.time)).toEqual([2000]);
    expect(toHex(q[0].bytes)).toBe(
      toHex(
        hex(`12 34 01 00 00 01 00 00 00 00 00 00
             03 77 77 77 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00  00 01 00 01`),
      ),
    );
    expect(trace(da.sent)[1]).toBe('2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 udp 32768 > 53 len 33');
    const a = dnsSent(db.sent);
    expect(toHex(a[0].bytes)).toBe(
      toHex(
        hex(`12 34 85 00 00 01 00 01 00 00 00 00
             03 77 77 77 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00  00 01 00 01
             c0 0c 00 01 00 01 00 00 01 2c 00 04 0a 00 00 50`),
      ),
    );
    expect(resolver.stats).toMatchObject({ lookups: 1, queriesSent: 1, retries: 0, timeouts: 0, cacheHits: 0 });
  });

  test('the second lookup is a cache hit: no packet is sent; the remaining TTL is reported', async () => {
    const { sim, da, server, resolver } = setup();
    const r = await run(sim, async () => {
      await server.start();
      await resolver.lookup('www.example.com');
      const sent = dnsSent(da.sent).length;
      await new Promise<void>((res) => sim.schedule(10_000_000_000, () => (sim.wake(), res())));
      const again = await resolver.resolve('WWW.example.com.');
      return { sent, after: dnsSent(da.sent).length, source: again.source, ttl: again.ttl, address: again.address };
    });
    expect(r).toEqual({ sent: 1, after: 1, source: 'cache', ttl: 290, address: ip('10.0.0.80') });
    expect(resolver.stats.cacheHits).toBe(1);
    expect(resolver.cacheEntries()).toEqual([{ name: 'www.example.com', addresses: [ip('10.0.0.80')], expiresAt: 4000 + 300e9 }]);
  });

  test('the cache honours the TTL in simulated time: at expiry a new query goes out', async () => {
    const { sim, da, server, resolver } = setup({}, 60);
    const sources = await run(sim, async () => {
      await server.start();
      const out: string[] = [(await resolver.resolve('www.example.com')).source];
      const wait = (ns: number) => new Promise<void>((res) => sim.schedule(ns, () => (sim.wake(), res())));
      await wait(60_000_000_000 - 1); // 1 ns before expiry
      out.push((await resolver.resolve('www.example.com')).source);
      await wait(1);
      out.push(`${sim.now} ${(await resolver.resolve('www.example.com')).source} ${sim.now}`);
      return out;
    });
    expect(sources).toEqual(['dns', 'cache', '60000004000 dns 60000006000']);
    expect(dnsSent(da.sent).map((q) => q.time)).toEqual([2000, 60_000_004_000]);
  });

  test('TTL 0 is not cached', async () => {
    const { sim, da, server, resolver } = setup({}, 0);
    await run(sim, async () => {
      await server.start();
      await resolver.lookup('www.example.com');
      await resolver.lookup('www.example.com');
    });
    expect(dnsSent(da.sent)).toHaveLength(2);
  });

  test('a lost reply: the same query (same id) is sent again after the timeout, from a new port', async () => {
    // The first try's timeout runs from the send call at 0 (the query waits for ARP until 2000).
    const { sim, da, db, server, resolver } = setup();
    const lost = dropFrames(db, /udp 53 >/, 1);
    const r = await run(sim, async () => {
      await server.start();
      const a = await resolver.lookup('www.example.com');
      return `${sim.now} ${a === ip('10.0.0.80')}`;
    });
    expect(r).toBe('1000002000 true');
    expect(lost).toEqual(['02:00:00:00:00:02 > 02:00:00:00:00:01 10.0.0.2 > 10.0.0.1 ttl 64 id 200 udp 53 > 32768 len 49']);
    const q = dnsSent(da.sent);
    expect(q.map((x) => x.time)).toEqual([2000, 1_000_000_000]);
    expect(toHex(q[1].bytes)).toBe(toHex(q[0].bytes));
    expect(trace(da.sent).filter((l) => l.includes('udp'))).toEqual([
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 udp 32768 > 53 len 33',
      '1000000000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 101 udp 32769 > 53 len 33',
    ]);
    expect(resolver.stats).toMatchObject({ queriesSent: 2, retries: 1, timeouts: 1 });
  });

  test('every try lost: TIMEOUT after attempts × servers × timeout', async () => {
    const { sim, db, server, resolver } = setup({ attempts: 3 });
    dropFrames(db, /udp 53 >/);
    const e = await run(sim, async () => {
      await server.start();
      const err = await rejection(resolver.lookup('www.example.com'));
      return { err, at: sim.now };
    });
    expect(e.err).toBeInstanceOf(DnsError);
    expect((e.err as DnsError).code).toBe('TIMEOUT');
    expect((e.err as DnsError).message).toBe('www.example.com: TIMEOUT (3 tries)');
    expect(e.at).toBe(3_000_000_000);
    expect(resolver.stats).toMatchObject({ queriesSent: 3, retries: 2, timeouts: 3 });
  });

  test('the hosts table is checked first (case-insensitive): no packet', async () => {
    const { sim, da, resolver } = setup({ hosts: { gateway: '10.0.0.254', 'www.example.com': '10.9.9.9' } });
    const r = await run(sim, async () => [await resolver.resolve('GATEWAY'), await resolver.resolve('www.example.com'), await resolver.resolve('10.1.2.3')]);
    expect(r.map((x) => [x.source, x.address])).toEqual([
      ['hosts', ip('10.0.0.254')],
      ['hosts', ip('10.9.9.9')],
      ['literal', ip('10.1.2.3')],
    ]);
    expect(da.sent).toEqual([]);
    expect(resolver.stats).toMatchObject({ lookups: 3, hostsHits: 2, literal: 1, queriesSent: 0 });
  });

  test('NXDOMAIN is an error, without retries', async () => {
    const { sim, server, resolver } = setup();
    const e = await run(sim, async () => {
      await server.start();
      return rejection(resolver.lookup('nope.example.com'));
    });
    expect(e).toBeInstanceOf(DnsError);
    expect((e as DnsError).code).toBe('NXDOMAIN');
    expect((e as DnsError).hostname).toBe('nope.example.com');
    expect((e as DnsError).message).toBe('nope.example.com: NXDOMAIN (from 10.0.0.2)');
    expect(resolver.stats).toMatchObject({ queriesSent: 1, retries: 0 });
    expect(server.stats).toMatchObject({ received: 1, nxdomain: 1 });
  });

  test('no server on port 53: ICMP port unreachable ends each try at once (ECONNREFUSED)', async () => {
    const { sim, da, resolver } = setup();
    const e = await run(sim, async () => {
      const err = await rejection(resolver.lookup('www.example.com'));
      return { err, at: sim.now };
    });
    expect((e.err as DnsError).code).toBe('UNREACHABLE');
    expect(e.at).toBe(6000);
    expect(dnsSent(da.sent).map((q) => q.time)).toEqual([2000, 4000]);
  });

  test('the next server is asked when the first does not answer', async () => {
    const { sim, da, server, resolver } = setup({ servers: ['10.0.0.3', '10.0.0.2'] });
    const r = await run(sim, async () => {
      await server.start();
      const a = await resolver.resolve('www.example.com');
      return `${sim.now} ${a.server === ip('10.0.0.2')}`;
    });
    expect(r).toBe('1000004000 true');
    expect(trace(da.sent).filter((l) => l.includes('udp'))).toEqual(['1000002000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 101 udp 32769 > 53 len 33']);
  });

  test('replies with another id, a response flag missing or another question are ignored', async () => {
    const { sim, a, b, resolver } = setup();
    const fake = new Process(b, 'fake');
    const r = await run(sim, async () => {
      const fd = await fake.socket(AF_INET, SOCK_DGRAM);
      await fake.bind(fd, { address: 0, port: 53 });
      const serve = (async () => {
        const q = await fake.recvfrom(fd);
        const m = msg(q.data);
        const to = { address: q.address, port: q.port };
        const good: DnsRepr = { ...m, response: true, authoritative: true, answers: [{ kind: 'a', name: m.questions[0].name, class: 1, ttl: 5, address: ip('10.0.0.99') }] };
        await fake.sendto(fd, enc({ ...good, id: m.id + 1 }), to);
        await fake.sendto(fd, enc({ ...good, response: false }), to);
        await fake.sendto(fd, enc({ ...good, questions: [{ name: 'other.example.com', type: 1, class: 1 }] }), to);
        await fake.sendto(fd, hex('de ad'), to);
        await fake.sendto(fd, enc(good), to);
      })();
      const addr = await resolver.lookup('www.example.com');
      await serve;
      return addr;
    });
    expect(r).toBe(ip('10.0.0.99'));
    expect(resolver.stats.ignored).toBe(4);
    expect(a.counters.get('udp.delivered')).toBe(5);
  });

  test('SERVFAIL moves on to the next server (here: a server on our own host, over loopback)', async () => {
    const { sim, a, b } = twoUdpHosts();
    const failing = new Process(b, 'broken');
    const local = new DnsServer(new Process(a, 'named'), { zone: ZONE, port: 5353 });
    const resolver = new DnsResolver(new Process(a, 'app'), { servers: ['10.0.0.2', '10.0.0.1'], port: 5353, firstId: 7 });
    const r = await run(sim, async () => {
      await local.start();
      const fd = await failing.socket();
      await failing.bind(fd, { address: 0, port: 5353 });
      const serve = (async () => {
        const q = await failing.recvfrom(fd);
        await failing.sendto(fd, enc({ ...msg(q.data), response: true, rcode: DNS_RCODE.SERVFAIL }), { address: q.address, port: q.port });
      })();
      const answer = await resolver.resolve('www.example.com');
      await serve;
      return { server: answer.server, at: sim.now };
    });
    expect(r).toEqual({ server: ip('10.0.0.1'), at: 4000 });
    expect(resolver.stats).toMatchObject({ queriesSent: 2, retries: 1, timeouts: 0 });
  });

  test('concurrent lookups of one name share one query', async () => {
    const { sim, da, server, resolver } = setup();
    const r = await run(sim, async () => {
      await server.start();
      return Promise.all([resolver.lookup('www.example.com'), resolver.lookup('www.example.com'), resolver.lookup('multi.example.com')]);
    });
    expect(r).toEqual([ip('10.0.0.80'), ip('10.0.0.80'), ip('10.0.0.81')]);
    expect(dnsSent(da.sent)).toHaveLength(2);
  });

  test('all A records are returned in order; no servers and bad names are errors', async () => {
    const { sim, a, server, resolver } = setup();
    const none = new DnsResolver(new Process(a), { servers: [] });
    const r = await run(sim, async () => {
      await server.start();
      return [
        (await resolver.resolve('multi.example.com')).addresses,
        ((await rejection(none.lookup('x.example'))) as DnsError).code,
        ((await rejection(resolver.lookup('a..b'))) as DnsError).code,
      ];
    });
    expect(r).toEqual([[ip('10.0.0.81'), ip('10.0.0.82')], 'NOSERVER', 'BADNAME']);
  });

  test('without firstId the query ids come from the seeded random stream (same seed, same ids)', async () => {
    const ids: number[] = [];
    for (let k = 0; k < 2; k++) {
      const t = twoUdpHosts();
      const server = new DnsServer(new Process(t.b), { zone: ZONE });
      const resolver = new DnsResolver(new Process(t.a), { servers: ['10.0.0.2'] });
      await run(t.sim, async () => {
        await server.start();
        await resolver.lookup('www.example.com');
      });
      ids.push(msg(dnsSent(t.da.sent)[0].bytes).id);
    }
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('DnsServer', () => {
  const { b } = twoUdpHosts();
  const server = new DnsServer(new Process(b), { zone: ZONE, ttl: 120 });
  const ask = (r: Partial<DnsRepr>): DnsRepr | null => {
    const out = server.answer(enc({ ...dnsQuery(0x4242, 'www.example.com'), ...r }));
    return out === null ? null : msg(out);
  };

  test('an A question for a zone name: authoritative answer, RD copied, RA clear, the question case kept', () => {
    const m = ask({ questions: [{ name: 'WWW.Example.COM', type: DNS_TYPE.A, class: DNS_CLASS.IN }] })!;
    expect(m).toMatchObject({ id: 0x4242, response: true, authoritative: true, recursionDesired: true, recursionAvailable: false, rcode: DNS_RCODE.NOERROR });
    expect(m.answers).toEqual([{ kind: 'a', name: 'WWW.Example.COM', class: DNS_CLASS.IN, ttl: 120, address: ip('10.0.0.80') }]);
  });

  test('several addresses; ANY is answered like A', () => {
    const m = ask({ questions: [{ name: 'multi.example.com', type: DNS_TYPE.ANY, class: DNS_CLASS.IN }] })!;
    expect(m.answers.map((x) => (x.kind === 'a' ? x.address : 0))).toEqual([ip('10.0.0.81'), ip('10.0.0.82')]);
  });

  test('NXDOMAIN for unknown names, NODATA (NOERROR, no answer) for other types of known names', () => {
    expect(ask({ questions: [{ name: 'nope.example.com', type: 1, class: 1 }] })).toMatchObject({ rcode: DNS_RCODE.NXDOMAIN, authoritative: true, answers: [] });
    expect(ask({ questions: [{ name: 'www.example.com', type: DNS_TYPE.AAAA, class: 1 }] })).toMatchObject({ rcode: DNS_RCODE.NOERROR, answers: [] });
  });

  test('FORMERR, NOTIMP, REFUSED; responses and runts get no reply', () => {
    expect(ask({ questions: [] })).toMatchObject({ rcode: DNS_RCODE.FORMERR });
    expect(ask({ opcode: DNS_OPCODE.STATUS })).toMatchObject({ rcode: DNS_RCODE.NOTIMP });
    expect(ask({ questions: [{ name: 'www.example.com', type: 1, class: DNS_CLASS.CH }] })).toMatchObject({ rcode: DNS_RCODE.REFUSED });
    expect(ask({ response: true })).toBeNull();
    expect(server.answer(hex('00 01 02'))).toBeNull();
    const garbage = server.answer(hex('ab cd 01 00 00 01 00 00 00 00 00 00 3f 61'))!;
    expect(toHex(garbage)).toBe('ab cd 81 01 00 00 00 00 00 00 00 00');
    expect(server.stats).toMatchObject({ answered: 2, nxdomain: 1, nodata: 1, errors: 4, ignored: 2 });
  });

  test('start fails with EADDRINUSE when port 53 is taken; stop ends the loop and frees the port', async () => {
    const { sim, b: host } = twoUdpHosts();
    const one = new DnsServer(new Process(host), { zone: ZONE });
    const two = new DnsServer(new Process(host), { zone: ZONE });
    const r = await run(sim, async () => {
      await one.start();
      const e = await rejection(two.start());
      await one.stop();
      await two.start();
      await two.stop();
      return (e as Error).message;
    });
    expect(r).toBe('bind EADDRINUSE: Address already in use (0.0.0.0:53)');
  });
});

/**
 * The HTTP/1.1 server and client over TCP, across a router (h = 192.168.1.10 — r — s =
 * 203.0.113.7): a page larger than one segment, the name resolved by DNS, 404, persistent
 * connections, malformed and over-long requests answered with 400/431 and counted, idle
 * connections closed, and the client's deadline.
 */
import { describe, expect, test } from 'vitest';
import { HttpError, HttpServer, httpGet, parseRequestHead } from '../../../stack/apps/http.js';
import { DnsResolver, DnsServer } from '../../../stack/apps/dns.js';
import { Process } from '../../../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import { dropFrames, rejection, run, routedUdp } from '../apphelpers.js';
import { routed } from '../helpers.js';
import { formatNetstat, netstat } from '../../../stack/tools/netstat.js';

const SEC = 1_000_000_000;
const MS = 1_000_000;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A page of `n` bytes: numbered lines, so a misplaced byte shows. */
function page(n: number): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `<p>line ${String(i).padStart(5, '0')} of the test page</p>\n`;
  return s.slice(0, n);
}

const PAGE = page(5000);

function setup(opts: { pages?: Record<string, string>; idleTimeoutNs?: number; maxHeadBytes?: number } = {}) {
  const t = routed();
  const server = new HttpServer(new Process(t.s, 'httpd'), { pages: opts.pages ?? { '/': PAGE, '/small.txt': { body: 'hi\n', type: 'text/plain' } } as never, idleTimeoutNs: opts.idleTimeoutNs, maxHeadBytes: opts.maxHeadBytes });
  const client = new Process(t.h, 'browser');
  return { ...t, server, client };
}

/** Payload bytes of the TCP segment in an Ethernet frame (0 for other frames). */
function tcpDataLength(f: Uint8Array): number {
  if (f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 6) return 0;
  const ihl = (f[14] & 0x0f) * 4;
  const total = (f[16] << 8) | f[17];
  return total - ihl - (f[14 + ihl + 12] >> 4) * 4;
}

/** Sends raw request bytes on a new connection and reads until the server closes. */
async function raw(client: Process, bytes: string, port = 80): Promise<string> {
  const fd = await client.socket(AF_INET, SOCK_STREAM);
  await client.connect(fd, { address: '203.0.113.7', port });
  await client.write(fd, enc.encode(bytes));
  let out = '';
  for (;;) {
    const d = await client.read(fd, { timeoutNs: 30 * SEC });
    if (d.length === 0) break;
    out += dec.decode(d);
  }
  await client.close(fd);
  return out;
}

describe('HTTP server and client', () => {
  test('GET / of a 5000-byte page: one request, the reply cut into MSS-sized segments, Content-Length, both sides close', async () => {
    const { sim, server, client, s, ds, h } = setup();
    await run(sim, () => server.start());
    const r = await run(sim, () => httpGet(client, '203.0.113.7', 'www.example', '/'));
    expect(r.status).toBe(200);
    expect(r.reason).toBe('OK');
    expect(r.headers.get('content-length')).toBe('5000');
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('connection')).toBe('close');
    expect(r.text).toBe(PAGE);
    // the server's segments: head + body = headBytes + 5000 bytes in 1448-byte segments (MSS 1460 less 12 bytes of timestamps)
    const lens = ds.sent.map((f) => tcpDataLength(f.frame)).filter((n) => n > 0);
    expect(lens.reduce((a, b) => a + b, 0)).toBe(r.headBytes + 5000);
    expect(lens.slice(0, -1).every((n) => n === 1448)).toBe(true);
    expect(lens.length).toBe(Math.ceil((r.headBytes + 5000) / 1448));
    expect(server.stats).toMatchObject({ connections: 1, requests: 1, responses: { 200: 1 }, badRequests: 0 });
    // the server closed first (Connection: close): it waits in TIME-WAIT; the client's socket is gone
    await sim.runAsync({ until: sim.now + 10 * MS });
    expect(s.tcp.sockets().filter((x) => x.state !== 'LISTEN').map((x) => x.state)).toEqual(['TIME-WAIT']);
    expect(h.tcp.sockets().map((x) => x.state)).toEqual([]);
    // netstat lists the connection no process holds any more, as Linux does
    expect(formatNetstat(netstat(s), { programs: true }).split('\n').slice(2, 4)).toEqual([
      'tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1/httpd',
      'tcp        0      0 203.0.113.7:80          192.168.1.10:32768      TIME_WAIT   -',
    ]);
  });

  test('the host name is resolved by DNS first; the Host header carries it', async () => {
    const t = routedUdp();
    const named = new DnsServer(new Process(t.s, 'named'), { zone: { 'www.example': '203.0.113.7' } });
    const httpd = new HttpServer(new Process(t.s, 'httpd'), { pages: { '/': 'hello' } });
    const proc = new Process(t.h, 'browser');
    const resolver = new DnsResolver(proc, { servers: ['203.0.113.7'] });
    await run(t.sim, async () => {
      await named.start();
      await httpd.start();
    });
    const r = await run(t.sim, () => httpGet(proc, resolver, 'www.example', '/'));
    expect([r.status, r.text, r.address]).toEqual([200, 'hello', '203.0.113.7']);
    const e = await run(t.sim, () => rejection(httpGet(proc, resolver, 'nowhere.example', '/')));
    expect(e).toBeInstanceOf(HttpError);
    expect((e as HttpError).code).toBe('resolve');
  });

  test('404 for an unknown path, HEAD without a body, 405 for POST; HTTP/1.1 keeps the connection for the next request', async () => {
    const { sim, server, client } = setup();
    await run(sim, () => server.start());
    const r = await run(sim, () => httpGet(client, '203.0.113.7', 'www.example', '/missing'));
    expect(r.status).toBe(404);
    expect(r.text).toContain('no page at /missing');
    const out = await run(sim, () =>
      raw(client, 'HEAD /small.txt HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    const heads = out.match(/HTTP\/1\.1 \d{3} [^\r]*/g);
    expect(heads).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 405 Method Not Allowed', 'HTTP/1.1 200 OK']);
    expect(out).toContain('Allow: GET, HEAD');
    expect(out.endsWith('\r\n\r\nhi\n')).toBe(true);
    expect(server.stats).toMatchObject({ connections: 2, requests: 4, responses: { 200: 2, 404: 1, 405: 1 }, badRequests: 0 });
  });

  test('malformed requests get 400 (431 for an over-long head) with Connection: close, are counted, and the server goes on serving', async () => {
    const { sim, server, client } = setup({ maxHeadBytes: 512 });
    await run(sim, () => server.start());
    const bad = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n', // no Host
      'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nX: \x07\r\n\r\n',
    ];
    for (const req of bad) {
      const out = await run(sim, () => raw(client, req));
      expect(out, JSON.stringify(req)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(out).toContain('Connection: close\r\n');
    }
    const long = await run(sim, () => raw(client, `GET / HTTP/1.1\r\nHost: x\r\nX-Long: ${'a'.repeat(600)}\r\n\r\n`));
    expect(long).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const v2 = await run(sim, () => raw(client, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'));
    expect(v2).toMatch(/^HTTP\/1\.1 505 /);
    const chunked = await run(sim, () => raw(client, 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
    expect(chunked).toMatch(/^HTTP\/1\.1 501 /);
    expect(server.stats.badRequests).toBe(bad.length + 1); // 400s and the 431; 505 and 501 are not malformed
    // still serving
    const ok = await run(sim, () => httpGet(client, '203.0.113.7', 'www.example', '/small.txt'));
    expect([ok.status, ok.text]).toEqual([200, 'hi\n']);
    expect(server.stats.connectionErrors).toBe(0);
  });

  test('a connection that sends half a request and falls silent is closed after the idle timeout (counted); one that ends mid-head gets 400', async () => {
    const { sim, server, client } = setup({ idleTimeoutNs: 2 * SEC });
    await run(sim, () => server.start());
    const t0 = sim.now;
    const fd = await run(sim, async () => {
      const fd = await client.socket(AF_INET, SOCK_STREAM);
      await client.connect(fd, { address: '203.0.113.7', port: 80 });
      await client.write(fd, enc.encode('GET / HTTP/1.1\r\nHo'));
      return fd;
    });
    const eof = await run(sim, () => client.read(fd, { timeoutNs: 10 * SEC }));
    expect(eof.length).toBe(0); // the server closed: FIN
    expect(sim.now - t0).toBeGreaterThanOrEqual(2 * SEC);
    expect(sim.now - t0).toBeLessThan(2 * SEC + 10 * MS);
    expect(server.stats.idleTimeouts).toBe(1);
    await run(sim, () => client.close(fd));
    const out = await run(sim, async () => {
      const fd2 = await client.socket(AF_INET, SOCK_STREAM);
      await client.connect(fd2, { address: '203.0.113.7', port: 80 });
      await client.write(fd2, enc.encode('GET / HTTP/1.1\r\nHo'));
      await client.shutdown(fd2, 'write');
      const d = await client.read(fd2, { timeoutNs: 10 * SEC });
      await client.close(fd2);
      return dec.decode(d);
    });
    expect(out).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(out).toContain('the connection ended inside the request head');
  });

  test('the client gives up at its deadline: a server that accepts and never answers, a SYN that is never answered; refused is a connect error', async () => {
    const t = routed();
    const client = new Process(t.h, 'browser');
    const mute = new Process(t.s, 'mute');
    await run(t.sim, async () => {
      const l = await mute.socket(AF_INET, SOCK_STREAM);
      await mute.bind(l, { address: 0, port: 80 });
      await mute.listen(l, 4); // the handshake completes in the kernel; nobody reads
    });
    const t0 = t.sim.now;
    const e1 = (await run(t.sim, () => rejection(httpGet(client, '203.0.113.7', 'www.example', '/', { timeoutNs: 2 * SEC })))) as HttpError;
    expect(e1).toBeInstanceOf(HttpError);
    expect(e1.code).toBe('timeout');
    expect(e1.message).toBe('GET http://www.example/: no complete response within 2000 ms');
    expect(t.sim.now - t0).toBe(2 * SEC);
    // no answer to the SYN at all
    dropFrames(t.dr1, / tcp /);
    const t1 = t.sim.now;
    const e2 = (await run(t.sim, () => rejection(httpGet(client, '203.0.113.7', 'www.example', '/', { timeoutNs: 1500 * MS, port: 8080 })))) as HttpError;
    expect([e2.code, e2.message]).toEqual(['timeout', 'connect to 203.0.113.7:8080: no connection within 1500 ms']);
    expect(t.sim.now - t1).toBe(1500 * MS);
    // a closed port answers RST: ECONNREFUSED
    const t2 = routed();
    const e3 = (await run(t2.sim, () => rejection(httpGet(new Process(t2.h, 'b'), '203.0.113.7', 'www.example', '/')))) as HttpError;
    expect(e3.code).toBe('connect');
    expect(e3.message).toMatch(/ECONNREFUSED/);
    expect(client.descriptors()).toEqual([]); // every socket closed
  });

  test('bad arguments throw at the boundary', () => {
    const t = routed();
    const p = new Process(t.h, 'x');
    expect(() => new HttpServer(p, { pages: { 'no-slash': 'x' } })).toThrow(/a page path starts with '\/'/);
    expect(() => new HttpServer(p, { pages: {}, maxHeadBytes: 0 })).toThrow(/maxHeadBytes must be a positive integer/);
    return Promise.all([
      expect(httpGet(p, '203.0.113.7', 'bad host', '/')).rejects.toThrow(/host must be a host name/),
      expect(httpGet(p, '203.0.113.7', 'h', 'x y')).rejects.toThrow(/path must start with/),
      expect(httpGet(p, '203.0.113.7', 'h', '/', { timeoutNs: -1 })).rejects.toThrow(/timeoutNs must be a positive integer/),
    ]);
  });

  test('parseRequestHead follows RFC 9112 and never throws on hostile input', () => {
    expect(parseRequestHead('GET /x HTTP/1.0')).toEqual({ method: 'GET', target: '/x', minor: 0, headers: new Map() });
    const r = parseRequestHead('GET / HTTP/1.1\nHost: a\nAccept: x\nAccept: y');
    expect(r).toEqual({ method: 'GET', target: '/', minor: 1, headers: new Map([['host', 'a'], ['accept', 'x, y']]) });
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost : a')).toEqual({ status: 400, why: 'malformed header field name' });
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const s = String.fromCharCode(...Array.from({ length: rnd() % 60 }, rnd));
      expect(() => parseRequestHead(`GET / HTTP/1.1\r\n${s}`)).not.toThrow();
      expect(() => parseRequestHead(s)).not.toThrow();
    }
  });
});

/**
 * A small HTTP/1.1 (RFC 9110, RFC 9112) server and client over the TCP socket API — enough for a
 * browser's visit to a web server as the book's chapter tells it: the client connects, sends
 * `GET /`, and reads a page that takes several segments.
 *
 * Server ({@link HttpServer}): serves a fixed map of paths to bodies with `Content-Length`;
 * GET and HEAD; 404 for unknown paths, 405 for other methods; persistent connections for HTTP/1.1
 * unless the request says `Connection: close` (HTTP/1.0 closes unless it asks for keep-alive).
 * Request parsing is bounded: a head larger than `maxHeadBytes`, a malformed request line or
 * header, a missing `Host` on HTTP/1.1, a bad or repeated `Content-Length`, `Transfer-Encoding`
 * (not implemented) or a body above `maxBodyBytes` get a 400 (431 for an over-long head) with
 * `Connection: close` and are counted in `stats.badRequests`; an idle connection is closed after
 * `idleTimeoutNs`. A connection's trouble (reset, timeout) ends that connection, never the server.
 *
 * Client ({@link httpGet}): resolves the host (with a {@link DnsResolver}) or takes an address,
 * connects (non-blocking connect, bounded by the deadline), sends one GET, and reads the response
 * head and then the body up to `Content-Length`, or to the end of the stream when there is none;
 * `timeoutNs` bounds the whole exchange (an {@link HttpError} `timeout`).
 *
 * Not implemented: chunked transfer coding (the server refuses it in requests; the client refuses
 * it in responses), pipelining (the server answers requests one at a time, in order, which is all
 * pipelining asks), request bodies beyond discarding them, conditional and range requests.
 * @module
 */
import { formatIpv4Addr } from '../wire/ipv4.js';
import { toIpv4 } from '../iface/route.js';
import type { Process } from '../socket/api.js';
import { SocketError, isSocketError } from '../socket/errors.js';
import { AF_INET, SOCK_STREAM } from '../socket/types.js';
import { TcpServer } from './tcpserver.js';
import type { DnsResolver } from './dns.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** An HTTP message sent or received by an application (the request line or status, and what it carried). */
    'app.http': { process: string; pid: number; message: string };
  }
}

/** Emits an `app.http` trace event for `p`. */
function traceHttp(p: Process, message: string): void {
  const t = p.stack.sim.trace;
  if (t.active) t.emit('app.http', p.stack.name, { process: p.name, pid: p.pid, message });
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const SEC = 1_000_000_000;

/** How long a closing server connection drains the client's unread bytes, ns. */
const LINGER_NS = 2 * SEC;
/** How many bytes it drains at most. */
const LINGER_BYTES = 65_536;

/** The HTTP port (80). */
export const HTTP_PORT = 80;

/** Reason phrases of the status codes this module sends. */
export const HTTP_REASON: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** A page the server serves: a body and its media type. */
export interface HttpPage {
  /** The body (a string is sent as UTF-8). */
  body: string | Uint8Array;
  /** `Content-Type` (default `text/html; charset=utf-8`). */
  type?: string;
}

/** Options of an {@link HttpServer}. */
export interface HttpServerOptions {
  /** Path → page (a string or bytes is a `text/html` page). */
  pages: Readonly<Record<string, HttpPage | string | Uint8Array>>;
  /** Port (default 80). */
  port?: number;
  /** Address to bind (default any). */
  address?: string | number;
  /** Largest request head (request line and headers), bytes (default 8,192). */
  maxHeadBytes?: number;
  /** Largest request body it reads and discards, bytes (default 65,536). */
  maxBodyBytes?: number;
  /** How long a connection may wait for (the rest of) a request, ns (default 10 s). */
  idleTimeoutNs?: number;
  /** Listen backlog (default 16). */
  backlog?: number;
  /** `Server` header (default `nicsim`). */
  serverName?: string;
}

/** What an {@link HttpServer} has done. */
export interface HttpServerStats {
  /** Connections accepted. */
  connections: number;
  /** Requests answered (bad ones included). */
  requests: number;
  /** Responses by status code. */
  responses: Record<number, number>;
  /** Requests refused as malformed or too large (400 or 431). */
  badRequests: number;
  /** Connections closed because no (complete) request came within the idle timeout. */
  idleTimeouts: number;
  /** Connections that ended with a socket error (reset, timeout). */
  connectionErrors: number;
}

/** A parsed request head. */
export interface HttpRequestHead {
  /** Method (`GET`). */
  method: string;
  /** Request target (`/index.html`). */
  target: string;
  /** Minor version: 0 or 1 (HTTP/1.0, HTTP/1.1). */
  minor: number;
  /** Header fields, names in lower case; repeated fields joined with `, `. */
  headers: Map<string, string>;
}

/** Why a request head was refused: status and reason. */
export interface HttpHeadError {
  /** 400, 431, 501 or 505. */
  status: number;
  /** What was wrong (sent in the body). */
  why: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses a request head (everything before the blank line, which is not included). Never throws:
 * a head that breaks RFC 9112's grammar gives an {@link HttpHeadError}. A bare LF ends a line too
 * (RFC 9112 §2.2 lets a recipient accept it).
 */
export function parseRequestHead(head: string): HttpRequestHead | HttpHeadError {
  const lines = head.split(/\r?\n/);
  const m = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/.exec(lines[0]);
  if (m === null) return { status: 400, why: 'malformed request line' };
  const [, method, target, major, minor] = m;
  if (!TOKEN.test(method)) return { status: 400, why: 'malformed method' };
  if (major !== '1') return { status: 505, why: `HTTP/${major}.${minor} is not supported` };
  if (!(target.startsWith('/') || target === '*' || /^http:\/\//i.test(target)) || /[\x00-\x20\x7f]/.test(target)) return { status: 400, why: 'malformed request target' };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c <= 0) return { status: 400, why: line.startsWith(' ') || line.startsWith('\t') ? 'obsolete line folding' : 'malformed header field' };
    const name = line.slice(0, c);
    if (!TOKEN.test(name)) return { status: 400, why: `malformed header field name` };
    const value = line.slice(c + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return { status: 400, why: `control character in ${name}` };
    const key = name.toLowerCase();
    const prev = headers.get(key);
    if (key === 'content-length' && prev !== undefined && prev !== value) return { status: 400, why: 'conflicting Content-Length' };
    headers.set(key, prev === undefined || key === 'content-length' ? value : `${prev}, ${value}`);
  }
  if (minor === '1' && !headers.has('host')) return { status: 400, why: 'HTTP/1.1 request without Host' };
  return { method, target, minor: Number(minor), headers };
}

/** Whether the connection persists after this message (RFC 9112 §9.3). */
function persists(minor: number, headers: Map<string, string>): boolean {
  const conn = (headers.get('connection') ?? '').toLowerCase().split(',').map((s) => s.trim());
  if (conn.includes('close')) return false;
  return minor >= 1 || conn.includes('keep-alive');
}

/** Bytes read from a stream socket but not consumed yet. */
class Reader {
  private buf = new Uint8Array(0);
  /** The stream ended. */
  eof = false;

  constructor(
    private readonly p: Process,
    private readonly fd: number,
  ) {}

  /** Bytes held. */
  get length(): number {
    return this.buf.length;
  }

  /** Reads once more (at most `max` bytes); false at the end of the stream. */
  async fill(timeoutNs: number, max = 65_536): Promise<boolean> {
    if (this.eof) return false;
    const data = await this.p.read(this.fd, { timeoutNs: Math.max(1, timeoutNs), maxLength: max });
    if (data.length === 0) {
      this.eof = true;
      return false;
    }
    const b = new Uint8Array(this.buf.length + data.length);
    b.set(this.buf);
    b.set(data, this.buf.length);
    this.buf = b;
    return true;
  }

  /** Index just past the first blank line (`\r\n\r\n` or `\n\n`), or -1; `head` ends before it. */
  headEnd(): { head: number; body: number } | null {
    const b = this.buf;
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== 0x0a) continue;
      if (b[i + 1] === 0x0a) return { head: i, body: i + 2 };
      if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return { head: i, body: i + 3 };
    }
    return null;
  }

  /** Takes the first `n` bytes. */
  take(n: number): Uint8Array {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

/** A remaining-time clock over the simulator's `now`. */
function deadline(p: Process, timeoutNs: number): () => number {
  const end = p.stack.sim.now + timeoutNs;
  return () => end - p.stack.sim.now;
}

/** Where an HTTP server listens (checked before anything else). */
function listenBinding(opts: HttpServerOptions): { port: number; address: number; backlog: number; reuseAddr: boolean } {
  if (opts === null || typeof opts !== 'object') throw new TypeError('HttpServer: pages must be an object mapping paths to pages');
  const backlog = opts.backlog ?? 16;
  if (!Number.isSafeInteger(backlog) || backlog <= 0) throw new RangeError(`HttpServer: backlog must be a positive integer, got ${backlog}`);
  return { port: opts.port ?? HTTP_PORT, address: opts.address === undefined ? 0 : toIpv4(opts.address), backlog, reuseAddr: true };
}

/** A web server app on a host: `start` listens and serves, `stop` closes everything. */
export class HttpServer extends TcpServer {
  /** What it has done. */
  readonly stats: HttpServerStats = { connections: 0, requests: 0, responses: {}, badRequests: 0, idleTimeouts: 0, connectionErrors: 0 };
  private readonly pages = new Map<string, { body: Uint8Array; type: string }>();
  private readonly o: Required<Omit<HttpServerOptions, 'pages' | 'address'>> & { address: number };

  /** A server whose sockets belong to `process` (call `start`). */
  constructor(process: Process, opts: HttpServerOptions) {
    super(process, listenBinding(opts), 'the HTTP server');
    if (opts === null || typeof opts !== 'object' || opts.pages === null || typeof opts.pages !== 'object') throw new TypeError('HttpServer: pages must be an object mapping paths to pages');
    for (const [path, page] of Object.entries(opts.pages)) {
      if (!path.startsWith('/')) throw new RangeError(`HttpServer: a page path starts with '/', got ${JSON.stringify(path)}`);
      const p: HttpPage = typeof page === 'string' || page instanceof Uint8Array ? { body: page } : page;
      if (p === null || typeof p !== 'object' || !(typeof p.body === 'string' || p.body instanceof Uint8Array)) throw new TypeError(`HttpServer: page ${path} needs a string or Uint8Array body`);
      this.pages.set(path, { body: typeof p.body === 'string' ? enc.encode(p.body) : p.body, type: p.type ?? 'text/html; charset=utf-8' });
    }
    const positive = (v: number | undefined, d: number, what: string) => {
      const x = v ?? d;
      if (!Number.isSafeInteger(x) || x <= 0) throw new RangeError(`HttpServer: ${what} must be a positive integer, got ${x}`);
      return x;
    };
    this.o = {
      port: opts.port ?? HTTP_PORT,
      address: opts.address === undefined ? 0 : toIpv4(opts.address),
      maxHeadBytes: positive(opts.maxHeadBytes, 8192, 'maxHeadBytes'),
      maxBodyBytes: positive(opts.maxBodyBytes, 65_536, 'maxBodyBytes'),
      idleTimeoutNs: positive(opts.idleTimeoutNs, 10 * SEC, 'idleTimeoutNs'),
      backlog: positive(opts.backlog, 16, 'backlog'),
      serverName: opts.serverName ?? 'nicsim',
    };
  }

  /** Counts a connection. */
  protected override accepted(): void {
    this.stats.connections++;
  }

  private count(status: number): void {
    this.stats.requests++;
    this.stats.responses[status] = (this.stats.responses[status] ?? 0) + 1;
    if (status === 400 || status === 431) this.stats.badRequests++;
  }

  /** Serves one connection until it closes. */
  protected async serve(fd: number): Promise<void> {
    const p = this.process;
    const r = new Reader(p, fd);
    try {
      for (;;) {
        // the head: read until the blank line, at most maxHeadBytes
        const left = deadline(p, this.o.idleTimeoutNs);
        let end = r.headEnd();
        while (end === null && r.length <= this.o.maxHeadBytes) {
          if (left() <= 0) throw new SocketError('ETIMEDOUT', 'read');
          if (!(await r.fill(left(), this.o.maxHeadBytes + 4 - r.length))) break;
          end = r.headEnd();
        }
        if (end === null) {
          if (r.length > this.o.maxHeadBytes) await this.respond(fd, 431, { why: `request head over ${this.o.maxHeadBytes} bytes`, close: true });
          else if (r.length > 0) await this.respond(fd, 400, { why: 'the connection ended inside the request head', close: true });
          return; // (a clean end between requests is no error)
        }
        if (end.head > this.o.maxHeadBytes) return void (await this.respond(fd, 431, { why: `request head over ${this.o.maxHeadBytes} bytes`, close: true }));
        const headBytes = r.take(end.body).subarray(0, end.head);
        const req = parseRequestHead(String.fromCharCode(...headBytes).replace(/\r$/, '')); // octets as Latin-1 (RFC 9112 §2.2)
        if ('status' in req) {
          traceHttp(p, `a malformed request (${req.why}): ${req.status} ${HTTP_REASON[req.status]}`);
          return void (await this.respond(fd, req.status, { why: req.why, close: true }));
        }
        traceHttp(p, `request ${req.method} ${req.target} HTTP/1.${req.minor}${req.headers.has('host') ? ` for ${req.headers.get('host')}` : ''} (${end.body} bytes)`);
        // a body: framed by Content-Length only (RFC 9112 §6.3); read and discard it
        if (req.headers.has('transfer-encoding')) return void (await this.respond(fd, 501, { why: 'Transfer-Encoding is not implemented', close: true }));
        const cl = req.headers.get('content-length');
        if (cl !== undefined) {
          if (!/^\d{1,15}$/.test(cl)) return void (await this.respond(fd, 400, { why: 'malformed Content-Length', close: true }));
          let n = Number(cl);
          if (n > this.o.maxBodyBytes) return void (await this.respond(fd, 400, { why: `request body over ${this.o.maxBodyBytes} bytes`, close: true }));
          while (n > 0) {
            if (r.length === 0 && (left() <= 0 || !(await r.fill(left(), n)))) return void (await this.respond(fd, 400, { why: 'the connection ended inside the request body', close: true }));
            n -= r.take(Math.min(n, r.length)).length;
          }
        }
        const keep = persists(req.minor, req.headers);
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          await this.respond(fd, 405, { why: `${req.method} is not allowed here`, close: !keep, extra: 'Allow: GET, HEAD\r\n' });
        } else {
          const path = req.target.replace(/^http:\/\/[^/]*/i, '').split('?')[0] || '/';
          const page = this.pages.get(path);
          if (page === undefined) await this.respond(fd, 404, { why: `no page at ${path}`, close: !keep, head: req.method === 'HEAD' });
          else await this.send(fd, 200, page.body, page.type, !keep, req.method === 'HEAD');
        }
        if (!keep) return;
      }
    } catch (e) {
      if (isSocketError(e, 'ETIMEDOUT') && !this.stopping) this.stats.idleTimeouts++;
      else if (!this.stopping && !isSocketError(e, 'EBADF')) this.stats.connectionErrors++;
    } finally {
      if (this.isOpen(fd)) await this.lingeringClose(fd, r);
    }
  }

  /**
   * Closes a connection without losing the response: closing with unread request bytes would
   * send RST (RFC 2525 §2.17) and could destroy the response in the client's buffer, so the
   * server first sends its FIN (shutdown), then reads and discards until the client's FIN, at
   * most `LINGER_BYTES` bytes for at most `LINGER_NS`, and only then closes.
   */
  private async lingeringClose(fd: number, r: Reader): Promise<void> {
    const p = this.process;
    try {
      await p.shutdown(fd, 'write');
      const left = deadline(p, LINGER_NS);
      for (let n = 0; !r.eof && n < LINGER_BYTES && left() > 0; n += r.take(r.length).length) await r.fill(left());
    } catch {
      // reset, timeout, closed by stop(): nothing more to wait for
    }
    await this.release(fd);
  }

  private respond(fd: number, status: number, o: { why: string; close: boolean; extra?: string; head?: boolean }): Promise<void> {
    const body = enc.encode(`<!doctype html><title>${status} ${HTTP_REASON[status]}</title><p>${o.why.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</p>\n`);
    return this.send(fd, status, body, 'text/html; charset=utf-8', o.close, o.head ?? false, o.extra);
  }

  private async send(fd: number, status: number, body: Uint8Array, type: string, close: boolean, headOnly: boolean, extra = ''): Promise<void> {
    this.count(status);
    const head = `HTTP/1.1 ${status} ${HTTP_REASON[status] ?? ''}\r\nServer: ${this.o.serverName}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n${extra}${close ? 'Connection: close\r\n' : ''}\r\n`;
    const h = enc.encode(head);
    traceHttp(this.process, `response ${status} ${HTTP_REASON[status] ?? ''}: ${h.length} bytes of head${headOnly ? '' : ` and ${body.length} of body`} in one write${close ? '; Connection: close, so the server closes after it' : ''}`);
    // one write: the head and body leave together, so the first segment is full (no Nagle wait)
    const msg = new Uint8Array(h.length + (headOnly ? 0 : body.length));
    msg.set(h);
    if (!headOnly) msg.set(body, h.length);
    await this.process.write(fd, msg);
  }
}

/** Why an {@link httpGet} failed. */
export type HttpErrorCode = 'timeout' | 'connect' | 'resolve' | 'protocol' | 'reset' | 'tooLarge';

/** A failed HTTP exchange. */
export class HttpError extends Error {
  /** Why. */
  readonly code: HttpErrorCode;
  /** The underlying error (a SocketError or DnsError), if any. */
  override readonly cause: unknown;

  /** Creates the error. */
  constructor(code: HttpErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.cause = cause;
  }
}

/** An HTTP response as the client read it. */
export interface HttpResponse {
  /** Status code (200). */
  status: number;
  /** Reason phrase (`OK`). */
  reason: string;
  /** Header fields, names in lower case. */
  headers: Map<string, string>;
  /** The body. */
  body: Uint8Array;
  /** The body decoded as UTF-8. */
  text: string;
  /** The server's address. */
  address: string;
  /** Bytes of the response head. */
  headBytes: number;
}

/** Options of {@link httpGet}. */
export interface HttpGetOptions {
  /** Server port (default 80). */
  port?: number;
  /** Deadline for the whole exchange, ns: resolve, connect, request, response (default 30 s). */
  timeoutNs?: number;
  /** Largest body accepted, bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Largest response head accepted, bytes (default 16,384). */
  maxHeadBytes?: number;
  /** Headers to add (name → value). */
  headers?: Readonly<Record<string, string>>;
  /** Send `Connection: close` (default true: one request per connection, as a simple client does). */
  close?: boolean;
}

/**
 * GETs `http://host/path` — `via` is a resolver (the host name is looked up) or the server's
 * address (the host name only goes into the `Host` header). Resolves to the response; rejects
 * with an {@link HttpError} (`resolve`, `connect`, `timeout`, `reset`, `protocol`, `tooLarge`).
 * The socket is always closed.
 */
export async function httpGet(process: Process, via: DnsResolver | string | number, host: string, path = '/', opts: HttpGetOptions = {}): Promise<HttpResponse> {
  if (typeof host !== 'string' || !/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) throw new TypeError(`httpGet: host must be a host name, got ${JSON.stringify(host)}`);
  if (typeof path !== 'string' || !path.startsWith('/') || /[\x00-\x20\x7f]/.test(path)) throw new TypeError(`httpGet: path must start with '/' and hold no spaces or control characters, got ${JSON.stringify(path)}`);
  const timeoutNs = opts.timeoutNs ?? 30 * SEC;
  if (!Number.isSafeInteger(timeoutNs) || timeoutNs <= 0) throw new RangeError(`httpGet: timeoutNs must be a positive integer, got ${timeoutNs}`);
  const port = opts.port ?? HTTP_PORT;
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxHead = opts.maxHeadBytes ?? 16_384;
  const left = deadline(process, timeoutNs);

  let address: number;
  if (typeof via === 'string' || typeof via === 'number') address = toIpv4(via);
  else {
    try {
      address = await via.lookup(host.replace(/:\d+$/, ''));
    } catch (e) {
      throw new HttpError('resolve', `${host}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }
  const where = `${formatIpv4Addr(address)}:${port}`;
  const p = process;
  const fd = await p.socket(AF_INET, SOCK_STREAM);
  try {
    await p.setNonBlocking(fd, true);
    try {
      await p.connect(fd, { address, port });
    } catch (e) {
      if (!isSocketError(e, 'EINPROGRESS')) throw e;
      if (left() <= 0) throw new SocketError('ETIMEDOUT', 'connect');
      await p.waitConnected(fd, { timeoutNs: left() });
    }
    await p.setNonBlocking(fd, false);
  } catch (e) {
    await p.close(fd).catch(() => undefined);
    if (isSocketError(e, 'ETIMEDOUT')) throw new HttpError('timeout', `connect to ${where}: no connection within ${timeoutNs / 1e6} ms`, e);
    throw new HttpError('connect', `connect to ${where}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  try {
    const extra = Object.entries(opts.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const req = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: nicsim\r\nAccept: */*\r\n${opts.close === false ? '' : 'Connection: close\r\n'}${extra}\r\n`;
    const reqBytes = enc.encode(req);
    traceHttp(p, `request GET ${path} HTTP/1.1 for ${host}: ${reqBytes.length} bytes, one write${opts.close === false ? '' : ' (Connection: close)'}`);
    await p.write(fd, reqBytes, { timeoutNs: Math.max(1, left()) });
    const r = new Reader(p, fd);
    let end = r.headEnd();
    while (end === null) {
      if (r.length > maxHead) throw new HttpError('tooLarge', `${where}: response head over ${maxHead} bytes`);
      if (left() <= 0) throw new SocketError('ETIMEDOUT', 'read');
      if (!(await r.fill(left()))) throw new HttpError('protocol', `${where}: the connection ended ${r.length === 0 ? 'before a response' : 'inside the response head'}`);
      end = r.headEnd();
    }
    const headBytes = end.body;
    const head = dec.decode(r.take(end.body).subarray(0, end.head));
    const lines = head.split(/\r?\n/);
    const m = /^HTTP\/1\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (m === null) throw new HttpError('protocol', `${where}: malformed status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      if (c <= 0 || !TOKEN.test(line.slice(0, c))) throw new HttpError('protocol', `${where}: malformed header field ${JSON.stringify(line.slice(0, 80))}`);
      const k = line.slice(0, c).toLowerCase();
      const v = line.slice(c + 1).trim();
      const prev = headers.get(k);
      headers.set(k, prev === undefined ? v : `${prev}, ${v}`);
    }
    const status = Number(m[2]);
    if (headers.has('transfer-encoding')) throw new HttpError('protocol', `${where}: Transfer-Encoding ${headers.get('transfer-encoding')} is not implemented`);
    const cl = headers.get('content-length');
    let want: number | null = null;
    if (status < 200 || status === 204 || status === 304) want = 0;
    else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl)) throw new HttpError('protocol', `${where}: malformed Content-Length ${JSON.stringify(cl)}`);
      want = Number(cl);
      if (want > maxBody) throw new HttpError('tooLarge', `${where}: body of ${want} bytes is over ${maxBody}`);
    }
    // the body: Content-Length bytes, or everything up to the end of the stream
    while (want === null ? !r.eof : r.length < want) {
      if (want === null && r.length > maxBody) throw new HttpError('tooLarge', `${where}: body over ${maxBody} bytes`);
      if (left() <= 0) throw new SocketError('ETIMEDOUT', 'read');
      if (!(await r.fill(left())) && want !== null) throw new HttpError('protocol', `${where}: the connection ended after ${r.length} of ${want} body bytes`);
    }
    const body = r.take(want ?? r.length).slice();
    traceHttp(p, `response ${status} ${m[3] ?? ''}: ${headBytes} bytes of head and ${body.length} bytes of body${want === null ? ' (up to the end of the stream)' : ' (Content-Length)'} — complete`);
    return { status, reason: m[3] ?? '', headers, body, text: dec.decode(body), address: formatIpv4Addr(address), headBytes };
  } catch (e) {
    if (e instanceof HttpError) throw e;
    if (isSocketError(e, 'ETIMEDOUT')) throw new HttpError('timeout', `GET http://${host}${path}: no complete response within ${timeoutNs / 1e6} ms`, e);
    if (isSocketError(e)) throw new HttpError('reset', `GET http://${host}${path}: ${e.message}`, e);
    throw e;
  } finally {
    await p.close(fd).catch(() => undefined);
  }
}

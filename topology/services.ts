/**
 * Services and client actions a topology file (or `nicsim bridge`) runs on emulated hosts, written
 * against the socket API: echo (UDP and TCP port 7, RFC 862), discard (TCP port 9, RFC 863), a DNS
 * zone (UDP port 53), and the client side — ping, a DNS lookup, and an HTTP/1.0 GET over TCP.
 * Each TCP server bounds its connections (`maxConnections`, further ones are closed at once).
 * @module
 */
import { createHash } from 'node:crypto';
import type { NetStack } from '../stack/host.js';
import { Process } from '../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../stack/socket/types.js';
import { readFileSync, statSync } from 'node:fs';
import { EchoServer } from '../stack/apps/echo.js';
import { TcpEchoServer } from '../stack/apps/tcpecho.js';
import { HttpServer, httpGet as httpGetApp, HttpError } from '../stack/apps/http.js';
import { DnsResolver, DnsServer } from '../stack/apps/dns.js';
import { ping, formatPing, type PingResult } from '../stack/tools/ping.js';
import { formatIpv4Addr } from '../stack/wire/ipv4.js';
import type { ServicesSpec, RunStep } from './file.js';
import { MS, SEC } from '../sim/time.js';

/** Counters of a TCP service. */
export interface TcpServiceStats {
  /** Connections accepted. */
  connections: number;
  /** Connections refused for the limit. */
  refused: number;
  /** Bytes received. */
  bytesIn: number;
  /** Bytes sent back (echo). */
  bytesOut: number;
}

/** A running TCP echo or discard server. */
export class TcpService {
  /** Live counters. */
  readonly stats: TcpServiceStats = { connections: 0, refused: 0, bytesIn: 0, bytesOut: 0 };
  private fd = -1;
  private open = 0;
  private closing = false;

  constructor(
    private readonly process: Process,
    /** `echo` sends every byte back, `discard` throws them away. */
    readonly kind: 'echo' | 'discard',
    /** TCP port. */
    readonly port: number,
    private readonly maxConnections = 64,
  ) {}

  /** Binds and listens; resolves once listening. */
  async start(): Promise<void> {
    const p = this.process;
    this.fd = await p.socket(AF_INET, SOCK_STREAM);
    await p.bind(this.fd, { address: 0, port: this.port });
    await p.listen(this.fd, 16);
    void this.acceptLoop();
  }

  /** Stops listening (open connections end when their peers close). */
  async stop(): Promise<void> {
    this.closing = true;
    if (this.fd >= 0) await this.process.close(this.fd).catch(() => undefined);
  }

  private async acceptLoop(): Promise<void> {
    const p = this.process;
    for (;;) {
      let c;
      try {
        c = await p.accept(this.fd);
      } catch {
        return;
      }
      if (this.closing) return;
      if (this.open >= this.maxConnections) {
        this.stats.refused++;
        await p.close(c.fd).catch(() => undefined);
        continue;
      }
      this.stats.connections++;
      this.open++;
      void this.serve(c.fd).finally(() => this.open--);
    }
  }

  private async serve(fd: number): Promise<void> {
    const p = this.process;
    try {
      for (;;) {
        const d = await p.read(fd, { maxLength: 65536 });
        if (d.length === 0) break;
        this.stats.bytesIn += d.length;
        if (this.kind === 'echo') this.stats.bytesOut += await p.write(fd, d);
      }
    } catch {
      // reset or timed out: the connection is over
    } finally {
      await p.close(fd).catch(() => undefined);
    }
  }
}

/** The largest file an HTTP page may be read from. */
const MAX_PAGE_FILE = 16 * 1024 * 1024;

/** The page `true` serves at `/`. */
export function defaultPage(host: string): string {
  return `<!doctype html>\n<html><head><title>${host}</title></head><body><h1>${host}</h1><p>Served by an emulated host: nicsim's TCP/IP stack, e1000 driver and adapter.</p></body></html>\n`;
}

/** The pages of an `http` service spec: `true` → the default page; text; `@FILE` → the file's bytes (throws naming the file). */
export function httpPages(host: string, spec: true | Record<string, string>): Record<string, string | Uint8Array> {
  if (spec === true) return { '/': defaultPage(host) };
  const pages: Record<string, string | Uint8Array> = {};
  for (const [path, v] of Object.entries(spec)) {
    if (!v.startsWith('@')) {
      pages[path] = v;
      continue;
    }
    const file = v.slice(1);
    let size: number;
    try {
      size = statSync(file).size;
    } catch (e) {
      throw new Error(`http page ${path}: cannot read ${file}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
    if (size > MAX_PAGE_FILE) throw new Error(`http page ${path}: ${file} is ${size} bytes, more than ${MAX_PAGE_FILE}`);
    pages[path] = new Uint8Array(readFileSync(file));
  }
  return pages;
}

/** The services running on one host. */
export interface RunningServices {
  /** UDP echo. */
  udpEcho?: EchoServer;
  /** TCP echo. */
  tcpEcho?: TcpEchoServer;
  /** HTTP server. */
  http?: HttpServer;
  /** TCP discard. */
  discard?: TcpService;
  /** DNS server. */
  dns?: DnsServer;
}

/** Starts the services of `spec` on `stack`. */
export async function startServices(stack: NetStack, spec: ServicesSpec): Promise<RunningServices> {
  const out: RunningServices = {};
  if (spec.echo) {
    out.udpEcho = new EchoServer(new Process(stack, 'echo-udp'));
    await out.udpEcho.start();
    out.tcpEcho = new TcpEchoServer(new Process(stack, 'echo-tcp'));
    await out.tcpEcho.start();
  }
  if (spec.discard) {
    out.discard = new TcpService(new Process(stack, 'discard'), 'discard', 9);
    await out.discard.start();
  }
  if (spec.http !== undefined && spec.http !== false) {
    out.http = new HttpServer(new Process(stack, 'httpd'), { pages: httpPages(stack.name, spec.http) });
    await out.http.start();
  }
  if (spec.dns !== undefined) {
    out.dns = new DnsServer(new Process(stack, 'named'), { zone: spec.dns });
    await out.dns.start();
  }
  return out;
}

/** What one client action did. */
export interface StepResult {
  /** The action, as text (`emu: ping 10.0.0.1`). */
  what: string;
  /** Whether it succeeded (a reply, an answer, a 2xx response). */
  ok: boolean;
  /** Human-readable outcome (ping's output, the answer, the response line and body digest). */
  text: string;
  /** Ping result, for ping. */
  ping?: PingResult;
  /** The fetched body, for fetch. */
  body?: Uint8Array;
}

/** Runs one client action on `stack`. */
export async function runStep(stack: NetStack, step: RunStep): Promise<StepResult> {
  if (step.ping !== undefined) {
    const r = await ping(stack, step.ping, { count: step.count ?? 3, size: step.size, intervalNs: 200 * MS });
    return { what: `${step.from}: ping ${step.ping}`, ok: r.received > 0, text: formatPing(r), ping: r };
  }
  if (step.lookup !== undefined) {
    const what = `${step.from}: lookup ${step.lookup} @${step.server}`;
    const res = new DnsResolver(new Process(stack, 'resolver'), { servers: [step.server!], timeoutNs: 2 * SEC, attempts: 2 });
    try {
      const a = await res.resolve(step.lookup);
      return { what, ok: true, text: `${step.lookup} has address ${a.addresses.map((x) => formatIpv4Addr(x)).join(', ')}` };
    } catch (e) {
      return { what, ok: false, text: `${step.lookup}: ${(e as Error).message}` };
    }
  }
  if (step.echo !== undefined) return tcpEchoStep(stack, step);
  const m = /^http:\/\/([\d.]+)(?::(\d+))?(\/.*)?$/.exec(step.fetch!)!;
  const what = `${step.from}: fetch ${step.fetch}`;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  try {
    const r = await httpGetApp(new Process(stack, 'fetch'), m[1], port === 80 ? m[1] : `${m[1]}:${port}`, m[3] ?? '/', { port, timeoutNs: 30 * SEC, maxBodyBytes: 64 * 1024 * 1024 });
    const digest = createHash('sha256').update(r.body).digest('hex');
    return { what, ok: r.status >= 200 && r.status < 300, text: `${r.status} ${r.reason}; ${r.body.length} bytes of body, sha256 ${digest}`, body: r.body };
  } catch (e) {
    return { what, ok: false, text: e instanceof HttpError ? `${e.code}: ${e.message}` : (e as Error).message };
  }
}

/** The bytes an echo step sends: a deterministic pattern (a linear congruential sequence). */
export function echoPattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    b[i] = x >>> 16;
  }
  return b;
}

async function tcpEchoStep(stack: NetStack, step: RunStep): Promise<StepResult> {
  const [address, portText] = step.echo!.split(':');
  const n = step.bytes ?? 65536;
  const what = `${step.from}: echo ${n} bytes via ${step.echo}`;
  const data = echoPattern(n);
  const p = new Process(stack, 'echo-client');
  const fd = await p.socket(AF_INET, SOCK_STREAM);
  try {
    await p.connect(fd, { address, port: Number(portText) });
    const sending = p.write(fd, data);
    const got = new Uint8Array(n);
    let k = 0;
    while (k < n) {
      const d = await p.read(fd, { maxLength: n - k, timeoutNs: 10 * SEC });
      if (d.length === 0) break;
      got.set(d, k);
      k += d.length;
    }
    await sending;
    let same = k === n;
    for (let i = 0; same && i < n; i++) same = got[i] === data[i];
    const digest = createHash('sha256').update(got.subarray(0, k)).digest('hex');
    return { what, ok: same, text: same ? `${n} bytes sent and received back intact (sha256 ${digest})` : `got ${k} of ${n} bytes back${k === n ? ', different' : ''}`, body: got.subarray(0, k) };
  } catch (e) {
    return { what, ok: false, text: (e as Error).message };
  } finally {
    await p.close(fd).catch(() => undefined);
  }
}

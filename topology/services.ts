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
import { EchoServer } from '../stack/apps/echo.js';
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

/** The services running on one host. */
export interface RunningServices {
  /** UDP echo. */
  udpEcho?: EchoServer;
  /** TCP echo. */
  tcpEcho?: TcpService;
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
    out.tcpEcho = new TcpService(new Process(stack, 'echo-tcp'), 'echo', 7);
    await out.tcpEcho.start();
  }
  if (spec.discard) {
    out.discard = new TcpService(new Process(stack, 'discard'), 'discard', 9);
    await out.discard.start();
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

/** Result of {@link httpGet}. */
export interface HttpGetResult {
  /** Status code (0 when there was no valid status line). */
  status: number;
  /** The status line. */
  statusLine: string;
  /** The body (everything after the blank line). */
  body: Uint8Array;
}

/** An HTTP/1.0 GET of `path` from `address:port` over the emulated TCP; rejects with the socket error. */
export async function httpGet(stack: NetStack, address: string, port: number, path: string, opts: { timeoutNs?: number; maxBytes?: number } = {}): Promise<HttpGetResult> {
  const p = new Process(stack, 'fetch');
  const fd = await p.socket(AF_INET, SOCK_STREAM);
  const timeoutNs = opts.timeoutNs ?? 10 * SEC;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  try {
    await p.connect(fd, { address, port });
    await p.write(fd, new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: ${address}:${port}\r\nUser-Agent: nicsim\r\n\r\n`));
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const d = await p.read(fd, { maxLength: 65536, timeoutNs });
      if (d.length === 0) break;
      chunks.push(d);
      n += d.length;
      if (n > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
    }
    const all = new Uint8Array(n);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.length;
    }
    let end = -1;
    for (let i = 0; i + 3 < all.length; i++)
      if (all[i] === 13 && all[i + 1] === 10 && all[i + 2] === 13 && all[i + 3] === 10) {
        end = i;
        break;
      }
    const head = new TextDecoder().decode(all.subarray(0, end < 0 ? Math.min(all.length, 200) : end));
    const statusLine = head.split('\r\n')[0] ?? '';
    const m = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
    return { status: m ? Number(m[1]) : 0, statusLine, body: end < 0 ? new Uint8Array(0) : all.slice(end + 4) };
  } finally {
    await p.close(fd).catch(() => undefined);
  }
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
  try {
    const r = await httpGet(stack, m[1], m[2] === undefined ? 80 : Number(m[2]), m[3] ?? '/');
    const digest = createHash('sha256').update(r.body).digest('hex');
    return { what, ok: r.status >= 200 && r.status < 300, text: `${r.statusLine || '(no status line)'}; ${r.body.length} bytes of body, sha256 ${digest}`, body: r.body };
  } catch (e) {
    return { what, ok: false, text: `${(e as Error).message}` };
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

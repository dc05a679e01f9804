/**
 * DNS over UDP (RFC 1035): the stub resolver of the socket library and a small authoritative
 * server to run on a host.
 *
 * {@link DnsResolver} (what `gethostbyname` does): a dotted quad is its own answer; the hosts
 * table is checked next (no packet); then the cache (an entry lives for the smallest TTL of
 * the answer, in simulated time; TTL 0 is not cached); then a query — one A question with RD
 * set — from a fresh UDP socket connected to each server in turn, like glibc's `res_send`:
 * up to `attempts` rounds over the servers, waiting `timeoutNs` for each try. Every try of one
 * lookup carries the same query id (the retransmission of one question). A reply counts when it
 * comes from the server asked, is a response, carries the query's id and repeats its question;
 * anything else is ignored and the wait goes on. NXDOMAIN and an answer without A records end the
 * lookup; SERVFAIL, REFUSED and NOTIMP move on to the next server; ICMP port unreachable
 * (ECONNREFUSED on the connected socket) too, at once. Concurrent lookups of one name share one
 * query.
 * Failures reject with a {@link DnsError}.
 *
 * {@link DnsServer}: answers A (and ANY) questions for the names of its zone (authoritative, RD
 * copied, RA clear), NOERROR with no answer for other types of a known name, NXDOMAIN for unknown
 * names, FORMERR for unparsable queries or not exactly one question, NOTIMP for other opcodes,
 * REFUSED for classes other than IN/ANY; responses are never answered.
 *
 * Not implemented: TCP fallback for truncated answers, negative caching (RFC 2308), search
 * domains, CNAME chasing beyond taking the A records of the answer section, EDNS(0), AAAA.
 * @module
 */
import type { Nanos } from '../../sim/time.js';
import type { Rng } from '../../sim/rng.js';
import { toIpv4 } from '../iface/route.js';
import { WireError } from '../wire/error.js';
import { DNS_CLASS, DNS_OPCODE, DNS_RCODE, DNS_TYPE, dnsBufferLen, emitDns, parseDns, type DnsRecord, type DnsRepr } from '../wire/dns.js';
import { formatIpv4Addr, parseIpv4Addr } from '../wire/ipv4.js';
import { UdpServer } from './udpserver.js';
import { UDP_PORT } from '../wire/udp.js';
import type { Process } from '../socket/api.js';
import { SocketError, isSocketError } from '../socket/errors.js';
import { AF_INET, SOCK_DGRAM } from '../socket/types.js';

/** Why a lookup failed. */
export type DnsErrorCode =
  /** The name does not exist (NXDOMAIN). */
  | 'NXDOMAIN'
  /** The name exists but has no A record. */
  | 'NODATA'
  /** Every server failed (SERVFAIL). */
  | 'SERVFAIL'
  /** Every server refused (REFUSED). */
  | 'REFUSED'
  /** The servers do not implement the query (NOTIMP). */
  | 'NOTIMP'
  /** The server said the query was malformed (FORMERR). */
  | 'FORMERR'
  /** No usable answer before the last try timed out. */
  | 'TIMEOUT'
  /** The last server tried was unreachable (ICMP port unreachable: ECONNREFUSED; no route). */
  | 'UNREACHABLE'
  /** No name servers are configured. */
  | 'NOSERVER'
  /** The name cannot be encoded (an empty or over-long label). */
  | 'BADNAME';

/** A failed lookup. */
export class DnsError extends Error {
  /** Why. */
  readonly code: DnsErrorCode;
  /** The name looked up. */
  readonly hostname: string;

  /** Creates the error. */
  constructor(code: DnsErrorCode, hostname: string, detail?: string) {
    super(`${hostname}: ${code}${detail === undefined ? '' : ` (${detail})`}`);
    this.name = 'DnsError';
    this.code = code;
    this.hostname = hostname;
  }
}

/** Where an answer came from. */
export type DnsSource = 'literal' | 'hosts' | 'cache' | 'dns';

/** A successful lookup. */
export interface DnsAnswer {
  /** The name asked for (as given). */
  readonly name: string;
  /** The first address. */
  readonly address: number;
  /** Every address, in answer order. */
  readonly addresses: readonly number[];
  /** Where it came from. */
  readonly source: DnsSource;
  /** Seconds the answer stays valid (remaining, for a cache hit); 0 for literals and hosts entries. */
  readonly ttl: number;
  /** The server that answered (for `dns`). */
  readonly server?: number;
}

/** Options of a {@link DnsResolver}. */
export interface DnsResolverOptions {
  /** Name servers, tried in order (resolv.conf's `nameserver` lines). */
  servers: readonly (string | number)[];
  /** Static names (`/etc/hosts`), checked before the cache and the servers; case-insensitive. */
  hosts?: Readonly<Record<string, string | number>>;
  /** Wait for each try, ns (default 5 s, resolv.conf's `timeout:5`). */
  timeoutNs?: Nanos;
  /** Rounds over the servers (default 2, resolv.conf's `attempts:2`). */
  attempts?: number;
  /** Server port (default 53). */
  port?: number;
  /** Keep answers for their TTL (default true). */
  cache?: boolean;
  /** First query id (then +1 per lookup); default: random, from the simulator's stream `<host>.dns.<pid>`. */
  firstId?: number;
}

/** What a resolver did so far. */
export interface DnsResolverStats {
  /** Lookups asked for. */
  lookups: number;
  /** Answered from a dotted quad. */
  literal: number;
  /** Answered from the hosts table. */
  hostsHits: number;
  /** Answered from the cache. */
  cacheHits: number;
  /** Queries sent (every try, retries included). */
  queriesSent: number;
  /** Tries after the first one of a lookup. */
  retries: number;
  /** Tries that ended without an answer in time. */
  timeouts: number;
  /** Replies ignored (wrong id, question or sender; unparsable). */
  ignored: number;
}

/** A cached answer. */
export interface DnsCacheEntry {
  /** Lower-case name. */
  readonly name: string;
  /** Addresses. */
  readonly addresses: readonly number[];
  /** Simulated time it expires, ns. */
  readonly expiresAt: Nanos;
}

/** Lower case, without a trailing dot: the key names are compared by. */
function canonical(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** A DNS query message for one A question. */
export function dnsQuery(id: number, name: string): DnsRepr {
  return {
    id,
    response: false,
    opcode: DNS_OPCODE.QUERY,
    authoritative: false,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: false,
    z: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: DNS_RCODE.NOERROR,
    questions: [{ name, type: DNS_TYPE.A, class: DNS_CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

function encode(repr: DnsRepr): Uint8Array {
  const b = new Uint8Array(dnsBufferLen(repr));
  emitDns(repr, b);
  return b;
}

/** How one try ended. */
type TryOutcome = { kind: 'answer'; answer: DnsAnswer } | { kind: 'error'; error: DnsError } | { kind: 'next'; why: DnsErrorCode };

/** The stub resolver: hosts table, cache, and queries over UDP from a process. */
export class DnsResolver {
  /** What it did so far. */
  readonly stats: DnsResolverStats = { lookups: 0, literal: 0, hostsHits: 0, cacheHits: 0, queriesSent: 0, retries: 0, timeouts: 0, ignored: 0 };
  /** Name servers. */
  readonly servers: readonly number[];
  /** Wait per try, ns. */
  readonly timeoutNs: Nanos;
  /** Rounds over the servers. */
  readonly attempts: number;

  private readonly hosts = new Map<string, number>();
  private readonly cache = new Map<string, DnsCacheEntry>();
  private readonly inflight = new Map<string, Promise<DnsAnswer>>();
  private readonly port: number;
  private readonly caching: boolean;
  private readonly rng: Rng | null;
  private nextId: number;

  /** A resolver whose sockets belong to `process`. */
  constructor(
    /** The process its sockets belong to. */
    readonly process: Process,
    opts: DnsResolverOptions,
  ) {
    this.servers = opts.servers.map((s) => toIpv4(s));
    for (const [name, addr] of Object.entries(opts.hosts ?? {})) this.hosts.set(canonical(name), toIpv4(addr));
    this.timeoutNs = opts.timeoutNs ?? 5_000_000_000;
    this.attempts = opts.attempts ?? 2;
    this.port = opts.port ?? UDP_PORT.DNS;
    this.caching = opts.cache ?? true;
    if (!Number.isSafeInteger(this.timeoutNs) || this.timeoutNs <= 0) throw new RangeError(`timeoutNs must be a positive integer, got ${this.timeoutNs}`);
    if (!Number.isInteger(this.attempts) || this.attempts < 1) throw new RangeError(`attempts must be an integer ≥ 1, got ${this.attempts}`);
    const stack = process.stack;
    this.rng = opts.firstId === undefined ? stack.sim.rng(`${stack.name}.dns.${process.pid}`) : null;
    this.nextId = opts.firstId ?? 0;
  }

  /** Adds or replaces a hosts-table entry. */
  setHost(name: string, address: string | number): void {
    this.hosts.set(canonical(name), toIpv4(address));
  }

  /** The address of `name` (the first A record); rejects with a {@link DnsError}. */
  async lookup(name: string): Promise<number> {
    return (await this.resolve(name)).address;
  }

  /** The full answer for `name`: every address, its TTL and where it came from. */
  resolve(name: string): Promise<DnsAnswer> {
    this.stats.lookups++;
    const literal = parseIpv4Addr(name);
    if (literal !== undefined) {
      this.stats.literal++;
      return Promise.resolve({ name, address: literal, addresses: [literal], source: 'literal', ttl: 0 });
    }
    const key = canonical(name);
    const h = this.hosts.get(key);
    if (h !== undefined) {
      this.stats.hostsHits++;
      return Promise.resolve({ name, address: h, addresses: [h], source: 'hosts', ttl: 0 });
    }
    const now = this.process.stack.sim.now;
    const c = this.cache.get(key);
    if (c !== undefined) {
      if (now < c.expiresAt) {
        this.stats.cacheHits++;
        return Promise.resolve({ name, address: c.addresses[0], addresses: c.addresses, source: 'cache', ttl: Math.floor((c.expiresAt - now) / 1e9) });
      }
      this.cache.delete(key);
    }
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const p = this.query(name, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** The live cache entries. */
  cacheEntries(): DnsCacheEntry[] {
    const now = this.process.stack.sim.now;
    return [...this.cache.values()].filter((e) => now < e.expiresAt);
  }

  /** Empties the cache. */
  flush(): void {
    this.cache.clear();
  }

  private allocId(): number {
    if (this.rng !== null) return this.rng.int(0, 0xffff);
    const id = this.nextId & 0xffff;
    this.nextId = id + 1;
    return id;
  }

  private async query(name: string, key: string): Promise<DnsAnswer> {
    if (this.servers.length === 0) throw new DnsError('NOSERVER', name);
    const id = this.allocId();
    let msg: Uint8Array;
    try {
      msg = encode(dnsQuery(id, name));
    } catch (e) {
      throw new DnsError('BADNAME', name, e instanceof Error ? e.message : String(e));
    }
    let last: DnsErrorCode = 'TIMEOUT';
    let tries = 0;
    for (let round = 0; round < this.attempts; round++) {
      for (const server of this.servers) {
        if (tries++ > 0) this.stats.retries++;
        const r = await this.attempt(name, key, id, msg, server);
        if (r.kind === 'answer') return r.answer;
        if (r.kind === 'error') throw r.error;
        last = r.why;
      }
    }
    throw new DnsError(last, name, `${tries} ${tries === 1 ? 'try' : 'tries'}`);
  }

  /** One query to one server on a fresh connected socket. */
  private async attempt(name: string, key: string, id: number, msg: Uint8Array, server: number): Promise<TryOutcome> {
    const p = this.process;
    const sim = p.stack.sim;
    const fd = await p.socket(AF_INET, SOCK_DGRAM);
    try {
      try {
        await p.connect(fd, { address: server, port: this.port });
        await p.send(fd, msg);
      } catch (e) {
        if (isSocketError(e)) return { kind: 'next', why: 'UNREACHABLE' };
        throw e;
      }
      this.stats.queriesSent++;
      const deadline = sim.now + this.timeoutNs;
      for (;;) {
        const left = deadline - sim.now;
        let data: Uint8Array;
        try {
          const r = await p.recvfrom(fd, { timeoutNs: left > 0 ? left : 0 });
          data = r.data;
        } catch (e) {
          if (e instanceof SocketError) {
            if (e.code === 'ETIMEDOUT') {
              this.stats.timeouts++;
              return { kind: 'next', why: 'TIMEOUT' };
            }
            return { kind: 'next', why: 'UNREACHABLE' }; // ECONNREFUSED & co: this server is out
          }
          throw e;
        }
        const out = this.judge(name, key, id, data, server);
        if (out !== null) return out;
        this.stats.ignored++;
      }
    } finally {
      await p.close(fd);
    }
  }

  /** What a reply means for the lookup; null when it is not an answer to this query. */
  private judge(name: string, key: string, id: number, data: Uint8Array, server: number): TryOutcome | null {
    const m = parseDns(data);
    if (m instanceof WireError) return null;
    if (!m.response || m.id !== id || m.questions.length !== 1) return null;
    const q = m.questions[0];
    if (canonical(q.name) !== key || q.type !== DNS_TYPE.A || q.class !== DNS_CLASS.IN) return null;
    switch (m.rcode) {
      case DNS_RCODE.NOERROR:
        break;
      case DNS_RCODE.NXDOMAIN:
        return { kind: 'error', error: new DnsError('NXDOMAIN', name, `from ${formatIpv4Addr(server)}`) };
      case DNS_RCODE.FORMERR:
        return { kind: 'error', error: new DnsError('FORMERR', name, `from ${formatIpv4Addr(server)}`) };
      case DNS_RCODE.REFUSED:
        return { kind: 'next', why: 'REFUSED' };
      case DNS_RCODE.NOTIMP:
        return { kind: 'next', why: 'NOTIMP' };
      default:
        return { kind: 'next', why: 'SERVFAIL' };
    }
    const a = aRecords(m.answers, key);
    if (a.length === 0) return { kind: 'error', error: new DnsError('NODATA', name, `from ${formatIpv4Addr(server)}`) };
    const addresses = a.map((r) => r.address);
    const ttl = Math.min(...a.map((r) => r.ttl));
    if (this.caching && ttl > 0) {
      this.cache.set(key, { name: key, addresses, expiresAt: this.process.stack.sim.now + ttl * 1e9 });
    }
    return { kind: 'answer', answer: { name, address: addresses[0], addresses, source: 'dns', ttl, server } };
  }
}

/** The A records of an answer section: those owned by the name, else (a CNAME chain) all of them. */
function aRecords(answers: readonly DnsRecord[], key: string): { address: number; ttl: number }[] {
  const all: { address: number; ttl: number; own: boolean }[] = [];
  for (const r of answers) if (r.kind === 'a' && r.class === DNS_CLASS.IN) all.push({ address: r.address, ttl: r.ttl, own: canonical(r.name) === key });
  const own = all.filter((r) => r.own);
  return own.length > 0 ? own : all;
}

// ---------------------------------------------------------------------------------------------
// Server

/** A zone: names and their addresses (one or several A records). */
export type DnsZone = Readonly<Record<string, string | number | readonly (string | number)[]>>;

/** Options of a {@link DnsServer}. */
export interface DnsServerOptions {
  /** The names served. */
  zone: DnsZone;
  /** TTL of the answers, seconds (default 300). */
  ttl?: number;
  /** Port (default 53). */
  port?: number;
  /** Address to bind (default any). */
  address?: string | number;
}

/** What a server did so far. */
export interface DnsServerStats {
  /** Messages received. */
  received: number;
  /** Answers with A records. */
  answered: number;
  /** NXDOMAIN replies. */
  nxdomain: number;
  /** NOERROR replies without an answer (a known name, another type). */
  nodata: number;
  /** FORMERR, NOTIMP and REFUSED replies. */
  errors: number;
  /** Messages not answered (responses, or too short for a header). */
  ignored: number;
}

/** A small authoritative DNS server: an app on a host. */
export class DnsServer extends UdpServer {
  /** What it did so far. */
  readonly stats: DnsServerStats = { received: 0, answered: 0, nxdomain: 0, nodata: 0, errors: 0, ignored: 0 };
  /** TTL of the answers, seconds. */
  readonly ttl: number;

  private readonly zone = new Map<string, number[]>();

  /** A server whose socket belongs to `process` (call `start`). */
  constructor(process: Process, opts: DnsServerOptions) {
    super(process, { port: opts.port ?? UDP_PORT.DNS, address: opts.address === undefined ? 0 : toIpv4(opts.address) }, 'the DNS server');
    this.ttl = opts.ttl ?? 300;
    if (!Number.isInteger(this.ttl) || this.ttl < 0 || this.ttl > 0x7fffffff) throw new RangeError(`ttl must be 0…2^31-1 seconds, got ${this.ttl}`);
    for (const [name, v] of Object.entries(opts.zone)) this.setRecord(name, v);
  }

  protected override reply(data: Uint8Array): Uint8Array | null {
    return this.answer(data);
  }

  /** Replaces the addresses of `name` (an empty list removes it). */
  setRecord(name: string, addresses: string | number | readonly (string | number)[]): void {
    const list = (Array.isArray(addresses) ? addresses : [addresses]).map((a: string | number) => toIpv4(a));
    if (list.length === 0) this.zone.delete(canonical(name));
    else this.zone.set(canonical(name), list);
  }

  /** The reply to one message, or null when it gets none. */
  answer(query: Uint8Array): Uint8Array | null {
    this.stats.received++;
    const m = parseDns(query);
    if (m instanceof WireError) {
      if (query.length < 12 || (query[2] & 0x80) !== 0) {
        this.stats.ignored++;
        return null;
      }
      this.stats.errors++;
      return encode(reply({ id: (query[0] << 8) | query[1], opcode: (query[2] >>> 3) & 0xf, rd: (query[2] & 1) !== 0 }, DNS_RCODE.FORMERR, [], []));
    }
    if (m.response) {
      this.stats.ignored++;
      return null;
    }
    const head = { id: m.id, opcode: m.opcode, rd: m.recursionDesired };
    if (m.opcode !== DNS_OPCODE.QUERY) {
      this.stats.errors++;
      return encode(reply(head, DNS_RCODE.NOTIMP, m.questions, []));
    }
    if (m.questions.length !== 1) {
      this.stats.errors++;
      return encode(reply(head, DNS_RCODE.FORMERR, m.questions, []));
    }
    const q = m.questions[0];
    if (q.class !== DNS_CLASS.IN && q.class !== DNS_CLASS.ANY) {
      this.stats.errors++;
      return encode(reply(head, DNS_RCODE.REFUSED, m.questions, []));
    }
    const addrs = this.zone.get(canonical(q.name));
    if (addrs === undefined) {
      this.stats.nxdomain++;
      return encode(reply(head, DNS_RCODE.NXDOMAIN, m.questions, []));
    }
    if (q.type !== DNS_TYPE.A && q.type !== DNS_TYPE.ANY) {
      this.stats.nodata++;
      return encode(reply(head, DNS_RCODE.NOERROR, m.questions, []));
    }
    this.stats.answered++;
    const answers: DnsRecord[] = addrs.map((address) => ({ kind: 'a', name: q.name, class: DNS_CLASS.IN, ttl: this.ttl, address }));
    return encode(reply(head, DNS_RCODE.NOERROR, m.questions, answers));
  }
}

function reply(head: { id: number; opcode: number; rd: boolean }, rcode: number, questions: DnsRepr['questions'], answers: DnsRecord[]): DnsRepr {
  return {
    id: head.id,
    response: true,
    opcode: head.opcode,
    authoritative: rcode === DNS_RCODE.NOERROR || rcode === DNS_RCODE.NXDOMAIN,
    truncated: false,
    recursionDesired: head.rd,
    recursionAvailable: false,
    z: false,
    authenticData: false,
    checkingDisabled: false,
    rcode,
    questions,
    answers,
    authorities: [],
    additionals: [],
  };
}

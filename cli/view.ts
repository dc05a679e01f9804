/**
 * `nicsim view`: serves the browser page (the simulator bundled with esbuild, run in the page) on
 * localhost and prints its address; it opens nothing by itself. The command's options become the
 * page's query string, so the printed address is also the shareable experiment.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildView } from '../view/build.js';
import { configFromParams, configToParams, ConfigError, TOPOLOGIES, type ViewConfig } from '../view/model/scenario.js';
import { UsageError } from './errors.js';
import { parseCommandLine, intOption, numberOption, type OptionSpec } from './args.js';
import { phyKind } from './linecode.js';

/** `nicsim view --help`. */
export const VIEW_HELP = `usage: nicsim view [--port N] [--host ADDR] [--topology ${TOPOLOGIES.join('|')}] [--seed N]
                  [--phy 10BASE-T|100BASE-TX|1000BASE-X] [--fidelity frame|signal] [--ring N]
                  [--ber RATE] [--flip FRAME:BIT]

Serves a page on localhost (default port 8023; 0 picks a free one) and prints its address; open it
in a browser. The page runs the demo's network in the browser — boot, DNS lookup, a TCP request —
and shows, step by step in simulated time, each adapter's registers, descriptor rings and
interrupt line, the frames on the wire (ladder, bytes, line code), the state machines and the
narration, with breakpoints and fault injection. The options set the experiment the page starts
with (they end up in the page's address, which can be shared):
  --topology T      demo (client, DNS server, router, web server, switch) or pair (two hosts, one cable)
  --seed N          simulation seed (default 1)
  --phy P           the speed every adapter advertises (default 1000BASE-X)
  --fidelity F      frame, or signal (line-code every frame)
  --ring N          descriptors per ring, a multiple of 8 from 8 to 4096 (default 32)
  --ber RATE        bit error rate on every cable, 0 <= RATE < 0.01
  --flip FRAME:BIT  flip line bit BIT of the frame numbered FRAME (the page's frame list numbers)
The page is built at start with esbuild (a devDependency); Ctrl-C stops the server.`;

const SPEC: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  host: { type: 'string' },
  topology: { type: 'string' },
  seed: { type: 'string' },
  phy: { type: 'string' },
  fidelity: { type: 'string' },
  ring: { type: 'string' },
  ber: { type: 'string' },
  flip: { type: 'string' },
};

const CABLES: Record<string, string[]> = { demo: ['cable-client', 'cable-dns', 'cable-router-lan', 'cable-server'], pair: ['cable'] };

/** The experiment the options describe, checked (a {@link UsageError} naming the option when wrong). */
export function viewConfigFromArgs(values: Record<string, string | boolean | undefined>): ViewConfig {
  const p = new URLSearchParams();
  const s = (k: string) => (typeof values[k] === 'string' ? (values[k] as string).trim() : undefined);
  const topology = s('topology') ?? 'demo';
  if (!(TOPOLOGIES as readonly string[]).includes(topology)) throw new UsageError(`--topology must be one of ${TOPOLOGIES.join(', ')}, got '${topology}'`);
  p.set('topology', topology);
  p.set('seed', String(intOption('seed', values.seed, 0, 2 ** 32 - 1, 1)));
  if (values.phy !== undefined) p.set('speed', String({ '10BASE-T': 10, '100BASE-TX': 100, '1000BASE-X': 1000 }[phyKind(s('phy'))]));
  const fidelity = s('fidelity');
  if (fidelity !== undefined) {
    if (fidelity !== 'frame' && fidelity !== 'signal') throw new UsageError(`--fidelity must be frame or signal, got '${fidelity}'`);
    p.set('fidelity', fidelity);
  }
  if (values.ring !== undefined) {
    const n = intOption('ring', values.ring, 8, 4096, 32);
    if (n % 8 !== 0) throw new UsageError(`--ring must be a multiple of 8 from 8 to 4096, got ${n}`);
    p.set('ring', String(n));
  }
  const ber = numberOption('ber', values.ber, 'a bit error rate such as 1e-6');
  if (ber !== undefined) {
    if (!(ber >= 0 && ber < 0.01)) throw new UsageError(`--ber must be a bit error rate in [0, 0.01), got ${s('ber')}`);
    if (ber > 0) p.set('ber', CABLES[topology].map((c) => `${c}:${ber}`).join(','));
  }
  const flip = s('flip');
  if (flip !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(flip);
    if (!m || Number(m[1]) < 1 || !Number.isSafeInteger(Number(m[2]))) throw new UsageError(`--flip expects FRAME:BIT with FRAME >= 1 and BIT >= 0 (e.g. 12:200), got '${flip}'`);
    p.set('flip', `${Number(m[1])}:${Number(m[2])}`);
  }
  try {
    return configFromParams(p);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** A running page server. */
export interface ViewServer {
  /** The page's address, with the experiment's query string. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Builds the page and serves it on `host:port` (default 127.0.0.1:8023; port 0 picks a free one).
 * Only `/` (and `/index.html`) answer, with the page; the query string is the page's business.
 */
export async function startViewServer(opts: { port?: number; host?: string; config?: ViewConfig } = {}): Promise<ViewServer> {
  const bundle = await buildView();
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('only GET\n');
      return;
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(bundle.html) });
      res.end(req.method === 'HEAD' ? undefined : bundle.html);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the page is at /\n');
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port ?? 8023}: the port is in use (try another, or --port 0 for any free one)`) : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' ? new UsageError(`--host ${host}: not an address of this machine`) : e);
    };
    server.once('error', onError);
    server.listen(opts.port ?? 8023, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const q = opts.config ? configToParams(opts.config).toString() : '';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/${q ? `?${q}` : ''}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `nicsim view …`: serves until SIGINT/SIGTERM (or `signal` aborts); resolves to the exit status. */
export async function viewCommand(args: string[], out: (s: string) => void, err: (s: string) => void, signal?: AbortSignal): Promise<number> {
  const { values } = parseCommandLine('view', args, SPEC, { positionals: false });
  if (values.help) {
    out(VIEW_HELP + '\n');
    return 0;
  }
  const port = intOption('port', values.port, 0, 65535, 8023);
  const host = typeof values.host === 'string' ? values.host.trim() : '127.0.0.1';
  if (host === '') throw new UsageError('--host needs an address');
  const config = viewConfigFromArgs(values);
  let server: ViewServer;
  try {
    server = await startViewServer({ port, host, config });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    err(`nicsim: view: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  out(`nicsim view: open ${server.url}\n(the simulation runs in the page; Ctrl-C stops this server)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    if (signal) {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', stop, { once: true });
    } else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
  await server.close();
  return 0;
}

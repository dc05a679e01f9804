import { describe, it, expect } from 'vitest';
import { request } from 'node:http';
import { main } from '../../cli/main.js';
import { viewCommand, viewConfigFromArgs, startViewServer } from '../../cli/view.js';
import { configFromParams } from '../../view/model/scenario.js';

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('nicsim view: the command line', () => {
  it('bad options: one line on stderr, exit 2, nothing served', async () => {
    for (const [args, msg] of [
      [['view', '--port', '70000'], /^nicsim: --port must be between 0 and 65535, got 70000\n$/],
      [['view', '--bogus'], /^nicsim: unknown option '--bogus' for 'view'/],
      [['view', '--topology', 'ring'], /^nicsim: --topology must be one of demo, pair, got 'ring'\n$/],
      [['view', '--ring', '12'], /^nicsim: --ring must be a multiple of 8 from 8 to 4096, got 12\n$/],
      [['view', '--ber', '0.5'], /^nicsim: --ber must be a bit error rate in \[0, 0\.01\), got 0\.5\n$/],
      [['view', '--flip', '0:3'], /^nicsim: --flip expects FRAME:BIT/],
      [['view', '--phy', '40G'], /^nicsim: unknown PHY '40G'/],
      [['view', 'extra'], /^nicsim: 'view' takes no arguments, got 'extra'\n$/],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.out).toBe('');
    }
  });

  it('--help and help view print the usage', async () => {
    const a = await run(['view', '--help']);
    const b = await run(['help', 'view']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^usage: nicsim view \[--port N\]/);
    expect(b.out).toBe(a.out);
    expect((await run(['help'])).out).toMatch(/\n {2}view {17}serve a page/);
  });

  it('options become the page address (the shareable experiment)', () => {
    const c = viewConfigFromArgs({ seed: '7', phy: '100BASE-TX', ber: '1e-6', flip: '12:200', ring: '64', topology: 'pair' });
    expect(c).toEqual(configFromParams(new URLSearchParams('topology=pair&seed=7&speed=100&ring=64&ber=cable:0.000001&flip=12:200')));
    expect(viewConfigFromArgs({}).topology).toBe('demo');
  });

  it('serves the page on localhost, prints the address, stops when asked', async () => {
    const ac = new AbortController();
    let out = '';
    const done = viewCommand(['--port', '0', '--seed', '3'], (s) => (out += s), () => {}, ac.signal);
    for (let i = 0; i < 400 && !out.includes('http://'); i++) await new Promise((r) => setTimeout(r, 10));
    const url = /open (http:\/\/127\.0\.0\.1:\d+\/\?seed=3)\n/.exec(out)![1];
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toMatch(/^<!doctype html>/);
    expect(page.body).not.toMatch(/\/\*SCRIPT\*\/|\/\*STYLE\*\//);
    expect(page.body).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/); // everything inline: no other request
    expect((await get(url.replace(/\/\?.*/, '/nothing'))).status).toBe(404);
    expect((await get(url, 'POST')).status).toBe(405);
    ac.abort();
    expect(await done).toBe(0);
    await expect(get(url)).rejects.toThrow();
  });

  it('a port in use: one line, exit 2', async () => {
    const s = await startViewServer({ port: 0 });
    try {
      const r = await run(['view', '--port', String(s.port)]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`nicsim: --port ${s.port}: the port is in use (try another, or --port 0 for any free one)\n`);
    } finally {
      await s.close();
    }
  });
});

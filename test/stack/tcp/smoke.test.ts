import { describe, expect, it } from 'vitest';
import { Process } from '../../../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import { run } from '../apphelpers.js';
import { twoHosts } from '../helpers.js';

describe('smoke', () => {
  it('connect, write, read, close', async () => {
    const { sim, a, b } = twoHosts({ a: { tcp: {} }, b: { tcp: {} }, latencyNs: 10_000 });
    const rec = sim.trace.record(['tcp.segment', 'state', 'tcp.event']);
    const srv = new Process(b, 'srv');
    const cli = new Process(a, 'cli');
    const data = new Uint8Array(100_000).map((_, i) => i * 7);
    const got: Uint8Array[] = [];
    await run(sim, async () => {
      const l = await srv.socket(AF_INET, SOCK_STREAM);
      await srv.bind(l, { address: 0, port: 80 });
      await srv.listen(l, 5);
      const server = (async () => {
        const { fd } = await srv.accept(l);
        for (;;) {
          const d = await srv.read(fd);
          if (d.length === 0) break;
          got.push(d);
        }
        await srv.close(fd);
      })();
      const fd = await cli.socket(AF_INET, SOCK_STREAM);
      await cli.connect(fd, { address: '10.0.0.2', port: 80 });
      const n = await cli.write(fd, data);
      expect(n).toBe(data.length);
      await cli.close(fd);
      await server;
    });
    const total = got.reduce((s, d) => s + d.length, 0);
    for (const e of rec.events.slice(0, 12)) console.log(JSON.stringify(e));
    console.log(rec.events.length, sim.now, a.counters.snapshot({ nonZero: true }), b.counters.snapshot({ nonZero: true }));
    expect(total).toBe(data.length);
  });
});

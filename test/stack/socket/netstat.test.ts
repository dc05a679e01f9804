/**
 * The socket table as data: every open socket with its owner, addresses, queues, state and drops.
 */
import { expect, test } from 'vitest';
import { Process } from '../../../stack/socket/api.js';
import { socketTable } from '../../../stack/socket/netstat.js';
import { run, twoUdpHosts } from '../apphelpers.js';
import { hex, ip } from '../helpers.js';

test('socketTable lists open sockets oldest first, unbound ones included; closed ones disappear', async () => {
  const { sim, a, b } = twoUdpHosts();
  const srv = new Process(b, 'srv');
  const cli = new Process(a, 'cli');
  const rows = await run(sim, async () => {
    const s = await srv.socket();
    await srv.setsockopt(s, 'SO_RCVBUF', 2);
    await srv.bind(s, { address: 0, port: 9000 });
    const idle = await srv.socket();
    const c = await cli.socket();
    await cli.connect(c, { address: '10.0.0.2', port: 9000 });
    await cli.send(c, hex('01 02 03'));
    await cli.send(c, hex('04'));
    await new Promise<void>((res) => b.timers.after(10_000, () => (sim.wake(), res())));
    const before = socketTable(b);
    await srv.close(idle);
    return { before, after: socketTable(b), client: socketTable(a) };
  });
  expect(rows.before).toEqual([
    { id: 1, proto: 'udp', localAddress: 0, localPort: 9000, remoteAddress: 0, remotePort: 0, recvQ: 3, sendQ: 0, state: '', drops: 1, bound: true, pid: 1, process: 'srv' },
    { id: 2, proto: 'udp', localAddress: 0, localPort: 0, remoteAddress: 0, remotePort: 0, recvQ: 0, sendQ: 0, state: '', drops: 0, bound: false, pid: 1, process: 'srv' },
  ]);
  expect(rows.after.map((r) => r.id)).toEqual([1]);
  expect(rows.client).toEqual([
    { id: 1, proto: 'udp', localAddress: ip('10.0.0.1'), localPort: 32768, remoteAddress: ip('10.0.0.2'), remotePort: 9000, recvQ: 0, sendQ: 0, state: 'ESTABLISHED', drops: 0, bound: true, pid: 1, process: 'cli' },
  ]);
});

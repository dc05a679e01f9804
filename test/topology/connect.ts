/**
 * Shared by the topology TCP tests: one connection between two started hosts.
 */
import { Process } from '../../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../../stack/socket/types.js';
import type { Network, NetHost } from '../../topology/network.js';

/** A process on `a` (`cli`) connected to a listener of a process on `b` (`srv`) at `address`:`port`: the client's descriptor and the accepted one. */
export async function tcpConnection(net: Network, a: NetHost, b: NetHost, address: string, port: number): Promise<{ cli: Process; srv: Process; cfd: number; sfd: number }> {
  const srv = new Process(b.stack, 'sink');
  const cli = new Process(a.stack, 'source');
  const l = await net.settle(srv.socket(AF_INET, SOCK_STREAM));
  await net.settle(srv.bind(l, { address: 0, port }));
  await net.settle(srv.listen(l, 1));
  const cfd = await net.settle(cli.socket(AF_INET, SOCK_STREAM));
  const accepted = srv.accept(l);
  await net.settle(cli.connect(cfd, { address, port }));
  const { fd: sfd } = await net.settle(accepted);
  return { cli, srv, cfd, sfd };
}

/**
 * The adapter's legacy receive checksum, used by the stack: the driver programs RXCSUM.PCSS to the
 * Ethernet payload and hands the descriptor's packet checksum up with each frame; IP passes it to
 * the transport for datagrams that arrived whole; UDP verifies with it instead of reading the
 * payload again. The shortcut must agree with the software sum and still catch a bad checksum.
 */
import { describe, expect, test } from 'vitest';
import { Network } from '../../topology/network.js';
import { MS } from '../../sim/index.js';
import { Process } from '../../stack/socket/api.js';
import { AF_INET, SOCK_DGRAM } from '../../stack/socket/types.js';
import { onesSum, internetChecksum, ipv4PseudoHeaderSum, combineSums } from '../../stack/wire/checksum.js';
import { RawPort } from '../hw/helpers.js';

const HOST = [10, 0, 0, 2];
const PEER = [10, 0, 0, 9];

/** An Ethernet + IPv4 + (protocol) frame from the peer to the host, checksums right unless `badUdp`. */
function frame(hostMac: Uint8Array, protocol: number, body: Uint8Array, opts: { udp?: { sport: number; dport: number }; badUdp?: boolean; ipOptions?: boolean } = {}): Uint8Array {
  const ihl = opts.ipOptions ? 24 : 20;
  const l4 = opts.udp ? new Uint8Array(8 + body.length) : body;
  if (opts.udp) {
    l4.set([opts.udp.sport >> 8, opts.udp.sport & 255, opts.udp.dport >> 8, opts.udp.dport & 255, l4.length >> 8, l4.length & 255, 0, 0]);
    l4.set(body, 8);
    const ip = (a: number[]) => ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
    let c = ~combineSums(ipv4PseudoHeaderSum(ip(PEER), ip(HOST), 17, l4.length), onesSum(l4, 0, l4.length)) & 0xffff;
    if (c === 0) c = 0xffff;
    if (opts.badUdp) c ^= 0x0101;
    l4[6] = c >> 8;
    l4[7] = c & 255;
  }
  const f = new Uint8Array(14 + ihl + l4.length);
  f.set(hostMac, 0);
  f.set([2, 0, 0, 0, 0, 9, 0x08, 0x00], 6);
  const h = f.subarray(14, 14 + ihl);
  const total = ihl + l4.length;
  h.set([0x40 | (ihl / 4), 0, total >> 8, total & 255, 0, 1, 0, 0, 64, protocol, 0, 0, ...PEER, ...HOST]);
  if (opts.ipOptions) h.set([1, 1, 1, 0], 20); // NOP NOP NOP EOL
  const hc = internetChecksum(h, 0, ihl);
  h[10] = hc >> 8;
  h[11] = hc & 255;
  f.set(l4, 14 + ihl);
  if (f.length >= 60) return f;
  const padded = new Uint8Array(60); // a sender pads short frames with zeros
  padded.set(f);
  return padded;
}

async function hostWithRawPeer() {
  const net = new Network({ seed: 2, autonegNs: 1 * MS });
  const host = net.host('h', { interfaces: [{ address: '10.0.0.2/24' }] });
  const peer = new RawPort(net.sim, 'peer');
  net.cable(host.port(0), peer);
  await net.start();
  return { net, host, peer };
}

describe('receive checksum from the adapter', () => {
  test('transports get the device sum of their payload, equal to the software sum (with and without IP options, short frames padded)', async () => {
    const { net, host, peer } = await hostWithRawPeer();
    const seen: Array<{ device: number | undefined; software: number; len: number }> = [];
    host.stack.ip.register(253, { receive: (d) => seen.push({ device: d.payloadSum, software: onesSum(d.payload, 0, d.payload.length), len: d.payload.length }) });
    for (const [len, ipOptions] of [[1000, false], [7, false], [1301, true]] as const) {
      const body = Uint8Array.from({ length: len }, (_, i) => (i * 37 + 11) & 255);
      peer.send(frame(host.nics[0].macAddress, 253, body, { ipOptions }));
      await net.runFor(1 * MS);
    }
    expect(seen.map((s) => s.len)).toEqual([1000, 7, 1301]);
    for (const s of seen) {
      expect(s.device).toBeDefined();
      // equal as ones' complement numbers (0x0000 and 0xFFFF are both zero)
      expect(s.device! % 0xffff).toBe(s.software % 0xffff);
    }
  });

  test('UDP verifies with the device sum: a good datagram is delivered, a bad checksum behind a good FCS is dropped and counted', async () => {
    const { net, host, peer } = await hostWithRawPeer();
    const p = new Process(host.stack, 'app');
    const fd = await net.settle(p.socket(AF_INET, SOCK_DGRAM));
    await net.settle(p.bind(fd, { address: '0.0.0.0', port: 7000 }));
    const data = new TextEncoder().encode('checked by the adapter');
    peer.send(frame(host.nics[0].macAddress, 17, data, { udp: { sport: 5555, dport: 7000 } }));
    peer.send(frame(host.nics[0].macAddress, 17, data, { udp: { sport: 5555, dport: 7000 }, badUdp: true }));
    await net.runFor(1 * MS);
    const got = await net.settle(p.recvfrom(fd, { dontWait: true }));
    expect(new TextDecoder().decode(got.data)).toBe('checked by the adapter');
    await expect(net.settle(p.recvfrom(fd, { dontWait: true }))).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(host.stack.counters.get('udp.badChecksum')).toBe(1);
  });
});

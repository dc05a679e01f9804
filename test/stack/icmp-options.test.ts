/**
 * Echo replies return the request's IP options (RFC 1122 §3.2.2.6), with Record Route updated to
 * include the responder (§3.2.1.8) — what Linux's `ping -R` probes. Driven through a whole
 * emulated host on a cable to a RemoteEndpoint, bytes in and bytes out.
 */
import { describe, expect, test } from 'vitest';
import { Network } from '../../topology/network.js';
import { RemoteEndpoint } from '../../hw/remote.js';
import { echoReplyOptions } from '../../stack/icmp.js';
import { internetChecksum } from '../../stack/wire/checksum.js';
import { MS } from '../../sim/index.js';

const HOST_MAC = [0x02, 0, 0, 0, 1, 1];
const PEER_MAC = [0x02, 0xaa, 0, 0, 0, 1];
const PEER = [10, 0, 0, 1];
const HOST = [10, 0, 0, 2];

function arpRequest(): Uint8Array {
  return Uint8Array.from([...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ...PEER_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1, ...PEER_MAC, ...PEER, 0, 0, 0, 0, 0, 0, ...HOST]);
}

/** An echo request from PEER to HOST with `options` (a multiple of 4 bytes) and 8 data bytes. */
function echoRequest(options: number[]): Uint8Array {
  const hl = 20 + options.length;
  const icmp = [8, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8];
  const ic = internetChecksum(Uint8Array.from(icmp));
  icmp[2] = ic >> 8;
  icmp[3] = ic & 0xff;
  const ip = [0x40 | (hl >> 2), 0, 0, hl + icmp.length, 0x55, 0x66, 0, 0, 64, 1, 0, 0, ...PEER, ...HOST, ...options];
  const c = internetChecksum(Uint8Array.from(ip));
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  return Uint8Array.from([...HOST_MAC, ...PEER_MAC, 0x08, 0x00, ...ip, ...icmp]);
}

async function exchange(options: number[]): Promise<Uint8Array> {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const host = net.host('emu', { interfaces: [{ address: '10.0.0.2/24' }] });
  const remote = new RemoteEndpoint(net.sim, { name: 'peer', autonegNs: 10 * MS });
  const out: Uint8Array[] = [];
  remote.onFrame = (f) => out.push(f);
  net.cable(host.port(0), remote);
  await net.start();
  remote.fromOutside(arpRequest()); // the host learns the peer's MAC from its request
  await net.runFor(MS);
  remote.fromOutside(echoRequest(options));
  await net.runFor(MS);
  const replies = out.filter((f) => f[12] === 0x08 && f[13] === 0x00);
  expect(replies).toHaveLength(1);
  return replies[0].subarray(14);
}

describe('echo replies return IP options', () => {
  test('Record Route as ping -R sends it (39 bytes of room, pointer 4): the reply carries it with the responder recorded, header checksum valid', async () => {
    const rr = [1, 7, 39, 4, ...new Array(36).fill(0)]; // Linux: NOP, then RR
    const ip = await exchange(rr);
    expect(ip[0]).toBe(0x4f); // 60-byte header
    expect(internetChecksum(ip, 0, 60)).toBe(0);
    expect(Array.from(ip.subarray(20, 31))).toEqual([7, 39, 8, ...HOST, 0, 0, 0, 0]);
    expect(ip[59]).toBe(0); // padded with end-of-options
    expect(Array.from(ip.subarray(12, 20))).toEqual([...HOST, ...PEER]);
    expect(ip[60]).toBe(0); // echo reply
    expect(Array.from(ip.subarray(68, 76))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('a request without options gets a reply without options', async () => {
    const ip = await exchange([]);
    expect(ip[0]).toBe(0x45);
  });

  test('echoReplyOptions: a full Record Route is returned unchanged, source routes are left out, NOPs are dropped, other options are copied', () => {
    const full = [7, 7, 8, 9, 9, 9, 9, 0];
    expect(Array.from(echoReplyOptions(Uint8Array.from(full), 0x0a000002)!)).toEqual(full);
    const lsrr = [131, 7, 4, 1, 2, 3, 4, 0];
    expect(echoReplyOptions(Uint8Array.from(lsrr), 1)).toBeUndefined();
    const ts = [1, 68, 8, 5, 0, 0, 0, 0, 0, 0, 0, 0]; // NOP, then a timestamp option with room for one
    expect(Array.from(echoReplyOptions(Uint8Array.from(ts), 1)!)).toEqual([68, 8, 5, 0, 0, 0, 0, 0]); // the NOP is not returned
    expect(echoReplyOptions(Uint8Array.from([1, 1, 1, 0]), 1)).toBeUndefined();
  });
});

/**
 * The bridge benchmark's pieces that decide its figure, without the real-time run: the peer's ARP
 * answer (exact bytes), the search over offered loads (which loads it tries, in which order, and
 * what it reports) and the lag quantile.
 */
import { describe, expect, test } from 'vitest';
import { arpReply, quantile, searchRate } from '../../bench/bridge.js';

const HOST_MAC = [0x02, 0, 0, 0, 1, 1];
const PEER_MAC = [0x02, 0xbe, 0, 0, 0, 1];
const HOST_IP = [10, 88, 0, 2];
const PEER_IP = [10, 88, 0, 1];

/** An ARP request from the emulated host for `target`, padded to 60 octets as the adapter sends it. */
function request(target: number[], op = 1): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...HOST_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, op, ...HOST_MAC, ...HOST_IP, 0, 0, 0, 0, 0, 0, ...target]);
  return f;
}

describe('the peer answers ARP', () => {
  test('a request for the peer address gets a reply to the asker, byte for byte', () => {
    const r = arpReply(request(PEER_IP));
    expect(r).not.toBeNull();
    expect([...r!]).toEqual([
      ...HOST_MAC, ...PEER_MAC, 0x08, 0x06, // Ethernet: to the asker, from the peer, ARP
      0, 1, 8, 0, 6, 4, 0, 2, // Ethernet/IPv4, reply
      ...PEER_MAC, ...PEER_IP, // sender: the peer
      ...HOST_MAC, ...HOST_IP, // target: the asker
    ]);
  });

  test('requests for other addresses, replies, other protocols and short frames get nothing', () => {
    expect(arpReply(request([10, 88, 0, 3]))).toBeNull();
    expect(arpReply(request(PEER_IP, 2))).toBeNull();
    const ip = request(PEER_IP);
    ip[13] = 0x00; // ethertype 0x0800
    expect(arpReply(ip)).toBeNull();
    const ipv6Arp = request(PEER_IP);
    ipv6Arp[16] = 0x86; // protocol type 0x86dd
    expect(arpReply(ipv6Arp)).toBeNull();
    expect(arpReply(request(PEER_IP).subarray(0, 41))).toBeNull();
  });
});

describe('the search over offered loads', () => {
  /** Runs the search against a capacity `cap` (a load passes when ≤ cap); the loads it tried, and its answer. */
  async function search(cap: number, ...args: [number?, number?, number?]): Promise<{ tried: number[]; found: number }> {
    const tried: number[] = [];
    const found = await searchRate(async (r) => {
      tried.push(r);
      return r <= cap;
    }, ...args);
    return { tried, found };
  }

  test('doubles while loads pass, then halves the interval twice', async () => {
    expect(await search(5000)).toEqual({ tried: [1000, 2000, 4000, 8000, 6000, 5000], found: 5000 });
    expect(await search(13000)).toEqual({ tried: [1000, 2000, 4000, 8000, 16000, 12000, 14000], found: 12000 });
  });

  test('a first load that fails is refined towards 0; none passing reports 0', async () => {
    expect(await search(600)).toEqual({ tried: [1000, 500, 800], found: 500 });
    expect(await search(0)).toEqual({ tried: [1000, 500, 300], found: 0 });
  });

  test('every load up to the maximum passing reports the maximum, with no refinement', async () => {
    expect(await search(1e9)).toEqual({ tried: [1000, 2000, 4000, 8000, 16000, 32000, 64000], found: 64000 });
    expect(await search(1e9, 1000, 4000)).toEqual({ tried: [1000, 2000, 4000], found: 4000 });
  });

  test('refinement stops where the interval has no multiple of 100 left', async () => {
    expect(await search(150, 100, 6400, 5)).toEqual({ tried: [100, 200], found: 100 });
    expect(await search(5000, 1000, 64000, 0)).toEqual({ tried: [1000, 2000, 4000, 8000], found: 4000 });
  });
});

test('the lag quantile is the nearest rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
  expect(quantile(xs, 0.99)).toBe(99);
  expect(quantile(xs, 0.5)).toBe(50);
  expect(quantile(xs, 1)).toBe(100);
  expect(quantile(xs, 0)).toBe(1);
  expect(quantile([7], 0.99)).toBe(7);
  expect(quantile([], 0.99)).toBe(0);
  expect(xs[0]).toBe(100); // the input is not reordered
});

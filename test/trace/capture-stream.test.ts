/**
 * Streaming outputs for long runs: a CaptureStream writes the same bytes as a Capture of the same
 * run while holding only the frames of its reorder window, and a FileSink streams chunks and lines
 * to a file through a bounded buffer.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network } from '../../topology/network.js';
import { ping } from '../../stack/tools/ping.js';
import { MS } from '../../sim/index.js';
import { Capture, CaptureStream, type CaptureStreamOptions } from '../../trace/capture.js';
import { concatChunks } from '../../trace/pcap.js';
import { FileSink } from '../../trace/sink.js';
import { scratchDir } from './tshark.js';

const scratch = scratchDir();
afterAll(() => scratch.remove());

/** Two hosts on a cable; `count` pings of `size` bytes every `intervalNs`; a Capture and CaptureStreams with `opts` side by side. */
async function run(count: number, intervalNs: number, size: number, opts: CaptureStreamOptions[]) {
  const net = new Network({ seed: 3, autonegNs: 10 * MS });
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24' }] });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24' }] });
  net.cable(a.port(0), b.port(0), { lengthM: 20 });
  const whole = opts.map((o) => new Capture(net.sim, o));
  const streams = opts.map((o) => {
    const chunks: Uint8Array[] = [];
    let maxBuffered = 0;
    let self: CaptureStream | undefined; // (the file header is written from the constructor)
    const s = new CaptureStream(
      net.sim,
      (c) => {
        chunks.push(c);
        maxBuffered = Math.max(maxBuffered, self?.buffered ?? 0);
      },
      o,
    );
    self = s;
    return { s, chunks, max: () => maxBuffered };
  });
  await net.start();
  await net.settle(ping(a.stack, '10.0.0.2', { count, intervalNs, size }), count * intervalNs + 10_000 * MS);
  for (const x of streams) x.s.close();
  return { whole, streams };
}

describe('CaptureStream', () => {
  test('a long periodic run: the same file as Capture, with at most a few frames held at any time', async () => {
    const opts: CaptureStreamOptions[] = [{ format: 'pcapng' }, { format: 'pcap', direction: 'rx', variant: 'fcs' }, { format: 'pcapng', variant: 'wire', direction: 'rx' }];
    const { whole, streams } = await run(400, 50 * MS, 56, opts);
    expect(whole[0].frames.length).toBeGreaterThan(1600); // 400 requests and replies, each sent and received
    expect(concatChunks(streams[0].chunks)).toEqual(whole[0].toPcapng());
    expect(concatChunks(streams[1].chunks)).toEqual(whole[1].toPcap());
    expect(concatChunks(streams[2].chunks)).toEqual(whole[2].toPcapng());
    // held at most: what 20 ms of traffic brings (the boot's announcements and ARP are the peak),
    // the same in a run ten times shorter
    const short = await run(40, 50 * MS, 56, opts);
    streams.forEach((x, i) => {
      expect(x.s.late).toBe(0);
      expect(x.s.buffered).toBe(0);
      expect(x.max()).toBeLessThanOrEqual(16);
      expect(x.max()).toBe(short.streams[i].max());
    });
    expect(streams[0].s.written).toBe(whole[0].frames.length);
  });

  test('a reorder window shorter than a frame writes some packets out of order and counts them', async () => {
    const { whole, streams } = await run(5, 1 * MS, 1400, [{ format: 'pcap', reorderNs: 0 }]);
    expect(streams[0].s.late).toBeGreaterThan(0);
    expect(concatChunks(streams[0].chunks)).not.toEqual(whole[0].toPcap());
    expect(streams[0].s.written).toBe(whole[0].frames.length);
  });
});

describe('FileSink', () => {
  test('streams bytes and lines through its buffer: small, boundary-crossing and large writes land in order', () => {
    const path = join(scratch.dir, 'sink.bin');
    const sink = new FileSink(path);
    const parts: Uint8Array[] = [];
    const enc = new TextEncoder();
    for (let i = 0; i < 3000; i++) {
      const p = i % 500 === 7 ? new Uint8Array(70_000).fill(i & 0xff) : enc.encode(`line ${i}\n`);
      parts.push(p);
      if (p.length > 1000) sink.write(p);
      else sink.write(`line ${i}\n`);
    }
    sink.close();
    sink.close();
    expect(() => sink.write('x')).toThrow(/after close/);
    const want = concatChunks(parts);
    expect(sink.bytes).toBe(want.length);
    expect(Buffer.compare(readFileSync(path), want)).toBe(0);
  });
});

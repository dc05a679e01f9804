/**
 * JSON Lines of trace events: exact lines for hand-made events (bytes as hex, frames reduced to
 * identity and line bytes), and a real simulation streamed through `jsonlSink`: one parseable
 * line per event, in order, with the frames' bytes recoverable.
 */
import { describe, expect, test } from 'vitest';
import { TraceBus, type TraceEvent } from '../../sim/trace.js';
import type { WireFrame } from '../../hw/medium/types.js';
import { fromHex, jsonlSink, toHex, toJson, toJsonl, toLine } from '../../trace/jsonl.js';
import { ethFrame, makePair, MAC_A, MAC_B, queueTx, setupRx, setupTx } from '../hw/helpers.js';

const frame: WireFrame = { id: 3, bytes: Uint8Array.of(0x55, 0xd5, 0x00, 0xff, 0x0a), bitTimeNs: 1, txStart: 1000, sender: 'a', symbols: { bitCount: 40 } };

describe('hex', () => {
  test('lowercase, two digits per octet, no separators; fromHex inverts it', () => {
    expect(toHex(Uint8Array.of(0, 1, 0x0f, 0x10, 0xab, 0xff))).toBe('00010f10abff');
    expect(toHex(new Uint8Array(0))).toBe('');
    expect(Array.from(fromHex('00010F10abff'))).toEqual([0, 1, 0x0f, 0x10, 0xab, 0xff]);
    expect(() => fromHex('abc')).toThrow(SyntaxError);
    expect(() => fromHex('zz')).toThrow(SyntaxError);
  });
});

describe('toLine', () => {
  test('wire.tx: time, source, kind first; the frame as { id, sender, txStart, bitTimeNs, bytes: hex } without symbols', () => {
    const ev = { time: 1000, source: 'a', kind: 'wire.tx', frame, end: 1040 } as TraceEvent;
    expect(toLine(ev)).toBe('{"time":1000,"source":"a","kind":"wire.tx","frame":{"id":3,"sender":"a","txStart":1000,"bitTimeNs":1,"bytes":"55d500ff0a"},"end":1040}\n');
  });

  test('wire.rx and drop keep their own fields; undefined optional fields are left out', () => {
    const rx = { time: 1045, source: 'cable0', kind: 'wire.rx', frame, to: 'b', start: 1005 } as TraceEvent;
    expect(toLine(rx)).toBe('{"time":1045,"source":"cable0","kind":"wire.rx","frame":{"id":3,"sender":"a","txStart":1000,"bitTimeNs":1,"bytes":"55d500ff0a"},"to":"b","start":1005}\n');
    const drop = { time: 7, source: 'b', kind: 'drop', what: 'rx frame', reason: 'FCS error', counter: 'CRCERRS', frameId: undefined } as TraceEvent;
    expect(toLine(drop)).toBe('{"time":7,"source":"b","kind":"drop","what":"rx frame","reason":"FCS error","counter":"CRCERRS"}\n');
  });

  test('any Uint8Array becomes hex; arrays, nested objects, maps and sets are plain JSON; bigint a string; NaN null; cycles cut', () => {
    const nested: Record<string, unknown> = { data: Uint8Array.of(1, 2), list: [Uint8Array.of(3), 4, undefined], big: 5n, nan: NaN, fn: () => 1, words: Uint16Array.of(1, 2) };
    nested.self = nested;
    const ev = { time: 0, source: 'x', kind: 'log', level: 'info', message: 'line\nbreak', extra: nested, m: new Map([['k', 1]]), s: new Set([2]) } as unknown as TraceEvent;
    const line = toLine(ev);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      time: 0,
      source: 'x',
      kind: 'log',
      level: 'info',
      message: 'line\nbreak',
      extra: { data: '0102', list: ['03', 4, null], big: '5', nan: null, words: [1, 2], self: '[circular]' },
      m: { k: 1 },
      s: [2],
    });
  });

  test('the same object twice (not a cycle) is written twice', () => {
    const shared = { a: 1 };
    const ev = { time: 0, source: 'x', kind: 'state', machine: 'm', from: 'p', to: 'q', event: 'e', x: shared, y: shared } as unknown as TraceEvent;
    expect(toJson(ev)).toMatchObject({ x: { a: 1 }, y: { a: 1 } });
  });
});

describe('a simulation streamed as JSON Lines', () => {
  test('one line per event, in order, every line an object; frame bytes round-trip', () => {
    const { sim, a, b } = makePair();
    const lines: string[] = [];
    const rec = sim.trace.record();
    const stop = jsonlSink(sim, (l) => lines.push(l));
    setupTx(a);
    setupRx(b);
    queueTx(a, ethFrame(MAC_B, MAC_A, 100));
    queueTx(a, ethFrame('ff:ff:ff:ff:ff:ff', MAC_A, 60, 1));
    sim.run({ until: sim.now + 100_000 });
    stop();
    rec.stop();
    expect(lines.length).toBe(rec.events.length);
    expect(lines.length).toBeGreaterThan(10);
    const parsed = lines.map((l) => {
      expect(l.endsWith('\n')).toBe(true);
      expect(l.slice(0, -1)).not.toContain('\n');
      return JSON.parse(l) as Record<string, unknown>;
    });
    expect(parsed.map((p) => [p.time, p.source, p.kind])).toEqual(rec.events.map((e) => [e.time, e.source, e.kind]));
    const tx = rec.events.filter((e): e is TraceEvent<'wire.tx'> => e.kind === 'wire.tx');
    const txLines = parsed.filter((p) => p.kind === 'wire.tx') as { frame: { id: number; sender: string; txStart: number; bitTimeNs: number; bytes: string } }[];
    expect(tx).toHaveLength(2);
    txLines.forEach((p, i) => {
      expect(Object.keys(p.frame)).toEqual(['id', 'sender', 'txStart', 'bitTimeNs', 'bytes']);
      expect(p.frame).toMatchObject({ id: tx[i].frame.id, sender: 'a', txStart: tx[i].frame.txStart, bitTimeNs: 1 });
      expect(Array.from(fromHex(p.frame.bytes))).toEqual(Array.from(tx[i].frame.bytes));
    });
    expect(toJsonl(rec.events)).toBe(lines.join(''));
  });

  test('jsonlSink on a bus with a kind filter', () => {
    let now = 0;
    const bus = new TraceBus(() => now);
    const lines: string[] = [];
    const stop = jsonlSink(bus, (l) => lines.push(l), ['drop']);
    bus.emit('log', 'x', { level: 'info', message: 'skipped' });
    now = 5;
    bus.emit('drop', 'x', { what: 'rx frame', reason: 'r', counter: 'C', frameId: 9 });
    stop();
    bus.emit('drop', 'x', { what: 'rx frame', reason: 'after stop', counter: 'C' });
    expect(lines).toEqual(['{"time":5,"source":"x","kind":"drop","what":"rx frame","reason":"r","counter":"C","frameId":9}\n']);
  });
});

/**
 * The frame pool (sim/slab.ts `frame`/`recycle`, hw/medium/types.ts `WireFrame.pooledBy`): a frame's
 * bytes go back to the pool only when a cable delivered it straight from the sending adapter to
 * one adapter that stored (or dropped) it, with no trace listener since it was made. Reuse never
 * changes a byte that reaches host memory.
 */
import { describe, expect, test } from 'vitest';
import { crc32 } from 'node:zlib';
import { Simulator } from '../../sim/index.js';
import { Cable, HostMemory, Nic, e1000 as R, readRxDescriptor, writeRxDescriptor, writeTxDescriptor, TXD_CMD } from '../../hw/index.js';
import { bitErrors, dropFrames, duplicateFrames, scriptedFlips } from '../../hw/faults.js';

const TX_RING = 0x1_0000;
const RX_RING = 0x2_0000;
const TX_BUF = 0x3_0000;
const RX_BUF = 0x4_0000;
const RING = 8;

interface Host {
  nic: Nic;
  mem: HostMemory;
  txTail: number;
}

function program(h: Host, rxDescriptors: number): void {
  const { nic, mem } = h;
  const w = (reg: { offset: number }, v: number) => nic.write32(reg.offset, v);
  w(R.CTRL, R.CTRL.f.SLU.mask);
  w(R.TDBAL, TX_RING);
  w(R.TDLEN, RING * 16);
  w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
  for (let i = 0; i < RING; i++) writeRxDescriptor(mem, RX_RING + 16 * i, RX_BUF + 2048 * i);
  w(R.RDBAL, RX_RING);
  w(R.RDLEN, RING * 16);
  w(R.RDT, rxDescriptors);
  w(R.RCTL, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask); // the FCS stays in the buffers
}

function send(h: Host, frame: Uint8Array): void {
  const buf = TX_BUF + h.txTail * 2048;
  h.mem.write(buf, frame);
  writeTxDescriptor(h.mem, TX_RING + 16 * h.txTail, { buffer: buf, length: frame.length, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
  h.txTail = (h.txTail + 1) % RING;
  h.nic.write32(R.TDT.offset, h.txTail);
}

function frame(len: number, fill: number): Uint8Array {
  const f = new Uint8Array(len).map((_, i) => (fill + i * 7) & 0xff);
  f.set([0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x88, 0xb5]);
  return f;
}

/** The frame as host memory holds it with the FCS kept: padded to 60 bytes, then the FCS. */
function stored(f: Uint8Array): number[] {
  const body = Uint8Array.from({ length: Math.max(60, f.length) }, (_, i) => f[i] ?? 0);
  const c = crc32(body) >>> 0;
  return [...body, c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24];
}

function setup(rxDescriptors = RING - 1, fidelity: 'frame' | 'signal' = 'frame') {
  const sim = new Simulator({ seed: 3 });
  const mk = (name: string, last: number): Host => {
    const mem = new HostMemory(1 << 20);
    return { mem, txTail: 0, nic: new Nic(sim, { memory: mem, name, mac: Uint8Array.of(2, 0, 0, 0, 0, last), fidelity, phy: { autonegNs: 1_000_000 } }) };
  };
  const a = mk('a', 0x0a);
  const b = mk('b', 0x0b);
  program(a, RING - 1);
  program(b, rxDescriptors);
  const cable = new Cable(sim, { lengthM: 2 }).connect(a.nic.port, b.nic.port);
  sim.run({ until: 2_000_000 }); // link up
  const recycled: Uint8Array[] = [];
  const slab = sim.slab;
  const recycle = slab.recycle.bind(slab);
  slab.recycle = (buf: Uint8Array) => {
    recycled.push(buf);
    recycle(buf);
  };
  const recycled16: Uint16Array[] = [];
  const recycle16 = slab.recycleU16.bind(slab);
  slab.recycleU16 = (buf: Uint16Array) => {
    recycled16.push(buf);
    recycle16(buf);
  };
  return { sim, a, b, recycled, recycled16, cable };
}

function received(b: Host, i: number): number[] {
  const d = readRxDescriptor(b.mem, RX_RING + 16 * i);
  return Array.from(b.mem.bytes.subarray(RX_BUF + 2048 * i, RX_BUF + 2048 * i + d.length));
}

describe('frame pool', () => {
  test('untraced frames over a cable go back to the pool and the next frame of that length reuses the buffer; padding is zeros again', () => {
    const { sim, a, b, recycled } = setup();
    const f1 = frame(60, 0xf0); // no padding, every byte non-zero somewhere at the end
    const f2 = frame(41, 0x11); // padded to 60: the pool's buffer held f1's bytes there
    const f3 = frame(1514, 0x33);
    send(a, f1);
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(1);
    send(a, f2);
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(2);
    expect(recycled[1]).toBe(recycled[0]); // same length (8 + 60 + 4): the same buffer again
    send(a, f3);
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(3);
    expect(recycled[2]).not.toBe(recycled[0]);
    expect([received(b, 0), received(b, 1), received(b, 2)]).toEqual([stored(f1), stored(f2), stored(f3)]);
    expect(b.nic.read32(R.GPRC.offset)).toBe(3);
  });

  test('with a trace listener no frame goes back; the bytes received are the same', () => {
    const { sim, a, b, recycled } = setup();
    const stop = sim.trace.subscribe(() => {});
    send(a, frame(60, 0xf0));
    send(a, frame(41, 0x11));
    sim.run({ until: sim.now + 200_000 });
    stop();
    expect(recycled.length).toBe(0);
    expect([received(b, 0), received(b, 1)]).toEqual([stored(frame(60, 0xf0)), stored(frame(41, 0x11))]);
  });

  test('a listener attached and removed while the frame is on the wire keeps it out of the pool (it may have seen the frame)', () => {
    const { sim, a, recycled } = setup();
    send(a, frame(1000, 1));
    sim.step(); // the frame is on its way; nothing delivered yet
    sim.trace.subscribe(() => {})();
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(0);
    send(a, frame(1000, 2)); // untraced from start to end again
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(1);
  });

  test('a frame waiting in the receive FIFO (no free descriptor) is not given back, and arrives intact later', () => {
    const { sim, a, b, recycled } = setup(0); // RDT = RDH: no descriptor
    const f = frame(800, 0x42);
    send(a, f);
    sim.run({ until: sim.now + 100_000 });
    send(a, frame(800, 0x99)); // the same serialized length: it must not get the held frame's buffer
    sim.run({ until: sim.now + 100_000 });
    expect([b.nic.rxFifoFrames, recycled.length]).toEqual([2, 0]);
    b.nic.write32(R.RDT.offset, RING - 1);
    sim.run({ until: sim.now + 100_000 });
    expect([b.nic.rxFifoFrames, recycled.length]).toEqual([0, 0]);
    expect([received(b, 0), received(b, 1)]).toEqual([stored(f), stored(frame(800, 0x99))]);
  });

  test('through injectors that hand frames on once (bitErrors, scriptedFlips) clean frames still go back; a damaged copy never does, the buffer it replaced does', () => {
    const { sim, a, b, recycled, cable } = setup();
    cable.use(0, bitErrors(sim, { ber: 1e-12 }));
    cable.use(0, scriptedFlips(sim, [{ frame: 2, bit: 200 }]));
    send(a, frame(500, 1));
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(1);
    const first = recycled[0];
    // damaged on the way: a copy with bytes of its own arrives (FCS error) and does not go back;
    // the sender's buffer, which nobody holds any more, goes back as the copy leaves the injectors
    send(a, frame(500, 2));
    expect(recycled.length).toBe(2);
    expect(recycled[1]).toBe(first); // frame 2 had reused frame 1's buffer
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(2);
    expect(b.nic.read32(R.CRCERRS.offset)).toBe(1);
    send(a, frame(500, 3)); // in the buffer frame 2 had: the copy that arrived was not disturbed by that
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(3);
    expect(recycled[2]).toBe(first);
    expect([received(b, 0), received(b, 1)]).toEqual([stored(frame(500, 1)), stored(frame(500, 3))]);
  });

  test('a frame an injector drops (dropFrames) goes back to the pool; traced, it does not', () => {
    for (const traced of [false, true]) {
      const { sim, a, b, recycled, cable } = setup();
      const stop = traced ? sim.trace.record(['wire.tx']).stop : () => {};
      cable.use(0, dropFrames(sim, { frames: [1] }));
      send(a, frame(400, 7));
      sim.run({ until: sim.now + 100_000 });
      expect(recycled.length, traced ? 'traced' : 'untraced').toBe(traced ? 0 : 1);
      send(a, frame(400, 8));
      sim.run({ until: sim.now + 100_000 });
      expect(recycled.length).toBe(traced ? 0 : 2);
      if (!traced) expect(recycled[1]).toBe(recycled[0]);
      expect(received(b, 0)).toEqual(stored(frame(400, 8)));
      stop();
    }
  });

  test('through an injector that repeats frames (duplicateFrames) nothing goes back, and both copies arrive intact', () => {
    const { sim, a, b, recycled, cable } = setup();
    cable.use(0, duplicateFrames(sim, { frames: [1] }));
    send(a, frame(300, 5));
    sim.run({ until: sim.now + 100_000 });
    send(a, frame(300, 6));
    sim.run({ until: sim.now + 100_000 });
    expect(recycled.length).toBe(0);
    expect([received(b, 0), received(b, 1), received(b, 2)]).toEqual([stored(frame(300, 5)), stored(frame(300, 5)), stored(frame(300, 6))]);
  });

  test('signal fidelity (1000BASE-X): the line bytes, the 8b/10b code groups and the octets the receiving PHY decoded go back, and are reused; the bytes stored are the same', () => {
    const { sim, a, b, recycled, recycled16 } = setup(RING - 1, 'signal');
    send(a, frame(1000, 7));
    sim.run({ until: sim.now + 100_000 });
    expect([recycled.length, recycled16.length]).toEqual([2, 1]); // the sender's line bytes and the decoded octets; the code groups
    expect(recycled16[0].length).toBeGreaterThan(1008);
    send(a, frame(1000, 8));
    sim.run({ until: sim.now + 100_000 });
    expect([recycled.length, recycled16.length]).toEqual([4, 2]);
    expect(recycled16[1]).toBe(recycled16[0]); // the same code-group array encoded the second frame
    // the second frame's line bytes and decoded octets were the first frame's two buffers again
    expect(recycled[2]).not.toBe(recycled[3]);
    expect([recycled[2], recycled[3]].every((x) => x === recycled[0] || x === recycled[1])).toBe(true);
    expect([received(b, 0), received(b, 1)]).toEqual([stored(frame(1000, 7)), stored(frame(1000, 8))]);
  });

  test('signal fidelity, traced: nothing goes back', () => {
    const { sim, a, recycled, recycled16 } = setup(RING - 1, 'signal');
    const stop = sim.trace.subscribe(() => {});
    send(a, frame(1000, 7));
    sim.run({ until: sim.now + 100_000 });
    stop();
    expect([recycled.length, recycled16.length]).toEqual([0, 0]);
  });

  test('an injector removed while its frames are on the wire: frames sent through a repeating injector never go back, even if it is gone when they arrive', () => {
    const { sim, a, b, recycled, cable } = setup();
    const remove = cable.use(0, duplicateFrames(sim, { frames: [1] }));
    send(a, frame(300, 5));
    while (cable.framesCarried[0] === 0) sim.step(); // the frame and its copy are on their way
    remove();
    send(a, frame(300, 6));
    sim.run({ until: sim.now + 200_000 });
    // only the frame sent after the removal went back, once
    expect(recycled.length).toBe(1);
    expect([received(b, 0), received(b, 1), received(b, 2)]).toEqual([stored(frame(300, 5)), stored(frame(300, 5)), stored(frame(300, 6))]);
    // and the pool still hands out distinct buffers: two frames in flight at once arrive intact
    send(a, frame(300, 7));
    send(a, frame(300, 8));
    sim.run({ until: sim.now + 200_000 });
    expect([received(b, 3), received(b, 4)]).toEqual([stored(frame(300, 7)), stored(frame(300, 8))]);
  });
});

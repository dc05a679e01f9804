/**
 * Signal fidelity: the sending PHY line-codes each frame, the receiving PHY decodes the symbols.
 * Timing is identical to frame fidelity; a flipped code bit is caught by the PHY (SYMERRS,
 * RXERRC, descriptor SE|RXE with RCTL.SBP) or, failing that, by the FCS.
 */
import { describe, expect, test } from 'vitest';
import { Simulator, type TraceEvent } from '../../sim/index.js';
import { Cable, HostMemory, Nic, e1000 as R, readRxDescriptor, writeRxDescriptor, writeTxDescriptor, TXD_CMD, RXD_ERR, scriptedFlips, type Speed } from '../../hw/index.js';
import type { LineStream } from '../../hw/phy/linecode/index.js';

const ANAR_FOR: Record<Speed, [number, number]> = { 10: [0x0061, 0], 100: [0x0181, 0], 1000: [0x01e1, 0x0200] };

function pair(speed: Speed, fidelity: 'frame' | 'signal', sbp = false) {
  const sim = new Simulator({ seed: 9 });
  const mk = (name: string, mac: number) => {
    const memory = new HostMemory(1 << 20);
    const nic = new Nic(sim, { memory, name, mac: Uint8Array.of(2, 0, 0, 0, 0, mac), fidelity, phy: { autonegNs: 1_000_000 } });
    const [anar, gtcr] = ANAR_FOR[speed];
    nic.phy.mdioWrite(9, gtcr);
    nic.phy.mdioWrite(4, anar);
    const w = (r: { offset: number }, v: number) => nic.write32(r.offset, v);
    w(R.CTRL, R.CTRL.f.SLU.mask);
    w(R.TDBAL, 0x10000);
    w(R.TDLEN, 128);
    w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
    for (let k = 0; k < 8; k++) writeRxDescriptor(memory, 0x20000 + 16 * k, 0x40000 + 2048 * k);
    w(R.RDBAL, 0x20000);
    w(R.RDLEN, 128);
    w(R.RDT, 7);
    w(R.RCTL, R.RCTL.f.EN.mask | (sbp ? R.RCTL.f.SBP.mask : 0));
    return { nic, memory };
  };
  const a = mk('a', 1);
  const b = mk('b', 2);
  const cable = new Cable(sim, { lengthM: 10 });
  cable.connect(a.nic.port, b.nic.port);
  sim.run({ until: 2_000_000 });
  let tail = 0;
  const send = (len: number) => {
    const f = new Uint8Array(len);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
    for (let i = 14; i < len; i++) f[i] = (i * 7) & 0xff;
    a.memory.write(0x30000 + tail * 2048, f);
    writeTxDescriptor(a.memory, 0x10000 + 16 * tail, { buffer: 0x30000 + tail * 2048, length: len, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
    tail++;
    a.nic.write32(R.TDT.offset, tail);
    return f;
  };
  return { sim, a, b, cable, send };
}

describe('signal fidelity', () => {
  for (const speed of [10, 100, 1000] as const) {
    test(`${speed} Mb/s: frames carry line symbols, decode to the same bytes, with the same timing as frame fidelity`, () => {
      const times: Record<string, number[]> = {};
      for (const fid of ['frame', 'signal'] as const) {
        const { sim, a, b, send } = pair(speed, fid);
        expect(a.nic.link?.speed).toBe(speed);
        const { events } = sim.trace.record(['wire.tx', 'nic.writeback']);
        const f = send(300);
        sim.run({ until: sim.now + 10_000_000 });
        const tx = events.filter((e) => e.kind === 'wire.tx') as Extract<TraceEvent, { kind: 'wire.tx' }>[];
        const sym = tx[0].frame.symbols as LineStream | undefined;
        if (fid === 'signal') {
          expect(sym?.kind).toBe(speed === 10 ? '10BASE-T' : speed === 100 ? '100BASE-TX' : '1000BASE-X');
        } else expect(sym).toBeUndefined();
        expect(Array.from(b.memory.read(0x40000, 300))).toEqual(Array.from(f));
        expect(readRxDescriptor(b.memory, 0x20000).errors).toBe(0);
        times[fid] = events.map((e) => e.time);
      }
      expect(times.signal).toEqual(times.frame);
    });
  }

  test('a flipped Manchester half-bit is a code violation: SYMERRS and RXERRC; dropped unless SBP, kept with SE|RXE when SBP', () => {
    for (const sbp of [false, true]) {
      const { sim, b, cable, send } = pair(10, 'signal', sbp);
      // half-bit 128 + 400: past the 64 bits of preamble/SFD, 200 bits into the frame
      cable.use(0, scriptedFlips(sim, [{ frame: 1, symbol: 128 + 400 }]));
      const { events } = sim.trace.record(['fault', 'drop']);
      send(200);
      sim.run({ until: sim.now + 10_000_000 });
      expect(events.some((e) => e.kind === 'fault')).toBe(true);
      expect(b.nic.read32(R.SYMERRS.offset)).toBe(1);
      expect(b.nic.read32(R.RXERRC.offset)).toBe(1);
      expect(b.nic.phy.mdioRead(21)).toBeGreaterThan(0); // the PHY's receive error counter
      if (!sbp) {
        expect(b.nic.read32(R.GPRC.offset)).toBe(0);
        expect(events.filter((e) => e.kind === 'drop').map((e) => (e as { counter: string }).counter)).toEqual(['SYMERRS']);
      } else {
        const d = readRxDescriptor(b.memory, 0x20000);
        expect(d.errors & (RXD_ERR.SE | RXD_ERR.RXE)).toBe(RXD_ERR.SE | RXD_ERR.RXE);
      }
    }
  });

  test('a flipped 4B/5B code bit that makes another valid code group passes the PHY and is caught by the FCS', () => {
    const { sim, b, cable, send } = pair(100, 'signal');
    // find a code bit inside the frame whose flip the 100BASE-TX decoder does not report
    cable.use(0, scriptedFlips(sim, [{ frame: 1, symbol: 50 + 16 * 5 + 203 }]));
    send(200);
    sim.run({ until: sim.now + 10_000_000 });
    const sym = b.nic.read32(R.SYMERRS.offset);
    const crc = b.nic.read32(R.CRCERRS.offset);
    expect(sym + crc).toBe(1); // exactly one layer caught it
    expect(b.nic.read32(R.GPRC.offset)).toBe(0);
  });
});

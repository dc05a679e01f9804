/**
 * Signal fidelity throughput: max-size frames per wall-clock second through encode → medium →
 * decode. A sending PHY endpoint line-codes each frame (the bytes the MAC hands the PHY:
 * preamble, SFD, frame, FCS), a `Cable` carries the symbols with exact timing, and the receiving
 * PHY endpoint decodes them and checks it recovered every byte. The full register-level adapter
 * path in signal fidelity (DMA, MAC, FCS check) is measured separately as
 * `adapter.signal_frames_per_s.<phy>` (bench/adapter.ts in signal fidelity).
 * @module
 */
import { Buffer } from 'node:buffer';
import { Simulator } from '../sim/simulator.js';
import { Cable } from '../hw/medium/cable.js';
import { BIT_TIME_NS, frameDurationNs, type Endpoint, type MediumLink, type Speed, type WireFrame } from '../hw/medium/types.js';
import { serializeFrame } from '../hw/mac/framing.js';
import { createLineCodec, type LineStream, type PhyKind } from '../hw/phy/linecode/index.js';
import type { Session } from './harness.js';

/** Frames per step of {@link signalSession}. */
const PER_STEP = 64;

/** Max-size frames through a PHY → cable → PHY pipeline in signal fidelity, 64 per step; units: frames decoded cleanly. */
export function signalSession(speed: Speed, kind: PhyKind): Session {
  const sim = new Simulator({ seed: 1 });
  const tx = createLineCodec(kind);
  const rx = createLineCodec(kind);
  let link: MediumLink | null = null;
  let received = 0;
  let bad = 0;
  const frame = new Uint8Array(1514);
  for (let i = 0; i < frame.length; i++) frame[i] = (i * 131 + 7) & 0xff;
  const macBytes = serializeFrame(frame, true, false); // 1526 bytes: preamble, SFD, frame, FCS
  const sender: Endpoint = { name: 'phy-a', plugged: (l) => (link = l), partnerSignal: () => {}, receive: () => {} };
  const receiver: Endpoint = {
    name: 'phy-b',
    plugged: () => {},
    partnerSignal: () => {},
    receive: (f: WireFrame) => {
      const r = rx.decodeFrame(f.symbols as LineStream);
      if (r.errors.length === 0 && Buffer.compare(r.bytes, macBytes) === 0) received++;
      else bad++;
    },
  };
  new Cable(sim, { lengthM: 1 }).connect(sender, receiver);
  const bit = BIT_TIME_NS[speed];
  const slot = frameDurationNs(macBytes.length, bit) + 96 * bit;
  let next = 0;
  let id = 0;
  return {
    step() {
      const r0 = received;
      for (let k = 0; k < PER_STEP; k++) {
        const wf: WireFrame = { id: ++id, bytes: macBytes, bitTimeNs: bit, txStart: next, sender: 'phy-a', symbols: tx.encodeFrame(macBytes) };
        link!.send(wf);
        next += slot;
      }
      sim.run();
      return received - r0;
    },
    close() {
      if (bad > 0) throw new Error(`${kind}: ${bad} frames did not decode to the bytes sent`);
    },
  };
}

/**
 * The link partner outside the simulation: an emulated host on a cable to a RemoteEndpoint answers
 * ARP from "the outside"; frames are padded, get an FCS and an inter-frame gap, the waiting queue
 * is bounded and every lost frame is counted once.
 */
import { describe, expect, test } from 'vitest';
import { Network } from '../../topology/network.js';
import { RemoteEndpoint } from '../../hw/remote.js';
import { scriptedFlips } from '../../hw/faults.js';
import { fcsValid } from '../../hw/mac/fcs.js';
import { MS } from '../../sim/index.js';
import * as e1000 from '../../hw/registers/e1000.js';

const HOST_MAC = [0x02, 0, 0, 0, 1, 1];
const PEER_MAC = [0x02, 0xaa, 0, 0, 0, 1];

/** An ARP request from 10.0.0.1 (PEER_MAC) for `target`: 42 octets, no padding. */
function arpRequest(target = [10, 0, 0, 2]): Uint8Array {
  return Uint8Array.from([
    ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ...PEER_MAC, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, ...PEER_MAC, 10, 0, 0, 1, ...[0, 0, 0, 0, 0, 0], ...target,
  ]);
}

function setup(opts: ConstructorParameters<typeof RemoteEndpoint>[1] = {}) {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const host = net.host('emu', { interfaces: [{ address: '10.0.0.2/24' }] });
  const remote = new RemoteEndpoint(net.sim, { name: 'tap', autonegNs: 10 * MS, ...opts });
  const out: Uint8Array[] = [];
  remote.onFrame = (f) => out.push(f);
  const cable = net.cable(host.port(0), remote, { lengthM: 2 });
  /** Boots the host and lets its gratuitous ARP (sent at link up) pass. */
  const start = async () => {
    await net.start();
    await net.runFor(MS);
    expect(out.map((f) => f[21])).toEqual([1]); // the announcement: an ARP request for its own address
    out.length = 0;
  };
  return { net, host, remote, out, cable, start };
}

describe('RemoteEndpoint', () => {
  test('links up with the adapter at 1000 Mb/s full duplex; an ARP request from outside gets the exact reply, without FCS', async () => {
    const { net, host, remote, out, start } = setup();
    await start();
    expect(remote.mode).toEqual({ speed: 1000, duplex: 'full', via: 'autoneg' });
    expect(host.drivers[0].linkUp).toBe(true);
    expect(remote.fromOutside(arpRequest())).toBe(true);
    await net.runFor(MS);
    expect(out).toHaveLength(1);
    // The adapter pads to 60 octets; the endpoint strips only the FCS.
    expect(Array.from(out[0])).toEqual([
      ...PEER_MAC, ...HOST_MAC, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02, ...HOST_MAC, 10, 0, 0, 2, ...PEER_MAC, 10, 0, 0, 1,
      ...new Array(18).fill(0),
    ]);
    expect(remote.stats).toMatchObject({ inFrames: 1, inBytes: 42, outFrames: 2, outBytes: 120, outErrors: 0, inQueueDrops: 0 }); // the announcement and the reply
  });

  test('frames onto the medium: preamble, padding to 60, a valid FCS, fresh frame ids and a 96-bit gap between back-to-back frames', async () => {
    const { net, remote, start } = setup();
    await start();
    const seen: Array<{ id: number; bytes: Uint8Array; txStart: number; bitTimeNs: number }> = [];
    net.sim.trace.subscribe((e) => {
      if (e.kind === 'wire.rx' && e.frame.sender === 'tap') seen.push(e.frame);
    });
    remote.fromOutside(arpRequest());
    remote.fromOutside(arpRequest());
    await net.runFor(MS);
    expect(seen).toHaveLength(2);
    for (const f of seen) {
      expect(f.bytes.length).toBe(8 + 60 + 4);
      expect(Array.from(f.bytes.subarray(0, 8))).toEqual([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5]);
      expect(fcsValid(f.bytes, 8, f.bytes.length)).toBe(true);
      expect(f.bitTimeNs).toBe(1);
    }
    expect(seen[1].id).not.toBe(seen[0].id);
    expect(seen[1].txStart - seen[0].txStart).toBe(72 * 8 + 96);
  });

  test('the waiting queue is bounded: with room for 2 frames, the third from a burst is dropped and counted', async () => {
    const { net, remote, start } = setup({ queueFrames: 2 });
    await start();
    expect([remote.fromOutside(arpRequest()), remote.fromOutside(arpRequest()), remote.fromOutside(arpRequest())]).toEqual([true, true, false]);
    expect(remote.queued).toBe(2);
    await net.runFor(MS);
    expect(remote.queued).toBe(0);
    expect(remote.stats).toMatchObject({ inFrames: 2, inQueueDrops: 1 });
  });

  test('bad frames are counted once: too short or long from outside, bad FCS from the medium, no link', async () => {
    const { net, remote, cable, out, start } = setup();
    // before the link is up: the frame is posted, then dropped for want of a link
    expect(remote.fromOutside(arpRequest())).toBe(true);
    await net.sim.runAsync({ until: MS });
    expect(remote.stats.inNoLinkDrops).toBe(1);
    await start();
    expect(remote.fromOutside(new Uint8Array(13))).toBe(false);
    expect(remote.fromOutside(new Uint8Array(1519))).toBe(false);
    expect(remote.stats.inLengthDrops).toBe(2);
    // flip a bit in the host's next frame (its ARP reply): the endpoint drops it as an FCS error
    cable.use(0, scriptedFlips(net.sim, [{ frame: 1, bit: 8 * 30 }]));
    remote.fromOutside(arpRequest());
    await net.runFor(MS);
    expect(out).toHaveLength(0);
    expect(remote.stats.outErrors).toBe(1);
    expect(() => remote.fromOutside('x' as unknown as Uint8Array)).toThrow(/Uint8Array/);
    expect(() => new RemoteEndpoint(net.sim, { queueFrames: 0 })).toThrow(/queueFrames/);
  });

  test('setCarrier(false) takes the link down on the adapter; true brings it back', async () => {
    const { net, host, remote, start } = setup();
    await start();
    remote.setCarrier(false);
    await net.runFor(20 * MS);
    expect(host.drivers[0].linkUp).toBe(false);
    expect(remote.linkUp).toBe(false);
    remote.setCarrier(true);
    await net.runFor(50 * MS);
    expect(host.drivers[0].linkUp).toBe(true);
    expect(remote.linkUp).toBe(true);
  });

  test('signal fidelity: line-coded frames from the adapter are decoded, and frames from outside are line-coded in return', async () => {
    const net = new Network({ seed: 1, autonegNs: 10 * MS, fidelity: 'signal' });
    const host = net.host('emu', { interfaces: [{ address: '10.0.0.2/24' }] });
    const remote = new RemoteEndpoint(net.sim, { name: 'tap', autonegNs: 10 * MS, fidelity: 'signal' });
    const out: Uint8Array[] = [];
    remote.onFrame = (f) => out.push(f);
    net.cable(host.port(0), remote);
    await net.start();
    const rec = net.sim.trace.record(['wire.rx']);
    remote.fromOutside(arpRequest());
    await net.runFor(MS);
    const fromTap = rec.events.filter((e) => e.kind === 'wire.rx' && e.frame.sender === 'tap');
    expect(fromTap).toHaveLength(1);
    expect(fromTap[0].kind === 'wire.rx' && fromTap[0].frame.symbols !== undefined).toBe(true);
    expect(out.map((f) => f[21])).toEqual([1, 2]); // its announcement, then the reply
    expect(host.nics[0].regs.get(e1000.SYMERRS)).toBe(0);
    expect(remote.stats.outErrors).toBe(0);
  });
});

/**
 * The "done when" scenarios, with exact figures: two hosts (adapter + kernel + driver
 * each) on a cable exchanging frames through the NetDevice API under load; interrupt moderation
 * by ITR; the NAPI budget under 64-byte line-rate traffic; transmit-queue stop/wake; a slow
 * receiver overrunning its ring and recovering; hostile hardware rejected with clear errors in
 * bounded simulated time.
 */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../sim/index.js';
import { buildEepromImage, e1000 as R } from '../../hw/index.js';
import { DriverError, E1000 } from '../../driver/index.js';
import { Blaster, bringUp, intact, makeHost, makePair, seqOf, settle, type HostOptions, type Pair } from './helpers.js';

/** Brings a pair up, lets the bring-up settle, then blasts `n` frames of `len` bytes A → B (and B → A when `both`). */
async function load(opts: { both?: HostOptions; a?: HostOptions; b?: HostOptions }, n: number, len: number, both = false) {
  const p: Pair = makePair(opts);
  const { sim, a, b } = p;
  await bringUp(sim, a, b);
  sim.run({ until: sim.now + 10_000_000 });
  const base = { intA: a.drv.counters.interrupts, intB: b.drv.counters.interrupts, pollsB: b.drv.napiStats().polls };
  const t0 = sim.now;
  let lastRx = t0;
  b.drv.onReceive((f) => {
    b.received.push(f);
    lastRx = sim.now;
  });
  const ab = new Blaster(a, b, n, len);
  const ba = both ? new Blaster(b, a, n, len) : null;
  sim.schedule(0, () => {
    ab.pump();
    ba?.pump();
  });
  sim.run({ until: t0 + 1_000_000_000 });
  return {
    ...p,
    ab,
    ba,
    duration: lastRx - t0,
    intA: a.drv.counters.interrupts - base.intA,
    intB: b.drv.counters.interrupts - base.intB,
    pollsB: b.drv.napiStats().polls - base.pollsB,
  };
}

const inOrderAndIntact = (got: Uint8Array[], dst: Uint8Array, src: Uint8Array) => got.every((f, i) => seqOf(f) === i && intact(f, dst, src));

describe('two hosts under load', () => {
  test('20,000 max-size frames each way at once, ITR = 0: none lost, in order, one interrupt per frame per direction', async () => {
    const r = await load({ both: { driver: { itr: 0 } } }, 20_000, 1514, true);
    const { a, b } = r;
    expect(b.received).toHaveLength(20_000);
    expect(a.received).toHaveLength(20_000);
    expect(inOrderAndIntact(b.received, b.drv.mac, a.drv.mac)).toBe(true);
    expect(inOrderAndIntact(a.received, a.drv.mac, b.drv.mac)).toBe(true);
    // 20,000 frames of 1538 line bytes (preamble … IPG) at 1 Gb/s: 12.304 µs each
    expect(r.duration).toBe(246_079_954);
    for (const h of [a, b]) {
      expect(h.drv.hwStatistics()).toMatchObject({ mpc: 0, rnbc: 0, gprc: 20_000, gptc: 20_000 });
      expect(h.drv.stats()).toMatchObject({ rxPackets: 20_000, txPackets: 20_000, rxMissedErrors: 0, rxDropped: 0 });
    }
    // each host: a TXDW for every frame sent, an RXT0 for every frame received
    expect(r.intA).toBe(40_000);
    expect(r.intB).toBe(40_000);
    expect(r.intB / 20_000).toBe(2);
    expect(b.drv.napiStats()).toMatchObject({ maxWork: 1, overBudget: 0 });
    // the sender fills its 256-descriptor ring at once, then refills each time 32 are free
    expect(a.drv.counters).toMatchObject({ txQueueStops: 618, txQueueWakes: 618, txBusy: 618 });
  });

  test('interrupt moderation: ITR = 651 (≈ 6000/s) gives 0.074 interrupts per frame instead of 1', async () => {
    const r0 = await load({ both: { driver: { itr: 0 } } }, 10_000, 1514);
    const r1 = await load({ both: { driver: { itr: 651 } } }, 10_000, 1514);
    expect(r0.b.received).toHaveLength(10_000);
    expect(r1.b.received).toHaveLength(10_000);
    expect(inOrderAndIntact(r1.b.received, r1.b.drv.mac, r1.a.drv.mac)).toBe(true);
    expect(r0.intB).toBe(10_000);
    expect(r1.intB).toBe(740);
    expect(r1.intB / 10_000).toBe(0.074);
    // 740 interrupts in 123.17 ms: the ITR interval of 651 × 256 ns = 166.656 µs caps the rate at 6000.6/s
    expect(r1.duration).toBe(123_171_042);
    const perSecond = r1.intB / (r1.duration / 1e9);
    expect(perSecond).toBeGreaterThan(5_990);
    expect(perSecond).toBeLessThanOrEqual(1e9 / (651 * 256) + 10);
    expect(r1.b.drv.napiStats().maxWork).toBe(14);
    expect(r1.intA).toBe(740); // TXDW is throttled on the sender too
  });

  test('64-byte frames at line rate (1.488 Mframes/s): polls use their budget of 64 and are rescheduled; nothing lost', async () => {
    const r = await load({ both: { driver: { itr: 651, txRingSize: 512, rxRingSize: 512 } } }, 20_000, 60);
    const { a, b } = r;
    expect(b.received).toHaveLength(20_000);
    expect(inOrderAndIntact(b.received, b.drv.mac, a.drv.mac)).toBe(true);
    expect(r.duration).toBe(13_499_762); // 20,000 × 672 ns
    expect(r.intB).toBe(82);
    const napi = b.drv.napiStats();
    expect(napi.maxWork).toBe(64);
    expect(napi.overBudget).toBe(0);
    expect(r.pollsB).toBe(324);
    expect(napi.exhausted).toBe(242);
    expect(b.drv.hwStatistics().mpc).toBe(0);
  });

  test('a small transmit ring: the queue stops when full and is woken by descriptor cleanup', async () => {
    const r = await load({ both: { driver: { txRingSize: 64 } } }, 2_000, 1514);
    const { a, b } = r;
    expect(b.received).toHaveLength(2_000);
    expect(a.drv.counters).toMatchObject({ txQueueStops: 61, txQueueWakes: 61, txBusy: 61 });
    expect(r.ab.busy).toBe(61);
    expect(a.drv.queueStoppedNow).toBe(false);
    expect(a.drv.stats().txPackets).toBe(2_000);
  });
});

describe('a slow receiver', () => {
  test('polls delayed by 1 ms overrun a 64-descriptor ring and the receive FIFO: drops counted in MPC and the driver, RNBC; traffic recovers', async () => {
    const r = await load({ b: { kernel: { softirqDelayNs: 1_000_000 }, driver: { rxRingSize: 64 } } }, 3_000, 1514);
    const { sim, a, b } = r;
    const hw = b.drv.hwStatistics();
    // The adapter's 48 KB receive FIFO holds 32 frames of 1518 bytes while the ring is full: MPC
    // counts only what overflows it, RNBC every frame that arrived with no descriptor free.
    expect(b.received).toHaveLength(2_363);
    expect(hw.mpc).toBe(637);
    expect(hw.rnbc).toBe(1_791);
    expect(b.received.length + hw.mpc).toBe(3_000); // every frame accounted for
    expect(b.drv.stats().rxMissedErrors).toBe(637);
    expect(b.drv.napiStats().maxWork).toBe(63); // a 64-descriptor ring holds 63 frames
    expect(b.received.every((f) => intact(f, b.drv.mac, a.drv.mac))).toBe(true);
    // recovery: the same receiver keeps up with 500 frames at 50,000 frames/s
    const before = b.received.length;
    let k = 0;
    const tick = () => {
      a.drv.transmit(new Uint8Array(b.received[0].subarray(0, 1514)));
      if (++k < 500) sim.schedule(20_000, tick);
    };
    sim.schedule(0, tick);
    sim.run({ until: sim.now + 50_000_000 });
    expect(b.received.length - before).toBe(500);
    expect(b.drv.hwStatistics().mpc).toBe(637);
  });
});

describe('hostile hardware', () => {
  test('an EERD that never completes: probe rejects with eeprom-timeout after 10 ms; the driver is failed', async () => {
    const sim = new Simulator();
    const h = makeHost(sim, 'a', 0x0a, { nic: { eerdNeverCompletes: true } });
    const err = await settle(sim, h.drv.probe()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({ code: 'eeprom-timeout', message: 'a.eth0: EEPROM read of word 0x0 through EERD did not complete (no EERD.DONE after 10 ms)' });
    expect(sim.now).toBe(10_001_000);
    expect(h.drv.state).toBe('failed');
    expect(h.drv.lastError).toMatch(/EERD/);
    expect(sim.run().reason).toBe('idle');
  });

  test('a bad EEPROM checksum: probe refuses the device after reading the 64 words', async () => {
    const sim = new Simulator();
    const h = makeHost(sim, 'a', 0x0a, { nic: { eeprom: buildEepromImage('02:00:00:00:00:0a', { badChecksum: true }) } });
    const err = await settle(sim, h.drv.probe()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'eeprom-checksum', message: 'a.eth0: EEPROM checksum is invalid: the 64 words sum to 0xbabb, expected 0xbaba; refusing the device' });
    expect(sim.now).toBe(641_000);
    expect(h.drv.state).toBe('failed');
    await expect(h.drv.open()).rejects.toMatchObject({ code: 'bad-state' });
  });

  test('a link that never comes up: open succeeds, transmit says down, waitForLink rejects; nothing keeps running', async () => {
    const sim = new Simulator();
    const h = makeHost(sim, 'a', 0x0a); // no cable
    await settle(sim, h.drv.probe());
    await settle(sim, h.drv.open());
    const t0 = sim.now;
    const err = await settle(sim, h.drv.waitForLink(100_000_000)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'link-timeout', message: "a.eth0: the link did not come up within 100 ms (STATUS.LU never set; state 'up.linkDown')" });
    expect(sim.now - t0).toBe(100_000_000);
    expect(h.drv.transmit(new Uint8Array(60))).toBe('down');
    expect(h.drv.state).toBe('up.linkDown');
    expect(sim.run().reason).toBe('idle');
    await settle(sim, h.drv.close());
    expect(h.kernel.dma.inUse).toBe(0);
  });

  test('through a hostile bus: CTRL.RST stuck, MDIC never ready, MDIC error — each a clear error in bounded time', async () => {
    const cases: { name: string; read: (off: number, v: number) => number; code: string; msg: RegExp; at: number }[] = [
      { name: 'rst', read: (o, v) => (o === R.CTRL.offset ? v | R.CTRL.f.RST.mask : v), code: 'reset-timeout', msg: /CTRL\.RST still set 10 ms after/, at: 10_000_000 },
      { name: 'mdic', read: (o, v) => (o === R.MDIC.offset ? v & ~R.MDIC.f.R.mask : v), code: 'mdic-timeout', msg: /MDIC read of PHY register 2 did not complete \(no MDIC\.R after 10 ms\)/, at: 671_000 + 10_000_000 },
      { name: 'mdice', read: (o, v) => (o === R.MDIC.offset && v & R.MDIC.f.R.mask ? v | R.MDIC.f.E.mask : v), code: 'mdic-error', msg: /MDIC read of PHY register 2 failed \(MDIC\.E/, at: 701_000 },
    ];
    for (const c of cases) {
      const sim = new Simulator();
      const h = makeHost(sim, 'a', 0x0a);
      // a second driver on the same adapter, whose reads pass through the hostile filter
      const bus = { read32: (o: number) => c.read(o, h.nic.read32(o)), write32: (o: number, v: number) => h.nic.write32(o, v) };
      const drv = new E1000(h.kernel, { bus, irq: h.nic.irq }, { name: c.name });
      const err = await settle(sim, drv.probe()).catch((e: unknown) => e);
      expect(err, c.name).toMatchObject({ code: c.code, message: expect.stringMatching(c.msg) });
      expect(sim.now, c.name).toBe(c.at);
      expect(drv.state).toBe('failed');
    }
  });
});

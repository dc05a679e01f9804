import { describe, expect, test } from 'vitest';
import { EventQueue, Rng, Simulator, formatNanos, formatDuration } from '../../sim/index.js';
import type { QueuedEvent } from '../../sim/queue.js';

/** The reference for the queue tests: the index of the earliest entry of a plain list by (time, id), found by a linear scan; -1 when empty. */
function earliest(model: ReadonlyArray<{ time: number; id: number }>): number {
  let best = -1;
  for (let k = 0; k < model.length; k++) {
    const m = model[k];
    if (best < 0 || m.time < model[best].time || (m.time === model[best].time && m.id < model[best].id)) best = k;
  }
  return best;
}

describe('event queue', () => {
  test('orders by time, then insertion; cancelled events never run', () => {
    const q = new EventQueue();
    const out: string[] = [];
    q.push(20, () => out.push('c'));
    q.push(10, () => out.push('a'));
    const x = q.push(10, () => out.push('x'));
    q.push(10, () => out.push('b'));
    q.push(5, () => out.push('first'));
    expect(x.cancel()).toBe(true);
    expect(x.cancel()).toBe(false);
    expect(q.live).toBe(4);
    for (let e = q.pop(); e; e = q.pop()) e.fn();
    expect(out).toEqual(['first', 'a', 'b', 'c']);
    expect(q.live).toBe(0);
  });

  test('thousands of interleaved pushes, cancels, reuses and pops come out as a sorted list would give them', () => {
    const q = new EventQueue();
    const rng = new Rng(7, 'queue');
    // the reference: every live entry in a plain list, the next one found by a linear scan
    const model: Array<{ time: number; id: number; h: QueuedEvent }> = [];
    let id = 0;
    let now = 0;
    let popped = 0;
    const done: QueuedEvent[] = [];
    const popOne = (): boolean => {
      const best = earliest(model);
      const e = q.pop();
      if (best < 0) {
        expect(e).toBeUndefined();
        return false;
      }
      const want = model.splice(best, 1)[0];
      expect(e).toBe(want.h);
      now = e!.time;
      popped++;
      done.push(want.h); // run: may be scheduled again with reuse()
      return true;
    };
    for (let round = 0; round < 300; round++) {
      for (let j = 0; j < 30; j++) {
        // far timers, near events, and ties at one instant
        const time = now + (rng.chance(0.3) ? rng.int(1_000_000, 60_000_000) : rng.int(0, 20));
        const again = done.length > 0 && rng.chance(0.2) ? done.pop()! : undefined;
        if (again !== undefined) {
          expect(q.reuse(again, time)).toBe(true);
          model.push({ time, id: id++, h: again });
        } else model.push({ time, id: id++, h: q.push(time, () => {}) });
      }
      for (let j = 0; j < 6 && model.length > 0; j++) {
        const k = rng.int(0, model.length - 1);
        expect(model[k].h.cancel()).toBe(true);
        model.splice(k, 1);
      }
      for (let j = rng.int(0, 40); j > 0; j--) if (!popOne()) break;
    }
    while (popOne());
    expect(popped).toBeGreaterThan(3000);
    expect(q.live).toBe(0);
  });

  test('cancelled entries are dropped once they outnumber the live ones: the queue stays small, the order stays exact, and a dropped entry can be scheduled again', () => {
    const q = new EventQueue();
    const rng = new Rng(11, 'compact');
    const model: Array<{ time: number; id: number; h: QueuedEvent }> = [];
    let id = 0;
    let now = 0;
    let maxSize = 0;
    const cancelledOnce: QueuedEvent[] = [];
    for (let round = 0; round < 400; round++) {
      // a connection's worth: a far timer (FIN-WAIT-2, 60 s) and near events; most far timers are cancelled soon after
      for (let j = 0; j < 20; j++) {
        const time = now + (j < 10 ? rng.int(50_000_000_000, 60_000_000_000) : rng.int(0, 1000));
        const again = cancelledOnce.length > 0 && rng.chance(0.3) ? cancelledOnce.pop()! : undefined;
        if (again !== undefined && q.reuse(again, time)) model.push({ time, id: id++, h: again });
        else model.push({ time, id: id++, h: q.push(time, () => {}) });
      }
      // 19 of every 20 new far timers are cancelled
      for (let k = model.length - 20; k < model.length; k++) {
        if (model[k].time - now > 1_000_000_000 && rng.chance(0.95)) {
          expect(model[k].h.cancel()).toBe(true);
          cancelledOnce.push(model[k].h);
          model.splice(k--, 1);
        }
      }
      maxSize = Math.max(maxSize, q.size);
      expect(q.live).toBe(model.length);
      // pop the near events (and check each against the model)
      for (;;) {
        const best = earliest(model);
        if (best < 0 || model[best].time > now + 1000) break;
        const e = q.pop();
        expect(e).toBe(model[best].h);
        now = e!.time;
        model.splice(best, 1);
      }
    }
    // 8,000 entries went in; about 3,800 far timers were cancelled, about 200 live ones remain
    expect(model.length).toBeGreaterThan(100);
    expect(maxSize).toBeLessThanOrEqual(Math.max(2 * model.length + 2, 256 + model.length) + 40);
    const rest: QueuedEvent[] = [];
    for (let e = q.pop(); e; e = q.pop()) rest.push(e);
    model.sort((a, b) => a.time - b.time || a.id - b.id);
    expect(rest).toEqual(model.map((m) => m.h));
    expect(q.live).toBe(0);
    expect(q.size).toBe(0);
  });

  test('the queue is rebuilt at the cancel that makes cancelled entries 256 and more than the live ones', () => {
    const q = new EventQueue();
    q.push(1, () => {});
    const far: QueuedEvent[] = [];
    for (let i = 0; i < 301; i++) far.push(q.push(60e9 + i, () => {}));
    expect(q.size).toBe(302);
    for (let i = 0; i < 255; i++) far[i].cancel();
    expect(q.size).toBe(302); // 255 cancelled: kept
    far[255].cancel();
    expect(q.size).toBe(46); // the 256th: dropped, with their callbacks
    for (let i = 256; i < 301; i++) far[i].cancel();
    expect(q.size).toBe(46); // 45 cancelled against 1 live: under the minimum
    expect(q.live).toBe(1);
    expect(q.pop()!.time).toBe(1);
    expect(q.pop()).toBeUndefined();
    expect(q.size).toBe(0);
    // a dropped entry is out of the heap: it can be scheduled again at once
    expect(q.reuse(far[0] as QueuedEvent, 5)).toBe(true);
    expect(q.pop()).toBe(far[0]);
  });

  test('a heap of many random events pops in (time, seq) order', () => {
    const q = new EventQueue();
    const rng = new Rng(3, 'heap');
    const want: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const t = rng.int(0, 300);
      q.push(t, () => {});
      want.push([t, i]);
    }
    want.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const got: [number, number][] = [];
    for (let e = q.pop(); e; e = q.pop()) got.push([e.time, e.seq]);
    expect(got).toEqual(want);
  });
});

describe('simulator', () => {
  test('advances integer time, runs until a limit, and refuses the past', () => {
    const sim = new Simulator();
    const seen: number[] = [];
    sim.schedule(100, () => {
      seen.push(sim.now);
      sim.schedule(50, () => seen.push(sim.now));
    });
    sim.at(1_000, () => seen.push(sim.now));
    const r = sim.run({ until: 500 });
    expect(seen).toEqual([100, 150]);
    expect(r).toEqual({ reason: 'until', events: 2, now: 500 });
    expect(() => sim.at(499, () => {})).toThrow(RangeError);
    expect(() => sim.schedule(1.5, () => {})).toThrow(RangeError);
    expect(sim.run()).toEqual({ reason: 'idle', events: 1, now: 1_000 });
  });

  test('maxEvents stops a livelock; stop() ends a run', () => {
    const sim = new Simulator();
    const loop = () => sim.schedule(0, loop);
    loop();
    expect(sim.run({ maxEvents: 1000 }).reason).toBe('maxEvents');
    const sim2 = new Simulator();
    sim2.schedule(1, () => sim2.stop());
    sim2.schedule(2, () => {});
    expect(sim2.run().reason).toBe('stopped');
    expect(sim2.pending).toBe(1);
  });

  test('random streams depend on (seed, name) only', () => {
    const a = new Simulator({ seed: 42 });
    const b = new Simulator({ seed: 42 });
    b.rng('other').nextU32(); // another component drawing first does not perturb 'x'
    const xa = Array.from({ length: 5 }, () => a.rng('x').nextU32());
    const xb = Array.from({ length: 5 }, () => b.rng('x').nextU32());
    expect(xa).toEqual(xb);
    const c = new Simulator({ seed: 43 });
    expect(Array.from({ length: 5 }, () => c.rng('x').nextU32())).not.toEqual(xa);
  });

  test('rng helpers stay in range and are roughly uniform', () => {
    const r = new Rng(9, 'u');
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      bins[Math.floor(f * 10)]++;
    }
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-3, 3);
      expect(v >= -3 && v <= 3 && Number.isInteger(v)).toBe(true);
    }
    // geometric mean (1-p)/p
    let s = 0;
    for (let i = 0; i < 20_000; i++) s += r.geometric(0.01);
    expect(s / 20_000).toBeGreaterThan(90);
    expect(s / 20_000).toBeLessThan(108);
  });

  test('trace bus: inactive until subscribed; events stamped with simulated time', () => {
    const sim = new Simulator();
    expect(sim.trace.active).toBe(false);
    const { events, stop } = sim.trace.record(['log']);
    expect(sim.trace.active).toBe(true);
    sim.schedule(7, () => sim.trace.emit('log', 'me', { level: 'info', message: 'hi' }));
    sim.schedule(8, () => sim.trace.emit('drop', 'me', { what: 'x', reason: 'y', counter: 'z' }));
    sim.run();
    expect(events).toEqual([{ time: 7, source: 'me', kind: 'log', level: 'info', message: 'hi' }]);
    stop();
    expect(sim.trace.active).toBe(false);
  });

  test('runAsync lets an awaiting process resume at the simulated instant it was woken', async () => {
    const sim = new Simulator();
    const sleep = (ns: number) =>
      new Promise<void>((resolve) =>
        sim.schedule(ns, () => {
          sim.wake();
          resolve();
        }),
      );
    const log: number[] = [];
    const proc = (async () => {
      await sleep(100);
      log.push(sim.now);
      await sleep(250);
      log.push(sim.now);
    })();
    sim.schedule(1_000, () => log.push(-sim.now));
    await sim.runAsync();
    await proc;
    expect(log).toEqual([100, 350, -1000]);
  });

  test('runAsync lets a woken chain of any depth finish at that instant, whatever context runAsync is called from', async () => {
    // a continuation that goes through 200 awaits, nested async functions, Promise.all and a
    // thenable before it reads the clock: all of it must run before the next event (t = 101)
    const deep = async (n: number): Promise<number> => (n === 0 ? 0 : 1 + (await deep(n - 1)));
    const scenario = async (start: (run: () => Promise<unknown>) => Promise<unknown>) => {
      const sim = new Simulator();
      const seen: number[] = [];
      const woken = new Promise<void>((resolve) =>
        sim.schedule(100, () => {
          sim.wake();
          resolve();
        }),
      );
      const proc = (async () => {
        await woken;
        for (let i = 0; i < 200; i++) await null;
        await Promise.all([deep(50), deep(20)]);
        await { then: (r: (v: number) => void) => r(1) };
        seen.push(sim.now);
        sim.schedule(0, () => seen.push(-sim.now)); // what the process schedules runs at its instant too
      })();
      sim.schedule(101, () => seen.push(sim.now));
      await start(() => sim.runAsync());
      await proc;
      return seen;
    };
    const want = [100, -100, 101];
    expect(await scenario((run) => run())).toEqual(want); // from a promise continuation
    expect(await scenario((run) => new Promise((res) => setImmediate(() => void run().then(res))))).toEqual(want); // from a macrotask
    expect(await scenario((run) => new Promise((res) => process.nextTick(() => void run().then(res))))).toEqual(want); // from a tick
  });

  test('real-time mode paces simulated time to the wall clock and accepts posted events', async () => {
    const sim = new Simulator();
    const wallAt: number[] = [];
    const t0 = performance.now();
    sim.schedule(30_000_000, () => wallAt.push(performance.now() - t0)); // 30 ms
    let postedAt = -1;
    let postWall = -1; // when the host timer really fired (a loaded machine fires it late)
    setTimeout(() => {
      postWall = performance.now() - t0;
      sim.post(() => (postedAt = sim.now));
    }, 10);
    const r = await sim.runRealtime({ until: 40_000_000 });
    expect(r.reason).toBe('until');
    expect(wallAt[0]).toBeGreaterThanOrEqual(29);
    // the post lands at the simulated instant of the wall clock when it came (never past the next event)
    expect(postedAt).toBeGreaterThanOrEqual(9_000_000);
    expect(postedAt).toBeLessThanOrEqual(Math.ceil(postWall * 1e6) + 1_000_000);
    if (postWall < 29) expect(postedAt).toBeLessThan(30_000_000);
    // scaled: 10x faster than real time — 1 s simulated takes about 100 ms of wall time (the bounds
    // leave room for a loaded machine, but not for pacing at speed 1)
    const fast = new Simulator();
    let ranAt = -1;
    const s = performance.now();
    fast.schedule(1_000_000_000, () => (ranAt = performance.now() - s));
    await fast.runRealtime({ speed: 10 });
    expect(ranAt).toBeGreaterThanOrEqual(99);
    expect(ranAt).toBeLessThan(700);
  });

  test('time formatting', () => {
    expect(formatNanos(1_000_000_512)).toBe('1.000000512s');
    expect(formatDuration(512)).toBe('512 ns');
    expect(formatDuration(1_500)).toBe('1.5 µs');
  });
});

describe('reusableEvent', () => {
  test('one event scheduled again and again: runs in (time, insertion) order with others, at most one pending, cancellable, never reallocated', () => {
    const sim = new Simulator();
    const log: string[] = [];
    const ev = sim.reusableEvent(() => {
      log.push(`r@${sim.now}`);
      if (sim.now < 20) ev.schedule(10); // rescheduled from inside its own run
    });
    sim.schedule(0, () => log.push('a@0'));
    expect(ev.schedule(0)).toBe(true);
    expect(ev.pending).toBe(true);
    expect(ev.schedule(5)).toBe(false); // already pending: nothing changes
    sim.schedule(0, () => log.push('b@0'));
    sim.run();
    expect(log).toEqual(['a@0', 'r@0', 'b@0', 'r@10', 'r@20']);
    expect(ev.pending).toBe(false);
    expect(ev.schedule(7)).toBe(true);
    expect(ev.cancel()).toBe(true);
    expect(sim.pending).toBe(0);
    sim.run();
    expect(log).toHaveLength(5);
    // cancelled and scheduled again at once (the old entry still waits in the heap to be discarded)
    expect(ev.schedule(3)).toBe(true);
    expect(ev.cancel()).toBe(true);
    expect(ev.schedule(4)).toBe(true);
    sim.run();
    expect(log).toEqual(['a@0', 'r@0', 'b@0', 'r@10', 'r@20', 'r@24']);
    expect(() => ev.schedule(-1)).toThrow(RangeError);
  });

  test('with a receiver, the method runs on that object, also after a cancel left a stale entry', () => {
    const sim = new Simulator();
    class Device {
      runs: string[] = [];
      constructor(readonly name: string) {}
      fire(this: Device): void {
        this.runs.push(`${this.name}@${sim.now}`);
      }
    }
    const a = new Device('a');
    const b = new Device('b');
    const ea = sim.reusableEvent(Device.prototype.fire, a);
    const eb = sim.reusableEvent(Device.prototype.fire, b);
    ea.schedule(2);
    eb.schedule(1);
    sim.run();
    ea.schedule(5);
    ea.cancel();
    ea.schedule(6); // a fresh entry while the cancelled one waits in the heap
    sim.run();
    expect([a.runs, b.runs]).toEqual([['a@2', 'a@8'], ['b@1']]);
  });

  test('step() and runAsync() run a method event on its object, as run() does', async () => {
    const sim = new Simulator();
    const seen: string[] = [];
    const dev = {
      name: 'dev',
      fire(this: { name: string }) {
        seen.push(`${this.name}@${sim.now}`);
      },
    };
    const e = sim.reusableEvent(dev.fire, dev);
    e.schedule(3);
    expect(sim.step()).toBe(true);
    e.schedule(4);
    await sim.runAsync();
    expect(seen).toEqual(['dev@3', 'dev@7']);
  });
});

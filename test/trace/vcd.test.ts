/** The VCD writer: parses as VCD and its signal changes line up with the frames' simulated times. */
import { expect, test } from 'vitest';
import { Simulator } from '../../sim/index.js';
import { Cable, HostMemory, Nic, e1000 as R, writeRxDescriptor, writeTxDescriptor, TXD_CMD, type Speed } from '../../hw/index.js';
import { VcdWriter } from '../../trace/vcd.js';

function parseVcd(text: string) {
  const vars = new Map<string, { name: string; kind: string }>();
  const changes: Array<{ t: number; id: string; v: string }> = [];
  const lines = text.split('\n');
  let t = 0;
  let inDefs = true;
  let inDump = false;
  for (const l of lines) {
    if (!l) continue;
    if (inDefs) {
      const m = /^\$var (wire|real) (\d+) (\S+) (\S+) \$end$/.exec(l);
      if (m) vars.set(m[3], { kind: m[1], name: m[4] });
      else if (l === '$enddefinitions $end') inDefs = false;
      else if (!/^\$(version|timescale|scope|upscope)/.test(l)) throw new Error(`bad header line: ${l}`);
      continue;
    }
    if (l.startsWith('#')) {
      const nt = Number(l.slice(1));
      if (!(nt >= t)) throw new Error('time goes backwards');
      t = nt;
    } else if (l === '$dumpvars') inDump = true;
    else if (l === '$end') inDump = false;
    else if (inDump) continue; // initial values
    else {
      const m = /^(?:r(-?\d+(?:\.\d+)?) (\S+)|([01xz])(\S+))$/.exec(l);
      if (!m) throw new Error(`bad value line: ${l}`);
      const id = m[2] ?? m[4];
      if (!vars.has(id)) throw new Error(`undeclared id ${id}`);
      changes.push({ t, id, v: m[1] ?? m[3] });
    }
  }
  return { vars, changes };
}

for (const speed of [10, 100, 1000] as Speed[]) {
  test(`${speed} Mb/s: TX line levels start at the frame's first bit; IRQ and link changes at their instants`, () => {
    const sim = new Simulator({ seed: 1 });
    const vcd = new VcdWriter(sim);
    const mk = (name: string) => {
      const memory = new HostMemory(1 << 20);
      const nic = new Nic(sim, { memory, name, phy: { autonegNs: 1_000_000 } });
      nic.phy.mdioWrite(9, speed === 1000 ? 0x0200 : 0);
      nic.phy.mdioWrite(4, speed === 1000 ? 0x01e1 : speed === 100 ? 0x0181 : 0x0061);
      nic.write32(R.CTRL.offset, R.CTRL.f.SLU.mask);
      nic.write32(R.TDBAL.offset, 0x1000);
      nic.write32(R.TDLEN.offset, 128);
      nic.write32(R.TCTL.offset, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask);
      for (let i = 0; i < 8; i++) writeRxDescriptor(memory, 0x2000 + 16 * i, 0x8000 + 2048 * i);
      nic.write32(R.RDBAL.offset, 0x2000);
      nic.write32(R.RDLEN.offset, 128);
      nic.write32(R.RDT.offset, 7);
      nic.write32(R.RCTL.offset, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask);
      nic.write32(R.IMS.offset, R.INT.RXT0);
      return { nic, memory };
    };
    const a = mk('a');
    const b = mk('b');
    new Cable(sim, { lengthM: 10 }).connect(a.nic.port, b.nic.port);
    sim.run({ until: 2_000_000 });
    const f = new Uint8Array(60).fill(0xff);
    a.memory.write(0x4000, f);
    writeTxDescriptor(a.memory, 0x1000, { buffer: 0x4000, length: 60, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
    const t0 = sim.now;
    a.nic.write32(R.TDT.offset, 1);
    sim.run({ until: t0 + 1_000_000 });
    const { vars, changes } = parseVcd(vcd.render());
    const names = [...vars.values()].map((v) => v.name).sort();
    const tx = speed === 10 ? 'a.tx_10BASE_T' : speed === 100 ? 'a.tx_100BASE_TX' : 'a.tx_1000BASE_X';
    // at 10 Mb/s both adapters also send link pulses while idle
    expect(names).toEqual(['a.link_up', tx, 'b.irq', 'b.link_up', ...(speed === 10 ? ['b.tx_10BASE_T'] : [])].sort());
    const id = (n: string) => [...vars.entries()].find(([, v]) => v.name === n)![0];
    const txc = changes.filter((c) => c.id === id(tx) && c.t >= t0 * 10);
    const bit = speed === 10 ? 100 : speed === 100 ? 10 : 1;
    const dur = (8 + 64) * 8 * bit; // ns on the wire
    // the line stream begins with the frame's first bit (idle before is drawn flat) and ends after its last symbols
    // (a 10BASE-T line at rest is drawn low, and so is the first half of the first preamble 1: its mid-bit rise is the first change)
    expect(txc[0].t).toBe((t0 + (speed === 10 ? 50 : 0)) * 10);
    expect(txc[txc.length - 1].t).toBeGreaterThanOrEqual((t0 + dur) * 10);
    expect(txc[txc.length - 1].t).toBeLessThanOrEqual((t0 + dur + 96 * bit) * 10);
    const irq = changes.filter((c) => c.id === id('b.irq'));
    expect(irq[0]).toEqual({ t: (t0 + dur + 50) * 10, id: id('b.irq'), v: '1' }); // RXT0 when the last bit arrives
    const link = changes.filter((c) => c.id === id('a.link_up'));
    expect(link[0]).toEqual({ t: 1_000_000 * 10, id: id('a.link_up'), v: '1' });
    if (speed === 100) expect(new Set(txc.map((c) => c.v))).toEqual(new Set(['-1', '0', '1']));
  });
}

test('changes of one signal at one instant are merged, changes to the value it has are left out, and the window starts from the known state', () => {
  const sim = new Simulator({ seed: 1 });
  const vcd = new VcdWriter(sim, { fromNs: 10, links: { a: true } });
  const irq = (level: boolean) => sim.trace.emit('irq', 'a', { line: 'a', level });
  sim.trace.emit('nic.link', 'b', { up: true, speed: 1000, duplex: 'full' }); // before the window: b's initial state
  sim.schedule(10, () => irq(true)); // at the window's first instant: the initial value
  sim.schedule(20, () => (irq(false), irq(true), irq(false))); // a zero-width glitch: only the last value stays
  sim.schedule(30, () => irq(false)); // no change
  sim.schedule(40, () => (irq(true), irq(true)));
  sim.run({ until: 50 });
  const text = vcd.render();
  const { vars, changes } = parseVcd(text);
  const id = (n: string) => [...vars.entries()].find(([, v]) => v.name === n)![0];
  expect(text).toContain(`$dumpvars\n1${id('a.irq')}\n1${id('a.link_up')}\n1${id('b.link_up')}\n$end`);
  expect(changes).toEqual([
    { t: 200, id: id('a.irq'), v: '0' },
    { t: 400, id: id('a.irq'), v: '1' },
  ]);
});

test('10BASE-T: link integrity pulses of 100 ns every 16 ms ± 8 ms while the line is idle', () => {
  const sim = new Simulator({ seed: 3 });
  const vcd = new VcdWriter(sim);
  const nics = ['a', 'b'].map((name) => {
    const nic = new Nic(sim, { memory: new HostMemory(1 << 16), name, phy: { autonegNs: 1_000_000 } });
    nic.phy.mdioWrite(9, 0);
    nic.phy.mdioWrite(4, 0x0061);
    nic.write32(R.CTRL.offset, R.CTRL.f.SLU.mask);
    return nic;
  });
  new Cable(sim).connect(nics[0].port, nics[1].port);
  sim.run({ until: 200_000_000 });
  const { vars, changes } = parseVcd(vcd.render());
  const id = [...vars.entries()].find(([, v]) => v.name === 'a.tx_10BASE_T')![0];
  const rises = changes.filter((c) => c.id === id && c.v === '1').map((c) => c.t / 10);
  const falls = changes.filter((c) => c.id === id && c.v === '0').map((c) => c.t / 10);
  expect(rises.length).toBeGreaterThanOrEqual(199 / 24);
  expect(rises[0]).toBe(1_000_000); // the first pulse when the link comes up
  rises.forEach((t, i) => expect(falls[i] - t).toBe(100));
  for (let i = 1; i < rises.length; i++) {
    expect(rises[i] - rises[i - 1]).toBeGreaterThanOrEqual(8_000_000);
    expect(rises[i] - rises[i - 1]).toBeLessThanOrEqual(24_000_000);
  }
});

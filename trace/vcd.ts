/**
 * A VCD (IEEE 1364 value change dump) writer for waveform viewers such as GTKWave: for a chosen
 * window of simulated time, the line level of each adapter's transmit pair, its IRQ line and its
 * link state. Frames carry their line symbols in signal fidelity; in frame fidelity the writer
 * line-codes the frame itself with the PHY of the link's speed (10BASE-T Manchester, 100BASE-TX
 * 4B/5B + scrambler + MLT-3, 1000BASE-X 8b/10b), so the picture is the same either way. Between
 * frames a 10BASE-T line carries its link integrity pulses (100 ns, every 16 ms ± 8 ms, jitter from
 * a seeded stream); the continuous 100BASE-TX and 1000BASE-X idle streams are drawn at rest (0).
 *
 * Timescale 100 ps, so every code bit of every PHY (50 ns half-bits, 8 ns, 0.8 ns) lands exactly.
 *
 * Every adapter seen has a `link_up` signal (its STATUS.LU), starting from its state at the window's
 * start (`links`, or the last `nic.link` event before it). IRQ lines rise when the adapter asserts
 * them and fall when the handler's ICR read clears the cause, so they are high for the interrupt
 * latency. Changes of one signal at one instant are merged (the last value wins) and changes to
 * the value a signal already has are left out, so no value lasts zero time.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { TraceEvent } from '../sim/trace.js';
import type { Nanos } from '../sim/time.js';
import { createLineCodec, nlpPulseTimes, NLP_PULSE_WIDTH_NS, type LineCodec, type LineStream, type PhyKind } from '../hw/phy/linecode/index.js';
import type { Rng } from '../sim/rng.js';
import '../hw/nic.js';
import '../hw/irq.js';

/** Options of a {@link VcdWriter}. */
export interface VcdOptions {
  /** Start of the window, ns (default 0). */
  fromNs?: Nanos;
  /** End of the window, ns (default: no end). */
  toNs?: Nanos;
  /** Link state (up: true) of adapters at the window's start, by adapter name, for those whose last link change came before the writer was created. */
  links?: Readonly<Record<string, boolean>>;
  /** IRQ line levels at the window's start, by line name (default low). */
  irqs?: Readonly<Record<string, boolean>>;
}

interface Signal {
  id: string;
  name: string;
  kind: 'wire' | 'real';
  /** Value at the window's start. */
  initial: string;
  changes: Array<[number, string]>; // [time in 100 ps units, value]
}

const PHY_BY_BIT_TIME: Record<number, PhyKind> = { 100: '10BASE-T', 10: '100BASE-TX', 1: '1000BASE-X' };

/** Seconds of one code bit (in 100 ps units) of each PHY. */
const CODE_BIT_UNITS: Record<PhyKind, number> = { '10BASE-T': 500, '100BASE-TX': 80, '1000BASE-X': 8 };

/** Collects waveforms from the trace bus and renders them as VCD text. */
export class VcdWriter {
  private readonly signals = new Map<string, Signal>();
  private readonly from: Nanos;
  private readonly to: Nanos;
  private readonly codecs = new Map<string, LineCodec>();
  private nextId = 0;
  private readonly stop: () => void;
  /** Per adapter: intervals [from, to) of a 10 Mb/s link, and its frames' busy intervals. */
  private readonly tenBaseT = new Map<string, { up: Array<[Nanos, Nanos]>; busy: Array<[Nanos, Nanos]> }>();
  private readonly sim: Simulator;
  private rendered = false;

  constructor(sim: Simulator, opts: VcdOptions = {}) {
    this.sim = sim;
    this.from = opts.fromNs ?? 0;
    this.to = opts.toNs ?? Infinity;
    for (const [name, up] of Object.entries(opts.links ?? {})) this.signal(`${name}.link_up`, 'wire').initial = up ? '1' : '0';
    for (const [name, level] of Object.entries(opts.irqs ?? {})) this.signal(`${name}.irq`, 'wire').initial = level ? '1' : '0';
    this.stop = sim.trace.subscribe((e) => this.on(e), ['wire.tx', 'irq', 'nic.link']);
  }

  /** Stops listening (the collected waveforms stay). */
  detach(): void {
    this.stop();
  }

  private signal(name: string, kind: 'wire' | 'real'): Signal {
    let s = this.signals.get(name);
    if (!s) {
      s = { id: vcdId(this.nextId++), name, kind, initial: kind === 'real' ? 'r0' : '0', changes: [] };
      this.signals.set(name, s);
    }
    return s;
  }

  private inWindow(t: Nanos): boolean {
    return t >= this.from && t <= this.to;
  }

  private on(e: TraceEvent): void {
    if (e.kind === 'irq') {
      const sig = this.signal(`${e.line}.irq`, 'wire');
      if (this.inWindow(e.time)) sig.changes.push([e.time * 10, e.level ? '1' : '0']);
      else if (e.time < this.from) sig.initial = e.level ? '1' : '0';
    } else if (e.kind === 'nic.link') {
      const sig = this.signal(`${e.source}.link_up`, 'wire');
      if (this.inWindow(e.time)) sig.changes.push([e.time * 10, e.up ? '1' : '0']);
      else if (e.time < this.from) sig.initial = e.up ? '1' : '0';
      const t = this.tenBaseT.get(e.source) ?? { up: [], busy: [] };
      this.tenBaseT.set(e.source, t);
      const open = t.up.length > 0 && t.up[t.up.length - 1][1] === Infinity;
      if (open) t.up[t.up.length - 1][1] = e.time;
      if (e.up && e.speed === 10) t.up.push([e.time, Infinity]);
    } else if (e.kind === 'wire.tx') {
      const f = e.frame;
      if (f.txStart > this.to || e.end < this.from) return;
      const kind = PHY_BY_BIT_TIME[f.bitTimeNs];
      if (!kind) return;
      const stream = (f.symbols as LineStream | undefined) ?? this.codec(e.source, kind).encodeFrame(f.bytes, { idleBefore: 0, idleAfter: 0 });
      this.drawStream(e.source, kind, stream, f.txStart);
      if (kind === '10BASE-T') this.tenBaseT.get(e.source)?.busy.push([f.txStart, e.end + 96 * f.bitTimeNs]);
    }
  }

  private codec(source: string, kind: PhyKind): LineCodec {
    const key = `${source}/${kind}`;
    let c = this.codecs.get(key);
    if (!c) {
      c = createLineCodec(kind);
      this.codecs.set(key, c);
    }
    return c;
  }

  private drawStream(source: string, kind: PhyKind, stream: LineStream, start: Nanos): void {
    const sig = this.signal(`${source}.tx_${kind.replace(/[^0-9A-Za-z]/g, '_')}`, kind === '100BASE-TX' ? 'real' : 'wire');
    const unit = CODE_BIT_UNITS[kind];
    const levels = stream.levels;
    const t0 = start * 10;
    const lo = this.from * 10;
    const hi = this.to * 10;
    let prev: number | null = null;
    for (let i = 0; i < levels.length; i++) {
      const t = t0 + i * unit;
      if (t > hi) break;
      const v = levels[i];
      if (t < lo) {
        prev = null;
        continue;
      }
      if (v !== prev) {
        sig.changes.push([t, sig.kind === 'real' ? `r${v}` : String(v)]);
        prev = v;
      }
    }
    const end = t0 + levels.length * unit;
    if (end >= lo && end <= hi) sig.changes.push([end, sig.kind === 'real' ? 'r0' : '0']);
  }

  /** Adds the 10BASE-T link integrity pulses of idle periods in the window (up to `until`, default now). */
  private drawLinkPulses(until: Nanos): void {
    for (const [source, t] of this.tenBaseT) {
      const rng: Rng = this.sim.rng(`vcd.nlp.${source}`);
      for (const [a, b] of t.up) {
        const lo = Math.max(a, this.from);
        const hi = Math.min(b === Infinity ? until : b, this.to, until);
        if (hi <= lo) continue;
        const sig = this.signal(`${source}.tx_10BASE_T`, 'wire');
        for (const p of nlpPulseTimes(lo, hi, { random: () => rng.float(), firstAt: a })) {
          if (t.busy.some(([s, e]) => p + NLP_PULSE_WIDTH_NS > s && p < e)) continue;
          sig.changes.push([p * 10, '1'], [(p + NLP_PULSE_WIDTH_NS) * 10, '0']);
        }
      }
    }
  }

  /** The VCD text (link pulses are drawn up to the simulator's current time). */
  render(): string {
    if (!this.rendered) {
      this.drawLinkPulses(this.sim.now);
      this.rendered = true;
    }
    const sigs = [...this.signals.values()].sort((a, b) => a.name.localeCompare(b.name));
    const out: string[] = [];
    out.push('$version nicsim $end');
    out.push('$timescale 100ps $end');
    out.push('$scope module nicsim $end');
    for (const s of sigs) out.push(`$var ${s.kind} ${s.kind === 'real' ? 64 : 1} ${s.id} ${s.name} $end`);
    out.push('$upscope $end');
    out.push('$enddefinitions $end');
    const start = Number.isFinite(this.from) ? this.from * 10 : 0;
    out.push(`#${start}`);
    out.push('$dumpvars');
    // changes at the window's first instant become the signal's value in $dumpvars
    const settled = sigs.map((s) => {
      const c = settle(s.changes, s.initial);
      let initial = s.initial;
      while (c.length > 0 && c[0][0] <= start) initial = c.shift()![1];
      return { s, initial, changes: c.length > 0 && c[0][1] === initial ? c.slice(1) : c };
    });
    for (const { s, initial } of settled) out.push(s.kind === 'real' ? `${initial} ${s.id}` : `${initial}${s.id}`);
    out.push('$end');
    const all: Array<[number, number, string, Signal]> = [];
    let seq = 0;
    for (const { s, changes } of settled) for (const [t, v] of changes) all.push([t, seq++, v, s]);
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let last = start;
    for (const [t, , v, s] of all) {
      if (t !== last) {
        out.push(`#${t}`);
        last = t;
      }
      out.push(s.kind === 'real' ? `${v} ${s.id}` : `${v}${s.id}`);
    }
    return out.join('\n') + '\n';
  }
}

/**
 * The changes of one signal in time order (stable), merged per instant (the last value wins), and
 * without the changes that keep the value it has: what is left lasts a non-zero time each.
 */
function settle(changes: ReadonlyArray<[number, string]>, initial: string): Array<[number, string]> {
  const sorted = changes.map((c, i) => ({ c, i })).sort((a, b) => a.c[0] - b.c[0] || a.i - b.i);
  const out: Array<[number, string]> = [];
  let value = initial;
  for (let k = 0; k < sorted.length; k++) {
    const [t, v] = sorted[k].c;
    if (k + 1 < sorted.length && sorted[k + 1].c[0] === t) continue; // a later change at the same instant wins
    if (v === value) continue;
    out.push([t, v]);
    value = v;
  }
  return out;
}

function vcdId(n: number): string {
  // identifiers use printable ASCII 33..126
  let s = '';
  do {
    s += String.fromCharCode(33 + (n % 94));
    n = Math.floor(n / 94);
  } while (n > 0);
  return s;
}

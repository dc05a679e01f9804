/**
 * The page of `nicsim view`: the simulator runs here, in the browser, and the panels show one
 * instant of it — registers, descriptor rings, the interrupt line, the wire (ladder, frames, bytes,
 * line code), the state machines, the narration — with controls to step in simulated time, set
 * breakpoints and inject faults. Plain DOM, no framework.
 * @module
 */
import './globals.js';
import { Session, replay, dropsOf, describeBreakpoint, breakpointsFromParams, breakpointsToParams, parseBreakpoint, type Breakpoint, type Recorded, type StopInfo } from '../model/session.js';
import { configFromParams, configToParams, defaultConfig, TOPOLOGIES, type ViewConfig } from '../model/scenario.js';
import { registerRows, ringView, irqView, bufferBytes, ICR_CAUSES, type RingView, type DescRow } from '../model/inspect.js';
import { decodeFrame, lineCode, phyKindOf, type DecodedFrame } from '../model/frame.js';
import { renderLadderSvg, LADDER_KINDS } from '../../trace/ladder.js';
import { layerOf, LAYERS, type Layer } from '../../trace/narrate.js';
import { describeEvent } from '../../trace/text.js';
import { formatNanos } from '../../sim/time.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { WireFrame } from '../../hw/medium/types.js';
import type { Nic } from '../../hw/nic.js';
import type { E1000 } from '../../driver/e1000.js';
import { crc32 } from '../../hw/mac/crc32.js';
import { createLineCodec, type LineStream } from '../../hw/phy/linecode/index.js';
import { csmaMachine } from '../../hw/mac/csma.js';
import { phyLinkMachine } from '../../hw/phy/link.js';
import { e1000Lifecycle } from '../../driver/lifecycle.js';
import { tcpMachine } from '../../stack/tcp/machine.js';
import { arpEntryMachine } from '../../stack/iface/arp.js';
import { machineLayout, machineSvg, machineText, eventLabel } from '../model/machines.js';
import type { AnyStateMachine } from 'xstate';

// ------------------------------------------------------------------ state
let config: ViewConfig;
let live: Session;
let shown: Session;
let breakpoints: Breakpoint[] = [];
let nicIndex = 0;
let selFrame: number | null = null;
let selInstant: number | null = null;
let prevRegs = new Map<string, number>();
let running = false;
let busy = false;
let lastStop = 'ready: nothing has run yet';
const layers = new Set<Layer>(LAYERS);
let waveStart = 0;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const hex8 = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
const hexBytes = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** The machines the view draws, laid out once from their xstate definitions, by machine id. */
const MACHINES = new Map([e1000Lifecycle, phyLinkMachine, csmaMachine, arpEntryMachine, tcpMachine].map((m) => [m.id, machineLayout(m as unknown as AnyStateMachine)]));
const MACHINE_ORDER = [...MACHINES.keys()];

const SPEEDS: Array<[string, number]> = [
  ['1 µs per second', 1e3],
  ['10 µs per second', 1e4],
  ['100 µs per second', 1e5],
  ['1 ms per second', 1e6],
  ['10 ms per second', 1e7],
  ['100 ms per second', 1e8],
  ['1 s per second', 1e9],
];

// ------------------------------------------------------------------ skeleton
function skeleton(): void {
  $('app').innerHTML = `
<header>
  <h1>nicsim view</h1>
  <div class="row" role="toolbar" aria-label="Simulation controls">
    <button id="step" aria-keyshortcuts="s" title="Run one simulator event (s)">Step event <kbd>s</kbd></button>
    <button id="next-frame" aria-keyshortcuts="f" title="Run until a frame starts on a wire (f)">Next frame <kbd>f</kbd></button>
    <button id="next-irq" aria-keyshortcuts="i" title="Run until an interrupt line is asserted (i)">Next interrupt <kbd>i</kbd></button>
    <button id="run" aria-pressed="false" aria-keyshortcuts="Space" title="Run at the chosen speed / pause (space)">Run <kbd>space</kbd></button>
    <label>speed <select id="speed">${SPEEDS.map(([t, v]) => `<option value="${v}"${v === 1e6 ? ' selected' : ''}>${t}</option>`).join('')}</select></label>
    <label title="When nothing happens for a while, jump to the next event"><input type="checkbox" id="skip" checked> skip idle time</label>
    <button id="reset" aria-keyshortcuts="r" title="Start the experiment again (r)">Restart <kbd>r</kbd></button>
  </div>
  <div class="status" role="status" aria-live="polite"><span id="time"></span> · event <b id="instant"></b> · <span id="stop"></span></div>
</header>
<div id="past" class="banner hidden" role="alert"></div>
<main>
 <div class="col">
  <section aria-labelledby="h-adapter">
    <h2 id="h-adapter">Adapter <select id="nic" aria-label="Adapter"></select> <small id="nic-info"></small></h2>
    <div class="irq" id="irq"></div>
    <div id="irq-history"></div>
    <div class="rings">
      <div class="ring" id="ring-tx"></div>
      <div class="ring" id="ring-rx"></div>
    </div>
    <p class="legend mono" style="font-size:11px;color:#6b6f76;margin:4px 0 0">green: DD written back · orange: owned by the adapter (head…tail) · grey: the driver's · outer marks: adapter's head H / tail T · inner marks: driver's next_to_use U / next_to_clean C. Hover or focus a descriptor for its fields and buffer bytes.</p>
  </section>
  <section aria-labelledby="h-regs">
    <h2 id="h-regs">Registers <small>as stored (no read side effects); yellow: changed since the last stop</small></h2>
    <div class="scroll" style="max-height:330px"><table class="regs" id="regs"><thead><tr><th>register</th><th>offset</th><th>value</th><th>fields</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section aria-labelledby="h-bp">
    <h2 id="h-bp">Breakpoints</h2>
    <div class="row">
      <select id="bp-kind" aria-label="Breakpoint kind">
        <option value="reg">register written (e.g. TDT)</option>
        <option value="cause">interrupt cause set (e.g. RXT0)</option>
        <option value="frame">frame matching (e.g. SYN, DNS, ARP, 10.0.1.2)</option>
        <option value="state">state transition (machine[:state], e.g. tcp:ESTABLISHED)</option>
      </select>
      <input id="bp-text" aria-label="Breakpoint value" placeholder="TDT" size="16">
      <label>on <select id="bp-nic" aria-label="Breakpoint adapter"></select></label>
      <button id="bp-add">Add</button>
    </div>
    <ul id="bp-list" class="mono"></ul>
  </section>
  <section aria-labelledby="h-mach">
    <h2 id="h-mach">State machines <small>drawn from their xstate definitions: current state filled, the last step in orange; pick an instance to draw</small></h2>
    <div class="machines scroll" id="machines" style="max-height:640px"></div>
  </section>
  <section aria-labelledby="h-exp">
    <h2 id="h-exp">Experiment <small>topology, seed, faults and breakpoints are in the page's address: share it</small></h2>
    <div class="row">
      <label>topology <select id="cfg-topology">${TOPOLOGIES.map((t) => `<option>${t}</option>`).join('')}</select></label>
      <label>seed <input id="cfg-seed" type="number" min="0" max="4294967295"></label>
      <label>speed <select id="cfg-speed"><option value="10">10BASE-T</option><option value="100">100BASE-TX</option><option value="1000">1000BASE-X</option></select></label>
      <label>fidelity <select id="cfg-fidelity"><option>frame</option><option>signal</option></select></label>
      <label>ring <input id="cfg-ring" type="number" min="8" max="4096" step="8"></label>
      <button id="cfg-apply">Apply and restart</button>
    </div>
    <div class="row"><label>link <input id="share" readonly size="60" aria-label="Shareable link"></label></div>
  </section>
 </div>
 <div class="col">
  <section aria-labelledby="h-ladder">
    <h2 id="h-ladder">The wire <small>ladder diagram of every frame so far</small></h2>
    <div class="ladder" id="ladder" role="img" aria-label="Ladder diagram"></div>
  </section>
  <section aria-labelledby="h-frames">
    <h2 id="h-frames">Frames <small>click one for its bytes</small></h2>
    <ul class="frames scroll mono" id="frames" style="max-height:170px" aria-label="Frames sent"></ul>
  </section>
  <section aria-labelledby="h-frame">
    <h2 id="h-frame">Frame <span id="frame-title"></span></h2>
    <div id="frame-detail"><p>No frame selected.</p></div>
  </section>
  <section aria-labelledby="h-faults">
    <h2 id="h-faults">Faults <small>which layer catches them</small></h2>
    <div class="row">
      <label title="a line bit counted from the first preamble bit, LSB of each octet first; in signal fidelity a code bit of the line stream">flip bit <input id="flip-bit" type="number" min="0" value="200"></label>
      <label>of frame <input id="flip-frame" type="number" min="1"></label>
      <button id="flip-apply">Flip</button>
    </div>
    <div class="row">
      <label>cable <select id="fault-cable" aria-label="Cable"></select></label>
      <label>BER <input id="ber" value="1e-5" size="7"></label>
      <button id="ber-apply">Set BER</button>
      <button id="pull">Pull the cable now</button>
      <button id="faults-clear">Clear faults</button>
    </div>
    <ul id="conseq" class="conseq mono"></ul>
  </section>
  <section aria-labelledby="h-narr">
    <h2 id="h-narr">Narration <small>click a line: the panels show that instant</small></h2>
    <div class="filters" id="filters">${LAYERS.map((l) => `<label class="lay-${l}"><input type="checkbox" data-layer="${l}" checked> ${l}</label>`).join('')}</div>
    <ol class="narr scroll" id="narr" style="max-height:300px" aria-label="Narration"></ol>
  </section>
 </div>
</main>
<div id="tip" class="hidden" role="tooltip"></div>`;
}

// ------------------------------------------------------------------ helpers
function adapters(s: Session): Array<{ nic: Nic; driver: E1000; host: string }> {
  return s.scenario.hosts.flatMap((h) => h.nics.map((nic, i) => ({ nic, driver: h.drivers[i], host: h.name })));
}

function frames(s: Session): Array<{ r: Recorded; frame: WireFrame }> {
  const out: Array<{ r: Recorded; frame: WireFrame }> = [];
  for (const r of s.log) if (r.ev.kind === 'wire.tx') out.push({ r, frame: r.ev.frame });
  return out;
}

/** The copy of frame `id` a receiver got (after faults), when it differs from what was sent. */
function received(s: Session, id: number): { frame: WireFrame; to: string } | null {
  for (const r of s.log) if (r.ev.kind === 'wire.rx' && r.ev.frame.id === id) return { frame: r.ev.frame, to: r.ev.to };
  return null;
}

function setUrl(): void {
  const q = breakpointsToParams(breakpoints, configToParams(config)).toString();
  history.replaceState(null, '', q ? `?${q}` : location.pathname);
  $<HTMLInputElement>('share').value = location.href;
}

// ------------------------------------------------------------------ rendering
function render(): void {
  const s = shown;
  $('time').textContent = `t = ${formatNanos(s.now)}`;
  $('instant').textContent = String(s.instant);
  $('stop').textContent = lastStop;
  $('instant').dataset.instant = String(s.instant);
  const past = $('past');
  if (s !== live) {
    past.classList.remove('hidden');
    past.innerHTML = `Showing the instant after event ${s.instant} (${esc(formatNanos(s.now))}), replayed from the start. <button id="back">Back to the live run (event ${live.instant})</button>`;
    $('back').onclick = () => {
      shown = live;
      selInstant = null;
      render();
    };
  } else past.classList.add('hidden');
  renderAdapter();
  renderFrames();
  renderFrame();
  renderLadder();
  renderMachines();
  renderConsequences();
  renderNarration();
}

function renderAdapter(): void {
  $('tip').classList.add('hidden'); // the descriptor under the pointer is redrawn: its mouseout never comes
  const list = adapters(shown);
  const sel = $<HTMLSelectElement>('nic');
  if (sel.options.length !== list.length) {
    sel.innerHTML = list.map((a, i) => `<option value="${i}">${esc(a.nic.name)}</option>`).join('');
    $<HTMLSelectElement>('bp-nic').innerHTML = `<option value="">any adapter</option>` + list.map((a) => `<option>${esc(a.nic.name)}</option>`).join('');
  }
  nicIndex = Math.min(nicIndex, list.length - 1);
  sel.value = String(nicIndex);
  const { nic, driver } = list[nicIndex];
  const link = nic.link;
  $('nic-info').textContent = `driver ${driver.name}, state ${driver.state}, link ${link ? `${link.speed} Mb/s ${link.duplex}` : 'down'}`;
  // IRQ
  const q = irqView(nic);
  const irq = $('irq');
  irq.dataset.level = String(q.level);
  irq.dataset.icr = hex8(q.icr);
  irq.innerHTML =
    `<span><span class="led${q.level ? ' on' : ''}" aria-hidden="true"></span>IRQ line <b>${q.level ? 'asserted' : 'low'}</b> (${q.assertions} assertions)</span>` +
    `<span>ICR <b class="mono" id="icr-value">${hex8(q.icr)}</b> IMS <b class="mono">${hex8(q.ims)}</b></span>` +
    `<span aria-label="Interrupt causes: pending ${q.pending.join(', ') || 'none'}; enabled ${q.enabled.join(', ') || 'none'}">${Object.entries(ICR_CAUSES)
      .map(([n, b]) => `<span class="cause${q.icr & b ? ' pend' : ''}${q.ims & b ? ' en' : ''}" title="${n}: ${q.icr & b ? 'pending' : 'not pending'}, ${q.ims & b ? 'enabled' : 'masked'}">${n}</span>`)
      .join('')}</span>`;
  drawIrqHistory(nic.name);
  // rings
  drawRing($('ring-tx'), ringView(nic, 'tx', driver), nic);
  drawRing($('ring-rx'), ringView(nic, 'rx', driver), nic);
  // registers
  const rows = registerRows(nic);
  const tb = $('regs').querySelector('tbody')!;
  const next = new Map<string, number>();
  tb.innerHTML = rows
    .map((r) => {
      const key = `${nic.name}:${r.name}`;
      next.set(key, r.value);
      const before = prevRegs.get(key);
      const changed = before !== undefined && before !== r.value;
      return `<tr data-reg="${esc(r.name)}"${changed ? ' class="changed"' : ''} title="${esc(r.long)} (${esc(r.group)})${changed ? ` — was ${hex8(before!)}` : ''}"><td>${esc(r.name)}</td><td>0x${r.offset.toString(16).padStart(5, '0')}</td><td class="value">${hex8(r.value)}</td><td>${esc(r.fields)}</td></tr>`;
    })
    .join('');
  for (const [k, v] of next) prevRegs.set(k, v);
}

function drawRing(el: HTMLElement, ring: RingView, nic: Nic): void {
  el.dataset.head = String(ring.head);
  el.dataset.tail = String(ring.tail);
  el.dataset.ntu = String(ring.nextToUse ?? '');
  el.dataset.ntc = String(ring.nextToClean ?? '');
  el.dataset.count = String(ring.count);
  const title = `${ring.which.toUpperCase()} ring: ${ring.count} descriptors at ${hex8(ring.base)}`;
  const summary = ring.count === 0 ? `${ring.which.toUpperCase()} ring not set up` : `${title}; head ${ring.head}, tail ${ring.tail}, next_to_use ${ring.nextToUse ?? '–'}, next_to_clean ${ring.nextToClean ?? '–'}; ${ring.descs.filter((d) => d.statusBits.includes('DD')).length} with DD set`;
  if (ring.count === 0) {
    el.innerHTML = `<p class="legend">${esc(summary)}</p>`;
    return;
  }
  const R = 100;
  const r0 = 62;
  const r1 = 92;
  const n = ring.count;
  const owned = (i: number) => (ring.tail - ring.head + n) % n > (i - ring.head + n) % n;
  const pt = (a: number, r: number) => `${(R + r * Math.sin(a)).toFixed(2)},${(R - r * Math.cos(a)).toFixed(2)}`;
  const segs = ring.descs
    .map((d) => {
      const a0 = (d.index / n) * 2 * Math.PI;
      const a1 = ((d.index + 1) / n) * 2 * Math.PI;
      const cls = d.statusBits.includes('DD') ? 'dd' : owned(d.index) ? 'hw' : d.buffer === 0 ? 'empty' : 'sw';
      return `<path class="seg ${cls}" data-i="${d.index}" tabindex="-1" d="M${pt(a0, r0)} L${pt(a0, r1)} A${r1},${r1} 0 0 1 ${pt(a1, r1)} L${pt(a1, r0)} A${r0},${r0} 0 0 0 ${pt(a0, r0)}Z"><title>${esc(descText(ring, d))}</title></path>`;
    })
    .join('');
  const mark = (i: number | null, label: string, outer: boolean, colour: string, far = false) => {
    if (i === null || i < 0) return '';
    const a = ((i + 0.5) / n) * 2 * Math.PI;
    // the second mark of each pair sits further out (or in), so equal indices stay readable
    const [ra, rb, rt] = outer ? [r1 + 1, r1 + (far ? 16 : 8), r1 + (far ? 22 : 13)] : [r0 - 1, r0 - (far ? 17 : 9), r0 - (far ? 23 : 14)];
    return `<line x1="${pt(a, ra).split(',')[0]}" y1="${pt(a, ra).split(',')[1]}" x2="${pt(a, rb).split(',')[0]}" y2="${pt(a, rb).split(',')[1]}" stroke="${colour}" stroke-width="2"/><text x="${pt(a, rt).split(',')[0]}" y="${pt(a, rt).split(',')[1]}" font-size="9" text-anchor="middle" dominant-baseline="middle" fill="${colour}" font-weight="700">${label}</text>`;
  };
  el.innerHTML =
    `<div><b>${ring.which.toUpperCase()} ring</b> <span class="mono" style="font-size:12px">H ${ring.head} T ${ring.tail} U ${ring.nextToUse ?? '–'} C ${ring.nextToClean ?? '–'}</span></div>` +
    `<svg viewBox="-12 -12 224 224" role="img" aria-label="${esc(summary)}">${segs}${mark(ring.head, 'H', true, '#c0262d')}${mark(ring.tail, 'T', true, '#0b62c4', true)}${mark(ring.nextToUse, 'U', false, '#0b62c4')}${mark(ring.nextToClean, 'C', false, '#2f8f3a', true)}<text x="100" y="96" text-anchor="middle" font-size="12">${ring.which.toUpperCase()}</text><text x="100" y="112" text-anchor="middle" font-size="9" fill="#6b6f76">${n} desc.</text></svg>` +
    `<details><summary>${ring.which.toUpperCase()} ring as a table</summary><table class="mono" style="font-size:11px"><thead><tr><th>#</th><th>buffer</th><th>len</th><th>status</th><th>${ring.which === 'tx' ? 'cmd' : 'errors'}</th></tr></thead><tbody>${ring.descs
      .filter((d) => d.buffer !== 0 || d.status !== 0)
      .map((d) => `<tr><td>${d.index}</td><td>${hex8(d.buffer)}</td><td>${d.length}</td><td>${d.statusBits.join(' ') || '0'}</td><td>${d.otherBits.join(' ') || '0'}</td></tr>`)
      .join('')}</tbody></table></details>`;
  const svg = el.querySelector('svg')!;
  const show = (ev: Event) => {
    const t = ev.target as Element;
    if (!t.classList?.contains('seg')) return;
    const d = ring.descs[Number(t.getAttribute('data-i'))];
    const bytes = bufferBytes(nic, d.buffer, Math.max(d.length, ring.which === 'rx' && d.length === 0 ? 0 : d.length), 96);
    const tip = $('tip');
    tip.textContent = `${descText(ring, d)}\nbuffer bytes${bytes.length ? ` (${bytes.length}${d.length > bytes.length ? ` of ${d.length}` : ''})` : ': none (length 0)'}:\n${hexBytes(bytes).replace(/((?:\S\S ){16})/g, '$1\n')}`;
    tip.classList.remove('hidden');
    const me = ev as MouseEvent;
    const rect = (t as SVGGraphicsElement).getBoundingClientRect();
    tip.style.left = `${Math.min((me.clientX || rect.right) + 12, innerWidth - 470)}px`;
    tip.style.top = `${(me.clientY || rect.bottom) + 12}px`;
  };
  svg.addEventListener('mouseover', show);
  svg.addEventListener('focusin', show);
  svg.addEventListener('mouseout', () => $('tip').classList.add('hidden'));
}

/** The IRQ line's level over its last 12 changes up to now, as a step waveform. */
function drawIrqHistory(line: string): void {
  const ch: Array<{ t: number; level: boolean }> = [];
  for (const r of shown.log) if (r.ev.kind === 'irq' && r.ev.line === line) ch.push({ t: r.ev.time, level: r.ev.level });
  const el = $('irq-history');
  if (ch.length === 0) {
    el.innerHTML = '';
    return;
  }
  const last = ch.slice(-12);
  const t0 = last[0].t;
  const t1 = Math.max(shown.now, t0 + 1);
  const W = 600;
  const x = (t: number) => 40 + ((t - t0) / (t1 - t0)) * (W - 50);
  const y = (l: boolean) => (l ? 6 : 22);
  let d = `M40,${y(!last[0].level)}`;
  for (const c of last) d += ` L${x(c.t).toFixed(1)},${y(!c.level)} L${x(c.t).toFixed(1)},${y(c.level)}`;
  d += ` L${x(t1).toFixed(1)},${y(last[last.length - 1].level)}`;
  const text = last.map((c) => `${c.level ? 'up' : 'down'} at ${formatNanos(c.t)}`).join(', ');
  el.innerHTML = `<svg viewBox="0 0 ${W} 30" style="width:100%;height:30px" role="img" aria-label="${esc(`IRQ line of ${line}, its last ${last.length} changes: ${text}`)}"><text x="0" y="18" font-size="10" fill="#6b6f76">IRQ</text><path d="${d}" fill="none" stroke="#c0262d" stroke-width="1.5"/><text x="40" y="30" font-size="8" fill="#6b6f76">${esc(formatNanos(t0))}</text><text x="${W - 4}" y="30" font-size="8" text-anchor="end" fill="#6b6f76">${esc(formatNanos(t1))}</text></svg>`;
}

function descText(ring: RingView, d: DescRow): string {
  const role = [d.index === ring.head ? 'head (TDH/RDH)' : '', d.index === ring.tail ? 'tail (TDT/RDT)' : '', d.index === ring.nextToUse ? 'next_to_use' : '', d.index === ring.nextToClean ? 'next_to_clean' : ''].filter(Boolean).join(', ');
  return `${ring.which.toUpperCase()} descriptor ${d.index}${role ? ` — ${role}` : ''}\nbuffer ${hex8(d.buffer)}  length ${d.length}\n${ring.which === 'tx' ? 'STA' : 'status'} ${d.statusBits.join(' ') || '0'}  ${ring.which === 'tx' ? 'CMD' : 'errors'} ${d.otherBits.join(' ') || '0'}`;
}

let framesShown = -1;
function renderFrames(): void {
  const list = frames(shown);
  const ul = $('frames');
  const key = shown.log.length * 100000 + (selFrame ?? 0);
  if (key === framesShown && ul.childElementCount === list.length) return;
  framesShown = key;
  const rxOf = new Map<number, WireFrame>();
  for (const r of shown.log) if (r.ev.kind === 'wire.rx' && !rxOf.has(r.ev.frame.id)) rxOf.set(r.ev.frame.id, r.ev.frame);
  ul.innerHTML = list
    .map(({ r, frame }) => {
      const rx = rxOf.has(frame.id) ? { frame: rxOf.get(frame.id)! } : null;
      const d = decodeFrame(rx?.frame.bytes ?? frame.bytes);
      return `<li tabindex="0" data-frame-id="${frame.id}" data-instant="${r.instant}" class="${frame.id === selFrame ? 'sel' : ''}${d.fcsOk ? '' : ' bad'}">#${frame.id} ${esc(formatNanos(r.ev.time))} ${esc(frame.sender)}: ${esc(d.summary)}</li>`;
    })
    .join('');
}

function renderFrame(): void {
  const box = $('frame-detail');
  if (selFrame === null) {
    $('frame-title').textContent = '';
    box.innerHTML = '<p>No frame selected: click one in the list (or in the narration).</p>';
    return;
  }
  const sent = frames(shown).find((f) => f.frame.id === selFrame);
  if (!sent) {
    $('frame-title').textContent = `#${selFrame}`;
    box.innerHTML = `<p>Frame #${selFrame} has not been sent at this instant.</p>`;
    return;
  }
  const rx = received(shown, selFrame);
  const got = rx ? asReceived(rx.frame) : null;
  const damaged = got !== null && (got.lineErrors.length > 0 || !equalBytes(got.bytes, sent.frame.bytes));
  const bytes = damaged ? got!.bytes : sent.frame.bytes;
  const stream = damaged ? got!.stream : asReceived(sent.frame).stream;
  const d = decodeFrame(bytes);
  $('frame-title').textContent = `#${selFrame} from ${sent.frame.sender}${damaged ? ` — as ${rx!.to} received it (damaged on the way)` : ''}`;
  box.dataset.fcs = d.fcsOk ? 'ok' : 'bad';
  const diff = damaged ? diffBits(sent.frame.bytes, rx!.frame.bytes) : [];
  box.innerHTML =
    `<p class="mono ${d.fcsOk ? '' : 'bad'}" id="frame-summary">${esc(d.summary)}</p>` +
    (damaged && diff.length ? `<p class="bad">Bits flipped on the way: ${diff.map((k) => `${k} (octet ${k >> 3}, bit ${k & 7})`).join(', ')}</p>` : '') +
    (damaged && got!.lineErrors.length ? `<p class="bad">The receiving PHY reported: ${esc(got!.lineErrors.slice(0, 6).join('; '))}</p>` : '') +
    `<div class="bytes scroll" style="max-height:120px" aria-label="Frame bytes">${byteSpans(bytes, d, diff)}</div>` +
    `<div class="scroll" style="max-height:200px"><table class="mono" id="fields" style="font-size:12px"><thead><tr><th>layer</th><th>field</th><th>bytes</th><th>value</th></tr></thead><tbody>${d.fields
      .map((f) => `<tr data-field="${esc(f.name)}" class="L-${f.layer}"><td>${f.layer}</td><td>${esc(f.name)}</td><td>${f.start}–${f.end - 1}</td><td${f.bad ? ' class="bad"' : ''}>${esc(f.value)}</td></tr>`)
      .join('')}</tbody></table></div>` +
    `<div id="wave"></div>`;
  box.querySelectorAll<HTMLElement>('.bytes span').forEach((sp) => {
    sp.onclick = () => {
      waveStart = Number(sp.dataset.o);
      renderWave(bytes, sent.frame.bitTimeNs, stream);
    };
  });
  renderWave(bytes, sent.frame.bitTimeNs, stream);
}

/** The bytes a receiver decodes from a frame: in signal fidelity from its line symbols (with the PHY's complaints), else its bytes. */
function asReceived(f: WireFrame): { bytes: Uint8Array; lineErrors: string[]; stream?: LineStream } {
  const st = f.symbols as LineStream | undefined;
  if (!st || typeof st.bitCount !== 'number') return { bytes: f.bytes, lineErrors: [] };
  const r = createLineCodec(st.kind).decodeFrame(st);
  return { bytes: r.bytes.length ? r.bytes : f.bytes, lineErrors: r.errors.map((e) => `${e.kind} at code group ${e.index}`), stream: st };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function diffBits(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) for (let k = 0; k < 8; k++) if (((a[i] ^ b[i]) >> k) & 1) out.push(i * 8 + k);
  return out;
}

function byteSpans(b: Uint8Array, d: DecodedFrame, flipped: number[]): string {
  const layerAt: string[] = new Array(b.length).fill('payload');
  const nameAt: string[] = new Array(b.length).fill('');
  for (const f of d.fields)
    for (let i = f.start; i < f.end; i++) {
      layerAt[i] = f.layer;
      nameAt[i] = `${f.layer} ${f.name}`;
    }
  const hot = new Set(flipped.map((k) => k >> 3));
  let s = '';
  for (let i = 0; i < b.length; i++) s += `<span data-o="${i}" class="L-${layerAt[i]}${hot.has(i) ? ' hot bad' : ''}" title="octet ${i}: ${esc(nameAt[i])}">${b[i].toString(16).padStart(2, '0')}</span>${i % 16 === 15 ? '<br>' : ' '}`;
  return s;
}

/** The line code of the frame as a waveform: 96 code bits from the chosen octet, with code groups. */
function renderWave(bytes: Uint8Array, bitTimeNs: number, carried?: LineStream): void {
  const kind = carried?.kind ?? phyKindOf(bitTimeNs);
  // in signal fidelity, the symbols the line carried (damage included); otherwise the PHY's encoding of the bytes
  const stream = carried ?? lineCode(bytes, kind);
  const levels = stream.levels;
  // code bits per octet and the idle before the first octet
  const perOctet = kind === '10BASE-T' ? 16 : 10;
  const lead = Math.max(0, levels.length - bytes.length * perOctet - trailingIdle(kind));
  const start = Math.min(Math.max(0, lead + waveStart * perOctet), Math.max(0, levels.length - 96));
  const N = Math.min(96, levels.length - start);
  const W = 960;
  const H = 90;
  const x = (i: number) => (i / N) * W;
  const lo = Math.min(...levels.subarray(start, start + N), 0);
  const hi = Math.max(...levels.subarray(start, start + N), 1);
  const y = (v: number) => 20 + (1 - (v - lo) / Math.max(1, hi - lo)) * 50;
  let path = '';
  for (let i = 0; i < N; i++) path += `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(levels[start + i])} L${x(i + 1).toFixed(1)},${y(levels[start + i])} `;
  const g = stream.bitsPerGroup;
  let groups = '';
  const firstGroup = Math.floor(start / g);
  for (let k = firstGroup; k * g < start + N; k++) {
    const gx = x(k * g - start);
    if (gx >= 0) groups += `<line x1="${gx.toFixed(1)}" y1="12" x2="${gx.toFixed(1)}" y2="${H - 8}" stroke="#ccc"/>`;
    if (kind !== '10BASE-T' || k % 4 === 0) groups += `<text x="${Math.max(0, gx + 2).toFixed(1)}" y="10" font-size="9" fill="#6b6f76">${esc(stream.codeGroups[k] ?? '')}</text>`;
  }
  const name = kind === '10BASE-T' ? 'Manchester (10BASE-T)' : kind === '100BASE-TX' ? '4B/5B + scrambler + MLT-3 (100BASE-TX)' : '8b/10b NRZ (1000BASE-X)';
  $('wave').innerHTML =
    `<p style="margin:6px 0 2px;font-size:12px">Line code${carried ? ' (the symbols the line carried)' : ''}: <b>${name}</b>, code bits ${start}–${start + N - 1} of ${levels.length} (from octet ${waveStart}; click an octet to move). Levels: ${esc(Array.from(levels.subarray(start, start + Math.min(N, 24))).join(' '))}…</p>` +
    `<svg class="wave" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(`${name} waveform of code bits ${start} to ${start + N - 1}`)}">${groups}<path d="${path}" fill="none" stroke="#0b62c4" stroke-width="1.5"/></svg>`;
}

function trailingIdle(kind: string): number {
  // idle after the frame as the codecs add it by default: 10BASE-T none; 4B/5B /T/R/ plus 2 idle groups; 8b/10b /T/R/ plus 1 ordered set
  return kind === '10BASE-T' ? 0 : kind === '100BASE-TX' ? 20 : 40;
}

let ladderShown = -1;
function renderLadder(): void {
  const evs = shown.log.filter((r) => (LADDER_KINDS as readonly string[]).includes(r.ev.kind)).map((r) => r.ev);
  if (evs.length === ladderShown) return;
  ladderShown = evs.length;
  const el = $('ladder');
  const arrows = evs.filter((e) => e.kind === 'wire.tx').length;
  el.setAttribute('aria-label', `Ladder diagram: ${arrows} frames so far; the frame list below holds the same frames as text`);
  el.innerHTML = arrows === 0 ? '<p>No frame yet: the links negotiate first (about 1.5 s of simulated time).</p>' : renderLadderSvg(evs, { legend: false, maxArrows: 400 });
}

/** Which instance each machine's drawing follows (by machine id); unset: the one that changed last. */
const machineInstance = new Map<string, string>();

function renderMachines(): void {
  // the last step of every instance, by machine, in the order instances last changed
  const byMachine = new Map<string, Map<string, { from: string; to: string; event: string; seq: number }>>();
  for (const r of shown.log) {
    if (r.ev.kind !== 'state') continue;
    let m = byMachine.get(r.ev.machine);
    if (!m) byMachine.set(r.ev.machine, (m = new Map()));
    m.delete(r.ev.source);
    m.set(r.ev.source, { from: r.ev.from, to: r.ev.to, event: r.ev.event, seq: r.seq });
  }
  if (byMachine.size === 0) {
    $('machines').innerHTML = '<p>No machine has started yet.</p>';
    return;
  }
  const ids = [...byMachine.keys()].sort((a, b) => MACHINE_ORDER.indexOf(a) - MACHINE_ORDER.indexOf(b));
  $('machines').innerHTML = ids
    .map((id, k) => {
      const insts = byMachine.get(id)!;
      const names = [...insts.keys()];
      const want = machineInstance.get(id);
      const source = want !== undefined && insts.has(want) ? want : names[names.length - 1];
      const step = insts.get(source)!;
      const def = MACHINES.get(id);
      const chips = names
        .sort()
        .map((n) => `<button class="inst" data-machine="${esc(id)}" data-source="${esc(n)}" aria-pressed="${n === source}" title="draw ${esc(n)}">${esc(n)}: ${esc(insts.get(n)!.to)}</button>`)
        .join('');
      const head = `<div class="m" data-machine="${esc(id)}" data-source="${esc(source)}" data-state="${esc(step.to)}"><b>${esc(id)}</b> <small>${names.length} instance${names.length > 1 ? 's' : ''}; drawn: ${esc(source)}, last step ${esc(step.from || '(start)')} –${esc(eventLabel(step.event))}→ ${esc(step.to)}</small></div>`;
      if (!def) return `<div class="mach">${head}<div class="insts">${chips}</div></div>`;
      const hl = { current: step.to, last: step };
      const also = def.common.length ? `<p class="also">not drawn, to keep the figure readable: ${def.common.map((c) => `${esc(c.event)} → ${esc(c.to)} from ${c.from.length} states`).join('; ')} (drawn dashed when just taken)</p>` : '';
      const text = machineText(def.def, hl);
      return `<div class="mach" data-machine="${esc(id)}">${head}<div class="insts" role="group" aria-label="${esc(id)} instances">${chips}</div>${machineSvg(def, hl, `m${k}`)}${also}<details><summary>${esc(id)}: states and transitions as text</summary><ul class="mono" style="font-size:11px">${text.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></details></div>`;
    })
    .join('');
}

function renderConsequences(): void {
  const out: string[] = [];
  const allFaults = shown.log.filter((r) => r.ev.kind === 'fault');
  const faults = allFaults.slice(-40);
  if (allFaults.length > faults.length) out.push(`<li>… ${allFaults.length - faults.length} earlier faults left out</li>`);
  for (const f of faults) {
    const e = f.ev as Extract<TraceEvent, { kind: 'fault' }>;
    const drops = dropsOf(shown.log, e.frameId);
    const caught = drops.length ? drops.map((dr) => `caught by <b>${esc(dr.source)}</b> (${layerOf(dr)} layer): ${esc(dr.reason)}, counted in <b>${esc(dr.counter)}</b>`).join('; ') : 'not caught (yet): the damaged frame was delivered or is still on its way';
    out.push(`<li data-frame="${e.frameId}" data-caught="${drops.length ? esc(drops[0].counter) : ''}">${esc(formatNanos(e.time))} ${esc(e.source)}: ${e.fault} fault in frame #${e.frameId}${e.position !== undefined ? ` at bit ${e.position}` : ''} — ${caught}</li>`);
  }
  for (const r of shown.log) if (r.ev.kind === 'cable.plug') out.push(`<li>${esc(formatNanos(r.ev.time))} ${esc(r.ev.source)} ${r.ev.plugged ? 'plugged' : 'pulled'}</li>`);
  for (const r of shown.log) if (r.ev.kind === 'nic.link' && !r.ev.up) out.push(`<li>${esc(formatNanos(r.ev.time))} ${esc(r.ev.source)}: the MAC lost the link (ICR.LSC)</li>`);
  const planned = [...config.flips.map((f) => `flip bit ${f.bit} of frame #${f.frameId}`), ...Object.entries(config.ber).map(([c, r]) => `BER ${r} on ${c}`), ...config.pulls.map((p) => `pull ${p.cable} at ${formatNanos(p.atNs)}`)];
  $('conseq').innerHTML = (planned.length ? `<li>faults in this experiment: ${esc(planned.join('; '))}</li>` : '<li>no faults in this experiment</li>') + out.join('');
}

let narrShown = '';
function renderNarration(): void {
  const s = live;
  const key = `${s.log.length}|${[...layers].join()}|${selInstant}`;
  if (key === narrShown) return;
  narrShown = key;
  const lines: string[] = [];
  for (const r of s.log) {
    const l = layerOf(r.ev);
    if (!layers.has(l)) continue;
    const text = describeEvent(r.ev);
    if (text === null) continue;
    lines.push(`<li tabindex="0" data-seq="${r.seq}" data-instant="${r.instant}" class="lay-${l}${selInstant === r.instant ? ' sel' : ''}">${esc(formatNanos(r.ev.time).padStart(12))} ${l.padEnd(6)} ${esc(r.ev.source)}: ${esc(text)}</li>`);
  }
  const shownLines = lines.length > 1500 ? lines.slice(-1500) : lines;
  const ol = $('narr');
  const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 20;
  ol.innerHTML = (lines.length > shownLines.length ? `<li>… ${lines.length - shownLines.length} earlier lines left out</li>` : '') + shownLines.join('');
  if (atBottom && selInstant === null) ol.scrollTop = ol.scrollHeight;
}

// ------------------------------------------------------------------ actions
async function act(fn: () => Promise<StopInfo>): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    if (shown !== live) {
      shown = live;
      selInstant = null;
    }
    const r = await fn();
    lastStop = describeStop(r);
  } catch (e) {
    lastStop = `error: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    busy = false;
  }
  render();
}

function describeStop(r: StopInfo): string {
  const text = r.hit ? (describeEvent(r.hit.ev) ?? r.hit.ev.kind) : '';
  const hit = r.hit ? ` — ${r.hit.ev.source}: ${text.length > 110 ? text.slice(0, 109) + '…' : text}` : '';
  if (r.hit && r.hit.ev.kind === 'wire.tx') {
    selFrame = r.hit.ev.frame.id;
    waveStart = 0;
    $<HTMLInputElement>('flip-frame').value = String(selFrame);
  }
  // show the adapter the stop is about
  const at = r.hit ? adapters(live).findIndex((a) => a.nic.name === r.hit!.ev.source || a.driver.name === r.hit!.ev.source) : -1;
  if (at >= 0) nicIndex = at;
  return `${r.what}${hit}`;
}

async function runLoop(): Promise<void> {
  const btn = $('run');
  running = true;
  btn.setAttribute('aria-pressed', 'true');
  btn.firstChild!.textContent = 'Pause ';
  if (shown !== live) shown = live;
  let last = performance.now();
  while (running) {
    await new Promise((res) => requestAnimationFrame(res));
    const now = performance.now();
    const dt = Math.min(100, now - last);
    last = now;
    const speed = Number($<HTMLSelectElement>('speed').value);
    let target = live.now + Math.max(1, Math.round((speed * dt) / 1000));
    const nextAt = live.sim.nextEventTime();
    if ($<HTMLInputElement>('skip').checked && nextAt !== undefined && nextAt > target) target = nextAt;
    busy = true;
    const r = await live.run({ untilNs: target });
    busy = false;
    if (r.reason === 'break' || r.reason === 'idle') {
      lastStop = describeStop(r);
      running = false;
    } else lastStop = `running at ${$<HTMLSelectElement>('speed').selectedOptions[0].text}`;
    render();
  }
  btn.setAttribute('aria-pressed', 'false');
  btn.firstChild!.textContent = 'Run ';
}

function toggleRun(): void {
  if (running) running = false;
  else if (!busy) void runLoop();
}

async function restart(keepTime: boolean, thenUntil?: { stopAt: (r: Recorded) => boolean; what: string }): Promise<void> {
  running = false;
  while (busy) await new Promise((res) => setTimeout(res, 5));
  busy = true;
  const t = live?.now ?? 0;
  try {
    live = new Session(config);
    live.breakpoints = breakpoints;
    shown = live;
    selInstant = null;
    prevRegs = new Map();
    framesShown = -1;
    ladderShown = -1;
    narrShown = '';
    if (keepTime && t > 0) {
      await live.run({ untilNs: t, ignoreBreakpoints: true });
      lastStop = `faults applied: the experiment ran again to ${formatNanos(t)}`;
      if (thenUntil) {
        const r = await live.run({ stopAt: thenUntil.stopAt, what: thenUntil.what, untilNs: t + 1_000_000_000, ignoreBreakpoints: true });
        if (r.reason === 'break') lastStop = `faults applied: the experiment ran again, to where ${thenUntil.what}`;
      }
    } else lastStop = 'ready: nothing has run yet';
  } catch (e) {
    lastStop = `error: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    busy = false;
  }
  setUrl();
  render();
}

async function showInstant(instant: number): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    selInstant = instant;
    shown = instant === live.instant ? live : await replay(config, instant);
  } finally {
    busy = false;
  }
  render();
}

function renderBreakpoints(): void {
  $('bp-list').innerHTML = breakpoints.length
    ? breakpoints.map((b, i) => `<li>${esc(describeBreakpoint(b))} <button data-rm="${i}" aria-label="Remove breakpoint ${esc(describeBreakpoint(b))}">remove</button></li>`).join('')
    : '<li>none</li>';
  $('bp-list')
    .querySelectorAll<HTMLButtonElement>('button[data-rm]')
    .forEach((b) => {
      b.onclick = () => {
        breakpoints.splice(Number(b.dataset.rm), 1);
        live.breakpoints = breakpoints;
        renderBreakpoints();
        setUrl();
      };
    });
}

function fillConfigForm(): void {
  $<HTMLSelectElement>('cfg-topology').value = config.topology;
  $<HTMLInputElement>('cfg-seed').value = String(config.seed);
  $<HTMLSelectElement>('cfg-speed').value = String(config.speed);
  $<HTMLSelectElement>('cfg-fidelity').value = config.fidelity;
  $<HTMLInputElement>('cfg-ring').value = String(config.ringSize);
  $<HTMLSelectElement>('fault-cable').innerHTML = [...live.scenario.cables.keys()].map((c) => `<option>${esc(c)}</option>`).join('');
}

function wire(): void {
  $('step').onclick = () => void act(() => live.step());
  $('next-frame').onclick = () => void act(() => live.nextFrame());
  $('next-irq').onclick = () => void act(() => live.nextInterrupt());
  $('run').onclick = toggleRun;
  $('reset').onclick = () => void restart(false);
  $<HTMLSelectElement>('nic').onchange = (e) => {
    nicIndex = Number((e.target as HTMLSelectElement).value);
    render();
  };
  $('frames').onclick = (e) => {
    const li = (e.target as HTMLElement).closest('li');
    if (!li?.dataset.frameId) return;
    selFrame = Number(li.dataset.frameId);
    waveStart = 0;
    $<HTMLInputElement>('flip-frame').value = String(selFrame);
    framesShown = -1;
    renderFrames();
    renderFrame();
  };
  $('narr').onclick = (e) => {
    const li = (e.target as HTMLElement).closest('li');
    if (!li?.dataset.instant) return;
    const r = live.log[Number(li.dataset.seq)];
    if (r?.ev.kind === 'wire.tx') selFrame = r.ev.frame.id;
    void showInstant(Number(li.dataset.instant));
  };
  for (const id of ['frames', 'narr'])
    $(id).addEventListener('keydown', (e) => {
      if (e.key === 'Enter') (e.target as HTMLElement).click();
    });
  $('machines').onclick = (e) => {
    const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button.inst');
    if (!b) return;
    machineInstance.set(b.dataset.machine!, b.dataset.source!);
    renderMachines();
  };
  $('filters').onchange = (e) => {
    const t = e.target as HTMLInputElement;
    const l = t.dataset.layer as Layer;
    if (t.checked) layers.add(l);
    else layers.delete(l);
    renderNarration();
  };
  $('bp-kind').onchange = () => {
    const k = $<HTMLSelectElement>('bp-kind').value;
    $<HTMLInputElement>('bp-text').placeholder = k === 'reg' ? 'TDT' : k === 'cause' ? 'RXT0' : k === 'frame' ? 'SYN' : 'tcp:ESTABLISHED';
  };
  $('bp-add').onclick = () => {
    const k = $<HTMLSelectElement>('bp-kind').value;
    const text = $<HTMLInputElement>('bp-text').value.trim() || $<HTMLInputElement>('bp-text').placeholder;
    const nic = $<HTMLSelectElement>('bp-nic').value;
    let b: Breakpoint;
    try {
      // the same parser as the address's bp parameters: one set of rules and messages
      b = parseBreakpoint(`${k}:${text}${nic && (k === 'reg' || k === 'cause') ? `@${nic}` : ''}`);
    } catch (e) {
      lastStop = `error: ${e instanceof Error ? e.message : String(e)}`;
      render();
      return;
    }
    breakpoints.push(b);
    live.breakpoints = breakpoints;
    renderBreakpoints();
    setUrl();
  };
  $('cfg-apply').onclick = () => {
    const p = configToParams(config);
    p.set('topology', $<HTMLSelectElement>('cfg-topology').value);
    p.set('seed', $<HTMLInputElement>('cfg-seed').value);
    p.set('speed', $<HTMLSelectElement>('cfg-speed').value);
    p.set('fidelity', $<HTMLSelectElement>('cfg-fidelity').value);
    p.set('ring', $<HTMLInputElement>('cfg-ring').value);
    if (p.get('topology') !== config.topology) {
      p.delete('ber');
      p.delete('pull');
    }
    try {
      config = configFromParams(p);
    } catch (e) {
      lastStop = `error: ${e instanceof Error ? e.message : String(e)}`;
      render();
      return;
    }
    void restart(false).then(fillConfigForm);
  };
  $('flip-apply').onclick = () => {
    const frameId = Number($<HTMLInputElement>('flip-frame').value || selFrame);
    const bit = Number($<HTMLInputElement>('flip-bit').value);
    if (!(frameId >= 1) || !(bit >= 0) || !Number.isInteger(bit)) {
      lastStop = 'flip: give a frame number (select a frame) and a bit number ≥ 0';
      render();
      return;
    }
    config = { ...config, flips: [...config.flips, { frameId, bit }] };
    selFrame = frameId;
    // run on until the damaged frame reached its receiver (or the frame, not sent yet, is flipped later)
    void restart(true, { stopAt: (r) => r.ev.kind === 'wire.rx' && r.ev.frame.id === frameId, what: `frame #${frameId} reached its receiver` });
  };
  $('ber-apply').onclick = () => {
    const rate = Number($<HTMLInputElement>('ber').value);
    if (!(rate >= 0 && rate < 0.01)) {
      lastStop = 'BER must be a number from 0 to 0.01';
      render();
      return;
    }
    config = { ...config, ber: { ...config.ber, [$<HTMLSelectElement>('fault-cable').value]: rate } };
    void restart(true);
  };
  $('pull').onclick = () => {
    config = { ...config, pulls: [...config.pulls, { cable: $<HTMLSelectElement>('fault-cable').value, atNs: live.now }] };
    void restart(true);
  };
  $('faults-clear').onclick = () => {
    config = { ...config, flips: [], ber: {}, pulls: [] };
    void restart(true);
  };
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (t.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (k === 's' || k === 'ArrowRight') $('step').click();
    else if (k === 'f') $('next-frame').click();
    else if (k === 'i') $('next-irq').click();
    else if (k === ' ' && !t.closest('button')) {
      e.preventDefault();
      toggleRun();
    } else if (k === 'r') $('reset').click();
    else return;
  });
}

// ------------------------------------------------------------------ start
/** What tests (and curious users, from the console) can reach: the sessions and browser builds of the codecs. */
interface ViewHandle {
  live: () => Session;
  shown: () => Session;
  config: () => ViewConfig;
  crc32: typeof crc32;
  encodeLine: (kind: '10BASE-T' | '100BASE-TX' | '1000BASE-X', bytes: number[]) => { levels: number[]; codeGroups: string[] };
}

function start(): void {
  const params = new URLSearchParams(location.search);
  const problems: string[] = [];
  try {
    config = configFromParams(params);
  } catch (e) {
    config = defaultConfig();
    problems.push(`the address had a bad parameter, defaults used: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bps = breakpointsFromParams(params);
  breakpoints = bps.breakpoints;
  if (bps.errors.length) problems.push(`breakpoint${bps.errors.length > 1 ? 's' : ''} left out: ${bps.errors.join('; ')}`);
  if (problems.length) lastStop = problems.join(' · ');
  skeleton();
  live = new Session(config);
  live.breakpoints = breakpoints;
  shown = live;
  wire();
  fillConfigForm();
  renderBreakpoints();
  setUrl();
  render();
  (window as unknown as { nicsimView: ViewHandle }).nicsimView = {
    live: () => live,
    shown: () => shown,
    config: () => config,
    crc32,
    encodeLine: (kind, bytes) => {
      const s = createLineCodec(kind).encodeFrame(Uint8Array.from(bytes));
      return { levels: Array.from(s.levels), codeGroups: [...s.codeGroups] };
    },
  };
  document.body.dataset.ready = 'true';
}

start();

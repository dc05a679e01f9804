/**
 * State machines drawn from their xstate definitions: the states (leaf states, named by their
 * dotted path as the `state` trace events name them: `up.linkUp`), the transitions read from each
 * state node's `on` (which includes its `after` delays) and `always`, a small layout (layers by
 * breadth-first distance from the initial state; RFC 9293 figure 5 positions for the TCP machine),
 * and the SVG with the current state filled and the transition just taken emphasised. DOM-free:
 * the page inserts the SVG string, the Node tests read the same data.
 * @module
 */
import type { AnyStateMachine } from 'xstate';

/** One transition of a machine, between leaf states. */
export interface MachineTransition {
  /** Source leaf state (dotted path). */
  from: string;
  /** Target leaf state (a compound target resolved to its initial leaf). */
  to: string;
  /** Event as shown: the event type, `after DELAY` for a delay, `always` for an eventless transition. */
  event: string;
  /** Guard name, when the transition is guarded. */
  guard?: string;
  /** Set when the transition is defined on an ancestor of `from` (a compound state or the machine itself). */
  inherited?: boolean;
}

/** A machine's states and transitions, read from its definition. */
export interface MachineDefinition {
  /** The machine's id (`tcp`, `phy-link`, …), as trace events name it. */
  id: string;
  /** The initial leaf state. */
  initial: string;
  /** Leaf states in definition order. */
  states: string[];
  /** Final states. */
  finals: string[];
  /** States left at once by an eventless transition (never observed as current). */
  transient: string[];
  /** Transitions that change state or re-enter one (targetless transitions are left out). */
  transitions: MachineTransition[];
}

interface Node {
  path: string[];
  type: string;
  states: Record<string, Node>;
  parent?: Node;
  initial?: { target?: readonly Node[] };
  on: Record<string, ReadonlyArray<{ target?: readonly Node[]; guard?: unknown; eventType: string }>>;
  always?: ReadonlyArray<{ target?: readonly Node[]; guard?: unknown }>;
}

const pathOf = (n: Node) => n.path.join('.');

/** The leaf a target enters (compound states enter their initial child, recursively). */
function enterLeaf(n: Node): Node {
  let cur = n;
  while (Object.keys(cur.states).length > 0) {
    const next = cur.initial?.target?.[0] ?? Object.values(cur.states)[0];
    cur = next;
  }
  return cur;
}

/** `xstate.after.RETRANS.arp-entry.probe` → `after RETRANS`; other event types unchanged. */
export function eventLabel(type: string): string {
  if (type === '') return 'always';
  const m = /^xstate\.after\.([^.]+)\./.exec(type);
  return m ? `after ${m[1]}` : type;
}

function guardName(g: unknown): string | undefined {
  if (g === undefined || g === null) return undefined;
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && 'type' in g && typeof (g as { type: unknown }).type === 'string') return (g as { type: string }).type;
  return 'guard';
}

/** Reads the states and transitions of `machine` (an xstate v5 machine). */
export function machineDefinition(machine: AnyStateMachine): MachineDefinition {
  const root = machine.root as unknown as Node;
  const leaves: Node[] = [];
  const walk = (n: Node) => {
    const kids = Object.values(n.states);
    if (kids.length === 0 && n !== root) leaves.push(n);
    kids.forEach(walk);
  };
  walk(root);
  const transitions: MachineTransition[] = [];
  const seen = new Set<string>();
  for (const leaf of leaves) {
    // the leaf's own transitions, then its ancestors' (xstate picks the deepest first)
    for (let n: Node | undefined = leaf; n !== undefined; n = n.parent) {
      const defs: Array<{ target?: readonly Node[]; guard?: unknown; eventType: string }> = [...Object.values(n.on).flat(), ...(n.always ?? []).map((t) => ({ ...t, eventType: '' }))];
      for (const t of defs) {
        const target = t.target?.[0];
        if (target === undefined) continue;
        const to = pathOf(enterLeaf(target));
        const tr: MachineTransition = { from: pathOf(leaf), to, event: eventLabel(t.eventType) };
        const g = guardName(t.guard);
        if (g !== undefined) tr.guard = g;
        if (n !== leaf) tr.inherited = true;
        const key = `${tr.from}|${tr.to}|${tr.event}|${tr.guard ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        transitions.push(tr);
      }
    }
  }
  const states = leaves.map(pathOf);
  const transient = leaves.filter((l) => (l.always?.length ?? 0) > 0 && l.always!.some((t) => t.guard === undefined)).map(pathOf);
  return {
    id: machine.id,
    initial: pathOf(enterLeaf(root)),
    states,
    finals: leaves.filter((l) => l.type === 'final').map(pathOf),
    transient,
    transitions,
  };
}

// ------------------------------------------------------------------ layout

/** A state drawn as a rounded box (x, y: its centre). */
export interface StateBox {
  /** Leaf state (dotted path). */
  state: string;
  /** Centre x. */
  x: number;
  /** Centre y. */
  y: number;
  /** Width. */
  w: number;
  /** Height. */
  h: number;
  /** Layer (row) the state sits in. */
  layer: number;
  /** Set for a second drawing of a state (TCP's CLOSED at the bottom right, as in figure 5). */
  copy?: boolean;
}

/** Transitions to one target on one event from many states, listed instead of drawn. */
export interface CommonTransition {
  /** The event. */
  event: string;
  /** The target. */
  to: string;
  /** The states it leaves from. */
  from: string[];
}

/** A machine laid out for drawing. */
export interface MachineLayout {
  /** The definition drawn. */
  def: MachineDefinition;
  /** One box per state (plus copies). */
  boxes: StateBox[];
  /** Transitions drawn as arrows, one arrow per (from, to) pair with every event on it. */
  edges: Array<{ from: string; to: string; labels: string[] }>;
  /** Transitions left out of the drawing (listed under it): an event leading to one state from most states (four or more, and at least 60 %). */
  common: CommonTransition[];
  /** Drawing width. */
  width: number;
  /** Drawing height. */
  height: number;
}

const ROW = 64;
const BOX_H = 22;
const CHAR_W = 6.6;

/** RFC 9293 figure 5: column and row of each TCP state (CLOSED also at the bottom right). */
const TCP_GRID: Record<string, [number, number]> = {
  CLOSED: [1, 0],
  LISTEN: [1, 1],
  'SYN-RECEIVED': [0, 2],
  'SYN-SENT': [2, 2],
  ESTABLISHED: [1, 3],
  'FIN-WAIT-1': [0, 4],
  'CLOSE-WAIT': [2, 4],
  'FIN-WAIT-2': [0, 5],
  CLOSING: [1, 5],
  'LAST-ACK': [2, 5],
  'TIME-WAIT': [1, 6],
};
const TCP_COLS = [75, 265, 455];

const labelOf = (t: MachineTransition) => (t.guard ? `${t.event} [${t.guard}]` : t.event);
const boxWidth = (s: string) => Math.max(56, Math.round(s.length * CHAR_W + 16));

/** Lays out `def`: boxes in layers by breadth-first distance from the initial state (TCP: figure 5). */
export function layoutMachine(def: MachineDefinition): MachineLayout {
  // an event leading to one state from most states is listed, not drawn (TCP's RST/ABORT/GIVE_UP)
  const bySig = new Map<string, Set<string>>();
  for (const t of def.transitions) {
    if (t.from === t.to) continue;
    const k = `${t.event}|${t.to}`;
    if (!bySig.has(k)) bySig.set(k, new Set());
    bySig.get(k)!.add(t.from);
  }
  const common: CommonTransition[] = [];
  const commonKeys = new Set<string>();
  for (const [k, froms] of bySig)
    if (froms.size >= 4 && froms.size >= 0.6 * def.states.length) {
      const [event, to] = k.split('|');
      common.push({ event, to, from: def.states.filter((s) => froms.has(s)) });
      commonKeys.add(k);
    }
  const edgeMap = new Map<string, { from: string; to: string; labels: string[] }>();
  for (const t of def.transitions) {
    if (commonKeys.has(`${t.event}|${t.to}`)) continue;
    const k = `${t.from}|${t.to}`;
    if (!edgeMap.has(k)) edgeMap.set(k, { from: t.from, to: t.to, labels: [] });
    const l = labelOf(t);
    if (!edgeMap.get(k)!.labels.includes(l)) edgeMap.get(k)!.labels.push(l);
  }
  const edges = [...edgeMap.values()];
  const boxes: StateBox[] = [];
  let width: number;
  let height: number;
  if (def.id === 'tcp' && def.states.every((s) => s in TCP_GRID)) {
    for (const s of def.states) {
      const [c, r] = TCP_GRID[s];
      boxes.push({ state: s, x: TCP_COLS[c], y: 20 + r * ROW, w: boxWidth('SYN-RECEIVED'), h: BOX_H, layer: r });
    }
    boxes.push({ state: 'CLOSED', x: TCP_COLS[2], y: 20 + 6 * ROW, w: boxWidth('SYN-RECEIVED'), h: BOX_H, layer: 6, copy: true });
    width = 530;
    height = 40 + 6 * ROW;
  } else {
    // layers: breadth-first from the initial state over every transition; unreachable states last
    const layer = new Map<string, number>([[def.initial, 0]]);
    const queue = [def.initial];
    while (queue.length) {
      const s = queue.shift()!;
      for (const t of def.transitions)
        if (t.from === s && !layer.has(t.to)) {
          layer.set(t.to, layer.get(s)! + 1);
          queue.push(t.to);
        }
    }
    const deepest = Math.max(...layer.values());
    for (const s of def.states) if (!layer.has(s)) layer.set(s, deepest + 1);
    const rows: string[][] = [];
    for (const s of def.states) (rows[layer.get(s)!] ??= []).push(s);
    const gap = 56;
    const rowW = (r: string[]) => r.reduce((a, s) => a + boxWidth(s), 0) + gap * (r.length - 1);
    width = Math.max(200, ...rows.filter(Boolean).map(rowW)) + 120; // room for the labels of self loops and side arcs
    const xOf = new Map<string, number>();
    rows.forEach((r, i) => {
      if (!r) return;
      // order each row by where its predecessors sit (fewer crossings)
      const bary = (s: string) => {
        const xs = def.transitions.filter((t) => t.to === s && xOf.has(t.from) && t.from !== s).map((t) => xOf.get(t.from)!);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : width / 2;
      };
      r.sort((a, b) => bary(a) - bary(b));
      let x = (width - 80 - rowW(r)) / 2;
      for (const s of r) {
        const w = boxWidth(s);
        xOf.set(s, x + w / 2);
        boxes.push({ state: s, x: x + w / 2, y: 20 + i * ROW, w, h: BOX_H, layer: i });
        x += w + gap;
      }
    });
    height = 40 + (rows.length - 1) * ROW;
  }
  return { def, boxes, edges, common, width, height };
}

// ------------------------------------------------------------------ drawing

/** Where an arrow from `a` to `b` runs: an SVG path, the point for its label and the label's text-anchor. */
export function edgePath(a: StateBox, b: StateBox, bend: number): { d: string; lx: number; ly: number; anchor: 'start' | 'middle' | 'end' } {
  if (a === b) {
    const x = a.x + a.w / 2;
    return { d: `M${x},${a.y - 5} C${x + 24},${a.y - 18} ${x + 24},${a.y + 18} ${x + 1},${a.y + 5}`, lx: x + 22, ly: a.y + 3, anchor: 'start' };
  }
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const cx = (a.x + b.x) / 2 - (dy / len) * bend;
  const cy = (a.y + b.y) / 2 + (dx / len) * bend;
  const clip = (box: StateBox, px: number, py: number) => {
    const vx = px - box.x;
    const vy = py - box.y;
    const t = Math.min(box.w / 2 / Math.abs(vx || 1e-9), box.h / 2 / Math.abs(vy || 1e-9));
    return [box.x + vx * t, box.y + vy * t];
  };
  const [x0, y0] = clip(a, cx, cy);
  const [x1, y1] = clip(b, cx, cy);
  const f = (v: number) => v.toFixed(1);
  // the label sits beside the curve's midpoint, on the outer side of the bend (right of a straight arrow)
  let nx = -dy / len;
  let ny = dx / len;
  if (bend < 0 || (bend === 0 && nx < 0)) [nx, ny] = [-nx, -ny];
  const mx = 0.25 * x0 + 0.5 * cx + 0.25 * x1 + nx * 4;
  const my = 0.25 * y0 + 0.5 * cy + 0.25 * y1 + ny * 4 + 3;
  const anchor = nx > 0.35 ? 'start' : nx < -0.35 ? 'end' : 'middle';
  return { d: `M${f(x0)},${f(y0)} Q${f(cx)},${f(cy)} ${f(x1)},${f(y1)}`, lx: mx, ly: my, anchor };
}

/** The box of `state` an arrow from `from` ends at (the nearer copy). */
function boxFor(layout: MachineLayout, state: string, from?: StateBox): StateBox | undefined {
  const all = layout.boxes.filter((b) => b.state === state);
  if (from === undefined || all.length < 2) return all[0];
  return all.reduce((best, b) => (Math.abs(b.y - from.y) < Math.abs(best.y - from.y) ? b : best));
}

function bendFor(layout: MachineLayout, a: StateBox, b: StateBox, from: string, to: string): number {
  const reverse = layout.edges.some((e) => e.from === to && e.to === from);
  const span = b.layer - a.layer;
  if (span === 1 || (span === -1 && reverse)) return reverse ? 14 : 0;
  if (span === 0) return 22 + Math.abs(b.x - a.x) / 12;
  if (span > 1) return 16 + 6 * span;
  return 34 + 10 * Math.abs(span);
}

/** The transitions a trace step `from → to` on `event` took: one, or two through a transient state. */
export function takenTransitions(def: MachineDefinition, from: string, to: string, event: string): MachineTransition[] {
  const ev = eventLabel(event);
  const direct = def.transitions.filter((t) => t.from === from && t.to === to);
  if (direct.length) return [direct.find((t) => t.event === ev) ?? direct[0]];
  for (const mid of def.transient) {
    const a = def.transitions.find((t) => t.from === from && t.to === mid);
    const b = def.transitions.find((t) => t.from === mid && t.to === to);
    if (a && b) return [a, b];
  }
  return [];
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One transition in words: `SYN-SENT –RCV_SYN_ACK→ ESTABLISHED`. */
export function describeTransition(t: MachineTransition): string {
  return `${t.from} –${t.event}${t.guard ? ` [${t.guard}]` : ''}→ ${t.to}${t.inherited ? ' (defined on an enclosing state)' : ''}`;
}

/** What to highlight: the current state and the last step (as the `state` trace event gives them). */
export interface MachineHighlight {
  /** The current state (dotted path). */
  current?: string;
  /** The last step. */
  last?: { from: string; to: string; event: string };
}

/**
 * The SVG of a laid-out machine: rounded boxes, labelled arrows, the initial state marked, final
 * states double-bordered, the current state filled (`class="st cur"`) and the last step's arrows
 * emphasised (`class="tr taken"`). `uid` keeps the arrowhead marker ids unique in the page.
 */
export function machineSvg(layout: MachineLayout, hl: MachineHighlight, uid: string): string {
  const { def } = layout;
  const taken = hl.last && hl.last.from !== '' ? takenTransitions(def, hl.last.from, hl.last.to, hl.last.event) : [];
  const takenKey = new Set(taken.map((t) => `${t.from}|${t.to}`));
  const takenEv = new Set(taken.map(labelOf));
  const parts: string[] = [];
  const drawn = new Set<string>();
  const edge = (from: string, to: string, labels: string[], extra: boolean) => {
    const a = boxFor(layout, from);
    const b = boxFor(layout, to, a);
    if (!a || !b) return;
    const { d, lx, ly, anchor } = edgePath(a, b, bendFor(layout, a, b, from, to));
    const isTaken = takenKey.has(`${from}|${to}`);
    const cls = `tr${isTaken ? ' taken' : ''}${extra ? ' common' : ''}`;
    const text = labels
      .map((l, i) => `<tspan x="${lx.toFixed(1)}" dy="${i === 0 ? -((labels.length - 1) * 5.5) : 11}"${isTaken && takenEv.has(l) ? ' class="ev taken"' : ''}>${esc(l)}</tspan>`)
      .join('');
    parts.push(`<g class="${cls}" data-from="${esc(from)}" data-to="${esc(to)}"><title>${esc(`${from} → ${to}: ${labels.join(', ')}`)}</title><path d="${d}" marker-end="url(#${uid}-${isTaken ? 'ah-t' : 'ah'})"/><text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="${anchor}">${text}</text></g>`);
    drawn.add(`${from}|${to}`);
  };
  for (const e of layout.edges) edge(e.from, e.to, e.labels, false);
  // a step along a transition that is only listed is drawn while it is the last one
  for (const t of taken) if (!drawn.has(`${t.from}|${t.to}`)) edge(t.from, t.to, [labelOf(t)], true);
  const boxes = layout.boxes.map((b) => {
    const cur = hl.current === b.state;
    const fin = def.finals.includes(b.state);
    const cls = `st${cur ? ' cur' : ''}${def.transient.includes(b.state) ? ' transient' : ''}${b.copy ? ' copy' : ''}`;
    const x = b.x - b.w / 2;
    const y = b.y - b.h / 2;
    return `<g class="${cls}" data-state="${esc(b.state)}"${cur ? ' aria-current="true"' : ''}><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${b.w}" height="${b.h}" rx="9"/>${fin ? `<rect class="fin" x="${(x + 2.5).toFixed(1)}" y="${(y + 2.5).toFixed(1)}" width="${b.w - 5}" height="${b.h - 5}" rx="7"/>` : ''}<text x="${b.x.toFixed(1)}" y="${(b.y + 4).toFixed(1)}">${esc(b.state)}</text></g>`;
  });
  const init = boxFor(layout, def.initial);
  const start = init ? `<g class="init"><circle cx="${(init.x - init.w / 2 - 16).toFixed(1)}" cy="${init.y}" r="4"/><path d="M${(init.x - init.w / 2 - 12).toFixed(1)},${init.y} L${(init.x - init.w / 2 - 1).toFixed(1)},${init.y}" marker-end="url(#${uid}-ah)"/></g>` : '';
  const marker = (id: string) => `<marker id="${uid}-${id}" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z"/></marker>`;
  const summary = `${def.id} state machine: ${def.states.length} states, ${def.transitions.length} transitions; current state ${hl.current ?? 'none'}${taken.length ? `; last step ${taken.map(describeTransition).join(', then ')}` : ''}`;
  return `<svg class="machine" viewBox="-4 -8 ${layout.width + 8} ${layout.height + 16}" width="${layout.width + 8}" role="img" aria-label="${esc(summary)}"><defs>${marker('ah')}${marker('ah-t')}</defs>${parts.join('')}${start}${boxes.join('')}</svg>`;
}

/** The text alternative of a machine: one line per state and per transition. */
export function machineText(def: MachineDefinition, hl: MachineHighlight = {}): string[] {
  const lines = def.states.map((s) => `state ${s}${s === def.initial ? ' (initial)' : ''}${def.finals.includes(s) ? ' (final)' : ''}${def.transient.includes(s) ? ' (left at once)' : ''}${s === hl.current ? ' — current' : ''}`);
  return lines.concat(def.transitions.map(describeTransition));
}

const cache = new Map<AnyStateMachine, MachineLayout>();

/** {@link layoutMachine} of {@link machineDefinition}, computed once per machine. */
export function machineLayout(machine: AnyStateMachine): MachineLayout {
  let l = cache.get(machine);
  if (l === undefined) {
    l = layoutMachine(machineDefinition(machine));
    cache.set(machine, l);
  }
  return l;
}

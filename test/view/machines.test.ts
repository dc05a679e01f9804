import { describe, it, expect } from 'vitest';
import { machineDefinition, layoutMachine, machineSvg, machineText, takenTransitions, eventLabel } from '../../view/model/machines.js';
import { tcpMachine, TCP_STATES } from '../../stack/tcp/machine.js';
import { e1000Lifecycle } from '../../driver/lifecycle.js';
import { csmaMachine } from '../../hw/mac/csma.js';
import { phyLinkMachine } from '../../hw/phy/link.js';
import { arpEntryMachine } from '../../stack/iface/arp.js';
import type { AnyStateMachine } from 'xstate';

const def = (m: unknown) => machineDefinition(m as AnyStateMachine);
const has = (d: ReturnType<typeof def>, from: string, event: string, to: string) => d.transitions.some((t) => t.from === from && t.event === event && t.to === to);

describe('machines read from their xstate definitions', () => {
  it('tcp: the 11 RFC 9293 states, CLOSED initial, the figure-5 edges', () => {
    const d = def(tcpMachine);
    expect(d.id).toBe('tcp');
    expect(d.states).toEqual([...TCP_STATES]);
    expect(d.initial).toBe('CLOSED');
    expect(has(d, 'ESTABLISHED', 'CLOSE', 'FIN-WAIT-1')).toBe(true);
    expect(has(d, 'SYN-SENT', 'RCV_SYN_ACK', 'ESTABLISHED')).toBe(true);
    expect(has(d, 'TIME-WAIT', 'TIMEOUT', 'CLOSED')).toBe(true);
    expect(has(d, 'TIME-WAIT', 'RCV_FIN', 'TIME-WAIT')).toBe(true); // re-entered: the 2·MSL wait restarts
    expect(d.transitions.find((t) => t.from === 'SYN-RECEIVED' && t.to === 'LISTEN')).toEqual({ from: 'SYN-RECEIVED', to: 'LISTEN', event: 'RCV_RST', guard: 'passive' });
    expect(has(d, 'ESTABLISHED', 'CONNECT', 'SYN-SENT')).toBe(false);
    expect(d.transitions).toHaveLength(49);
  });

  it('nested states are leaves by dotted path; transitions on a parent apply to each child; delays read as "after"', () => {
    const e = def(e1000Lifecycle);
    expect(e.states).toEqual(['unprobed', 'probing', 'down', 'opening', 'up.linkDown', 'up.linkUp', 'closing', 'failed', 'removed']);
    expect(e.finals).toEqual(['removed']);
    expect(has(e, 'opening', 'OPEN_OK', 'up.linkDown')).toBe(true); // entering `up` enters its initial child
    expect(e.transitions.filter((t) => t.event === 'CLOSE' && t.to === 'closing').map((t) => [t.from, t.inherited])).toEqual([
      ['up.linkDown', true],
      ['up.linkUp', true],
    ]);
    const c = def(csmaMachine);
    expect(c.transient).toEqual(['defer.check']);
    expect(has(c, 'transmit', 'after TX_TIME', 'idle')).toBe(true);
    expect(has(c, 'idle', 'FRAME_READY', 'defer.check')).toBe(true);
    expect(c.transitions.find((t) => t.from === 'jam' && t.to === 'idle')).toMatchObject({ event: 'after JAM_TIME', guard: 'giveUp' });
    expect(def(phyLinkMachine).states).toEqual(['off', 'down', 'negotiating.waiting', 'up']);
    const a = def(arpEntryMachine);
    expect(a.finals).toEqual(['failed', 'expired']);
    expect(a.transient).toEqual(['start']);
    expect(eventLabel('xstate.after.RETRANS.arp-entry.probe')).toBe('after RETRANS');
  });

  it('every machine the view shows has at most 12 states and lays out without overlapping boxes', () => {
    for (const m of [tcpMachine, e1000Lifecycle, csmaMachine, phyLinkMachine, arpEntryMachine]) {
      const l = layoutMachine(def(m));
      expect(l.def.states.length).toBeLessThanOrEqual(12);
      expect(new Set(l.boxes.filter((b) => !b.copy).map((b) => b.state))).toEqual(new Set(l.def.states));
      for (const a of l.boxes)
        for (const b of l.boxes) if (a !== b) expect(Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2, `${l.def.id}: ${a.state} overlaps ${b.state}`).toBe(true);
      for (const b of l.boxes) {
        expect(b.x - b.w / 2).toBeGreaterThanOrEqual(0);
        expect(b.x + b.w / 2).toBeLessThanOrEqual(l.width);
      }
    }
  });

  it('tcp sits in the RFC 9293 figure-5 places; RST, ABORT and GIVE_UP to CLOSED are listed, not drawn', () => {
    const l = layoutMachine(def(tcpMachine));
    const at = (s: string) => l.boxes.find((b) => b.state === s && !b.copy)!;
    expect(at('CLOSED').y).toBeLessThan(at('LISTEN').y);
    expect(at('SYN-RECEIVED').x).toBeLessThan(at('ESTABLISHED').x);
    expect(at('SYN-SENT').x).toBeGreaterThan(at('ESTABLISHED').x);
    expect(at('SYN-RECEIVED').y).toBe(at('SYN-SENT').y);
    expect(at('TIME-WAIT').y).toBeGreaterThan(at('CLOSING').y);
    expect(l.common.map((c) => c.event).sort()).toEqual(['ABORT', 'GIVE_UP', 'RCV_RST']);
    expect(l.edges.find((e) => e.from === 'ESTABLISHED' && e.to === 'FIN-WAIT-1')!.labels).toEqual(['CLOSE']);
    expect(l.edges.some((e) => e.labels.includes('ABORT'))).toBe(false);
  });

  it('the SVG fills the current state and emphasises the step just taken; the text alternative lists both', () => {
    const l = layoutMachine(def(tcpMachine));
    const svg = machineSvg(l, { current: 'ESTABLISHED', last: { from: 'SYN-SENT', to: 'ESTABLISHED', event: 'RCV_SYN_ACK' } }, 't');
    expect(svg.match(/class="st cur"[^>]*/g)).toEqual(['class="st cur" data-state="ESTABLISHED" aria-current="true"']);
    expect(svg.match(/class="tr taken"[^>]*/g)).toEqual(['class="tr taken" data-from="SYN-SENT" data-to="ESTABLISHED"']);
    expect(svg).toContain('aria-label="tcp state machine: 11 states, 49 transitions; current state ESTABLISHED; last step SYN-SENT –RCV_SYN_ACK→ ESTABLISHED"');
    // a listed transition is drawn (dashed) while it is the last step
    const rst = machineSvg(l, { current: 'CLOSED', last: { from: 'ESTABLISHED', to: 'CLOSED', event: 'RCV_RST' } }, 't');
    expect(rst).toContain('class="tr taken common" data-from="ESTABLISHED" data-to="CLOSED"');
    const text = machineText(l.def, { current: 'ESTABLISHED' });
    expect(text).toContain('state ESTABLISHED — current');
    expect(text).toContain('ESTABLISHED –CLOSE→ FIN-WAIT-1');
    expect(text).toHaveLength(11 + 49);
  });

  it('a step through a transient state is the two transitions it took', () => {
    const c = def(csmaMachine);
    expect(takenTransitions(c, 'idle', 'transmit', 'FRAME_READY').map((t) => `${t.from}>${t.to}`)).toEqual(['idle>defer.check', 'defer.check>transmit']);
    expect(takenTransitions(def(e1000Lifecycle), 'up.linkDown', 'up.linkUp', 'LINK_UP')).toEqual([{ from: 'up.linkDown', to: 'up.linkUp', event: 'LINK_UP' }]);
  });
});

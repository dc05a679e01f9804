import { describe, it, expect } from 'vitest';
import { configFromParams, configToParams, defaultConfig, ConfigError } from '../../view/model/scenario.js';
import { Session, replay, matches, dropsOf, breakpointsFromParams, breakpointsToParams, parseBreakpoint, formatBreakpoint, type Breakpoint } from '../../view/model/session.js';
import { registerRows, ringView, irqView, ICR_CAUSES } from '../../view/model/inspect.js';
import { decodeFrame } from '../../view/model/frame.js';
import { ICR, TDH, TDT, RDH, RDT } from '../../hw/registers/e1000.js';
import { parseEthernet } from '../../stack/wire/ethernet.js';
import { parseIpv4 } from '../../stack/wire/ipv4.js';
import { parseTcp } from '../../stack/wire/tcp.js';
import { isWireError } from '../../stack/wire/error.js';

describe('the experiment in the address', () => {
  it('round-trips every field through the query string, defaults left out', () => {
    expect(configToParams(defaultConfig()).toString()).toBe('');
    const c = { ...defaultConfig(), topology: 'pair' as const, seed: 7, speed: 100 as const, fidelity: 'signal' as const, ringSize: 64, ber: { cable: 1e-6 }, flips: [{ frameId: 9, bit: 300 }], pulls: [{ cable: 'cable', atNs: 2_000_000_000 }] };
    const q = configToParams(c).toString();
    expect(q).toBe('topology=pair&seed=7&speed=100&fidelity=signal&ring=64&ber=cable%3A0.000001&flip=9%3A300&pull=cable%402000000000');
    expect(configFromParams(new URLSearchParams(q))).toEqual(c);
  });

  it('names the parameter that is wrong', () => {
    const bad = (q: string) => () => configFromParams(new URLSearchParams(q));
    expect(bad('topology=ring')).toThrow(ConfigError);
    expect(bad('topology=ring')).toThrow(/topology must be one of demo, pair/);
    expect(bad('seed=-1')).toThrow(/seed/);
    expect(bad('speed=42')).toThrow(/speed must be 10, 100 or 1000/);
    expect(bad('ring=12')).toThrow(/ring must be a multiple of 8/);
    expect(bad('ber=cable-client:0.5')).toThrow(/ber expects/);
    expect(bad('flip=0:3')).toThrow(/flip expects/);
    expect(bad('pull=cable')).toThrow(/pull expects/);
  });
});

describe('breakpoints in the address', () => {
  const all: Breakpoint[] = [
    { kind: 'reg', reg: 'TDT' },
    { kind: 'reg', reg: 'RAL[0]', nic: 'router.1' },
    { kind: 'cause', cause: 'RXT0', nic: 'client' },
    { kind: 'cause', cause: 'LSC' },
    { kind: 'frame', filter: 'TCP 10.0.0.2:49152 → 10.0.1.2:80 [SYN, ACK]' },
    { kind: 'frame', filter: '' },
    { kind: 'state', machine: 'tcp', to: 'ESTABLISHED' },
    { kind: 'state', machine: 'e1000', to: 'up.linkUp' },
    { kind: 'state', machine: 'phy-link' },
  ];

  it('round-trip: one bp parameter each, next to the experiment, order kept', () => {
    const p = breakpointsToParams(all, configToParams({ ...defaultConfig(), seed: 3 }));
    expect(p.getAll('bp')).toEqual(['reg:TDT', 'reg:RAL[0]@router.1', 'cause:RXT0@client', 'cause:LSC', 'frame:TCP 10.0.0.2:49152 → 10.0.1.2:80 [SYN, ACK]', 'frame:', 'state:tcp:ESTABLISHED', 'state:e1000:up.linkUp', 'state:phy-link']);
    const back = new URLSearchParams(p.toString());
    expect(breakpointsFromParams(back)).toEqual({ breakpoints: all, errors: [] });
    expect(configFromParams(back).seed).toBe(3); // the experiment ignores bp
    expect(breakpointsToParams([], back).has('bp')).toBe(false);
    expect(parseBreakpoint('reg:tdt')).toEqual({ kind: 'reg', reg: 'TDT' }); // names read case-insensitively
    for (const b of all) expect(parseBreakpoint(formatBreakpoint(b))).toEqual(b);
  });

  it('a malformed bp is left out with a message saying what is wrong; the valid ones stay', () => {
    const p = new URLSearchParams();
    for (const v of ['reg:NOPE', 'cause:FOO', 'tap:1', 'state:tcp:EST ABLISHED', 'reg:TDT@a@b', 'frame', 'cause:TXDW@client']) p.append('bp', v);
    const { breakpoints, errors } = breakpointsFromParams(p);
    expect(breakpoints).toEqual([{ kind: 'cause', cause: 'TXDW', nic: 'client' }]);
    expect(errors).toEqual([
      "bp 'reg:NOPE': no register named 'NOPE' in the adapter's register table (e.g. TDT, RDT, IMS, CTRL)",
      expect.stringMatching(/^bp 'cause:FOO': no interrupt cause 'FOO' \(causes: TXDW, TXQE, LSC, .*RXT0/),
      "bp 'tap:1': unknown breakpoint kind 'tap' (reg, cause, frame or state)",
      "bp 'state:tcp:EST ABLISHED': expects state:machine[:state], e.g. state:tcp:ESTABLISHED (names of letters, digits, '.', '_' or '-')",
      "bp 'reg:TDT@a@b': expects reg:REGISTER[@adapter] with an adapter name of letters, digits, '.', '_' or '-'",
      "bp 'frame': expects frame:<filter> (the filter may be empty: any frame)",
    ]);
    expect(() => parseBreakpoint('cause:FOO')).toThrow(ConfigError);
  });
});

describe('a session stepped in simulated time', () => {
  it('stops at the first interrupt: the line is up, ICR holds the cause the adapter traced', async () => {
    const s = new Session(defaultConfig());
    const stop = await s.nextInterrupt();
    expect(stop.reason).toBe('break');
    expect(stop.hit!.ev.kind).toBe('irq');
    const nic = s.scenario.hosts.flatMap((h) => h.nics).find((n) => n.name === stop.hit!.ev.source)!;
    const q = irqView(nic);
    expect(q.level).toBe(true);
    const cause = [...s.log].reverse().find((r) => r.ev.kind === 'nic.cause' && r.ev.source === nic.name)!.ev as { icr: number };
    expect(q.icr).toBe(cause.icr);
    expect(q.icr & q.ims).not.toBe(0);
    expect(registerRows(nic).find((r) => r.name === 'ICR')!.value).toBe(nic.regs.get(ICR));
  });

  it('replaying to an instant gives the same registers and rings as the live run had there', async () => {
    const live = new Session(defaultConfig());
    for (let i = 0; i < 8; i++) await live.nextFrame();
    const instant = live.instant;
    const words = live.scenario.hosts.flatMap((h) => h.nics.map((n) => Array.from(n.regs.storage)));
    const rings = live.scenario.hosts.flatMap((h) => h.nics.map((n, i) => [ringView(n, 'tx', h.drivers[i]), ringView(n, 'rx', h.drivers[i])]));
    const again = await replay(defaultConfig(), instant);
    expect(again.instant).toBe(instant);
    expect(again.now).toBe(live.now);
    expect(again.scenario.hosts.flatMap((h) => h.nics.map((n) => Array.from(n.regs.storage)))).toEqual(words);
    expect(again.scenario.hosts.flatMap((h) => h.nics.map((n, i) => [ringView(n, 'tx', h.drivers[i]), ringView(n, 'rx', h.drivers[i])]))).toEqual(rings);
    expect(again.log.map((r) => `${r.instant} ${r.ev.time} ${r.ev.kind} ${r.ev.source}`)).toEqual(live.log.map((r) => `${r.instant} ${r.ev.time} ${r.ev.kind} ${r.ev.source}`));
  });

  it('one event at a time gives the same run as one long run (the replay relies on it)', async () => {
    const a = new Session({ ...defaultConfig(), topology: 'pair' });
    const b = new Session({ ...defaultConfig(), topology: 'pair' });
    await a.run({ untilNs: 1_600_000_000 });
    while (b.now < 1_600_000_000 && b.instant < a.instant) await b.step();
    expect(b.instant).toBe(a.instant);
    expect(b.log.length).toBe(a.log.length);
    expect(b.log.map((r) => r.ev.time)).toEqual(a.log.map((r) => r.ev.time));
  });

  it('rings: head and tail are the adapter registers, next_to_use/next_to_clean the driver indices, descriptors from host memory', async () => {
    const s = new Session(defaultConfig());
    // the client's first transmitted frame written back
    await s.run({ stopAt: (r) => r.ev.kind === 'nic.writeback' && r.ev.ring === 'tx' && r.ev.source === 'client' });
    const h = s.scenario.hosts[0];
    const tx = ringView(h.nics[0], 'tx', h.drivers[0]);
    const rx = ringView(h.nics[0], 'rx', h.drivers[0]);
    expect(tx.count).toBe(32);
    expect(tx.head).toBe(h.nics[0].regs.get(TDH));
    expect(tx.tail).toBe(h.nics[0].regs.get(TDT));
    expect(rx.head).toBe(h.nics[0].regs.get(RDH));
    expect(rx.tail).toBe(h.nics[0].regs.get(RDT));
    // the driver rang the doorbell with next_to_use; everything before the head is written back
    const xmits = s.log.filter((r) => r.ev.kind === 'netdev.xmit' && r.ev.source === 'client:eth0').length;
    expect(tx.nextToUse).toBe(xmits);
    expect(tx.tail).toBe(xmits);
    expect(tx.head).toBeGreaterThanOrEqual(1);
    expect(tx.descs[0].statusBits).toEqual(['DD']);
    expect(tx.descs[0].otherBits).toEqual(expect.arrayContaining(['EOP', 'IFCS', 'RS']));
    expect(tx.descs[0].length).toBe(42); // the ARP request as the driver queued it (the adapter pads it to 60 and appends the FCS)
    expect(tx.nextToClean).toBe(0); // the driver has not cleaned yet: the TXDW interrupt is still to come
    // RX: the driver keeps one descriptor back
    expect(rx.tail).toBe(31);
    for (let i = rx.head; i !== rx.tail; i = (i + 1) % rx.count) expect(rx.descs[i].buffer).not.toBe(0); // handed to the adapter, each with a buffer
    expect(rx.nextToClean).toBe(rx.head); // nothing received yet
  });

  it('breakpoints: a register write, an interrupt cause, a frame filter, a state transition', async () => {
    const s = new Session(defaultConfig());
    s.breakpoints = [{ kind: 'reg', reg: 'TDT', nic: 'dns' }];
    let r = await s.run({ untilNs: 3e9 });
    expect(r.reason).toBe('break');
    expect(r.hit!.ev).toMatchObject({ kind: 'reg.access', op: 'write', reg: 'TDT', source: 'dns' });
    s.breakpoints = [{ kind: 'cause', cause: 'RXT0' }];
    r = await s.run({ untilNs: 3e9 });
    expect(r.hit!.ev.kind).toBe('nic.cause');
    expect((r.hit!.ev as { causes: number }).causes & ICR_CAUSES.RXT0).not.toBe(0);
    s.breakpoints = [{ kind: 'frame', filter: 'SYN' }];
    r = await s.run({ untilNs: 3e9 });
    expect(r.hit!.ev.kind).toBe('wire.tx');
    expect(decodeFrame((r.hit!.ev as { frame: { bytes: Uint8Array } }).frame.bytes).summary).toMatch(/^TCP 10\.0\.0\.2:\d+ → 10\.0\.1\.2:80 \[SYN\]/);
    s.breakpoints = [{ kind: 'state', machine: 'tcp', to: 'ESTABLISHED' }];
    r = await s.run({ untilNs: 3e9 });
    expect(r.hit!.ev).toMatchObject({ kind: 'state', machine: 'tcp', to: 'ESTABLISHED' });
    expect(matches({ kind: 'state', machine: 'tcp' }, r.hit!.ev)).toBe(true);
  });

  it('the application script completes: lookup, TCP connection, HTTP answer', async () => {
    const s = new Session(defaultConfig());
    await s.run({ untilNs: 2e9 });
    expect(s.scriptDone).toBe(true);
    expect(await s.scenario.script).toEqual({ lines: expect.any(Array), status: 'HTTP/1.1 200 OK' }); // the demo's HttpServer and httpGet: the same 5,000-byte page
  });
});

describe('frames, decoded', () => {
  it('every frame of the run decodes with its FCS intact, and agrees with the stack parsers', async () => {
    const s = new Session(defaultConfig());
    await s.run({ untilNs: 2e9 });
    const sent = s.log.filter((r) => r.ev.kind === 'wire.tx').map((r) => (r.ev as { frame: { bytes: Uint8Array } }).frame.bytes);
    expect(sent.length).toBeGreaterThan(20);
    let tcp = 0;
    for (const b of sent) {
      const d = decodeFrame(b);
      expect(d.fcsOk).toBe(true);
      expect(d.fields[0]).toMatchObject({ name: 'preamble', start: 0, end: 7 });
      expect(d.fields.at(-1)).toMatchObject({ name: 'FCS', start: b.length - 4, end: b.length });
      const eth = parseEthernet(b.subarray(8, b.length - 4));
      if (isWireError(eth) || eth.ethertype !== 0x0800) continue;
      const ip = parseIpv4(eth.payload);
      if (isWireError(ip) || ip.protocol !== 6) continue;
      const t = parseTcp(ip.payload, ip.src, ip.dst);
      if (isWireError(t)) throw new Error('bad TCP');
      tcp++;
      const field = (n: string) => d.fields.find((f) => f.layer === 'tcp' && f.name === n)!.value;
      expect(field('sequence number')).toBe(String(t.seq));
      expect(field('source port')).toBe(String(t.srcPort));
      expect(field('checksum')).toMatch(/\(correct\)$/);
    }
    expect(tcp).toBeGreaterThanOrEqual(6);
  });

  it('a flipped bit: the FCS no longer matches and the damaged field says so', async () => {
    const s = new Session(defaultConfig());
    const stop = await s.run({ stopAt: (r) => r.ev.kind === 'wire.tx' && decodeFrame(r.ev.frame.bytes).summary.startsWith('UDP') });
    const b = (stop.hit!.ev as { frame: { bytes: Uint8Array } }).frame.bytes.slice();
    expect(decodeFrame(b).fcsOk).toBe(true);
    b[8 + 14 + 8] ^= 0x04; // a bit of the IPv4 TTL
    const d = decodeFrame(b);
    expect(d.fcsOk).toBe(false);
    expect(d.summary).toMatch(/bad FCS$/);
    expect(d.fields.find((f) => f.name === 'FCS')!.bad).toBe(true);
    expect(d.fields.find((f) => f.name === 'header checksum')!.bad).toBe(true);
  });
});

describe('fault injection from the page', () => {
  it('a bit flipped in a frame by number is caught by the receiver FCS check and counted', async () => {
    const base = new Session(defaultConfig());
    const stop = await base.run({ stopAt: (r) => r.ev.kind === 'wire.tx' && decodeFrame(r.ev.frame.bytes).summary.includes('[SYN]') });
    const syn = stop.hit!.ev as { frame: { id: number } };
    const s = new Session({ ...defaultConfig(), flips: [{ frameId: syn.frame.id, bit: 8 * 30 + 3 }] });
    await s.run({ untilNs: base.now + 1_000_000 });
    const fault = s.log.find((r) => r.ev.kind === 'fault')!.ev;
    expect(fault).toMatchObject({ kind: 'fault', fault: 'bit', frameId: syn.frame.id, position: 243 });
    const drops = dropsOf(s.log, syn.frame.id);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ source: 'switch', counter: 'p0.rxErrors', reason: 'FCS error' });
    expect(s.scenario.sw!.portStats(0).rxErrors).toBe(1);
    const rx = s.log.find((r) => r.ev.kind === 'wire.rx' && r.ev.frame.id === syn.frame.id)!.ev as { frame: { bytes: Uint8Array } };
    expect(decodeFrame(rx.frame.bytes).fcsOk).toBe(false);
  });

  it('in signal fidelity the flip lands on a code bit and the receiving PHY or MAC catches it', async () => {
    const cfg = { ...defaultConfig(), fidelity: 'signal' as const, speed: 100 as const };
    const base = new Session(cfg);
    const stop = await base.run({ stopAt: (r) => r.ev.kind === 'wire.tx' && decodeFrame(r.ev.frame.bytes).summary.includes('[SYN]') });
    const id = (stop.hit!.ev as { frame: { id: number } }).frame.id;
    const s = new Session({ ...cfg, flips: [{ frameId: id, bit: 600 }] });
    await s.run({ untilNs: base.now + 1_000_000 });
    expect(s.log.find((r) => r.ev.kind === 'fault')!.ev).toMatchObject({ fault: 'symbol', frameId: id, position: 600 });
    const drops = dropsOf(s.log, id);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ source: 'switch', counter: 'p0.rxErrors' });
  });

  it('a pulled cable takes the link down at that instant', async () => {
    const s = new Session({ ...defaultConfig(), topology: 'pair', pulls: [{ cable: 'cable', atNs: 1_700_000_000 }] });
    await s.run({ untilNs: 1_800_000_000 });
    const plug = s.log.find((r) => r.ev.kind === 'cable.plug')!;
    expect(plug.ev).toMatchObject({ time: 1_700_000_000, plugged: false });
    expect(s.log.some((r) => r.ev.kind === 'nic.link' && !r.ev.up && r.ev.time >= 1_700_000_000)).toBe(true);
  });
});

/**
 * `nicsim demo`: two adapters on a cable, programmed register by register as a driver would,
 * exchange a frame; the narrated trace shows every step from doorbell to interrupt.
 * (The full network demo with a stack arrives with the CLI issue; this is the adapter's story.)
 * @module
 */
import { Simulator } from '../sim/simulator.js';
import type { TraceEvent } from '../sim/trace.js';
import { Cable } from '../hw/medium/cable.js';
import { HostMemory } from '../hw/memory.js';
import { Nic } from '../hw/nic.js';
import * as R from '../hw/registers/e1000.js';
import { TXD_CMD, readRxDescriptor, writeRxDescriptor, writeTxDescriptor } from '../hw/descriptors.js';
import { formatMac } from '../hw/eeprom.js';
import type { Speed } from '../hw/medium/types.js';
import { BMCR } from '../hw/phy/registers.js';
import { formatEvent, hexBytes } from '../trace/text.js';

/** Demo options. */
export interface DemoOptions {
  /** Simulation seed. */
  seed: number;
  /** Link speed to force through ANAR/GTCR advertisement (default: best common, 1000). */
  speed: Speed;
  /** Cable length in metres. */
  lengthM: number;
  /** Print every register access too. */
  verbose: boolean;
}

/** What the demo produced. */
export interface DemoResult {
  /** Narrated lines. */
  lines: string[];
  /** Summary figures. */
  summary: Record<string, unknown>;
}

const TX_RING = 0x10000;
const RX_RING = 0x20000;
const TX_BUF = 0x30000;
const RX_BUF = 0x40000;
const RING = 8;

/** Runs the two-adapter demo. */
export function runDemo(o: DemoOptions): DemoResult {
  const sim = new Simulator({ seed: o.seed });
  const lines: string[] = [];
  let phase = '';
  const say = (s: string) => lines.push(s);
  const keep = (e: TraceEvent) => {
    if ((e.kind === 'reg.access' || e.kind === 'reg.unimplemented') && !o.verbose && phase !== 'tx') return;
    if (e.kind === 'state' || e.kind === 'nic.cause') return;
    const l = formatEvent(e);
    if (l) lines.push(l);
  };
  sim.trace.subscribe(keep);
  const mk = (name: string, mac: string) => {
    const memory = new HostMemory(1 << 20);
    return { memory, nic: new Nic(sim, { memory, name, mac, phy: { autonegNs: 1_500_000_000 } }) };
  };
  say('== Two 8254x-compatible adapters, "host A" and "host B", joined by a cable ==');
  const a = mk('A', '02:00:00:00:00:0a');
  const b = mk('B', '02:00:00:00:00:0b');
  const cable = new Cable(sim, { lengthM: o.lengthM, name: 'cable' });
  say(`   cable: ${o.lengthM} m, propagation ${cable.propagationNs} ns`);

  say('');
  say('== Each host programs its adapter through BAR0 registers (the driver\'s open sequence) ==');
  for (const h of [a, b]) {
    const n = h.nic;
    const w = (reg: { offset: number }, v: number) => n.write32(reg.offset, v);
    w(R.IMC, 0xffffffff);
    if (o.speed !== 1000) {
      // advertise only the chosen speed: restart auto-negotiation through MDIC
      const gtcr = 0;
      const anar = o.speed === 100 ? 0x0181 : 0x0061;
      for (const [reg, val] of [[9, gtcr], [4, anar], [0, BMCR.f.ANENABLE.mask | BMCR.f.ANRESTART.mask]] as const) {
        n.phy.mdioWrite(reg, val);
      }
    }
    w(R.CTRL, R.CTRL.f.SLU.mask);
    w(R.TDBAL, TX_RING);
    w(R.TDBAH, 0);
    w(R.TDLEN, RING * 16);
    w(R.TDH, 0);
    w(R.TDT, 0);
    w(R.TIPG, 0x00602008);
    w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask | (0x0f << R.TCTL.f.CT.lsb) | (0x40 << R.TCTL.f.COLD.lsb));
    for (let i = 0; i < RING; i++) writeRxDescriptor(h.memory, RX_RING + 16 * i, RX_BUF + 2048 * i);
    w(R.RDBAL, RX_RING);
    w(R.RDBAH, 0);
    w(R.RDLEN, RING * 16);
    w(R.RDH, 0);
    w(R.RDT, RING - 1);
    w(R.RCTL, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask | R.RCTL.f.SECRC.mask);
    w(R.IMS, R.INT.RXT0 | R.INT.TXDW | R.INT.LSC);
  }
  say(`   A's MAC address from its EEPROM: ${formatMac(a.nic.macAddress)}; B's: ${formatMac(b.nic.macAddress)}`);
  say(o.verbose ? '' : '   (run with --verbose to see every register write)');

  say('');
  say('== Plug in the cable: the PHYs auto-negotiate ==');
  cable.connect(a.nic.port, b.nic.port);
  sim.run({ until: 3_000_000_000 });
  for (const h of [a, b]) h.nic.read32(R.ICR.offset); // acknowledge LSC

  say('');
  say('== Host A sends a frame to host B: descriptor, doorbell (TDT), DMA, MAC, wire, DMA, interrupt ==');
  const payload = new TextEncoder().encode('Hello from host A, carried as electrical signals!');
  const frame = new Uint8Array(14 + payload.length);
  frame.set(b.nic.macAddress, 0);
  frame.set(a.nic.macAddress, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5; // IEEE local experimental EtherType
  frame.set(payload, 14);
  a.memory.write(TX_BUF, frame);
  writeTxDescriptor(a.memory, TX_RING, { buffer: TX_BUF, length: frame.length, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
  say(`   frame in host memory at ${'0x' + TX_BUF.toString(16)}: ${hexBytes(frame, 24)}`);
  phase = 'tx';
  a.nic.write32(R.TDT.offset, 1);
  sim.run({ until: sim.now + 1_000_000 });
  const icr = b.nic.read32(R.ICR.offset);
  const d = readRxDescriptor(b.memory, RX_RING);
  const got = b.memory.read(d.buffer, d.length);
  phase = '';
  say('');
  say('== Host B\'s interrupt handler read ICR and finds the frame ==');
  say(`   ICR = 0x${icr.toString(16)} (RXT0), descriptor 0: length ${d.length}, status 0x${d.status.toString(16)} (DD|EOP|IXSM)`);
  say(`   payload: "${new TextDecoder().decode(got.subarray(14))}"`);
  const link = b.nic.link;
  const summary = {
    link: link ? `${link.speed} Mb/s ${link.duplex} duplex` : 'down',
    framesSentByA: a.nic.read32(R.GPTC.offset),
    framesReceivedByB: b.nic.read32(R.GPRC.offset),
    bytesOnWire: 8 + Math.max(frame.length, 60) + 4,
    simulatedNs: sim.now,
    events: sim.eventsRun,
  };
  return { lines, summary };
}

/**
 * A readable text view of trace events: one line per event with its simulated time, source and a
 * sentence in the vocabulary of the data path (register names as in the datasheet).
 * @module
 */
import type { TraceEvent } from '../sim/trace.js';
import { formatNanos } from '../sim/time.js';
import '../hw/nic.js';
import '../hw/medium/cable.js';
import '../hw/phy/phy.js';
import '../hw/irq.js';
import '../hw/registers/engine.js';
import '../hw/medium/hub.js';
import '../hw/medium/switch.js';
import '../hw/faults.js';
import '../driver/e1000.js';
import '../stack/iface/arp.js';
import '../stack/ip/ipv4.js';
import '../stack/ip/napt.js';
import '../stack/udp.js';
import '../stack/socket/api.js';
import '../stack/apps/http.js';
import '../driver/kernel/irq.js';
import '../driver/kernel/softirq.js';

const hex = (v: number, w = 8) => '0x' + (v >>> 0).toString(16).padStart(w, '0');

/** Formats bytes as a spaced hex string, eliding the middle of long buffers. */
export function hexBytes(b: Uint8Array, max = 32): string {
  const part = (x: Uint8Array) => Array.from(x, (v) => v.toString(16).padStart(2, '0')).join(' ');
  if (b.length <= max) return part(b);
  return `${part(b.subarray(0, max - 8))} … ${part(b.subarray(b.length - 8))} (${b.length} bytes)`;
}

/** One sentence describing an event, or null for events this view leaves out. */
export function describeEvent(e: TraceEvent): string | null {
  switch (e.kind) {
    case 'reg.access':
      return `${e.op === 'write' ? 'write' : 'read '} ${e.reg.padEnd(7)} ${hex(e.value)}${e.fields ? `  (${e.fields})` : ''}`;
    case 'reg.unknown':
      return `${e.op} of unknown register offset ${hex(e.offset, 5)} (value ${hex(e.value)}) ignored`;
    case 'reg.unimplemented':
      return `${e.reg}: bits ${hex(e.bits)} — ${e.why}`;
    case 'phy.link':
      return e.up ? `PHY link up: ${e.speed} Mb/s ${e.duplex} duplex (${e.via})` : 'PHY link down';
    case 'nic.link':
      return e.up ? `MAC link up (STATUS.LU): ${e.speed} Mb/s ${e.duplex} duplex` : 'MAC link down (STATUS.LU clear)';
    case 'nic.txdesc':
      return `TX DMA fetched descriptor ${e.index}: buffer ${hex(e.buffer)}, ${e.length} bytes, CMD ${hex(e.cmd, 2)}`;
    case 'wire.tx':
      return `on the wire: preamble+SFD, ${e.frame.bytes.length - 12} bytes of frame, FCS — ${e.frame.bytes.length * 8} bits until ${formatNanos(e.end)}: ${hexBytes(e.frame.bytes)}`;
    case 'wire.rx':
      return `last bit of frame #${e.frame.id} arrives at ${e.to}`;
    case 'nic.writeback':
      return `${e.ring.toUpperCase()} descriptor ${e.index} written back: status ${hex(e.status, 2)}${e.errors ? ` errors ${hex(e.errors, 2)}` : ''}${e.ring === 'rx' ? `, length ${e.length}` : ''}`;
    case 'nic.rx':
      return `RX DMA wrote frame #${e.frameId} (${e.length} bytes) into descriptor ${e.firstIndex}${e.descriptors > 1 ? ` (+${e.descriptors - 1})` : ''}`;
    case 'nic.cause':
      return `interrupt cause set: ICR = ${hex(e.icr)}`;
    case 'irq':
      return e.level ? 'IRQ line asserted' : 'IRQ line deasserted';
    case 'drop':
      return `dropped ${e.what}: ${e.reason} [counted in ${e.counter}]`;
    case 'dma.fault':
      return `DMA refused: ${e.ring} ${e.what} at ${hex(e.addr)} (+${e.length}): ${e.fault}`;
    case 'nic.ring':
      return `${e.ring.toUpperCase()} ring unusable: ${e.problem}`;
    case 'nic.reset':
      return `adapter reset (${e.cause})`;
    case 'eeprom.read':
      return `EEPROM word ${hex(e.address, 2)} = ${hex(e.data, 4)} (via ${e.via})`;
    case 'mdio':
      return `MDIO ${e.op} PHY ${e.phyAddress} register ${e.reg} = ${hex(e.data, 4)}${e.error ? ' (error: no such PHY)' : ''}`;
    case 'cable.plug':
      return e.plugged ? 'cable plugged in' : 'cable pulled out';
    case 'hub.collision':
      return `collision at the repeater between ports ${e.ports.join(', ')}: jam to every port`;
    case 'switch.learn':
      return `learned ${e.mac} on port ${e.port}${e.previousPort !== undefined ? ` (moved from port ${e.previousPort})` : ''}`;
    case 'switch.age':
      return `forgot ${e.mac} on port ${e.port} (${e.reason})`;
    case 'switch.forward':
      return `frame #${e.frameId} to ${e.dst}: port ${e.inPort} → port ${e.outPort}`;
    case 'switch.flood':
      return `frame #${e.frameId} to ${e.dst} (${e.why}) flooded from port ${e.inPort} to ports ${e.outPorts.join(', ') || 'none'}`;
    case 'switch.link':
      return e.up ? `port ${e.port} link up: ${e.speed} Mb/s ${e.duplex} duplex` : `port ${e.port} link down`;
    case 'fault':
      return `fault injected: ${e.fault} on frame #${e.frameId}${e.position !== undefined ? ` at ${e.fault === 'symbol' ? 'code bit' : 'bit'} ${e.position}` : ''}${e.detail ? ` (${e.detail})` : ''}`;
    case 'app.http':
      return `${e.process}[${e.pid}] HTTP ${e.message}`;
    case 'socket.call':
      return `${e.process}[${e.pid}] ${e.call}${e.fd >= 0 ? ` on fd ${e.fd}` : ''} → ${e.result}`;
    case 'udp.datagram':
      return e.dir === 'tx'
        ? `UDP wrote its 8-byte header: ${e.src}:${e.srcPort} → ${e.dst}:${e.dstPort}, ${e.length} bytes${e.checksum ? ', checksum over the pseudo-header' : ', no checksum'}`
        : `UDP datagram ${e.src}:${e.srcPort} → ${e.dst}:${e.dstPort} (${e.length} bytes) checked and handed to the socket`;
    case 'ip.packet': {
      const frag = e.fragOffset || e.more ? `, fragment offset ${e.fragOffset}${e.more ? ' MF' : ''}` : '';
      const proto = e.protocol === 1 ? 'ICMP' : e.protocol === 6 ? 'TCP' : e.protocol === 17 ? 'UDP' : `protocol ${e.protocol}`;
      return e.dir === 'tx'
        ? `IP wrote a 20-byte header: ${e.src} → ${e.dst} ${proto}, ${e.length} bytes, TTL ${e.ttl}, id ${e.id}${frag}; out of ${e.iface}`
        : `IP received ${e.src} → ${e.dst} ${proto} (${e.length} bytes, TTL ${e.ttl}${frag}) on ${e.iface}`;
    }
    case 'arp.packet':
      if (e.op === 'request') return e.dir === 'tx' ? `ARP broadcast on ${e.iface}: who has ${e.targetIp}? tell ${e.senderIp}` : `ARP request on ${e.iface}: who has ${e.targetIp}? (from ${e.senderIp} at ${e.senderHw})`;
      if (e.op === 'reply') return e.dir === 'tx' ? `ARP reply on ${e.iface}: ${e.senderIp} is at ${e.senderHw} (to ${e.targetIp})` : `ARP reply on ${e.iface}: ${e.senderIp} is at ${e.senderHw} — the MAC header can now be written`;
      return `ARP ${e.op} ${e.dir === 'tx' ? 'sent' : 'received'} on ${e.iface}: ${e.senderIp} (${e.senderHw})`;
    case 'napt.mapping':
      return `NAPT ${e.event === 'create' ? 'created' : 'expired'} ${e.protocol} mapping ${e.inside} ↔ ${e.outside} (remote ${e.remote})`;
    case 'netdev.xmit':
      if (e.tsoMss !== undefined) return `driver copied a ${e.length}-byte TCP packet into DMA buffers, wrote a TSO context descriptor at ${e.firstDescriptor} (MSS ${e.tsoMss}) and ${e.descriptors - 1} data descriptors: the adapter will send ${e.segments} segments`;
      return `driver copied a ${e.length}-byte frame into a DMA buffer and filled TX descriptor ${e.firstDescriptor}${e.descriptors > 1 ? ` (+${e.descriptors - 1})` : ''}`;
    case 'netdev.rx':
      return `driver handed a ${e.length}-byte frame from RX descriptor ${e.descriptor} to the stack`;
    case 'netdev.queue':
      return e.stopped ? `driver stopped its transmit queue (${e.free} descriptors free)` : `driver woke its transmit queue (${e.free} descriptors free)`;
    case 'kernel.irq':
      return `kernel: interrupt vector ${e.vector} → handler ${e.handled ? 'handled it' : 'said "not mine"'}`;
    case 'napi.poll':
      return `NAPI poll ${e.napi}: ${e.work} of budget ${e.budget}`;
    case 'state': {
      // xstate names delayed transitions `xstate.after.<DELAY>.<state path>`
      const ev = e.event.startsWith('xstate.after.') ? `after ${e.event.split('.')[2]}` : e.event === 'xstate.init' ? 'start' : e.event;
      return `${e.machine}: ${e.from || '∅'} → ${e.to} (${ev})`;
    }
    case 'log':
      return e.message;
    default:
      return null;
  }
}

/** Formats an event as `time  source  sentence`, or null when the view leaves it out. */
export function formatEvent(e: TraceEvent): string | null {
  const d = describeEvent(e);
  return d === null ? null : `${formatNanos(e.time).padStart(14)}  ${e.source.padEnd(8)} ${d}`;
}

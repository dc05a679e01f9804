/**
 * Legacy 16-byte transmit and receive descriptors of the 8254x, as fixed layouts (the datasheet is
 * generated from these tables), with host-side helpers to fill and read them in host memory.
 * @module
 */
import type { HostMemory } from './memory.js';

/** Size of one descriptor in bytes. */
export const DESC_SIZE = 16;

/** One field of a descriptor layout. */
export interface DescField {
  /** Mnemonic. */
  name: string;
  /** Byte offset in the descriptor. */
  offset: number;
  /** Size in bytes. */
  size: number;
  /** Who writes it. */
  writer: 'software' | 'device';
  /** Description. */
  desc: string;
}

/** Layout of the legacy transmit descriptor. */
export const TX_DESC_LAYOUT: readonly DescField[] = [
  { name: 'ADDR', offset: 0, size: 8, writer: 'software', desc: 'Physical address of the data buffer' },
  { name: 'LENGTH', offset: 8, size: 2, writer: 'software', desc: 'Bytes of data in this buffer' },
  { name: 'CSO', offset: 10, size: 1, writer: 'software', desc: 'Checksum offset: where IC inserts the checksum' },
  { name: 'CMD', offset: 11, size: 1, writer: 'software', desc: 'Command bits (TXD_CMD)' },
  { name: 'STA', offset: 12, size: 1, writer: 'device', desc: 'Status bits (TXD_STA), low nibble' },
  { name: 'CSS', offset: 13, size: 1, writer: 'software', desc: 'Checksum start: first byte the IC checksum covers' },
  { name: 'SPECIAL', offset: 14, size: 2, writer: 'software', desc: 'VLAN tag (stored, not inserted)' },
];

/** Layout of the legacy receive descriptor. */
export const RX_DESC_LAYOUT: readonly DescField[] = [
  { name: 'ADDR', offset: 0, size: 8, writer: 'software', desc: 'Physical address of the receive buffer' },
  { name: 'LENGTH', offset: 8, size: 2, writer: 'device', desc: 'Bytes written into this buffer (FCS included unless RCTL.SECRC)' },
  { name: 'CSUM', offset: 10, size: 2, writer: 'device', desc: "Packet checksum: ones' complement sum from RXCSUM.PCSS to the end of the frame (FCS excluded), on the EOP descriptor" },
  { name: 'STATUS', offset: 12, size: 1, writer: 'device', desc: 'Status bits (RXD_STAT)' },
  { name: 'ERRORS', offset: 13, size: 1, writer: 'device', desc: 'Error bits (RXD_ERR)' },
  { name: 'SPECIAL', offset: 14, size: 2, writer: 'device', desc: 'VLAN tag (always 0)' },
];

/** Transmit descriptor command bits. */
export const TXD_CMD = { EOP: 1 << 0, IFCS: 1 << 1, IC: 1 << 2, RS: 1 << 3, RPS: 1 << 4, DEXT: 1 << 5, VLE: 1 << 6, IDE: 1 << 7 } as const;
/** Descriptions of the transmit command bits. */
export const TXD_CMD_DOC: Readonly<Record<keyof typeof TXD_CMD, string>> = {
  EOP: 'End of packet: the last descriptor of a frame',
  IFCS: 'Insert FCS: the MAC appends the CRC-32',
  IC: 'Insert checksum at CSO, computed from CSS to the end of the frame',
  RS: 'Report status: write DD back when the frame has been sent',
  RPS: 'Report packet sent (treated as RS)',
  DEXT: 'Extended descriptor (context/data): not supported; consumed and the frame dropped',
  VLE: 'VLAN insertion: not supported; ignored',
  IDE: 'Interrupt delay enable: TXDW is delayed by TIDV/TADV',
};
/** Transmit descriptor status bits. */
export const TXD_STA = { DD: 1 << 0, EC: 1 << 1, LC: 1 << 2, TU: 1 << 3 } as const;
/** Descriptions of the transmit status bits. */
export const TXD_STA_DOC: Readonly<Record<keyof typeof TXD_STA, string>> = {
  DD: 'Descriptor done',
  EC: 'Excess collisions: the frame was dropped after 16 attempts',
  LC: 'Late collision',
  TU: 'Transmit underrun (never set)',
};
/** Receive descriptor status bits. */
export const RXD_STAT = { DD: 1 << 0, EOP: 1 << 1, IXSM: 1 << 2, VP: 1 << 3, TCPCS: 1 << 5, IPCS: 1 << 6, PIF: 1 << 7 } as const;
/** Descriptions of the receive status bits. */
export const RXD_STAT_DOC: Readonly<Record<keyof typeof RXD_STAT, string>> = {
  DD: 'Descriptor done',
  EOP: 'End of packet: the last descriptor of a frame',
  IXSM: 'Ignore checksum indication (always set: no IP/TCP checksum offload)',
  VP: 'Packet is 802.1Q tagged (never set)',
  TCPCS: 'TCP checksum calculated (never set)',
  IPCS: 'IP checksum calculated (never set)',
  PIF: 'Passed in-exact filter (set for multicast accepted by the hash table)',
};
/** Receive descriptor error bits. */
export const RXD_ERR = { CE: 1 << 0, SE: 1 << 1, SEQ: 1 << 2, CXE: 1 << 4, TCPE: 1 << 5, IPE: 1 << 6, RXE: 1 << 7 } as const;
/** Descriptions of the receive error bits. */
export const RXD_ERR_DOC: Readonly<Record<keyof typeof RXD_ERR, string>> = {
  CE: 'CRC (FCS) error: only with RCTL.SBP, otherwise the frame is dropped',
  SE: 'Symbol error seen by the PHY',
  SEQ: 'Sequence error (never set)',
  CXE: 'Carrier extension error (never set)',
  TCPE: 'TCP/UDP checksum error (never set)',
  IPE: 'IP checksum error (never set)',
  RXE: 'Receive data error (symbol error, or a buffer the device could not reach)',
};

/** A transmit descriptor as software fills it. */
export interface TxDescriptor {
  /** Buffer physical address. */
  buffer: number;
  /** Bytes in the buffer. */
  length: number;
  /** Command bits. */
  cmd: number;
  /** Checksum offset. */
  cso?: number;
  /** Checksum start. */
  css?: number;
  /** Status (normally 0 when handed to the device). */
  sta?: number;
}

/** Writes a legacy transmit descriptor at `addr`. */
export function writeTxDescriptor(mem: HostMemory, addr: number, d: TxDescriptor): void {
  mem.writeU64(addr, d.buffer);
  mem.writeU16(addr + 8, d.length);
  mem.bytes[addr + 10] = d.cso ?? 0;
  mem.bytes[addr + 11] = d.cmd;
  mem.bytes[addr + 12] = d.sta ?? 0;
  mem.bytes[addr + 13] = d.css ?? 0;
  mem.writeU16(addr + 14, 0);
}

/** Reads a legacy transmit descriptor at `addr`. */
export function readTxDescriptor(mem: HostMemory, addr: number): Required<TxDescriptor> {
  return { buffer: mem.readU64(addr), length: mem.readU16(addr + 8), cso: mem.bytes[addr + 10], cmd: mem.bytes[addr + 11], sta: mem.bytes[addr + 12], css: mem.bytes[addr + 13] };
}

/** A receive descriptor as the device wrote it back. */
export interface RxDescriptor {
  /** Buffer physical address. */
  buffer: number;
  /** Bytes written. */
  length: number;
  /** Packet checksum. */
  csum: number;
  /** Status bits. */
  status: number;
  /** Error bits. */
  errors: number;
}

/** Writes a fresh receive descriptor (buffer address, everything else zero) at `addr`. */
export function writeRxDescriptor(mem: HostMemory, addr: number, buffer: number): void {
  mem.writeU64(addr, buffer);
  mem.writeU32(addr + 8, 0);
  mem.writeU32(addr + 12, 0);
}

/** Reads a legacy receive descriptor at `addr`. */
export function readRxDescriptor(mem: HostMemory, addr: number): RxDescriptor {
  return { buffer: mem.readU64(addr), length: mem.readU16(addr + 8), csum: mem.readU16(addr + 10), status: mem.bytes[addr + 12], errors: mem.bytes[addr + 13] };
}

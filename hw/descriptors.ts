/**
 * Legacy 16-byte transmit and receive descriptors of the 8254x, as fixed layouts (the datasheet is
 * generated from these tables), with host-side helpers to fill and read them in host memory.
 * @module
 */
import type { HostMemory } from './memory.js';

/** Size of one descriptor in bytes. */
export const DESC_SIZE = 16;

/**
 * Byte offsets of the descriptor fields the adapter, the driver and the tests read and write: one
 * table instead of the numbers retyped at every use (the layouts above document the same offsets).
 */
export const DESC = {
  /** Buffer address, 64-bit little-endian (every descriptor kind except context). */
  ADDR: 0,
  /** Legacy length (16 bits) / extended DTALEN or PAYLEN (20 bits). */
  LENGTH: 8,
  /** Legacy transmit CSO; extended: bits 7:4 are DTYP. */
  CSO: 10,
  /** Receive packet checksum (16 bits). */
  CSUM: 10,
  /** Transmit CMD / DCMD / TUCMD. */
  CMD: 11,
  /** Transmit STA (low nibble), receive STATUS. */
  STATUS: 12,
  /** Legacy transmit CSS; extended data POPTS; context HDRLEN. */
  CSS: 13,
  /** Receive ERRORS. */
  ERRORS: 13,
  /** Extended data POPTS. */
  POPTS: 13,
  /** SPECIAL (16 bits). */
  SPECIAL: 14,
  /** Context: IP checksum start. */
  IPCSS: 0,
  /** Context: IP checksum offset. */
  IPCSO: 1,
  /** Context: IP checksum end (16 bits). */
  IPCSE: 2,
  /** Context: TCP/UDP checksum start. */
  TUCSS: 4,
  /** Context: TCP/UDP checksum offset. */
  TUCSO: 5,
  /** Context: TCP/UDP checksum end (16 bits). */
  TUCSE: 6,
  /** Context: TSO header length. */
  HDRLEN: 13,
  /** Context: TSO maximum segment size (16 bits). */
  MSS: 14,
} as const;

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
  { name: 'ADDR', offset: DESC.ADDR, size: 8, writer: 'software', desc: 'Physical address of the data buffer' },
  { name: 'LENGTH', offset: DESC.LENGTH, size: 2, writer: 'software', desc: 'Bytes of data in this buffer' },
  { name: 'CSO', offset: DESC.CSO, size: 1, writer: 'software', desc: 'Checksum offset: where IC inserts the checksum' },
  { name: 'CMD', offset: DESC.CMD, size: 1, writer: 'software', desc: 'Command bits (TXD_CMD)' },
  { name: 'STA', offset: DESC.STATUS, size: 1, writer: 'device', desc: 'Status bits (TXD_STA), low nibble' },
  { name: 'CSS', offset: DESC.CSS, size: 1, writer: 'software', desc: 'Checksum start: first byte the IC checksum covers' },
  { name: 'SPECIAL', offset: DESC.SPECIAL, size: 2, writer: 'software', desc: 'VLAN tag (stored, not inserted)' },
];

/** Layout of the legacy receive descriptor. */
export const RX_DESC_LAYOUT: readonly DescField[] = [
  { name: 'ADDR', offset: DESC.ADDR, size: 8, writer: 'software', desc: 'Physical address of the receive buffer' },
  { name: 'LENGTH', offset: DESC.LENGTH, size: 2, writer: 'device', desc: 'Bytes written into this buffer (FCS included unless RCTL.SECRC)' },
  { name: 'CSUM', offset: DESC.CSUM, size: 2, writer: 'device', desc: "Packet checksum: ones' complement sum from RXCSUM.PCSS to the end of the frame (FCS excluded), on the EOP descriptor" },
  { name: 'STATUS', offset: DESC.STATUS, size: 1, writer: 'device', desc: 'Status bits (RXD_STAT)' },
  { name: 'ERRORS', offset: DESC.ERRORS, size: 1, writer: 'device', desc: 'Error bits (RXD_ERR)' },
  { name: 'SPECIAL', offset: DESC.SPECIAL, size: 2, writer: 'device', desc: 'VLAN tag (always 0)' },
];

/** Layout of the TCP/IP context transmit descriptor (DEXT set, DTYP = 0): checksum offsets for the frames after it. */
export const TX_CONTEXT_DESC_LAYOUT: readonly DescField[] = [
  { name: 'IPCSS', offset: DESC.IPCSS, size: 1, writer: 'software', desc: 'IP checksum start: first byte of the IPv4 header' },
  { name: 'IPCSO', offset: DESC.IPCSO, size: 1, writer: 'software', desc: 'IP checksum offset: where the header checksum is stored' },
  { name: 'IPCSE', offset: DESC.IPCSE, size: 2, writer: 'software', desc: 'IP checksum end: last byte included (0: to the end of the frame)' },
  { name: 'TUCSS', offset: DESC.TUCSS, size: 1, writer: 'software', desc: 'TCP/UDP checksum start' },
  { name: 'TUCSO', offset: DESC.TUCSO, size: 1, writer: 'software', desc: 'TCP/UDP checksum offset (software preloads the pseudo-header sum there)' },
  { name: 'TUCSE', offset: DESC.TUCSE, size: 2, writer: 'software', desc: 'TCP/UDP checksum end: last byte included (0: to the end of the frame)' },
  { name: 'PAYLEN', offset: DESC.LENGTH, size: 3, writer: 'software', desc: 'Bits 19:0 TSO payload length (the data after HDRLEN); bits 23:20 DTYP = 0000b' },
  { name: 'TUCMD', offset: DESC.CMD, size: 1, writer: 'software', desc: 'Command bits (TXD_TUCMD), DEXT set' },
  { name: 'STA', offset: DESC.STATUS, size: 1, writer: 'device', desc: 'Status bits (TXD_STA), low nibble: DD when TUCMD.RS' },
  { name: 'HDRLEN', offset: DESC.HDRLEN, size: 1, writer: 'software', desc: 'TSO header length: the bytes repeated at the start of every segment' },
  { name: 'MSS', offset: DESC.MSS, size: 2, writer: 'software', desc: 'TSO maximum segment size: payload bytes per segment' },
];

/** Layout of the TCP/IP data transmit descriptor (DEXT set, DTYP = 1). */
export const TX_DATA_DESC_LAYOUT: readonly DescField[] = [
  { name: 'ADDR', offset: DESC.ADDR, size: 8, writer: 'software', desc: 'Physical address of the data buffer' },
  { name: 'DTALEN', offset: DESC.LENGTH, size: 3, writer: 'software', desc: 'Bits 19:0 bytes of data in this buffer; bits 23:20 DTYP = 0001b' },
  { name: 'DCMD', offset: DESC.CMD, size: 1, writer: 'software', desc: 'Command bits: as TXD_CMD, but bit 2 is TSE (TCP segmentation with the TSO context) instead of IC' },
  { name: 'STA', offset: DESC.STATUS, size: 1, writer: 'device', desc: 'Status bits (TXD_STA), low nibble' },
  { name: 'POPTS', offset: DESC.POPTS, size: 1, writer: 'software', desc: 'Packet options (TXD_POPTS), read from the first data descriptor of a frame' },
  { name: 'SPECIAL', offset: DESC.SPECIAL, size: 2, writer: 'software', desc: 'VLAN tag (stored, not inserted)' },
];

/** Context descriptor TUCMD bits (byte 11). */
export const TXD_TUCMD = { TCP: 1 << 0, IP: 1 << 1, TSE: 1 << 2, RS: 1 << 3, DEXT: 1 << 5, IDE: 1 << 7 } as const;
/** Descriptions of the context descriptor's TUCMD bits. */
export const TXD_TUCMD_DOC: Readonly<Record<keyof typeof TXD_TUCMD, string>> = {
  TCP: 'Packet type: TCP (1) or UDP (0); TSO needs TCP (the checksum insertion is the same for both)',
  IP: 'IPv4: TSO needs it (it updates the IP total length and identification per segment)',
  TSE: 'TCP segmentation: this context (HDRLEN, MSS, PAYLEN) is for data descriptors with DCMD.TSE',
  RS: 'Report status: DD is written back into the context descriptor',
  DEXT: 'Extended descriptor: must be set',
  IDE: 'Interrupt delay enable for this write-back',
};
/** Data descriptor POPTS bits (byte 13). */
export const TXD_POPTS = { IXSM: 1 << 0, TXSM: 1 << 1 } as const;
/** Descriptions of the POPTS bits. */
export const TXD_POPTS_DOC: Readonly<Record<keyof typeof TXD_POPTS, string>> = {
  IXSM: 'Insert the IP checksum: ones\' complement of the sum from IPCSS to IPCSE, stored big-endian at IPCSO',
  TXSM: 'Insert the TCP/UDP checksum: ones\' complement of the sum from TUCSS to TUCSE, stored big-endian at TUCSO',
};

/** Transmit descriptor command bits. */
export const TXD_CMD = { EOP: 1 << 0, IFCS: 1 << 1, IC: 1 << 2, RS: 1 << 3, RPS: 1 << 4, DEXT: 1 << 5, VLE: 1 << 6, IDE: 1 << 7 } as const;
/** Descriptions of the transmit command bits. */
export const TXD_CMD_DOC: Readonly<Record<keyof typeof TXD_CMD, string>> = {
  EOP: 'End of packet: the last descriptor of a frame',
  IFCS: 'Insert FCS: the MAC appends the CRC-32',
  IC: 'Insert checksum at CSO, computed from CSS to the end of the frame',
  RS: 'Report status: write DD back when the frame has been sent',
  RPS: 'Report packet sent (treated as RS)',
  DEXT: 'Extended descriptor: a TCP/IP context descriptor (DTYP 0) or data descriptor (DTYP 1), see below',
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
export const RXD_STAT = { DD: 1 << 0, EOP: 1 << 1, IXSM: 1 << 2, VP: 1 << 3, UDPCS: 1 << 4, TCPCS: 1 << 5, IPCS: 1 << 6, PIF: 1 << 7 } as const;
/** Descriptions of the receive status bits. */
export const RXD_STAT_DOC: Readonly<Record<keyof typeof RXD_STAT, string>> = {
  DD: 'Descriptor done',
  EOP: 'End of packet: the last descriptor of a frame',
  IXSM: 'Ignore checksum indication: set while RXCSUM.IPOFLD and TUOFLD are both clear (then IPCS/TCPCS/UDPCS mean nothing)',
  VP: 'Packet is 802.1Q tagged (never set)',
  UDPCS: 'UDP checksum calculated (with TCPCS; reserved on the 82540, set as on later 8254x family members), on the EOP descriptor',
  TCPCS: 'TCP or UDP checksum calculated (RXCSUM.TUOFLD, an unfragmented IPv4 TCP or UDP datagram with a checksum); TCPE reports a mismatch',
  IPCS: 'IPv4 header checksum calculated (RXCSUM.IPOFLD, an IPv4 frame); IPE reports a mismatch',
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
  TCPE: 'TCP/UDP checksum error (with TCPCS): the frame is still delivered and counted as a good packet',
  IPE: 'IPv4 header checksum error (with IPCS): the frame is still delivered and counted as a good packet',
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
  mem.writeU64(addr + DESC.ADDR, d.buffer);
  mem.writeU16(addr + DESC.LENGTH, d.length);
  mem.bytes[addr + DESC.CSO] = d.cso ?? 0;
  mem.bytes[addr + DESC.CMD] = d.cmd;
  mem.bytes[addr + DESC.STATUS] = d.sta ?? 0;
  mem.bytes[addr + DESC.CSS] = d.css ?? 0;
  mem.writeU16(addr + DESC.SPECIAL, 0);
}

/** Reads a legacy transmit descriptor at `addr`. */
export function readTxDescriptor(mem: HostMemory, addr: number): Required<TxDescriptor> {
  return { buffer: mem.readU64(addr + DESC.ADDR), length: mem.readU16(addr + DESC.LENGTH), cso: mem.bytes[addr + DESC.CSO], cmd: mem.bytes[addr + DESC.CMD], sta: mem.bytes[addr + DESC.STATUS], css: mem.bytes[addr + DESC.CSS] };
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
  mem.writeU64(addr + DESC.ADDR, buffer);
  mem.writeU32(addr + DESC.LENGTH, 0);
  mem.writeU32(addr + DESC.STATUS, 0);
}

/** Reads a legacy receive descriptor at `addr`. */
export function readRxDescriptor(mem: HostMemory, addr: number): RxDescriptor {
  return { buffer: mem.readU64(addr + DESC.ADDR), length: mem.readU16(addr + DESC.LENGTH), csum: mem.readU16(addr + DESC.CSUM), status: mem.bytes[addr + DESC.STATUS], errors: mem.bytes[addr + DESC.ERRORS] };
}

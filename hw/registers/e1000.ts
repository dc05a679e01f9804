/**
 * The adapter's register map: a documented subset of the Intel 8254x (82540EM) BAR0 space, one
 * declarative table. Offsets, bit positions and access semantics follow the 8254x family; the
 * datasheet in firmware-docs/ is generated from this file.
 * @module
 */
import { reg, bit, bits, type RegDef } from './engine.js';

/** Size of the BAR0 memory window (128 KiB, as on the 8254x). */
export const BAR0_SIZE = 0x20000;

const SPEEDS = { 0: '10 Mb/s', 1: '100 Mb/s', 2: '1000 Mb/s', 3: '1000 Mb/s' };

// ---------------------------------------------------------------- General
/** CTRL — Device Control. */
export const CTRL = reg(0x0000, 'CTRL', 'Device Control', 'RW', { group: 'General', reset: 0x0000_0001, notes: 'Writing RST resets the whole device (every register to its reset value, both DMA engines stopped, RAL[0]/RAH[0] reloaded from the EEPROM); RST reads 1 until the reset completes. The MAC reports link (STATUS.LU) only while SLU is set. FRCSPD/FRCDPX make the MAC use SPEED/FD instead of the PHY\'s resolved values; a MAC speed that differs from the PHY\'s keeps the link down.' }, {
  FD: bit(0, 'Full duplex (used when FRCDPX is set)'),
  LRST: bit(3, 'Link reset'),
  ASDE: bit(5, 'Auto-speed detection enable'),
  SLU: bit(6, 'Set link up: the MAC reports and uses the PHY link only while set'),
  ILOS: bit(7, 'Invert loss-of-signal'),
  SPEED: bits(8, 2, 'Speed selection (used when FRCSPD is set)', { values: SPEEDS }),
  FRCSPD: bit(11, 'Force speed from CTRL.SPEED'),
  FRCDPX: bit(12, 'Force duplex from CTRL.FD'),
  SWDPIN0: bit(18, 'Software-definable pin 0'),
  SWDPIN1: bit(19, 'Software-definable pin 1'),
  SWDPIN2: bit(20, 'Software-definable pin 2'),
  SWDPIN3: bit(21, 'Software-definable pin 3'),
  SWDPIO0: bit(22, 'Pin 0 direction'),
  SWDPIO1: bit(23, 'Pin 1 direction'),
  SWDPIO2: bit(24, 'Pin 2 direction'),
  SWDPIO3: bit(25, 'Pin 3 direction'),
  RST: bit(26, 'Device reset (self-clearing)', 'SC'),
  RFCE: bit(27, 'Receive flow control enable (stored)'),
  TFCE: bit(28, 'Transmit flow control enable (stored)'),
  VME: bit(30, 'VLAN mode enable (stored)'),
  PHY_RST: bit(31, 'PHY reset: while set the PHY is held in reset and the link is down'),
});

/** STATUS — Device Status (read-only, maintained by the device). */
export const STATUS = reg(0x0008, 'STATUS', 'Device Status', 'RO', { group: 'General', reset: 0x0000_0000, notes: 'Reflects the MAC\'s view of the link: LU needs the PHY link and CTRL.SLU; SPEED and FD are the resolved (or forced) values.' }, {
  FD: bit(0, 'Full duplex'),
  LU: bit(1, 'Link up'),
  FUNC_ID: bits(2, 2, 'Function ID'),
  TXOFF: bit(4, 'Transmission paused (flow control; always 0)'),
  TBIMODE: bit(5, 'TBI mode (always 0: internal copper PHY)'),
  SPEED: bits(6, 2, 'Link speed', { values: SPEEDS }),
  ASDV: bits(8, 2, 'Auto-speed detection value', { values: SPEEDS }),
  PCI66: bit(11, 'PCI bus at 66 MHz'),
  BUS64: bit(12, 'PCI bus is 64 bits wide'),
  PCIX_MODE: bit(13, 'PCI-X mode'),
});

/** EECD — EEPROM/Flash Control and Data (Microwire bit-bang interface). */
export const EECD = reg(0x0010, 'EECD', 'EEPROM/Flash Control/Data', 'RW', { group: 'EEPROM', reset: 0x0000_0110, notes: 'Software bit-bangs the Microwire protocol: raise EE_REQ and wait for EE_GNT, assert CS, shift the READ opcode (110b) and 6 address bits MSB first on DI with rising edges of SK, then clock 16 data bits out of DO. EE_SIZE=0 announces a 64-word (6 address bit) part.' }, {
  SK: bit(0, 'Clock input to the EEPROM'),
  CS: bit(1, 'Chip select'),
  DI: bit(2, 'Data input to the EEPROM'),
  DO: bit(3, 'Data output from the EEPROM', 'RO'),
  FWE: bits(4, 2, 'Flash write enable', { values: { 0: 'not allowed', 1: 'disabled', 2: 'enabled', 3: 'not allowed' } }),
  EE_REQ: bit(6, 'Request EEPROM access'),
  EE_GNT: bit(7, 'EEPROM access granted', 'RO'),
  EE_PRES: bit(8, 'EEPROM present', 'RO'),
  EE_SIZE: bit(9, 'EEPROM size (0: 64 words)', 'RO'),
});

/** EERD — EEPROM Read: a whole-word read without bit-banging. */
export const EERD = reg(0x0014, 'EERD', 'EEPROM Read', 'RW', { group: 'EEPROM', notes: 'Write START with ADDR; DONE and DATA appear after the EEPROM read time (nicsim default 10 µs). An ADDR beyond word 0x3F completes with DONE and DATA=0xFFFF (an unprogrammed word) and a trace event.' }, {
  START: bit(0, 'Start read (self-clearing)', 'SC'),
  DONE: bit(4, 'Read done', 'RO'),
  ADDR: bits(8, 8, 'Word address'),
  DATA: bits(16, 16, 'Data read', { access: 'RO' }),
});

/** CTRL_EXT — Extended Device Control (stored only). */
export const CTRL_EXT = reg(0x0018, 'CTRL_EXT', 'Extended Device Control', 'RW', { group: 'General', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });

/** MDIC — MDI Control: access to the PHY's clause-22 registers. */
export const MDIC = reg(0x0020, 'MDIC', 'MDI Control', 'RW', { group: 'PHY', reset: 0x1000_0000, notes: 'Writing a command clears R and E and starts an MDIO frame (nicsim default 25.6 µs: 64 bits at 2.5 MHz). R is set when done; a read fills DATA. PHY address 1 is the internal PHY; any other address completes with E set. I raises ICR.MDAC on completion.' }, {
  DATA: bits(0, 16, 'Data'),
  REGADD: bits(16, 5, 'PHY register address'),
  PHYADD: bits(21, 5, 'PHY address (1 = internal PHY)'),
  OP: bits(26, 2, 'Opcode', { values: { 1: 'write', 2: 'read' } }),
  R: bit(28, 'Ready (set by the device when the transaction ends)'),
  I: bit(29, 'Interrupt on completion (ICR.MDAC)'),
  E: bit(30, 'Error (no PHY at PHYADD)'),
});

/** FCAL — Flow Control Address Low (stored only). */
export const FCAL = reg(0x0028, 'FCAL', 'Flow Control Address Low', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** FCAH — Flow Control Address High (stored only). */
export const FCAH = reg(0x002c, 'FCAH', 'Flow Control Address High', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });
/** FCT — Flow Control Type (stored only). */
export const FCT = reg(0x0030, 'FCT', 'Flow Control Type', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });
/** VET — VLAN EtherType (stored only). */
export const VET = reg(0x0038, 'VET', 'VLAN Ether Type', 'RW', { group: 'Stored only', implemented: false, reset: 0x8100 }, { VALUE: bits(0, 16, 'Stored value') });

// ---------------------------------------------------------------- Interrupts
const CAUSES = {
  TXDW: 'Transmit descriptor written back',
  TXQE: 'Transmit queue empty',
  LSC: 'Link status change',
  RXSEQ: 'Receive sequence error',
  RXDMT0: 'Receive descriptor minimum threshold reached',
  RXO: 'Receiver overrun',
  RXT0: 'Receiver timer interrupt',
  MDAC: 'MDI/O access complete',
  RXCFG: 'Receiving /C/ ordered sets',
  TXD_LOW: 'Transmit descriptor low threshold',
  SRPD: 'Small receive packet detected',
} as const;
const CAUSE_BITS = { TXDW: 0, TXQE: 1, LSC: 2, RXSEQ: 3, RXDMT0: 4, RXO: 6, RXT0: 7, MDAC: 9, RXCFG: 10, TXD_LOW: 15, SRPD: 16 } as const;
type Cause = keyof typeof CAUSE_BITS;
function causeFields(access: 'RC/W1C' | 'WO' | 'W1S'): Record<Cause, ReturnType<typeof bit>> {
  const out = {} as Record<Cause, ReturnType<typeof bit>>;
  for (const k of Object.keys(CAUSE_BITS) as Cause[]) out[k] = bit(CAUSE_BITS[k], CAUSES[k], access);
  return out;
}

/** ICR — Interrupt Cause Read: read-to-clear; writing 1s also clears. */
export const ICR = reg(0x00c0, 'ICR', 'Interrupt Cause Read', 'RC/W1C', { group: 'Interrupts', reservedWritesIgnored: true, notes: 'The IRQ line is level-triggered: asserted while (ICR & IMS) != 0, subject to ITR throttling. Reading ICR returns the causes and clears them, which deasserts the line.' }, causeFields('RC/W1C'));
/** ITR — Interrupt Throttling. */
export const ITR = reg(0x00c4, 'ITR', 'Interrupt Throttling', 'RW', { group: 'Interrupts', notes: 'Minimum interval between interrupt assertions in 256 ns units; 0 disables throttling.' }, { INTERVAL: bits(0, 16, 'Minimum inter-interrupt interval (256 ns units)') });
/** ICS — Interrupt Cause Set: writing 1s sets ICR bits (software-raised interrupts). */
export const ICS = reg(0x00c8, 'ICS', 'Interrupt Cause Set', 'WO', { group: 'Interrupts', reservedWritesIgnored: true, notes: 'Writing 1s to bits that name no cause is ignored silently.' }, causeFields('WO'));
/** IMS — Interrupt Mask Set/Read: writing 1s enables causes; reads return the mask. */
export const IMS = reg(0x00d0, 'IMS', 'Interrupt Mask Set/Read', 'W1S', { group: 'Interrupts', reservedWritesIgnored: true, notes: 'Writing 1s to bits that name no cause is ignored silently.' }, causeFields('W1S'));
/** IMC — Interrupt Mask Clear: writing 1s disables causes. */
export const IMC = reg(0x00d8, 'IMC', 'Interrupt Mask Clear', 'WO', { group: 'Interrupts', reservedWritesIgnored: true, notes: 'IMC = 0xFFFFFFFF masks every cause (the usual way to mask all); reserved bits are ignored silently.' }, causeFields('WO'));

// ---------------------------------------------------------------- Receive
/** RCTL — Receive Control. */
export const RCTL = reg(0x0100, 'RCTL', 'Receive Control', 'RW', { group: 'Receive', notes: 'Buffer size: BSIZE 0/1/2/3 = 2048/1024/512/256 bytes, or with BSEX 1/2/3 = 16384/8192/4096. Frames over 1522 bytes (with FCS; VLAN-tagged) are dropped as oversize (ROC) unless LPE; only with LPE may a frame span several buffers.' }, {
  EN: bit(1, 'Receiver enable'),
  SBP: bit(2, 'Store bad packets (keep frames with FCS errors, RXD error CE)'),
  UPE: bit(3, 'Unicast promiscuous'),
  MPE: bit(4, 'Multicast promiscuous'),
  LPE: bit(5, 'Long packet enable (up to 16384 bytes)'),
  LBM: bits(6, 2, 'Loopback mode: with 11b every transmitted frame returns to the receive path instead of the wire', { values: { 0: 'none', 1: 'undefined: no loopback (traced)', 2: 'undefined: no loopback (traced)', 3: 'loopback (PHY or SerDes)' } }),
  RDMTS: bits(8, 2, 'Free descriptor threshold for RXDMT0', { values: { 0: '1/2', 1: '1/4', 2: '1/8' } }),
  MO: bits(12, 2, 'Multicast offset: address bits used for the MTA hash', { values: { 0: 'bits 47:36', 1: 'bits 46:35', 2: 'bits 45:34', 3: 'bits 43:32' } }),
  BAM: bit(15, 'Broadcast accept mode'),
  BSIZE: bits(16, 2, 'Receive buffer size', { values: { 0: '2048', 1: '1024 (4096 with BSEX)', 2: '512 (8192 with BSEX)', 3: '256 (16384 with BSEX)' } }),
  VFE: bit(18, 'VLAN filter enable (stored)'),
  CFIEN: bit(19, 'Canonical form indicator enable (stored)'),
  CFI: bit(20, 'Canonical form indicator value (stored)'),
  DPF: bit(22, 'Discard pause frames (stored)'),
  PMCF: bit(23, 'Pass MAC control frames (stored)'),
  BSEX: bit(25, 'Buffer size extension (x16)'),
  SECRC: bit(26, 'Strip Ethernet CRC from the received frame'),
});

/** RDBAL — Receive Descriptor Base Address Low. */
export const RDBAL = reg(0x2800, 'RDBAL', 'Receive Descriptor Base Low', 'RW', { group: 'Receive', notes: 'Bits 3:0 are ignored: the ring is 16-byte aligned.' }, { ADDR: bits(4, 28, 'Base address bits 31:4') });
/** RDBAH — Receive Descriptor Base Address High. */
export const RDBAH = reg(0x2804, 'RDBAH', 'Receive Descriptor Base High', 'RW', { group: 'Receive' }, { ADDR: bits(0, 32, 'Base address bits 63:32') });
/** RDLEN — Receive Descriptor Length. */
export const RDLEN = reg(0x2808, 'RDLEN', 'Receive Descriptor Length', 'RW', { group: 'Receive', notes: 'Ring size in bytes, a multiple of 128 (8 descriptors); bits 6:0 are ignored, so other values round down. A length of 0 disables the ring: nothing is received into it and frames are counted in MPC/RNBC.' }, { LEN: bits(7, 13, 'Length in 128-byte units') });
/** RDH — Receive Descriptor Head. */
export const RDH = reg(0x2810, 'RDH', 'Receive Descriptor Head', 'RW', { group: 'Receive', notes: 'Next descriptor the device fills. Software writes it only during initialisation.' }, { RDH: bits(0, 16, 'Head index') });
/** RDT — Receive Descriptor Tail. */
export const RDT = reg(0x2818, 'RDT', 'Receive Descriptor Tail', 'RW', { group: 'Receive', notes: 'One past the last descriptor software has made available; RDH == RDT means the ring is exhausted. A head or tail beyond the ring stops reception (frames counted as missed) and is traced until software writes a valid value.' }, { RDT: bits(0, 16, 'Tail index') });
/** RDTR — Receive Delay Timer. */
export const RDTR = reg(0x2820, 'RDTR', 'Receive Interrupt Delay Timer', 'RW', { group: 'Receive', notes: 'RXT0 is raised DELAY × 1.024 µs after the last received frame (restarted by each frame); 0 raises it at once. Writing FPD flushes: RXT0 is raised now.' }, {
  DELAY: bits(0, 16, 'Delay in 1.024 µs units'),
  FPD: bit(31, 'Flush partial descriptor block (self-clearing)', 'SC'),
});
/** RXDCTL — Receive Descriptor Control (stored only). */
export const RXDCTL = reg(0x2828, 'RXDCTL', 'Receive Descriptor Control', 'RW', { group: 'Stored only', implemented: false, reset: 0x0001_0000 }, { VALUE: bits(0, 32, 'Stored value') });
/** RADV — Receive Interrupt Absolute Delay Timer. */
export const RADV = reg(0x282c, 'RADV', 'Receive Interrupt Absolute Delay Timer', 'RW', { group: 'Receive', notes: 'When RDTR is non-zero, RXT0 is raised at the latest DELAY × 1.024 µs after the first frame that started the delay; 0 disables the absolute timer.' }, { DELAY: bits(0, 16, 'Delay in 1.024 µs units') });
/** RXCSUM — Receive Checksum Control. */
export const RXCSUM = reg(0x5000, 'RXCSUM', 'Receive Checksum Control', 'RW', { group: 'Receive', notes: 'PCSS is the byte offset where the packet checksum written into the RX descriptor starts (ones\' complement sum of the rest of the frame, FCS excluded). With IPOFLD the device checks the IPv4 header checksum (RXD_STAT.IPCS, RXD_ERR.IPE); with TUOFLD the TCP or UDP checksum of an unfragmented datagram (RXD_STAT.TCPCS, plus UDPCS for UDP; RXD_ERR.TCPE). With both clear the descriptor reports IXSM (no indication). A checksum error does not drop the frame.' }, {
  PCSS: bits(0, 8, 'Packet checksum start'),
  IPOFLD: bit(8, 'IP checksum offload: check IPv4 header checksums'),
  TUOFLD: bit(9, 'TCP/UDP checksum offload: check TCP and UDP checksums'),
});

// ---------------------------------------------------------------- Transmit
/** TCTL — Transmit Control. */
export const TCTL = reg(0x0400, 'TCTL', 'Transmit Control', 'RW', { group: 'Transmit', notes: 'CT and COLD are stored: in half duplex nicsim uses the 802.3 values (16 attempts, a slot of 512 bit times at 10/100 Mb/s). RTLC makes a frame that met a late collision be retried instead of dropped.' }, {
  EN: bit(1, 'Transmit enable'),
  PSP: bit(3, 'Pad short packets to 64 bytes with FCS'),
  CT: bits(4, 8, 'Collision threshold'),
  COLD: bits(12, 10, 'Collision distance'),
  SWXOFF: bit(22, 'Software XOFF (stored)'),
  RTLC: bit(24, 'Retransmit on late collision'),
});
/** TIPG — Transmit Inter-Packet Gap. */
export const TIPG = reg(0x0410, 'TIPG', 'Transmit IPG', 'RW', { group: 'Transmit', reset: 0x0060_2008, notes: 'Back-to-back frames are separated by IPGT + 4 byte times, so the reset (and Linux copper) value IPGT=8 gives the 96-bit-time gap of IEEE 802.3.' }, {
  IPGT: bits(0, 10, 'IPG transmit time (byte times; the gap is IPGT + 4)'),
  IPGR1: bits(10, 10, 'IPG receive time 1 (stored)'),
  IPGR2: bits(20, 10, 'IPG receive time 2 (stored)'),
});
/** AIT — Adaptive IFS Throttle (stored only). */
export const AIT = reg(0x0458, 'AIT', 'Adaptive IFS Throttle', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });
/** TDBAL — Transmit Descriptor Base Address Low. */
export const TDBAL = reg(0x3800, 'TDBAL', 'Transmit Descriptor Base Low', 'RW', { group: 'Transmit', notes: 'Bits 3:0 are ignored: the ring is 16-byte aligned.' }, { ADDR: bits(4, 28, 'Base address bits 31:4') });
/** TDBAH — Transmit Descriptor Base Address High. */
export const TDBAH = reg(0x3804, 'TDBAH', 'Transmit Descriptor Base High', 'RW', { group: 'Transmit' }, { ADDR: bits(0, 32, 'Base address bits 63:32') });
/** TDLEN — Transmit Descriptor Length. */
export const TDLEN = reg(0x3808, 'TDLEN', 'Transmit Descriptor Length', 'RW', { group: 'Transmit', notes: 'Ring size in bytes, a multiple of 128; bits 6:0 are ignored. A length of 0 disables transmission (the doorbell is traced and ignored).' }, { LEN: bits(7, 13, 'Length in 128-byte units') });
/** TDH — Transmit Descriptor Head. */
export const TDH = reg(0x3810, 'TDH', 'Transmit Descriptor Head', 'RW', { group: 'Transmit' }, { TDH: bits(0, 16, 'Head index') });
/** TDT — Transmit Descriptor Tail: writing it is the doorbell. */
export const TDT = reg(0x3818, 'TDT', 'Transmit Descriptor Tail', 'RW', { group: 'Transmit', notes: 'The doorbell: descriptors from TDH up to TDT are fetched and sent. A head or tail beyond the ring is traced and ignored.' }, { TDT: bits(0, 16, 'Tail index') });
/** TIDV — Transmit Interrupt Delay Value. */
export const TIDV = reg(0x3820, 'TIDV', 'Transmit Interrupt Delay Value', 'RW', { group: 'Transmit', notes: 'For descriptors with CMD.IDE, TXDW is raised DELAY × 1.024 µs after the last write-back (restarted by each); without IDE, at once.' }, { DELAY: bits(0, 16, 'Delay in 1.024 µs units'), FPD: bit(31, 'Flush partial descriptor block (self-clearing)', 'SC') });
/** TXDCTL — Transmit Descriptor Control (stored only). */
export const TXDCTL = reg(0x3828, 'TXDCTL', 'Transmit Descriptor Control', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** TADV — Transmit Absolute Interrupt Delay Value. */
export const TADV = reg(0x382c, 'TADV', 'Transmit Absolute Interrupt Delay Value', 'RW', { group: 'Transmit', notes: 'Caps the TIDV delay: TXDW at the latest DELAY × 1.024 µs after the first delayed write-back; 0 disables.' }, { DELAY: bits(0, 16, 'Delay in 1.024 µs units') });

// ---------------------------------------------------------------- Address filtering
/** MTA[0..127] — Multicast Table Array (4096-bit hash filter). */
export const MTA = reg(0x5200, 'MTA', 'Multicast Table Array', 'RW', { group: 'Filtering', count: 128, notes: 'A 12-bit hash taken from the destination address (bits chosen by RCTL.MO) selects register hash[11:5] and bit hash[4:0].' }, { BITS: bits(0, 32, 'Hash bits') });
/** RAL[0..15] — Receive Address Low. */
export const RAL = reg(0x5400, 'RAL', 'Receive Address Low', 'RW', { group: 'Filtering', count: 16, stride: 8, notes: 'The first four bytes of the address, the first byte in bits 7:0. RAL[0]/RAH[0] are loaded from the EEPROM at reset.' }, { RAL: bits(0, 32, 'Address bytes 0-3') });
/** RAH[0..15] — Receive Address High. */
export const RAH = reg(0x5404, 'RAH', 'Receive Address High', 'RW', { group: 'Filtering', count: 16, stride: 8 }, {
  RAH: bits(0, 16, 'Address bytes 4-5'),
  AS: bits(16, 2, 'Address select (0: destination)', { values: { 0: 'destination', 1: 'source' } }),
  AV: bit(31, 'Address valid'),
});
/** VFTA[0..127] — VLAN Filter Table Array (stored only). */
export const VFTA = reg(0x5600, 'VFTA', 'VLAN Filter Table Array', 'RW', { group: 'Stored only', count: 128, implemented: false }, { VALUE: bits(0, 32, 'Stored value') });

// ---------------------------------------------------------------- Stored only (touched by drivers)
/** FCTTV — Flow Control Transmit Timer Value (stored only). */
export const FCTTV = reg(0x0170, 'FCTTV', 'Flow Control Transmit Timer Value', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });
/** TXCW — Transmit Configuration Word (stored only; TBI/fiber). */
export const TXCW = reg(0x0178, 'TXCW', 'Transmit Configuration Word', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** LEDCTL — LED Control (stored only). */
export const LEDCTL = reg(0x0e00, 'LEDCTL', 'LED Control', 'RW', { group: 'Stored only', implemented: false, reset: 0x0706_8302 }, { VALUE: bits(0, 32, 'Stored value') });
/** PBA — Packet Buffer Allocation: splits the 64 KB on-chip packet buffer between receive and transmit. */
export const PBA = reg(0x1000, 'PBA', 'Packet Buffer Allocation', 'RW', { group: 'Packet buffer', reset: 0x0010_0030, notes: 'The adapter has a 64 KB packet buffer. RXA KB of it are the receive FIFO, the rest (TXA, kept by the device as 64 − RXA; an RXA over 64 counts as 64) the transmit FIFO. A transmit descriptor chain whose data exceeds the transmit FIFO is dropped (counters.txMalformed) as soon as it does. Write PBA only while both units are idle (after a reset).' }, {
  RXA: bits(0, 16, 'Receive packet buffer size in KB (reset 48)'),
  TXA: bits(16, 16, 'Transmit packet buffer size in KB: 64 − RXA', { access: 'RO' }),
});
/** FCRTL — Flow Control Receive Threshold Low (stored only). */
export const FCRTL = reg(0x2160, 'FCRTL', 'Flow Control Receive Threshold Low', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** FCRTH — Flow Control Receive Threshold High (stored only). */
export const FCRTH = reg(0x2168, 'FCRTH', 'Flow Control Receive Threshold High', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** WUC — Wake Up Control (stored only). */
export const WUC = reg(0x5800, 'WUC', 'Wake Up Control', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** WUFC — Wake Up Filter Control (stored only). */
export const WUFC = reg(0x5808, 'WUFC', 'Wake Up Filter Control', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });
/** MANC — Management Control (stored only). */
export const MANC = reg(0x5820, 'MANC', 'Management Control', 'RW', { group: 'Stored only', implemented: false }, { VALUE: bits(0, 32, 'Stored value') });

// ---------------------------------------------------------------- Statistics
function stat(offset: number, name: string, long: string, implemented = true, notes = '', access: 'RC' | 'RO' = 'RC'): RegDef {
  return reg(offset, name, long, access, { group: 'Statistics', implemented, notes: notes || (implemented ? 'Cleared on read; saturates at 0xFFFFFFFF.' : 'Cleared on read; nicsim never increments it.') }, { COUNT: bits(0, 32, 'Count') });
}
/** CRCERRS — CRC Error Count. */
export const CRCERRS = stat(0x4000, 'CRCERRS', 'CRC Error Count');
/** ALGNERRC — Alignment Error Count. */
export const ALGNERRC = stat(0x4004, 'ALGNERRC', 'Alignment Error Count', false);
/** SYMERRS — Symbol Error Count. */
export const SYMERRS = stat(0x4008, 'SYMERRS', 'Symbol Error Count');
/** RXERRC — RX Error Count. */
export const RXERRC = stat(0x400c, 'RXERRC', 'Receive Error Count');
/** MPC — Missed Packets Count. */
export const MPC = stat(0x4010, 'MPC', 'Missed Packets Count', true, 'Cleared on read. Frames lost because the receive FIFO (PBA.RXA KB) had no room for them (with ICR.RXO).');
/** SCC — Single Collision Count. */
export const SCC = stat(0x4014, 'SCC', 'Single Collision Count');
/** ECOL — Excessive Collisions Count. */
export const ECOL = stat(0x4018, 'ECOL', 'Excessive Collisions Count');
/** MCC — Multiple Collision Count. */
export const MCC = stat(0x401c, 'MCC', 'Multiple Collision Count');
/** LATECOL — Late Collisions Count. */
export const LATECOL = stat(0x4020, 'LATECOL', 'Late Collisions Count');
/** COLC — Collision Count. */
export const COLC = stat(0x4028, 'COLC', 'Collision Count', true, 'Cleared on read. Every collision the transmitter saw (late ones included).');
/** DC — Defer Count. */
export const DC = stat(0x4030, 'DC', 'Defer Count', true, 'Cleared on read. Half duplex: each time the MAC wanted to transmit but had to wait for the carrier to go away.');
/** TNCRS — Transmit with No CRS. */
export const TNCRS = stat(0x4034, 'TNCRS', 'Transmit with No CRS', false);
/** SEC — Sequence Error Count. */
export const SEC_ = stat(0x4038, 'SEC', 'Sequence Error Count', false);
/** CEXTERR — Carrier Extension Error Count. */
export const CEXTERR = stat(0x403c, 'CEXTERR', 'Carrier Extension Error Count', false);
/** RLEC — Receive Length Error Count. */
export const RLEC = stat(0x4040, 'RLEC', 'Receive Length Error Count', true, 'Cleared on read. Counts frames dropped because they need more than one receive buffer while RCTL.LPE is clear.');
/** XONRXC — XON Received Count. */
export const XONRXC = stat(0x4048, 'XONRXC', 'XON Received Count', false);
/** XONTXC — XON Transmitted Count. */
export const XONTXC = stat(0x404c, 'XONTXC', 'XON Transmitted Count', false);
/** XOFFRXC — XOFF Received Count. */
export const XOFFRXC = stat(0x4050, 'XOFFRXC', 'XOFF Received Count', false);
/** XOFFTXC — XOFF Transmitted Count. */
export const XOFFTXC = stat(0x4054, 'XOFFTXC', 'XOFF Transmitted Count', false);
/** FCRUC — FC Received Unsupported Count. */
export const FCRUC = stat(0x4058, 'FCRUC', 'FC Received Unsupported Count', false);
/** PRC64 — Packets Received (64 Bytes) Count. */
export const PRC64 = stat(0x405c, 'PRC64', 'Packets Received (64 Bytes)');
/** PRC127 — Packets Received (65–127 Bytes) Count. */
export const PRC127 = stat(0x4060, 'PRC127', 'Packets Received (65-127 Bytes)');
/** PRC255 — Packets Received (128–255 Bytes) Count. */
export const PRC255 = stat(0x4064, 'PRC255', 'Packets Received (128-255 Bytes)');
/** PRC511 — Packets Received (256–511 Bytes) Count. */
export const PRC511 = stat(0x4068, 'PRC511', 'Packets Received (256-511 Bytes)');
/** PRC1023 — Packets Received (512–1023 Bytes) Count. */
export const PRC1023 = stat(0x406c, 'PRC1023', 'Packets Received (512-1023 Bytes)');
/** PRC1522 — Packets Received (1024–Max Bytes) Count. */
export const PRC1522 = stat(0x4070, 'PRC1522', 'Packets Received (1024-Max Bytes)');
/** GPRC — Good Packets Received Count. */
export const GPRC = stat(0x4074, 'GPRC', 'Good Packets Received Count');
/** BPRC — Broadcast Packets Received Count. */
export const BPRC = stat(0x4078, 'BPRC', 'Broadcast Packets Received Count');
/** MPRC — Multicast Packets Received Count. */
export const MPRC = stat(0x407c, 'MPRC', 'Multicast Packets Received Count');
/** GPTC — Good Packets Transmitted Count. */
export const GPTC = stat(0x4080, 'GPTC', 'Good Packets Transmitted Count');
/** GORCL — Good Octets Received Count (low). */
export const GORCL = stat(0x4088, 'GORCL', 'Good Octets Received Count Low', true, 'Low half of a 64-bit counter; reading GORCH clears both halves.', 'RO');
/** GORCH — Good Octets Received Count (high). */
export const GORCH = stat(0x408c, 'GORCH', 'Good Octets Received Count High', true, 'Reading it clears GORCL and GORCH.');
/** GOTCL — Good Octets Transmitted Count (low). */
export const GOTCL = stat(0x4090, 'GOTCL', 'Good Octets Transmitted Count Low', true, 'Low half of a 64-bit counter; reading GOTCH clears both halves.', 'RO');
/** GOTCH — Good Octets Transmitted Count (high). */
export const GOTCH = stat(0x4094, 'GOTCH', 'Good Octets Transmitted Count High', true, 'Reading it clears GOTCL and GOTCH.');
/** RNBC — Receive No Buffers Count. */
export const RNBC = stat(0x40a0, 'RNBC', 'Receive No Buffers Count', true, 'Cleared on read. Frames that arrived while no receive descriptor was free for them (or the ring registers were unusable); they wait in the receive FIFO if it has room, so this is not a drop count.');
/** RUC — Receive Undersize Count. */
export const RUC = stat(0x40a4, 'RUC', 'Receive Undersize Count', true, 'Cleared on read. Runt frames (under 64 bytes) with a good FCS.');
/** RFC — Receive Fragment Count. */
export const RFC = stat(0x40a8, 'RFC', 'Receive Fragment Count', true, 'Cleared on read. Runt frames (under 64 bytes) with a bad FCS.');
/** ROC — Receive Oversize Count. */
export const ROC = stat(0x40ac, 'ROC', 'Receive Oversize Count', true, 'Cleared on read. Frames over 1522 bytes (16384 with RCTL.LPE) with a good FCS.');
/** RJC — Receive Jabber Count. */
export const RJC = stat(0x40b0, 'RJC', 'Receive Jabber Count', true, 'Cleared on read. Oversize frames with a bad FCS.');
/** MGTPRC — Management Packets Received Count. */
export const MGTPRC = stat(0x40b4, 'MGTPRC', 'Management Packets Received Count', false);
/** MGTPDC — Management Packets Dropped Count. */
export const MGTPDC = stat(0x40b8, 'MGTPDC', 'Management Packets Dropped Count', false);
/** MGTPTC — Management Packets Transmitted Count. */
export const MGTPTC = stat(0x40bc, 'MGTPTC', 'Management Packets Transmitted Count', false);
/** TORL — Total Octets Received (low). */
export const TORL = stat(0x40c0, 'TORL', 'Total Octets Received Low', true, 'Low half of a 64-bit counter; reading TORH clears both halves.', 'RO');
/** TORH — Total Octets Received (high). */
export const TORH = stat(0x40c4, 'TORH', 'Total Octets Received High', true, 'Reading it clears TORL and TORH.');
/** TOTL — Total Octets Transmitted (low). */
export const TOTL = stat(0x40c8, 'TOTL', 'Total Octets Transmitted Low', true, 'Low half of a 64-bit counter; reading TOTH clears both halves.', 'RO');
/** TOTH — Total Octets Transmitted (high). */
export const TOTH = stat(0x40cc, 'TOTH', 'Total Octets Transmitted High', true, 'Reading it clears TOTL and TOTH.');
/** TPR — Total Packets Received. */
export const TPR = stat(0x40d0, 'TPR', 'Total Packets Received');
/** TPT — Total Packets Transmitted. */
export const TPT = stat(0x40d4, 'TPT', 'Total Packets Transmitted');
/** PTC64 — Packets Transmitted (64 Bytes) Count. */
export const PTC64 = stat(0x40d8, 'PTC64', 'Packets Transmitted (64 Bytes)');
/** PTC127 — Packets Transmitted (65–127 Bytes) Count. */
export const PTC127 = stat(0x40dc, 'PTC127', 'Packets Transmitted (65-127 Bytes)');
/** PTC255 — Packets Transmitted (128–255 Bytes) Count. */
export const PTC255 = stat(0x40e0, 'PTC255', 'Packets Transmitted (128-255 Bytes)');
/** PTC511 — Packets Transmitted (256–511 Bytes) Count. */
export const PTC511 = stat(0x40e4, 'PTC511', 'Packets Transmitted (256-511 Bytes)');
/** PTC1023 — Packets Transmitted (512–1023 Bytes) Count. */
export const PTC1023 = stat(0x40e8, 'PTC1023', 'Packets Transmitted (512-1023 Bytes)');
/** PTC1522 — Packets Transmitted (1024–Max Bytes) Count. */
export const PTC1522 = stat(0x40ec, 'PTC1522', 'Packets Transmitted (1024-Max Bytes)');
/** MPTC — Multicast Packets Transmitted Count. */
export const MPTC = stat(0x40f0, 'MPTC', 'Multicast Packets Transmitted Count');
/** BPTC — Broadcast Packets Transmitted Count. */
export const BPTC = stat(0x40f4, 'BPTC', 'Broadcast Packets Transmitted Count');
/** TSCTC — TCP Segmentation Context Transmitted Count. */
export const TSCTC = stat(0x40f8, 'TSCTC', 'TCP Segmentation Context Transmitted', true, 'Cleared on read. TSO packets (data descriptors with DCMD.TSE) whose every segment was sent.');
/** TSCTFC — TCP Segmentation Context Tx Fail Count. */
export const TSCTFC = stat(0x40fc, 'TSCTFC', 'TCP Segmentation Context Tx Fail', true, 'Cleared on read. TSO packets dropped: a hostile or inconsistent context (MSS 0, HDRLEN not below the data, PAYLEN not matching, header too short for its offsets, not TCP over IPv4), a faulty buffer, or a segment given up in half duplex.');

/** Every BAR0 register nicsim defines, in offset order. */
export const E1000_REGISTERS: readonly RegDef[] = [
  CTRL, STATUS, EECD, EERD, CTRL_EXT, MDIC, FCAL, FCAH, FCT, VET, ICR, ITR, ICS, IMS, IMC, RCTL, FCTTV, TXCW, TCTL, TIPG, AIT,
  LEDCTL, PBA, FCRTL, FCRTH, RDBAL, RDBAH, RDLEN, RDH, RDT, RDTR, RXDCTL, RADV, TDBAL, TDBAH, TDLEN, TDH, TDT, TIDV, TXDCTL, TADV,
  CRCERRS, ALGNERRC, SYMERRS, RXERRC, MPC, SCC, ECOL, MCC, LATECOL, COLC, DC, TNCRS, SEC_, CEXTERR, RLEC, XONRXC, XONTXC, XOFFRXC,
  XOFFTXC, FCRUC, PRC64, PRC127, PRC255, PRC511, PRC1023, PRC1522, GPRC, BPRC, MPRC, GPTC, GORCL, GORCH, GOTCL, GOTCH, RNBC, RUC,
  RFC, ROC, RJC, MGTPRC, MGTPDC, MGTPTC, TORL, TORH, TOTL, TOTH, TPR, TPT, PTC64, PTC127, PTC255, PTC511, PTC1023, PTC1522, MPTC,
  BPTC, TSCTC, TSCTFC, RXCSUM, MTA, RAL, RAH, VFTA, WUC, WUFC, MANC,
].slice().sort((a, b) => a.offset - b.offset);

// ---------------------------------------------------------------- I/O BAR
/** IOADDR — I/O-mapped register address (I/O BAR offset 0x00). */
export const IOADDR = reg(0x00, 'IOADDR', 'I/O-mapped Address', 'RW', { group: 'I/O window' }, { ADDR: bits(0, 17, 'BAR0 offset of the register IODATA reaches') });
/** IODATA — I/O-mapped data (I/O BAR offset 0x04): reads/writes the register IOADDR names, with its side effects. */
export const IODATA = reg(0x04, 'IODATA', 'I/O-mapped Data', 'RW', { group: 'I/O window', notes: 'Accesses the BAR0 register at IOADDR with all its side effects (ICR read-to-clear, TDT doorbell, ...).' }, { DATA: bits(0, 32, 'Data') });
/** The I/O BAR's registers. */
export const IO_REGISTERS: readonly RegDef[] = [IOADDR, IODATA];
/** Size of the I/O BAR window in bytes. */
export const IO_BAR_SIZE = 8;

/** Interrupt cause bit masks, shared by ICR/ICS/IMS/IMC. */
export const INT = {
  TXDW: 1 << 0,
  TXQE: 1 << 1,
  LSC: 1 << 2,
  RXSEQ: 1 << 3,
  RXDMT0: 1 << 4,
  RXO: 1 << 6,
  RXT0: 1 << 7,
  MDAC: 1 << 9,
  RXCFG: 1 << 10,
  TXD_LOW: 1 << 15,
  SRPD: 1 << 16,
} as const;

/** Looks a register up by mnemonic (`RCTL`, `RAL`, ...). */
export function registerByName(name: string): RegDef | undefined {
  const n = name.toUpperCase().replace(/\[\d+\]$/, '');
  return E1000_REGISTERS.find((r) => r.name === n) ?? IO_REGISTERS.find((r) => r.name === n);
}

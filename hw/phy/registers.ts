/**
 * The internal PHY's registers as reached through MDIC: IEEE 802.3 clause-22 registers at PHY
 * address 1 (BMCR, BMSR, PHYID, ANAR, ANLPAR, ANER, 1000BASE-T control/status, extended status)
 * plus the M88-compatible specific registers a Linux e1000 driver touches. One table, same engine
 * as the MAC registers; the "offset" of register n is n × 4.
 * @module
 */
import { reg, bit, bits, type RegDef } from '../registers/engine.js';

/** PHY address of the internal PHY on the MDIO bus. */
export const PHY_ADDRESS = 1;
/** PHY identifier register 1 (OUI bits 3:18 of the Marvell-compatible core). */
export const PHY_ID1_VALUE = 0x0141;
/** PHY identifier register 2 (OUI bits, model, revision): the 82540EM's M88E1011-compatible PHY. */
export const PHY_ID2_VALUE = 0x0c20;

/** Byte offset used for PHY register `n` in the PHY's register file. */
export function phyOffset(n: number): number {
  return n * 4;
}

/** BMCR (0) — Basic Mode Control. */
export const BMCR = reg(phyOffset(0), 'BMCR', 'Basic Mode Control', 'RW', { group: 'PHY', reset: 0x1140, notes: 'Speed is SPEED_MSB:SPEED_LSB (00 10 Mb/s, 01 100 Mb/s, 10 1000 Mb/s) when ANENABLE is clear. Changing ANENABLE, speed or duplex restarts link setup.' }, {
  SPEED_MSB: bit(6, 'Speed selection, most significant bit'),
  COLTEST: bit(7, 'Collision test (stored)'),
  DUPLEX: bit(8, 'Full duplex (forced mode)'),
  ANRESTART: bit(9, 'Restart auto-negotiation (self-clearing)', 'SC'),
  ISOLATE: bit(10, 'Isolate (stored)'),
  PDOWN: bit(11, 'Power down: no link'),
  ANENABLE: bit(12, 'Auto-negotiation enable'),
  SPEED_LSB: bit(13, 'Speed selection, least significant bit'),
  LOOPBACK: bit(14, 'Loopback: the MAC sees a full-duplex link at the selected speed and gets back what it sends; nothing reaches the wire'),
  RESET: bit(15, 'PHY reset (self-clearing)', 'SC'),
});
/** BMSR (1) — Basic Mode Status (LINK_ST latches low until read). */
export const BMSR = reg(phyOffset(1), 'BMSR', 'Basic Mode Status', 'RO', { group: 'PHY', reset: 0x7949, notes: 'LINK_ST latches low: after a link failure it reads 0 once even if the link is back, then follows the link.' }, {
  EXT_CAP: bit(0, 'Extended register capabilities'),
  JABBER: bit(1, 'Jabber detected'),
  LINK_ST: bit(2, 'Link status (latching low)'),
  AN_ABILITY: bit(3, 'Able to auto-negotiate'),
  RF: bit(4, 'Remote fault'),
  AN_COMP: bit(5, 'Auto-negotiation complete'),
  MF_PREAMBLE_SUPPR: bit(6, 'Management frames with suppressed preamble accepted'),
  EXT_STATUS: bit(8, 'Extended status in register 15'),
  HD10: bit(11, '10BASE-T half duplex capable'),
  FD10: bit(12, '10BASE-T full duplex capable'),
  HD100: bit(13, '100BASE-TX half duplex capable'),
  FD100: bit(14, '100BASE-TX full duplex capable'),
  T4_100: bit(15, '100BASE-T4 capable'),
});
/** PHYID1 (2) — PHY Identifier 1. */
export const PHYID1 = reg(phyOffset(2), 'PHYID1', 'PHY Identifier 1', 'RO', { group: 'PHY', reset: PHY_ID1_VALUE }, { OUI: bits(0, 16, 'OUI bits 3:18') });
/** PHYID2 (3) — PHY Identifier 2. */
export const PHYID2 = reg(phyOffset(3), 'PHYID2', 'PHY Identifier 2', 'RO', { group: 'PHY', reset: PHY_ID2_VALUE }, {
  REV: bits(0, 4, 'Revision'),
  MODEL: bits(4, 6, 'Model number'),
  OUI: bits(10, 6, 'OUI bits 19:24'),
});
/** ANAR (4) — Auto-Negotiation Advertisement. */
export const ANAR = reg(phyOffset(4), 'ANAR', 'Auto-Negotiation Advertisement', 'RW', { group: 'PHY', reset: 0x0de1, notes: 'Takes effect at the next negotiation (ANRESTART).' }, {
  SELECTOR: bits(0, 5, 'Selector (1 = IEEE 802.3)'),
  HD10: bit(5, 'Advertise 10BASE-T half duplex'),
  FD10: bit(6, 'Advertise 10BASE-T full duplex'),
  HD100: bit(7, 'Advertise 100BASE-TX half duplex'),
  FD100: bit(8, 'Advertise 100BASE-TX full duplex'),
  T4_100: bit(9, 'Advertise 100BASE-T4'),
  PAUSE: bit(10, 'Symmetric pause'),
  ASM_DIR: bit(11, 'Asymmetric pause'),
  RF: bit(13, 'Remote fault'),
  NP: bit(15, 'Next page'),
});
/** ANLPAR (5) — Auto-Negotiation Link Partner Ability. */
export const ANLPAR = reg(phyOffset(5), 'ANLPAR', 'Link Partner Ability', 'RO', { group: 'PHY', notes: 'The partner\'s base page, valid once AN_COMP is set.' }, {
  SELECTOR: bits(0, 5, 'Selector'),
  HD10: bit(5, 'Partner: 10BASE-T half duplex'),
  FD10: bit(6, 'Partner: 10BASE-T full duplex'),
  HD100: bit(7, 'Partner: 100BASE-TX half duplex'),
  FD100: bit(8, 'Partner: 100BASE-TX full duplex'),
  T4_100: bit(9, 'Partner: 100BASE-T4'),
  PAUSE: bit(10, 'Partner: symmetric pause'),
  ASM_DIR: bit(11, 'Partner: asymmetric pause'),
  RF: bit(13, 'Partner: remote fault'),
  ACK: bit(14, 'Acknowledge'),
  NP: bit(15, 'Next page'),
});
/** ANER (6) — Auto-Negotiation Expansion. */
export const ANER = reg(phyOffset(6), 'ANER', 'Auto-Negotiation Expansion', 'RO', { group: 'PHY', reset: 0x0004 }, {
  LP_AN_ABLE: bit(0, 'Link partner is auto-negotiation able'),
  PAGE_RX: bit(1, 'Page received'),
  NP_ABLE: bit(2, 'Local device is next-page able'),
  LP_NP_ABLE: bit(3, 'Link partner is next-page able'),
  PDF: bit(4, 'Parallel detection fault'),
});
/** NPTX (7) — Next Page Transmit (stored). */
export const NPTX = reg(phyOffset(7), 'NPTX', 'Next Page Transmit', 'RW', { group: 'PHY', implemented: false, reset: 0x2001 }, { VALUE: bits(0, 16, 'Stored value') });
/** GTCR (9) — 1000BASE-T Control. */
export const GTCR = reg(phyOffset(9), 'GTCR', '1000BASE-T Control', 'RW', { group: 'PHY', reset: 0x0300 }, {
  HD1000: bit(8, 'Advertise 1000BASE-T half duplex'),
  FD1000: bit(9, 'Advertise 1000BASE-T full duplex'),
  PORT_TYPE: bit(10, 'Prefer multi-port (master) device'),
  MS_VALUE: bit(11, 'Manual master/slave value (1 = master)'),
  MS_ENABLE: bit(12, 'Manual master/slave configuration'),
  TEST_MODE: bits(13, 3, 'Test mode (stored)'),
});
/** GTSR (10) — 1000BASE-T Status. */
export const GTSR = reg(phyOffset(10), 'GTSR', '1000BASE-T Status', 'RO', { group: 'PHY' }, {
  IDLE_ERR: bits(0, 8, 'Idle error count'),
  LP_HD1000: bit(10, 'Partner: 1000BASE-T half duplex'),
  LP_FD1000: bit(11, 'Partner: 1000BASE-T full duplex'),
  REMOTE_RX: bit(12, 'Remote receiver OK'),
  LOCAL_RX: bit(13, 'Local receiver OK'),
  MS_RES: bit(14, 'Master/slave resolution (1 = master)'),
  MS_FAULT: bit(15, 'Master/slave configuration fault'),
});
/** EXTSR (15) — Extended Status. */
export const EXTSR = reg(phyOffset(15), 'EXTSR', 'Extended Status', 'RO', { group: 'PHY', reset: 0x3000 }, {
  HD1000T: bit(12, '1000BASE-T half duplex capable'),
  FD1000T: bit(13, '1000BASE-T full duplex capable'),
});
/** PSCR (16) — PHY Specific Control (M88-compatible; stored). */
export const PSCR = reg(phyOffset(16), 'PSCR', 'PHY Specific Control', 'RW', { group: 'PHY', implemented: false, reset: 0x0068 }, { VALUE: bits(0, 16, 'Stored value') });
/** PSSR (17) — PHY Specific Status (M88-compatible). */
export const PSSR = reg(phyOffset(17), 'PSSR', 'PHY Specific Status', 'RO', { group: 'PHY' }, {
  JABBER: bit(0, 'Jabber'),
  POLARITY: bit(1, 'Polarity reversed'),
  MDIX: bit(6, 'MDI crossover'),
  CABLE_LEN: bits(7, 3, 'Cable length estimate (0: < 50 m, 1: 50-80 m, 2: 80-110 m, 3: 110-140 m, 4: > 140 m)'),
  LINK: bit(10, 'Real-time link status'),
  RESOLVED: bit(11, 'Speed and duplex resolved'),
  PAGE_RX: bit(12, 'Page received'),
  DUPLEX: bit(13, 'Full duplex'),
  SPEED: bits(14, 2, 'Speed', { values: { 0: '10 Mb/s', 1: '100 Mb/s', 2: '1000 Mb/s' } }),
});
/** PIER (18) — PHY Interrupt Enable (stored). */
export const PIER = reg(phyOffset(18), 'PIER', 'PHY Interrupt Enable', 'RW', { group: 'PHY', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });
/** PISR (19) — PHY Interrupt Status (reads 0). */
export const PISR = reg(phyOffset(19), 'PISR', 'PHY Interrupt Status', 'RC', { group: 'PHY', implemented: false }, { VALUE: bits(0, 16, 'Interrupt causes (never set)') });
/** EPSCR (20) — Extended PHY Specific Control (stored). */
export const EPSCR = reg(phyOffset(20), 'EPSCR', 'Extended PHY Specific Control', 'RW', { group: 'PHY', implemented: false, reset: 0x0c64 }, { VALUE: bits(0, 16, 'Stored value') });
/** RXERR (21) — Receive Error Counter. */
export const RXERR = reg(phyOffset(21), 'RXERR', 'Receive Error Counter', 'RO', { group: 'PHY' }, { COUNT: bits(0, 16, 'Symbol errors seen by the PHY (saturates)') });
/** PAGESEL (29) — Page Select (stored). */
export const PAGESEL = reg(phyOffset(29), 'PAGESEL', 'Page Select', 'RW', { group: 'PHY', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });
/** PAGEDATA (30) — Page Data (stored). */
export const PAGEDATA = reg(phyOffset(30), 'PAGEDATA', 'Page Data', 'RW', { group: 'PHY', implemented: false }, { VALUE: bits(0, 16, 'Stored value') });

/** Every PHY register nicsim defines. */
export const PHY_REGISTERS: readonly RegDef[] = [BMCR, BMSR, PHYID1, PHYID2, ANAR, ANLPAR, ANER, NPTX, GTCR, GTSR, EXTSR, PSCR, PSSR, PIER, PISR, EPSCR, RXERR, PAGESEL, PAGEDATA];
/** Size of the PHY register file in "bytes" (32 registers × 4). */
export const PHY_REGS_SIZE = 32 * 4;

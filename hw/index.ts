/**
 * nicsim/hw — the LAN adapter (an Intel 8254x subset) and the media it attaches to.
 * @module
 */
export { Nic, type NicOptions, type NicCounters } from './nic.js';
export { onesComplementSum } from './mac/checksum.js';
export { HostMemory, type DmaFault, type MmioWindow } from './memory.js';
export { IrqLine, type IrqListener } from './irq.js';
export {
  buildEepromImage, eepromChecksumValid, eepromSum, macFromEeprom, parseMac, formatMac, MicrowireEeprom,
  EEPROM_WORDS, EEPROM_CHECKSUM_WORD, EEPROM_SUM, EEPROM_DEVICE_ID_WORD, EEPROM_VENDOR_ID_WORD, DEVICE_ID_82540EM, VENDOR_ID_INTEL,
  type EepromImageOptions,
} from './eeprom.js';
export {
  RegisterFile, reg, bit, bits, getField, setField, decodeFields,
  type Access, type FieldDef, type FieldSpec, type RegDef, type RegInstance, type RegOptions, type ReadHook, type WriteHook,
} from './registers/engine.js';
export * as e1000 from './registers/e1000.js';
export * as phyRegisters from './phy/registers.js';
export {
  DESC_SIZE, DESC, TX_DESC_LAYOUT, RX_DESC_LAYOUT, TX_CONTEXT_DESC_LAYOUT, TX_DATA_DESC_LAYOUT, TXD_CMD, TXD_STA, RXD_STAT, RXD_ERR,
  TXD_TUCMD, TXD_POPTS, TXD_CMD_DOC, TXD_STA_DOC, RXD_STAT_DOC, RXD_ERR_DOC, TXD_TUCMD_DOC, TXD_POPTS_DOC,
  writeTxDescriptor, readTxDescriptor, writeRxDescriptor, readRxDescriptor,
  type DescField, type TxDescriptor, type RxDescriptor,
} from './descriptors.js';
export { fcs32, appendFcs, fcsValid } from './mac/fcs.js';
export { serializeFrame, type ChecksumInsert, findFrameStart, PREAMBLE_OCTET, SFD, PREAMBLE_SFD_LEN, MIN_FRAME, MIN_FRAME_NO_FCS, MAX_FRAME, MAX_FRAME_TAGGED, MAX_JUMBO_FRAME, FCS_LEN } from './mac/framing.js';
export { mtaHash, isBroadcast, isMulticast } from './mac/filter.js';
export { Phy, type PhyOptions } from './phy/phy.js';
export { resolveLink, advertisedAbilities, phyLinkMachine, ABILITY, type LinkMode, type PhyLinkEvent } from './phy/link.js';
export { Cable, CABLE_MAX_SPEED, type CableOptions, type CableCategory, type FrameMiddleware } from './medium/cable.js';
export { Hub, type HubOptions, type HubStats } from './medium/hub.js';
export { Switch, type SwitchOptions, type SwitchPortStats, type MacTableEntry } from './medium/switch.js';
export {
  bitErrors, gilbertElliott, scriptedFlips, corruptFrames, dropFrames, duplicateFrames, delayFrames,
  type FaultInjector, type FaultStats, type BitErrorOptions, type GilbertElliottOptions, type ScriptedFlip, type ScriptedCorruption, type FrameSelectOptions, type DelayOptions,
} from './faults.js';
export { RemoteEndpoint, type RemoteEndpointOptions, type RemoteEndpointStats } from './remote.js';
export { csmaMachine, slotBits, backoffRange, ATTEMPT_LIMIT, BACKOFF_LIMIT, JAM_BITS, type CsmaEvent } from './mac/csma.js';
export { BIT_TIME_NS, frameDurationNs, truncateAt, type Speed, type Duplex, type LinkSignal, type WireFrame, type MediumLink, type Endpoint } from './medium/types.js';

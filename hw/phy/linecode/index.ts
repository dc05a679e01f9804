/**
 * PHY line codes as pure functions: 10BASE-T Manchester, 100BASE-TX 4B/5B + scrambler + MLT-3,
 * 1000BASE-X 8b/10b, behind one `LineCodec` interface, plus the fault functions that damage a
 * line stream for tests and the fault layer.
 *
 * Not implemented: 10BASE-T start-of-idle (TP_IDL) and the inter-frame silence (a 10BASE-T
 * stream of several frames is their bytes back to back); 100BASE-TX descrambler lock
 * *maintenance* (hold timer) across streams (each stream is locked afresh on its leading idle)
 * and the /H/ transmit-error path on the transmit side; 1000BASE-X auto-negotiation /C/ ordered
 * sets, carrier extension and the synchronisation state machine (the decoder aligns once, on
 * the first comma).
 * @module
 */

// common interface
export type {
  DecodeOptions,
  DecodeResult,
  EncodeOptions,
  LineCodec,
  LineError,
  LineErrorKind,
  LineStream,
  PhyKind,
} from './types.js';
export {
  createCodec10BaseT,
  createCodec100BaseTx,
  createCodec1000BaseX,
  createLineCodec,
  lineStreamFromLevels,
} from './codec.js';
export type { Codec100BaseTx, Codec100Options, FromLevelsOptions } from './codec.js';
export {
  EightB10BLineStream,
  ManchesterLineStream,
  Mlt3LineStream,
  flipBit,
  flipCodeGroupBit,
  flipLevel,
  setLevel,
} from './stream.js';
export type { Mlt3StreamInfo } from './stream.js';

// 10BASE-T
export {
  NLP_INTERVAL_NS,
  NLP_JITTER_NS,
  NLP_PULSE_WIDTH_NS,
  manchesterDecode,
  manchesterEncode,
  nlpPulseTimes,
} from './manchester.js';
export type { ManchesterDecodeResult, NlpOptions } from './manchester.js';

// 100BASE-TX
export {
  BYTE_GROUPS10,
  CONTROL_GROUPS,
  DATA_GROUPS,
  FOUR_B5B_DEFAULTS,
  GROUP_DECODE,
  GROUPS10_DECODE,
  INVALID_GROUPS,
  SYM_H,
  SYM_I,
  SYM_J,
  SYM_K,
  SYM_R,
  SYM_T,
  classifyGroup,
  encode4b5bStream,
  encodeNibbles,
  groupName,
  groupToString,
  groupsToBits,
} from './fourb5b.js';
export type { ControlGroupName, FiveBSymbol, FourB5BStreamOptions } from './fourb5b.js';
export {
  KEY10,
  KEY_STREAM,
  SCRAMBLER_BITS,
  SCRAMBLER_PERIOD,
  ZERO_KEY10,
  acquireScramblerLock,
  descramblerLock,
  scrambleBits,
  scramblerAdvance,
  scramblerKeyBit,
  scramblerPhase,
  scramblerStateAt,
  scramblerStep,
} from './scrambler.js';
export type { ScramblerLock } from './scrambler.js';
export { MLT3_LEVELS, mlt3Decode, mlt3Encode, mlt3NextState, nrziDecode, nrziEncode } from './mlt3.js';
export { decode100BaseTx, encode100BaseTx, packTransitions } from './base100tx.js';
export type { Rx100Options, Rx100Result, Tx100EncodeOptions, Tx100State } from './base100tx.js';

// 1000BASE-X
export {
  CONTROL_CODES,
  D16_2,
  D5_6,
  DEC_CONTROL,
  DEC_DISPARITY,
  DEC_INVALID,
  DEC_RD_PLUS,
  EIGHT_B10B_DEFAULTS,
  FIVE_B_SIX_B,
  K23_7,
  K27_7,
  K28_5,
  K29_7,
  K30_7,
  ORDERED_SETS,
  THREE_B_FOUR_B,
  THREE_B_FOUR_B_A7,
  alignCodeGroups,
  codeGroupInfo,
  codeGroupToString,
  codeGroupsToBits,
  decode8b10bStream,
  decodeCodeGroup,
  encode8b10bStream,
  encodeOrderedSet,
  encodeSymbol,
  findComma,
  parseCodeGroup,
  runningDisparityAfter,
  symbolName,
} from './eightb10b.js';
export type {
  CodeGroupInfo,
  CommaAlignment,
  EightB10BStreamOptions,
  OrderedSetName,
  Rx1000Options,
  Rx1000Result,
} from './eightb10b.js';

/**
 * Shared types of the PHY line codes: the kind of PHY, the line stream a PHY puts on the medium,
 * the decode result handed to the MAC and the errors a receiving PHY reports.
 *
 * Everything in `hw/phy/linecode/` is a pure function of its inputs (no time, no randomness read
 * from the host); the only state is what a caller keeps in a codec object (the 100BASE-TX
 * transmit scrambler runs continuously across frames).
 * @module
 */

/** The three PHYs, one per speed. */
export type PhyKind = '10BASE-T' | '100BASE-TX' | '1000BASE-X';

/** What a receiving PHY can complain about. */
export type LineErrorKind =
  /** 4B/5B or 8b/10b code group that is not valid (or a control group where data must be). */
  | 'invalid-code-group'
  /** 8b/10b code group valid only in the other running-disparity column. */
  | 'disparity'
  /** No start-of-stream delimiter where one was due: false carrier, /J/K/ (SSD) or /S/ error. */
  | 'missing-start'
  /** The frame ended without its end delimiter (/T/R/ or /T/R/): premature end. */
  | 'missing-end'
  /** Manchester half-bit pair without a mid-bit transition (00 or 11). */
  | 'code-violation'
  /** 100BASE-TX descrambler: lock verification failed, or no lock at all. */
  | 'scrambler-lock';

/** One error reported by a receiving PHY. */
export interface LineError {
  /** What went wrong. */
  kind: LineErrorKind;
  /** Code-group index in the stream (Manchester: bit index, i.e. half-bit pair index). */
  index: number;
  /** Position of the first offending code bit (level index) in the stream, when known. */
  bit?: number;
  /** Human-readable detail, e.g. the offending code group. */
  detail?: string;
}

/**
 * The line signal of one or more frames. `codeGroups` and (for 1000BASE-X) `levels` are computed on
 * first access and cached, so the encode→decode hot path never builds strings. Treat a stream as
 * immutable: the fault functions (`flipBit`, `flipLevel`, …) return new streams.
 */
export interface LineStream {
  /** Which PHY produced it. */
  readonly kind: PhyKind;
  /** Code bits per code group: 2 (Manchester half-bit pair), 5 (4B/5B), 10 (8b/10b). */
  readonly bitsPerGroup: number;
  /** Number of code bits on the line (= number of levels). */
  readonly bitCount: number;
  /** Number of whole code groups. */
  readonly groupCount: number;
  /**
   * Code groups as bit strings in transmission order: "01"/"10" per Manchester bit, 5-bit groups
   * before the scrambler for 100BASE-TX, 10-bit `abcdeifghj` groups for 1000BASE-X.
   */
  readonly codeGroups: readonly string[];
  /** Line levels: Manchester half-bits 0/1, MLT-3 -1/0/+1, 8b/10b NRZ bits 0/1. */
  readonly levels: Int8Array;
}

/** Encoder options; each PHY uses the ones that apply to it. */
export interface EncodeOptions {
  /** Idle before the frame: 4B/5B /I/ code groups (default 10), 8b/10b /I/ ordered sets (default 2). */
  idleBefore?: number;
  /** Idle between frames (same units; defaults 22 groups and 5 ordered sets, ≈ the 96-bit IPG). */
  idleBetween?: number;
  /** Idle after the last frame (default 2 groups / 1 ordered set). */
  idleAfter?: number;
  /** 100BASE-TX only: scramble the code bits (default true). */
  scramble?: boolean;
}

/** Decoder options; each PHY uses the ones that apply to it. */
export interface DecodeOptions {
  /** 100BASE-TX: whether the line is scrambled (default: as recorded in the stream, else true). */
  scramble?: boolean;
  /** 100BASE-TX: bits the descrambler verifies after loading its 11-bit state (default 29). */
  lockVerifyBits?: number;
  /** 1000BASE-X: ignore the known code-group boundaries and align on the first comma. */
  align?: boolean;
}

/** What a receiving PHY hands the MAC. */
export interface DecodeResult {
  /** Bytes of the first frame, with the preamble octet the start delimiter replaced restored. */
  bytes: Uint8Array;
  /** Every frame found in the stream, in order (`frames[0]` is `bytes` when there is one). */
  frames: Uint8Array[];
  /** Everything the PHY reported, in stream order. */
  errors: LineError[];
}

/** A PHY's line code behind one interface, so higher layers can treat PHYs uniformly. */
export interface LineCodec {
  /** Which PHY. */
  readonly kind: PhyKind;
  /** Encodes the bytes the MAC hands the PHY (preamble, SFD, frame, FCS) with idle around them. */
  encodeFrame(macBytes: Uint8Array, opts?: EncodeOptions): LineStream;
  /** Encodes several frames with idle between them into one stream. */
  encodeFrames(frames: readonly Uint8Array[], opts?: EncodeOptions): LineStream;
  /** Decodes a stream back into what the MAC would receive. Never throws on line input. */
  decodeFrame(stream: LineStream, opts?: DecodeOptions): DecodeResult;
}

/**
 * The 8b/10b data-run loops in WebAssembly: the encoder turns a run of octets into code groups,
 * the decoder turns a run of code groups back into octets up to the first one that is not a valid
 * data character in the running-disparity column. Everything else of the 1000BASE-X PCS (ordered
 * sets, frame delimiting, error reports) stays in JavaScript (eightb10b.ts), which also keeps its
 * plain-JavaScript loops as the reference and as the fallback for engines without WebAssembly SIMD.
 *
 * Why: V8 keeps map and bounds checks on every typed-array access of the JavaScript loops
 * (1.5–2.5 ns per code group); here 16 symbols go through 128-bit SIMD at once (about 0.4 ns per
 * octet to encode and 0.5 ns per code group to decode on the development machine).
 *
 * Encoding 16 octets: the running disparity (RD) before each octet is the RD before the block
 * xor the parity of the "flips" of the octets before it (an 8b/10b data code group either keeps
 * the RD or flips it, and which one depends on the octet alone), so a prefix xor over the lanes
 * gives every lane its RD and the block is coded without a loop-carried table lookup. Per lane,
 * the 6b sub-block comes from a 32-entry table by x = EDCBA (its RD− code, whether the RD+ code
 * is its complement, whether it flips the RD), the 4b sub-block from a 16-entry table by
 * y = HGF (the same three facts, P7 for y = 7), and A7 replaces P7 where the 6b block ends in two
 * bits equal to the complement of the RD after it (x = 17, 18, 20 at RD−; 11, 13, 14 at RD+).
 *
 * Decoding 16 code groups: each group's octet is read from its sub-blocks alone (6b → x, 4b → y),
 * with whether each sub-block is a data code at RD− / RD+ and whether it flips the RD; the same
 * prefix xor gives every lane its RD, and a group is a valid data character at its RD exactly
 * when its 6b block is valid at that RD, its 4b block at the RD after the 6b block, and for
 * y = 7 it is A7 exactly where the A7 rule above wants it. A block with any other group, and the
 * last < 16 groups, go through the exact one-group-at-a-time loop, which stops where the
 * JavaScript reference stops.
 *
 * The tables are derived here from the caller's code table (the octet → code group columns of
 * eightb10b.ts) and the kernel checks itself against it on creation, so it holds no facts of its
 * own. The choice of path never changes a code group, an octet or an error (tested).
 * @module
 */

/** Byte address of the scalar encode table: 256 × i32 by octet (code at RD− in bits 0–9, at RD+ in 10–19, 10 in bits 20–23 when the octet flips the RD). */
const ENC_TABLE = 0;
/** Byte address of the scalar decode table: 1024 × i32 by code group (octet in bits 0–7, bit 8/9: not a data character at RD−/RD+, bit 10: flips the RD). */
const DEC_TABLE = 1024;
/** Byte address of the 16-byte SIMD tables and constants, in the order of {@link VECTORS}. */
const TABLES = 5120;
/** Byte address of the octet area: encoder input, decoder output (octet i at OCTETS + i). */
const OCTETS = 8192;
/** Byte address of the code-group area (u16): encoder output, decoder input (group i at CODES + 2i). */
const CODES = 73728;
/** Longest run either loop takes in one call (octets, code groups). */
export const KERNEL_MAX = 65536;

/**
 * The SIMD vectors at TABLES, 16 bytes each. Encoding: QXlo/QXhi (by x: RD− 6b code, bit 6 the
 * RD+ code is its complement, bit 7 it flips the RD), Q4z (by y << 1 | octet bit 4: RD− 4b code
 * with P7, bit 6 complement, bit 7 flips). Decoding: XV0–XV3 (by 6b code, four quarters: x,
 * 0x20 valid at RD−, 0x40 valid at RD+, 0x80 flips), YV (by 4b code: y << 5, 1 valid at RD−, 2
 * valid at RD+, 4 flips, 8 is A7, 0x10 is P7). Constants: A7X (P7 xor A7), K000F (0x000f per 16-bit lane),
 * HI8 (0xff in lanes 8–15), ZERO, and splats of the byte their name says (K1F = 0x1f…).
 */
const VECTORS = ['QXlo', 'QXhi', 'Q4z', 'K1F', 'K10', 'K0F', 'K0E', 'K03', 'K3F', 'A7X', 'K000F', 'ZERO', 'XV0', 'XV1', 'XV2', 'XV3', 'YV', 'K20', 'K30', 'K01', 'K04', 'K08', 'KE0', 'HI8'] as const;

/**
 * Code that leaves in local `$P` (0x0c) the inclusive prefix parity of the 16 lanes of `$f` (0x0b):
 * shift-and-xor by 1, 2 and 4 lanes within each 64-bit half, then lane 7 carried into lanes 8–15
 * through `$HI8` (local `hi8`, all ones in the high half; its index differs between the two
 * bodies). The encoder and the decoder both use it (the same bytes in each body).
 */
function prefixParity(hi8: number): number[] {
  return [
    //   P = f ^ f << 1 lane, within each 64-bit half
    0x20, 0x0b, 0x41, 0x08, 0xfd, 0xcb, 0x01, 0xfd, 0x51, // local.get $f; i32.const 8; i64x2.shl; v128.xor
    0x21, 0x0c, // local.set $P
    //   P ^= P << 2 lanes
    0x20, 0x0c, 0x20, 0x0c, 0x41, 0x10, 0xfd, 0xcb, 0x01, // local.get $P; local.get $P; i32.const 0x10; i64x2.shl
    0xfd, 0x51, 0x21, 0x0c, // v128.xor; local.set $P
    //   P ^= P << 4 lanes
    0x20, 0x0c, 0x20, 0x0c, 0x41, 0x20, 0xfd, 0xcb, 0x01, // local.get $P; local.get $P; i32.const 0x20; i64x2.shl
    0xfd, 0x51, 0x21, 0x0c, // v128.xor; local.set $P
    //   P ^= lane 7 into lanes 8-15: P is the inclusive prefix parity
    0x20, 0x0c, 0x20, 0x0c, 0x41, 0x1f, 0xfd, 0xac, 0x01, // local.get $P; local.get $P; i32.const 0x1f; i32x4.shr_s
    0x22, 0x11, 0x20, 0x11, // local.tee $w; local.get $w
    0xfd, 0x0d, 0x04, 0x05, 0x06, 0x07, 0x04, 0x05, 0x06, 0x07, 0x04, 0x05, 0x06, 0x07, 0x04, 0x05, 0x06, 0x07, // i8x16.shuffle (32-bit lane 1 × 4)
    0x20, hi8, 0xfd, 0x4e, 0xfd, 0x51, 0x22, 0x0c, // local.get $HI8; v128.and; v128.xor; local.tee $P
  ];
}

/**
 * The module, assembled by hand (no toolchain). Each function first loads the VECTORS into
 * locals of the same names (`v128.load NAME` is `i32.const 0; v128.load offset=TABLES + 16 ×
 * index`; keeping them in locals saves a tenth of the time over loading them at every use);
 * OCTETS, CODES, ENC_TABLE and DEC_TABLE are load/store offsets (unsigned LEB128: 8192 = 80 40,
 * 73728 = 80 c0 04, 1024 = 80 08). In lane masks 0xff is true. Memory: 4 pages (256 KiB),
 * exported as `mem`.
 *
 * `enc(i, n, rd) -> rd`: code groups of octets [i, n) from RD `rd` (0/1), 16 per iteration, then
 * the rest one at a time with the scalar table; returns the RD after.
 *
 * `dec(i, to, rd) -> stop << 1 | rd`: from group i on, while i < to, the group fits in 10 bits and
 * is a valid data character at the RD: stores its octet and moves on; returns where it stopped
 * and the RD there.
 */
const WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x08, 0x01, // type section (8 bytes), 1 type
  0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, // type 0: (i32, i32, i32) -> i32
  0x03, 0x03, 0x02, 0x00, 0x00, // function section: enc and dec have type 0
  0x05, 0x03, 0x01, 0x00, 0x04, // memory section: one memory, min 4 pages
  0x07, 0x13, 0x03, // export section (19 bytes), 3 exports
  0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, // "mem": memory 0
  0x03, 0x65, 0x6e, 0x63, 0x00, 0x00, // "enc": function 0
  0x03, 0x64, 0x65, 0x63, 0x00, 0x01, // "dec": function 1
  0x0a, 0xe5, 0x0a, 0x02, // code section (1381 bytes), 2 bodies
  // ---- enc(i, n, rd) -> rd
  0xb4, 0x05, // body size 692
  0x02, 0x03, 0x7f, 0x24, 0x7b, // locals: $t, $u, $R (i32); $v, $x, $z, $qx, $n6, $f, $P, $rdm, $six, $four, $rd1, $w (v128); one per constant vector (v128)
  // the constant vectors at TABLES into locals
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x80, 0x28, 0x21, 0x12, // i32.const 0; v128.load QXlo; local.set $QXlo
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x90, 0x28, 0x21, 0x13, // i32.const 0; v128.load QXhi; local.set $QXhi
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xa0, 0x28, 0x21, 0x14, // i32.const 0; v128.load Q4z; local.set $Q4z
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xb0, 0x28, 0x21, 0x15, // i32.const 0; v128.load K1F; local.set $K1F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xc0, 0x28, 0x21, 0x16, // i32.const 0; v128.load K10; local.set $K10
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xd0, 0x28, 0x21, 0x17, // i32.const 0; v128.load K0F; local.set $K0F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xe0, 0x28, 0x21, 0x18, // i32.const 0; v128.load K0E; local.set $K0E
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xf0, 0x28, 0x21, 0x19, // i32.const 0; v128.load K03; local.set $K03
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x80, 0x29, 0x21, 0x1a, // i32.const 0; v128.load K3F; local.set $K3F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x90, 0x29, 0x21, 0x1b, // i32.const 0; v128.load A7X; local.set $A7X
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xa0, 0x29, 0x21, 0x1c, // i32.const 0; v128.load K000F; local.set $K000F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xb0, 0x29, 0x21, 0x1d, // i32.const 0; v128.load ZERO; local.set $ZERO
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xc0, 0x29, 0x21, 0x1e, // i32.const 0; v128.load XV0; local.set $XV0
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xd0, 0x29, 0x21, 0x1f, // i32.const 0; v128.load XV1; local.set $XV1
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xe0, 0x29, 0x21, 0x20, // i32.const 0; v128.load XV2; local.set $XV2
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xf0, 0x29, 0x21, 0x21, // i32.const 0; v128.load XV3; local.set $XV3
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x80, 0x2a, 0x21, 0x22, // i32.const 0; v128.load YV; local.set $YV
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x90, 0x2a, 0x21, 0x23, // i32.const 0; v128.load K20; local.set $K20
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xa0, 0x2a, 0x21, 0x24, // i32.const 0; v128.load K30; local.set $K30
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xb0, 0x2a, 0x21, 0x25, // i32.const 0; v128.load K01; local.set $K01
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xc0, 0x2a, 0x21, 0x26, // i32.const 0; v128.load K04; local.set $K04
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xd0, 0x2a, 0x21, 0x27, // i32.const 0; v128.load K08; local.set $K08
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xe0, 0x2a, 0x21, 0x28, // i32.const 0; v128.load KE0; local.set $KE0
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xf0, 0x2a, 0x21, 0x29, // i32.const 0; v128.load HI8; local.set $HI8
  // R = -rd & 0xff: the RD as a lane mask
  0x41, 0x00, 0x20, 0x02, 0x6b, 0x41, 0xff, 0x01, // i32.const 0; local.get $rd; i32.sub; i32.const 0xff
  0x71, 0x21, 0x05, // i32.and; local.set $R
  // block; loop: 16 octets per iteration
  0x02, 0x40, 0x03, 0x40, // block; loop
  //   br_if 1 (i + 16 > n)
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x20, 0x01, 0x4b, // local.get $i; i32.const 0x10; i32.add; local.get $n; i32.gt_u
  0x0d, 0x01, // br_if 1
  //   v = octets i…i+15
  0x20, 0x00, 0xfd, 0x00, 0x00, 0x80, 0x40, 0x21, 0x06, // local.get $i; v128.load OCTETS; local.set $v
  //   x = v & 0x1f
  0x20, 0x06, 0x20, 0x15, 0xfd, 0x4e, 0x21, 0x07, // local.get $v; local.get $K1F; v128.and; local.set $x
  //   z = (v >> 4) & 0x0f, the index y << 1 | bit 4 of each octet
  0x20, 0x06, 0x41, 0x04, 0xfd, 0x8d, 0x01, 0x20, 0x17, // local.get $v; i32.const 4; i16x8.shr_u; local.get $K0F
  0xfd, 0x4e, 0x21, 0x08, // v128.and; local.set $z
  //   qx = QX[x] (two 16-entry halves)
  0x20, 0x12, 0x20, 0x07, 0xfd, 0x0e, 0x20, 0x13, // local.get $QXlo; local.get $x; i8x16.swizzle; local.get $QXhi
  0x20, 0x07, 0x20, 0x16, 0xfd, 0x51, 0xfd, 0x0e, // local.get $x; local.get $K10; v128.xor; i8x16.swizzle
  0xfd, 0x50, 0x22, 0x09, // v128.or; local.tee $qx
  //   n6 = qx < 0: the 6b sub-block flips the RD
  0x20, 0x1d, 0xfd, 0x25, 0x22, 0x0a, // local.get $ZERO; i8x16.lt_s; local.tee $n6
  //   q4 = Q4[z]; f = n6 ^ (q4 < 0): the octet flips the RD
  0x20, 0x14, 0x20, 0x08, 0xfd, 0x0e, 0x22, 0x0f, // local.get $Q4z; local.get $z; i8x16.swizzle; local.tee $four
  0x20, 0x1d, 0xfd, 0x25, 0xfd, 0x51, 0x22, 0x0b, // local.get $ZERO; i8x16.lt_s; v128.xor; local.tee $f
  //   P = the inclusive prefix parity of f's lanes
  ...prefixParity(0x29),
  //   rdm = P ^ f ^ splat(R): the RD before each octet (0x00 / 0xff)
  0x20, 0x0b, 0xfd, 0x51, 0x20, 0x05, 0xfd, 0x0f, // local.get $f; v128.xor; local.get $R; i8x16.splat
  0xfd, 0x51, 0x21, 0x0d, // v128.xor; local.set $rdm
  //   R ^= lane 15 of P: the RD after the block
  0x20, 0x0c, 0xfd, 0x16, 0x0f, 0x20, 0x05, 0x73, // local.get $P; i8x16.extract_lane_u 15; local.get $R; i32.xor
  0x21, 0x05, // local.set $R
  //   six = (qx ^ (rdm & (qx + qx < 0))) & 0x3f: bit 6 of qx says the RD+ column is the complement
  0x20, 0x09, 0x20, 0x09, 0x20, 0x09, 0xfd, 0x6e, // local.get $qx; local.get $qx; local.get $qx; i8x16.add
  0x20, 0x1d, 0xfd, 0x25, 0x20, 0x0d, 0xfd, 0x4e, // local.get $ZERO; i8x16.lt_s; local.get $rdm; v128.and
  0xfd, 0x51, 0x20, 0x1a, 0xfd, 0x4e, 0x21, 0x0e, // v128.xor; local.get $K3F; v128.and; local.set $six
  //   rd1 = rdm ^ n6: the RD after the 6b sub-block
  0x20, 0x0d, 0x20, 0x0a, 0xfd, 0x51, 0x21, 0x10, // local.get $rdm; local.get $n6; v128.xor; local.set $rd1
  //   four = (q4 ^ (rd1 & (q4 + q4 < 0))) & 0x0f (P7 for y = 7)
  0x20, 0x0f, 0x20, 0x0f, 0x20, 0x0f, 0xfd, 0x6e, // local.get $four; local.get $four; local.get $four; i8x16.add
  0x20, 0x1d, 0xfd, 0x25, 0x20, 0x10, 0xfd, 0x4e, // local.get $ZERO; i8x16.lt_s; local.get $rd1; v128.and
  0xfd, 0x51, 0x20, 0x17, 0xfd, 0x4e, // v128.xor; local.get $K0F; v128.and
  //   y7 = (z & 14) == 14
  0x20, 0x08, 0x20, 0x18, 0xfd, 0x4e, 0x20, 0x18, // local.get $z; local.get $K0E; v128.and; local.get $K0E
  0xfd, 0x23, // i8x16.eq
  //   a7 = y7 & ((six & 3) == (3 & ~rd1)): A7 instead of P7
  0x20, 0x0e, 0x20, 0x19, 0xfd, 0x4e, 0x20, 0x19, // local.get $six; local.get $K03; v128.and; local.get $K03
  0x20, 0x10, 0xfd, 0x4f, 0xfd, 0x23, 0xfd, 0x4e, // local.get $rd1; v128.andnot; i8x16.eq; v128.and
  //   four ^= a7 & (P7 ^ A7)
  0x20, 0x1b, 0xfd, 0x4e, 0xfd, 0x51, 0x21, 0x0f, // local.get $A7X; v128.and; v128.xor; local.set $four
  //   code groups 0-7: w = four | six << 8 per 16-bit lane; code = (w & 0x0f) | w >> 4
  0x20, 0x00, 0x41, 0x01, 0x74, 0x20, 0x0f, // local.get $i; i32.const 1; i32.shl; local.get $four
  0x20, 0x0e, // local.get $six
  0xfd, 0x0d, 0x00, 0x10, 0x01, 0x11, 0x02, 0x12, 0x03, 0x13, 0x04, 0x14, 0x05, 0x15, 0x06, 0x16, 0x07, 0x17, // i8x16.shuffle (interleave low halves)
  0x22, 0x11, 0x20, 0x1c, 0xfd, 0x4e, 0x20, 0x11, // local.tee $w; local.get $K000F; v128.and; local.get $w
  0x41, 0x04, 0xfd, 0x8d, 0x01, 0xfd, 0x50, // i32.const 4; i16x8.shr_u; v128.or
  0xfd, 0x0b, 0x00, 0x80, 0xc0, 0x04, // v128.store CODES
  //   code groups 8-15
  0x20, 0x00, 0x41, 0x01, 0x74, 0x20, 0x0f, // local.get $i; i32.const 1; i32.shl; local.get $four
  0x20, 0x0e, // local.get $six
  0xfd, 0x0d, 0x08, 0x18, 0x09, 0x19, 0x0a, 0x1a, 0x0b, 0x1b, 0x0c, 0x1c, 0x0d, 0x1d, 0x0e, 0x1e, 0x0f, 0x1f, // i8x16.shuffle (interleave high halves)
  0x22, 0x11, 0x20, 0x1c, 0xfd, 0x4e, 0x20, 0x11, // local.tee $w; local.get $K000F; v128.and; local.get $w
  0x41, 0x04, 0xfd, 0x8d, 0x01, 0xfd, 0x50, // i32.const 4; i16x8.shr_u; v128.or
  0xfd, 0x0b, 0x00, 0x90, 0xc0, 0x04, // v128.store CODES+16
  //   i += 16; br 0
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, 0x0c, 0x00, // local.get $i; i32.const 0x10; i32.add; local.set $i; br 0
  // end loop; end block
  0x0b, 0x0b, // end; end
  // rd: 0 or 10, the shift that picks the column of the scalar table
  0x20, 0x05, 0x41, 0x01, 0x71, 0x41, 0x0a, 0x6c, // local.get $R; i32.const 1; i32.and; i32.const 0xa; i32.mul
  0x21, 0x02, // local.set $rd
  // block; loop
  0x02, 0x40, 0x03, 0x40, // block; loop
  //   br_if 1 (i >= n)
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // local.get $i; local.get $n; i32.ge_u; br_if 1
  //   t = ENC[octet i]
  0x20, 0x00, 0x2d, 0x00, 0x80, 0x40, 0x41, 0x02, 0x74, // local.get $i; i32.load8_u OCTETS; i32.const 2; i32.shl
  0x28, 0x02, 0x00, 0x21, 0x03, // i32.load ENC_TABLE; local.set $t
  //   code group i = (t >>> rd) & 0x3ff
  0x20, 0x00, 0x41, 0x01, 0x74, 0x20, 0x03, // local.get $i; i32.const 1; i32.shl; local.get $t
  0x20, 0x02, 0x76, 0x41, 0xff, 0x07, 0x71, // local.get $rd; i32.shr_u; i32.const 0x3ff; i32.and
  0x3b, 0x01, 0x80, 0xc0, 0x04, // i32.store16 CODES
  //   rd ^= t >>> 20
  0x20, 0x02, 0x20, 0x03, 0x41, 0x14, 0x76, 0x73, // local.get $rd; local.get $t; i32.const 0x14; i32.shr_u; i32.xor
  0x21, 0x02, // local.set $rd
  //   i += 1; br 0
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x0c, 0x00, // local.get $i; i32.const 1; i32.add; local.set $i; br 0
  // end loop; end block
  0x0b, 0x0b, // end; end
  // rd != 0
  0x20, 0x02, 0x41, 0x00, 0x47, // local.get $rd; i32.const 0; i32.ne
  0x0b, // end function
  // ---- dec(i, to, rd) -> i << 1 | rd
  0xac, 0x05, // body size 684
  0x02, 0x03, 0x7f, 0x27, 0x7b, // locals: $c, $t, $R (i32); $v, $x, $z, $qx, $n6, $f, $P, $rdm, $six, $four, $rd1, $w, $ca, $cb, $s6 (v128); one per constant vector (v128)
  // the constant vectors at TABLES into locals
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x80, 0x28, 0x21, 0x15, // i32.const 0; v128.load QXlo; local.set $QXlo
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x90, 0x28, 0x21, 0x16, // i32.const 0; v128.load QXhi; local.set $QXhi
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xa0, 0x28, 0x21, 0x17, // i32.const 0; v128.load Q4z; local.set $Q4z
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xb0, 0x28, 0x21, 0x18, // i32.const 0; v128.load K1F; local.set $K1F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xc0, 0x28, 0x21, 0x19, // i32.const 0; v128.load K10; local.set $K10
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xd0, 0x28, 0x21, 0x1a, // i32.const 0; v128.load K0F; local.set $K0F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xe0, 0x28, 0x21, 0x1b, // i32.const 0; v128.load K0E; local.set $K0E
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xf0, 0x28, 0x21, 0x1c, // i32.const 0; v128.load K03; local.set $K03
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x80, 0x29, 0x21, 0x1d, // i32.const 0; v128.load K3F; local.set $K3F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x90, 0x29, 0x21, 0x1e, // i32.const 0; v128.load A7X; local.set $A7X
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xa0, 0x29, 0x21, 0x1f, // i32.const 0; v128.load K000F; local.set $K000F
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xb0, 0x29, 0x21, 0x20, // i32.const 0; v128.load ZERO; local.set $ZERO
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xc0, 0x29, 0x21, 0x21, // i32.const 0; v128.load XV0; local.set $XV0
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xd0, 0x29, 0x21, 0x22, // i32.const 0; v128.load XV1; local.set $XV1
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xe0, 0x29, 0x21, 0x23, // i32.const 0; v128.load XV2; local.set $XV2
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xf0, 0x29, 0x21, 0x24, // i32.const 0; v128.load XV3; local.set $XV3
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x80, 0x2a, 0x21, 0x25, // i32.const 0; v128.load YV; local.set $YV
  0x41, 0x00, 0xfd, 0x00, 0x04, 0x90, 0x2a, 0x21, 0x26, // i32.const 0; v128.load K20; local.set $K20
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xa0, 0x2a, 0x21, 0x27, // i32.const 0; v128.load K30; local.set $K30
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xb0, 0x2a, 0x21, 0x28, // i32.const 0; v128.load K01; local.set $K01
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xc0, 0x2a, 0x21, 0x29, // i32.const 0; v128.load K04; local.set $K04
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xd0, 0x2a, 0x21, 0x2a, // i32.const 0; v128.load K08; local.set $K08
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xe0, 0x2a, 0x21, 0x2b, // i32.const 0; v128.load KE0; local.set $KE0
  0x41, 0x00, 0xfd, 0x00, 0x04, 0xf0, 0x2a, 0x21, 0x2c, // i32.const 0; v128.load HI8; local.set $HI8
  // R = -rd & 0xff
  0x41, 0x00, 0x20, 0x02, 0x6b, 0x41, 0xff, 0x01, // i32.const 0; local.get $rd; i32.sub; i32.const 0xff
  0x71, 0x21, 0x05, // i32.and; local.set $R
  // block; loop: 16 code groups per iteration
  0x02, 0x40, 0x03, 0x40, // block; loop
  //   br_if 1 (i + 16 > to)
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x20, 0x01, 0x4b, // local.get $i; i32.const 0x10; i32.add; local.get $to; i32.gt_u
  0x0d, 0x01, // br_if 1
  //   ca, cb = code groups i…i+7, i+8…i+15; s6 = their 6b sub-blocks as bytes
  0x20, 0x00, 0x41, 0x01, 0x74, // local.get $i; i32.const 1; i32.shl
  0xfd, 0x00, 0x00, 0x80, 0xc0, 0x04, 0x22, 0x12, 0x41, 0x04, // v128.load CODES; local.tee $ca; i32.const 4
  0xfd, 0x8d, 0x01, 0x20, 0x00, 0x41, 0x01, 0x74, // i16x8.shr_u; local.get $i; i32.const 1; i32.shl
  0xfd, 0x00, 0x00, 0x90, 0xc0, 0x04, 0x22, 0x13, 0x41, 0x04, // v128.load CODES+16; local.tee $cb; i32.const 4
  0xfd, 0x8d, 0x01, 0xfd, 0x66, 0x21, 0x14, // i16x8.shr_u; i8x16.narrow_i16x8_u; local.set $s6
  //   qx = XV[s6]: x | 0x20 valid at RD- | 0x40 valid at RD+ | 0x80 flips the RD (64 entries in four 16-entry quarters)
  0x20, 0x21, 0x20, 0x14, 0xfd, 0x0e, 0x20, 0x22, // local.get $XV0; local.get $s6; i8x16.swizzle; local.get $XV1
  0x20, 0x14, 0x20, 0x19, 0xfd, 0x51, 0xfd, 0x0e, // local.get $s6; local.get $K10; v128.xor; i8x16.swizzle
  0xfd, 0x50, 0x20, 0x23, 0x20, 0x14, 0x20, 0x26, // v128.or; local.get $XV2; local.get $s6; local.get $K20
  0xfd, 0x51, 0xfd, 0x0e, 0xfd, 0x50, 0x20, 0x24, // v128.xor; i8x16.swizzle; v128.or; local.get $XV3
  0x20, 0x14, 0x20, 0x27, 0xfd, 0x51, 0xfd, 0x0e, // local.get $s6; local.get $K30; v128.xor; i8x16.swizzle
  0xfd, 0x50, 0x22, 0x09, // v128.or; local.tee $qx
  //   q4 = YV[4b sub-blocks]: y << 5 | 1 valid at RD- | 2 valid at RD+ | 4 flips the RD | 8 is A7 | 0x10 is P7
  0x20, 0x25, 0x20, 0x12, 0x20, 0x1f, 0xfd, 0x4e, // local.get $YV; local.get $ca; local.get $K000F; v128.and
  0x20, 0x13, 0x20, 0x1f, 0xfd, 0x4e, 0xfd, 0x66, // local.get $cb; local.get $K000F; v128.and; i8x16.narrow_i16x8_u
  0xfd, 0x0e, 0x21, 0x0f, // i8x16.swizzle; local.set $four
  //   octets i…i+15 = (qx & 0x1f) | (q4 & 0xe0): what the groups stand for if they are valid
  0x20, 0x00, 0x20, 0x09, 0x20, 0x18, 0xfd, 0x4e, // local.get $i; local.get $qx; local.get $K1F; v128.and
  0x20, 0x0f, 0x20, 0x2b, 0xfd, 0x4e, 0xfd, 0x50, // local.get $four; local.get $KE0; v128.and; v128.or
  0xfd, 0x0b, 0x00, 0x80, 0x40, // v128.store OCTETS
  //   n6 = qx < 0; f = n6 ^ (q4 & 4 == 4): the group flips the RD
  0x20, 0x09, 0x20, 0x20, 0xfd, 0x25, 0x22, 0x0a, // local.get $qx; local.get $ZERO; i8x16.lt_s; local.tee $n6
  0x20, 0x0f, 0x20, 0x29, 0xfd, 0x4e, 0x20, 0x29, // local.get $four; local.get $K04; v128.and; local.get $K04
  0xfd, 0x23, 0xfd, 0x51, 0x22, 0x0b, // i8x16.eq; v128.xor; local.tee $f
  //   P = the inclusive prefix parity of f's lanes
  ...prefixParity(0x2c),
  //   rdm = P ^ f ^ splat(R): the RD before each group; t = R (the RD before the block)
  0x20, 0x0b, 0xfd, 0x51, 0x20, 0x05, 0xfd, 0x0f, // local.get $f; v128.xor; local.get $R; i8x16.splat
  0xfd, 0x51, 0x21, 0x0d, 0x20, 0x05, 0x21, 0x04, // v128.xor; local.set $rdm; local.get $R; local.set $t
  //   R ^= lane 15 of P: the RD after the block
  0x20, 0x0c, 0xfd, 0x16, 0x0f, 0x20, 0x05, 0x73, // local.get $P; i8x16.extract_lane_u 15; local.get $R; i32.xor
  0x21, 0x05, // local.set $R
  //   rd1 = rdm ^ n6: the RD after the 6b sub-block
  0x20, 0x0d, 0x20, 0x0a, 0xfd, 0x51, 0x21, 0x10, // local.get $rdm; local.get $n6; v128.xor; local.set $rd1
  //   bad: the 6b sub-block is not valid at rdm (qx & (0x20 + (rdm & 0x20)) == 0)
  0x20, 0x09, 0x20, 0x26, 0x20, 0x0d, 0x20, 0x26, // local.get $qx; local.get $K20; local.get $rdm; local.get $K20
  0xfd, 0x4e, 0xfd, 0x6e, 0xfd, 0x4e, 0x20, 0x20, // v128.and; i8x16.add; v128.and; local.get $ZERO
  0xfd, 0x23, // i8x16.eq
  //   | the 4b sub-block is not valid at rd1 (q4 & (1 + (rd1 & 1)) == 0)
  0x20, 0x0f, 0x20, 0x28, 0x20, 0x10, 0x20, 0x28, // local.get $four; local.get $K01; local.get $rd1; local.get $K01
  0xfd, 0x4e, 0xfd, 0x6e, 0xfd, 0x4e, 0x20, 0x20, // v128.and; i8x16.add; v128.and; local.get $ZERO
  0xfd, 0x23, 0xfd, 0x50, // i8x16.eq; v128.or
  //   | P7 where the A7 rule (the 6b block ends in 3 & ~rd1) wants A7, or A7 where it does not (q4 & (8 + (rule & 8)), non-zero is bad)
  0x20, 0x0f, 0x20, 0x2a, 0x20, 0x14, 0x20, 0x1c, // local.get $four; local.get $K08; local.get $s6; local.get $K03
  0xfd, 0x4e, 0x20, 0x1c, 0x20, 0x10, 0xfd, 0x4f, // v128.and; local.get $K03; local.get $rd1; v128.andnot
  0xfd, 0x23, 0x20, 0x2a, 0xfd, 0x4e, 0xfd, 0x6e, // i8x16.eq; local.get $K08; v128.and; i8x16.add
  0xfd, 0x4e, 0xfd, 0x50, // v128.and; v128.or
  //   any bad group: R = t, leave for the exact loop
  0xfd, 0x53, 0x04, 0x40, 0x20, 0x04, 0x21, 0x05, 0x0c, 0x02, // v128.any_true; if; local.get $t; local.set $R; br 2
  0x0b, // end
  //   i += 16; br 0
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, 0x0c, 0x00, // local.get $i; i32.const 0x10; i32.add; local.set $i; br 0
  // end loop; end block
  0x0b, 0x0b, // end; end
  // rd = R & 1
  0x20, 0x05, 0x41, 0x01, 0x71, 0x21, 0x02, // local.get $R; i32.const 1; i32.and; local.set $rd
  // block; loop
  0x02, 0x40, 0x03, 0x40, // block; loop
  //   br_if 1 (i >= to)
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // local.get $i; local.get $to; i32.ge_u; br_if 1
  //   c = code group i; br_if 1 (c >>> 10: more than 10 bits)
  0x20, 0x00, 0x41, 0x01, 0x74, // local.get $i; i32.const 1; i32.shl
  0x2f, 0x01, 0x80, 0xc0, 0x04, 0x22, 0x03, 0x41, 0x0a, // i32.load16_u CODES; local.tee $c; i32.const 0xa
  0x76, 0x0d, 0x01, // i32.shr_u; br_if 1
  //   t = DEC[c]; br_if 1 ((t >>> rd) & 0x100: not a data character at this RD)
  0x20, 0x03, 0x41, 0x02, 0x74, 0x28, 0x02, 0x80, 0x08, // local.get $c; i32.const 2; i32.shl; i32.load DEC_TABLE
  0x22, 0x04, 0x20, 0x02, 0x76, 0x41, 0x80, 0x02, // local.tee $t; local.get $rd; i32.shr_u; i32.const 0x100
  0x71, 0x0d, 0x01, // i32.and; br_if 1
  //   octet i = t
  0x20, 0x00, 0x20, 0x04, 0x3a, 0x00, 0x80, 0x40, // local.get $i; local.get $t; i32.store8 OCTETS
  //   rd ^= t >>> 10
  0x20, 0x02, 0x20, 0x04, 0x41, 0x0a, 0x76, 0x73, // local.get $rd; local.get $t; i32.const 0xa; i32.shr_u; i32.xor
  0x21, 0x02, // local.set $rd
  //   i += 1; br 0
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x0c, 0x00, // local.get $i; i32.const 1; i32.add; local.set $i; br 0
  // end loop; end block
  0x0b, 0x0b, // end; end
  // i << 1 | rd
  0x20, 0x00, 0x41, 0x01, 0x74, 0x20, 0x02, 0x72, // local.get $i; i32.const 1; i32.shl; local.get $rd; i32.or
  0x0b, // end function
]);

/** The part of the WebAssembly JS API the kernel needs (the project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => {
    exports: { enc: (i: number, n: number, rd: number) => number; dec: (i: number, to: number, rd: number) => number; mem: { buffer: ArrayBuffer } };
  };
}

/** An instantiated kernel: its two loops and views of its memory areas. */
export interface EightB10BKernel {
  /** Encodes `octets[i, n)` (n ≤ KERNEL_MAX) into `codes[i, n)` from RD `rd` (0/1); returns the RD after. */
  encode(i: number, n: number, rd: number): number;
  /** Decodes `codes[i, to)` into `octets[i, …)` while valid data in the RD column; returns `stop << 1 | rd`. */
  decode(i: number, to: number, rd: number): number;
  /** The octet area (KERNEL_MAX bytes). */
  readonly octets: Uint8Array;
  /** The code-group area (KERNEL_MAX groups). */
  readonly codes: Uint16Array;
}

function popcount(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

/** The tables of the module's memory, from `code` ((RD << 8 | octet) → 10-bit code group). */
function tables(code: Uint16Array): { enc: Uint32Array; vectors: Uint8Array } {
  const enc = new Uint32Array(256);
  for (let b = 0; b < 256; b++) enc[b] = code[b] | (code[256 | b] << 10) | ((popcount(code[b]) !== 5 ? 10 : 0) << 20);
  const v = new Uint8Array(16 * VECTORS.length);
  const put = (name: (typeof VECTORS)[number], bytes: readonly number[]): void => v.set(bytes.slice(0, 16), 16 * VECTORS.indexOf(name));
  const splat = (name: (typeof VECTORS)[number], b: number): void => put(name, new Array<number>(16).fill(b));
  const fail = (what: string): never => {
    throw new Error(`8b/10b kernel: ${what}`);
  };
  // sub-blocks: code = six << 4 | four; x = octet & 31, y = octet >> 5
  const six = (rd: number, x: number): number => code[(rd << 8) | x] >> 4;
  const flips6 = (x: number): boolean => popcount(six(0, x)) !== 3;
  const qx: number[] = [];
  for (let x = 0; x < 32; x++) {
    const m = six(0, x);
    const p = six(1, x);
    if (m !== p && (m ^ p) !== 0x3f) fail('6b columns are not complements');
    qx.push(m | (m !== p ? 0x40 : 0) | (flips6(x) ? 0x80 : 0));
  }
  put('QXlo', qx);
  put('QXhi', qx.slice(16));
  // the 4b sub-block at RD `rd1` (the RD after the 6b one), taken from octet y << 5 | x
  const four = (rd1: number, y: number, x: number): number => code[((flips6(x) ? rd1 ^ 1 : rd1) << 8) | (y << 5) | x] & 15;
  const x0 = qx.findIndex((q) => (q & 0xc0) === 0); // a neutral 6b block, same in both columns: P7 for y = 7
  const q4: number[] = [];
  for (let z = 0; z < 16; z++) {
    const m = four(0, z >> 1, x0);
    const p = four(1, z >> 1, x0);
    if (m !== p && (m ^ p) !== 15) fail('4b columns are not complements');
    q4.push(m | (m !== p ? 0x40 : 0) | (popcount(m) !== 2 ? 0x80 : 0));
  }
  put('Q4z', q4);
  let a7x = -1;
  for (let x = 0; x < 32; x++) {
    for (let rd1 = 0; rd1 < 2; rd1++) {
      const f = four(rd1, 7, x);
      const p7 = four(rd1, 7, x0);
      if ((f !== p7) !== ((six(flips6(x) ? rd1 ^ 1 : rd1, x) & 3) === (rd1 ? 0 : 3))) fail('A7 is not where the 6b block ends in ~RD');
      if (f !== p7) {
        if (a7x >= 0 && a7x !== (f ^ p7)) fail('A7 differs from P7 differently by column');
        a7x = f ^ p7;
      }
    }
  }
  splat('A7X', a7x);
  splat('K1F', 0x1f);
  splat('K10', 0x10);
  splat('K0F', 0x0f);
  splat('K0E', 0x0e);
  splat('K03', 0x03);
  splat('K3F', 0x3f);
  put('K000F', Array.from({ length: 16 }, (_, j) => (j & 1 ? 0 : 0x0f)));
  splat('ZERO', 0);
  splat('K20', 0x20);
  splat('K30', 0x30);
  splat('K01', 0x01);
  splat('K04', 0x04);
  splat('K08', 0x08);
  splat('KE0', 0xe0);
  put('HI8', Array.from({ length: 16 }, (_, j) => (j < 8 ? 0 : 0xff)));
  // decoding: each 6b code group's x, column(s) and flip; each 4b code's y, column(s), flip, A7
  const xv = new Array<number>(64).fill(0);
  for (let x = 0; x < 32; x++) {
    for (let rd = 0; rd < 2; rd++) {
      const s = six(rd, x);
      if ((xv[s] & 0x60) !== 0 && (xv[s] & 0x1f) !== x) fail('a 6b code stands for two values of x');
      xv[s] |= x | (rd ? 0x40 : 0x20) | (popcount(s) !== 3 ? 0x80 : 0);
    }
  }
  put('XV0', xv);
  put('XV1', xv.slice(16));
  put('XV2', xv.slice(32));
  put('XV3', xv.slice(48));
  const yv = new Array<number>(16).fill(0);
  for (let x = 0; x < 32; x++) {
    for (let y = 0; y < 8; y++) {
      for (let rd1 = 0; rd1 < 2; rd1++) {
        const f = four(rd1, y, x);
        if ((yv[f] & 3) !== 0 && yv[f] >> 5 !== y) fail('a 4b code stands for two values of y');
        yv[f] |= (y << 5) | (rd1 ? 2 : 1) | (popcount(f) !== 2 ? 4 : 0) | (y === 7 ? (f !== four(rd1, 7, x0) ? 8 : 0x10) : 0);
      }
    }
  }
  put('YV', yv);
  return { enc, vectors: v };
}

/**
 * Instantiates the kernel from the code table `code` ((RD << 8 | octet) → 10-bit code group) and
 * the decode table `dec` (1024 entries: octet, bit 8/9 not a data character at RD−/RD+, bit 10
 * flips the RD); null when the engine has no WebAssembly SIMD, is big-endian (the views assume
 * little-endian memory), or the kernel does not reproduce `code` for every octet at both RDs.
 */
export function createEightB10BKernel(code: Uint16Array, dec: Uint32Array): EightB10BKernel | null {
  try {
    const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (!le || wasm === undefined || !wasm.validate(WASM)) return null;
    const exp = new wasm.Instance(new wasm.Module(WASM)).exports;
    const buf = exp.mem.buffer;
    const t = tables(code);
    new Uint32Array(buf, ENC_TABLE, 256).set(t.enc);
    new Uint32Array(buf, DEC_TABLE, 1024).set(dec);
    new Uint8Array(buf, TABLES, t.vectors.length).set(t.vectors);
    const { enc: e, dec: d } = exp;
    const k: EightB10BKernel = {
      encode: e,
      decode: d,
      octets: new Uint8Array(buf, OCTETS, KERNEL_MAX),
      codes: new Uint16Array(buf, CODES, KERNEL_MAX),
    };
    return selfCheck(k, code) ? k : null;
  } catch {
    return null;
  }
}

/** Every octet at both RDs, in every lane of a SIMD block: encodes to `code` and decodes back. */
function selfCheck(k: EightB10BKernel, code: Uint16Array): boolean {
  for (let rd = 0; rd < 2; rd++) {
    for (let b = 0; b < 256; b++) {
      k.octets.fill(b, 0, 16);
      const after = k.encode(0, 16, rd);
      let r = rd;
      for (let i = 0; i < 16; i++) {
        const c = code[(r << 8) | b];
        if (k.codes[i] !== c) return false;
        if (popcount(c) !== 5) r ^= 1;
      }
      if (after !== r) return false;
      k.octets.fill(0, 0, 16);
      if (k.decode(0, 16, rd) !== ((16 << 1) | r)) return false;
      for (let i = 0; i < 16; i++) if (k.octets[i] !== b) return false;
    }
  }
  return true;
}

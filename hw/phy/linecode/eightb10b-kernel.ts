/**
 * The 8b/10b data-run loops in WebAssembly: the encoder turns a run of octets into code groups,
 * the decoder turns a run of code groups back into octets until the first one that is not a valid
 * data character in the running-disparity column. Everything else of the 1000BASE-X PCS (ordered
 * sets, frame delimiting, error reports) stays in JavaScript (eightb10b.ts), which also keeps the
 * plain-JavaScript loops as the reference and as the fallback for engines without WebAssembly.
 *
 * Why: V8 keeps map and bounds checks on every typed-array access of the JavaScript loops
 * (1.5–2.5 ns per code group); the same table lookups in WebAssembly run in well under 1 ns.
 *
 * Both loops are one table load per symbol, and the running disparity (RD) is a single bit carried
 * from symbol to symbol by an exclusive or (an 8b/10b data code group either keeps the RD or flips
 * it, and which one depends on the octet alone), so nothing waits on the previous table load.
 *
 * - Encode table, 256 × i32 by octet: bits 0–9 the code group at RD−, 10–19 at RD+, bits 20–23
 *   10 when the code group flips the RD (else 0). The RD is kept as 0 or 10, the shift that picks
 *   the column.
 * - Decode table, 1024 × i32 by code group: bits 0–7 the octet, bit 8 set when the group is not a
 *   valid data character at RD−, bit 9 the same at RD+, bit 10 set when it flips the RD. The RD
 *   is kept as 0 or 1; `(entry >>> rd) & 0x100` is the stop test.
 *
 * The tables are filled by the caller (from the reference tables), so the kernel holds no facts
 * of its own. The choice of path never changes a code group, an octet or an error (tested).
 * @module
 */

/** Byte address of the encode table (256 × i32). */
const ENC_TABLE = 0;
/** Byte address of the decode table (1024 × i32). */
const DEC_TABLE = 1024;
/** Byte address of the octet area: encoder input, decoder output (octet i at OCTETS + i). */
const OCTETS = 8192;
/** Byte address of the code-group area (u16): encoder output, decoder input (group i at CODES + 2i). */
const CODES = 73728;
/** Longest run either loop takes in one call (octets, code groups). */
export const KERNEL_MAX = 65536;

/**
 * The module, assembled by hand (no toolchain). Memory offsets are the constants above, written
 * into the load/store instructions as unsigned LEB128 (8192 = 80 40, 8193 = 81 40, 1024 = 80 08,
 * 73728 = 80 c0 04). Memory: 4 pages (256 KiB), exported as `mem`.
 *
 * `enc(i, n, rd) -> rd`: code groups of octets [i, n) at RD `rd` (0 or 10), two per iteration
 * (one 32-bit store), then the odd one; returns the RD after (0 or 10).
 *
 * `dec(i, to, rd) -> i << 1 | rd`: from group i on, while i < to, the group fits in 10 bits and
 * is a valid data character at RD `rd` (0 or 1): stores its octet and moves on; returns where it
 * stopped and the RD there.
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
  0x0a, 0xff, 0x01, 0x02, // code section (255 bytes), 2 bodies
  // ---- enc(i = local 0, n = local 1, rd = local 2)
  0xa2, 0x01, // body size 162
  0x01, 0x02, 0x7f, // locals: $t, $u (i32)
  0x02, 0x40, // block
  0x03, 0x40, //   loop
  0x20, 0x00, 0x41, 0x02, 0x6a, 0x20, 0x01, 0x4b, 0x0d, 0x01, //     br_if 1 ($i + 2 > $n, unsigned)
  0x20, 0x00, 0x2d, 0x00, 0x80, 0x40, //     $i; i32.load8_u offset=OCTETS (octet i)
  0x41, 0x02, 0x74, 0x28, 0x02, 0x00, 0x21, 0x03, //     << 2; i32.load offset=ENC_TABLE; local.set $t
  0x20, 0x00, 0x2d, 0x00, 0x81, 0x40, //     $i; i32.load8_u offset=OCTETS+1 (octet i + 1)
  0x41, 0x02, 0x74, 0x28, 0x02, 0x00, 0x21, 0x04, //     << 2; i32.load offset=ENC_TABLE; local.set $u
  0x20, 0x00, 0x41, 0x01, 0x74, //     address: $i << 1
  0x20, 0x03, 0x20, 0x02, 0x76, 0x41, 0xff, 0x07, 0x71, //     ($t >>> $rd) & 0x3ff: first code group
  0x20, 0x02, 0x20, 0x03, 0x41, 0x14, 0x76, 0x73, 0x21, 0x02, //     $rd ^= $t >>> 20
  0x20, 0x04, 0x20, 0x02, 0x76, 0x41, 0xff, 0x07, 0x71, //     ($u >>> $rd) & 0x3ff: second code group
  0x41, 0x10, 0x74, 0x72, //     << 16; i32.or
  0x36, 0x01, 0x80, 0xc0, 0x04, //     i32.store offset=CODES (both groups)
  0x20, 0x02, 0x20, 0x04, 0x41, 0x14, 0x76, 0x73, 0x21, 0x02, //     $rd ^= $u >>> 20
  0x20, 0x00, 0x41, 0x02, 0x6a, 0x21, 0x00, //     $i += 2
  0x0c, 0x00, //     br 0
  0x0b, //   end loop
  0x0b, // end block
  0x20, 0x00, 0x20, 0x01, 0x49, 0x04, 0x40, // if ($i < $n, unsigned): the odd octet
  0x20, 0x00, 0x2d, 0x00, 0x80, 0x40, //   $i; i32.load8_u offset=OCTETS
  0x41, 0x02, 0x74, 0x28, 0x02, 0x00, 0x21, 0x03, //   << 2; i32.load offset=ENC_TABLE; local.set $t
  0x20, 0x00, 0x41, 0x01, 0x74, //   address: $i << 1
  0x20, 0x03, 0x20, 0x02, 0x76, 0x41, 0xff, 0x07, 0x71, //   ($t >>> $rd) & 0x3ff
  0x3b, 0x01, 0x80, 0xc0, 0x04, //   i32.store16 offset=CODES
  0x20, 0x02, 0x20, 0x03, 0x41, 0x14, 0x76, 0x73, 0x21, 0x02, //   $rd ^= $t >>> 20
  0x0b, // end if
  0x20, 0x02, // $rd
  0x0b, // end function
  // ---- dec(i = local 0, to = local 1, rd = local 2)
  0x59, // body size 89
  0x01, 0x02, 0x7f, // locals: $c, $t (i32)
  0x02, 0x40, // block
  0x03, 0x40, //   loop
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, //     br_if 1 ($i >= $to, unsigned)
  0x20, 0x00, 0x41, 0x01, 0x74, //     $i << 1
  0x2f, 0x01, 0x80, 0xc0, 0x04, 0x22, 0x03, //     i32.load16_u offset=CODES; local.tee $c
  0x41, 0x0a, 0x76, 0x0d, 0x01, //     br_if 1 ($c >>> 10: more than 10 bits)
  0x20, 0x03, 0x41, 0x02, 0x74, //     $c << 2
  0x28, 0x02, 0x80, 0x08, 0x22, 0x04, //     i32.load offset=DEC_TABLE; local.tee $t
  0x20, 0x02, 0x76, 0x41, 0x80, 0x02, 0x71, 0x0d, 0x01, //     br_if 1 (($t >>> $rd) & 0x100: not a data character in this column)
  0x20, 0x00, 0x20, 0x04, 0x3a, 0x00, 0x80, 0x40, //     i32.store8 offset=OCTETS ($i, $t)
  0x20, 0x02, 0x20, 0x04, 0x41, 0x0a, 0x76, 0x73, 0x21, 0x02, //     $rd ^= $t >>> 10
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, //     $i += 1
  0x0c, 0x00, //     br 0
  0x0b, //   end loop
  0x0b, // end block
  0x20, 0x00, 0x41, 0x01, 0x74, 0x20, 0x02, 0x72, // $i << 1 | $rd
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
  /** Encodes `octets[i, n)` (n ≤ KERNEL_MAX) into `codes[i, n)` at RD `rd` (0/1); returns the RD after. */
  encode(i: number, n: number, rd: number): number;
  /** Decodes `codes[i, to)` into `octets[i, …)` while valid data in the RD column; returns `stop << 1 | rd`. */
  decode(i: number, to: number, rd: number): number;
  /** The octet area (KERNEL_MAX bytes). */
  readonly octets: Uint8Array;
  /** The code-group area (KERNEL_MAX groups). */
  readonly codes: Uint16Array;
}

/**
 * Instantiates the kernel with its tables (`enc`: 256 entries, `dec`: 1024 entries, laid out as
 * the module doc says), or null when the engine has no WebAssembly or is big-endian (the views
 * of the code-group area assume little-endian memory).
 */
export function createEightB10BKernel(enc: Uint32Array, dec: Uint32Array): EightB10BKernel | null {
  try {
    const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (!le || wasm === undefined || !wasm.validate(WASM)) return null;
    const exp = new wasm.Instance(new wasm.Module(WASM)).exports;
    const buf = exp.mem.buffer;
    new Uint32Array(buf, ENC_TABLE, 256).set(enc);
    new Uint32Array(buf, DEC_TABLE, 1024).set(dec);
    const { enc: e, dec: d } = exp;
    return {
      encode: (i, n, rd) => (e(i, n, rd ? 10 : 0) === 0 ? 0 : 1),
      decode: d,
      octets: new Uint8Array(buf, OCTETS, KERNEL_MAX),
      codes: new Uint16Array(buf, CODES, KERNEL_MAX),
    };
  } catch {
    return null;
  }
}

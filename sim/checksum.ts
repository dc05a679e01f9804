/**
 * The 16-bit ones' complement sum (RFC 1071) over big-endian words: one kernel shared by the
 * adapter (legacy packet checksum, checksum insertion and offload) and the stack (IP, ICMP, UDP,
 * TCP checksums).
 *
 * Ranges of at least {@link SIMD_MIN} bytes are copied into a small WebAssembly memory and summed
 * there 16 bytes at a time with 128-bit SIMD (`i32x4.extadd_pairwise_i16x8_u`): about a fifth of
 * the time of the best plain-JavaScript loop over a 1,500-byte frame, copy included. Shorter
 * ranges, and any engine without WebAssembly SIMD, use {@link onesSumJs}. The two paths give the
 * same result for every input (tested); the choice never changes a byte.
 *
 * Why byte order does not matter (RFC 1071 §2(B)): the folded sum of little-endian 16-bit words is
 * the byte-swapped folded sum of the same bytes read big-endian.
 * @module
 */

/** Ranges at least this long use the WebAssembly kernel (when the engine has it). */
export const SIMD_MIN = 192;

/** Bytes the kernel sums per call; longer ranges are summed in chunks of this (even) size. */
const CHUNK = 1 << 16;

/** Bytes at the start of the kernel's memory where a range is copied to be summed (a 64 KiB chunk and its padding). */
const SCRATCH = 2 * 65536;
/** WebAssembly pages (64 KiB) after the scratch area that hold frame buffers ({@link arenaBytes}): 4 MiB. */
const ARENA_PAGES = 64;

/**
 * The kernel, assembled by hand (no toolchain needed): one function `sum(start: i32, end: i32) ->
 * i32` over memory bytes [start, end) where end − start is a multiple of 32; it adds every 16-bit
 * little-endian word (pairs from `start`, at any alignment) into four 32-bit lanes (two
 * accumulators for two loads per iteration) and returns the lanes' total. A 64 KiB range adds at
 * most 32,768 × 0xffff < 2^31, so nothing overflows. Memory: 2 pages of scratch and
 * {@link ARENA_PAGES} of frame buffers (66 pages, 4.125 MiB), exported as `mem`; never grown (that
 * would detach every view of it).
 */
const WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type section: (i32, i32) -> i32
  0x03, 0x02, 0x01, 0x00, // function section: function 0 has type 0
  0x05, 0x03, 0x01, 0x00, 2 + ARENA_PAGES, // memory section: one memory, min 66 pages (one LEB128 byte)
  0x07, 0x0d, 0x02, // export section, 2 exports
  0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, // "mem": memory 0
  0x03, 0x73, 0x75, 0x6d, 0x00, 0x00, // "sum": function 0
  0x0a, 0x5a, 0x01, // code section (90 bytes), one body
  0x58, // body size 88
  0x01, 0x02, 0x7b, // locals: $a, $b v128 (params: $i = start, local 0; $end, local 1)
  0x02, 0x40, // block
  0x03, 0x40, //   loop
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, //     br_if 1 ($i >= $end, unsigned)
  0x20, 0x02, 0x20, 0x00, 0xfd, 0x00, 0x00, 0x00, //     $a; v128.load offset=0 ($i)
  0xfd, 0x7f, 0xfd, 0xae, 0x01, 0x21, 0x02, //     i32x4.extadd_pairwise_i16x8_u; i32x4.add; local.set $a
  0x20, 0x03, 0x20, 0x00, 0xfd, 0x00, 0x00, 0x10, //     $b; v128.load offset=16 ($i)
  0xfd, 0x7f, 0xfd, 0xae, 0x01, 0x21, 0x03, //     i32x4.extadd_pairwise_i16x8_u; i32x4.add; local.set $b
  0x20, 0x00, 0x41, 0x20, 0x6a, 0x21, 0x00, //     $i += 32
  0x0c, 0x00, //     br 0
  0x0b, // end loop
  0x0b, // end block
  0x20, 0x02, 0x20, 0x03, 0xfd, 0xae, 0x01, 0x21, 0x02, // $a = $a + $b (i32x4)
  0x20, 0x02, 0xfd, 0x1b, 0x00, 0x20, 0x02, 0xfd, 0x1b, 0x01, 0x6a, // lane 0 + lane 1
  0x20, 0x02, 0xfd, 0x1b, 0x02, 0x6a, 0x20, 0x02, 0xfd, 0x1b, 0x03, 0x6a, // + lane 2 + lane 3
  0x0b, // end function
]);

interface Kernel {
  sum: (start: number, end: number) => number;
  mem: Uint8Array;
  /** The memory's buffer: a range in it is summed where it is, without a copy. */
  buffer: ArrayBuffer;
}

/** The part of the WebAssembly JS API the kernel needs (the project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { sum: (start: number, end: number) => number; mem: { buffer: ArrayBuffer } } };
}

function instantiate(): Kernel | null {
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined || !wasm.validate(WASM)) return null;
    const exp = new wasm.Instance(new wasm.Module(WASM)).exports;
    const buffer = exp.mem.buffer;
    return { sum: exp.sum, mem: new Uint8Array(buffer), buffer };
  } catch {
    return null;
  }
}

const kernel = instantiate();

/** Whether this engine runs the WebAssembly SIMD kernel (otherwise every range uses {@link onesSumJs}). */
export const SIMD_CHECKSUM = kernel !== null;

/** Bytes of the arena handed out so far (a bump allocator: regions are never taken back). */
let arenaUsed = 0;

/**
 * `n` bytes in the kernel's own memory, or null (no kernel, or the 4 MiB arena is used up): the
 * checksum of a range in such a buffer is computed where it is, without copying it first. For
 * buffers that are used again and again (the simulator's frame pool, {@link Slab.frame}); regions
 * are handed out once per process and never taken back, so callers must not ask per frame. Old
 * contents: zero when first handed out.
 */
export function arenaBytes(n: number): Uint8Array | null {
  if (kernel === null || !(n > 0) || arenaUsed + n > ARENA_PAGES * 65536) return null;
  const b = new Uint8Array(kernel.buffer, SCRATCH + arenaUsed, n);
  arenaUsed += (n + 15) & ~15;
  return b;
}

/** Folds a non-negative sum (exact below 2^53) to 16 bits with end-around carries. */
function fold(s: number): number {
  s = (s % 0x10000) + Math.floor(s / 0x10000);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Ones' complement sum of `b[from, to)` as big-endian 16-bit words (odd tail padded with 0), folded to 16 bits, not complemented. */
export function onesSum16(b: Uint8Array, from: number, to: number): number {
  if (to - from < SIMD_MIN || kernel === null) return onesSumJs(b, from, to);
  const { mem, sum } = kernel;
  let acc = 0;
  if (inArena(b)) {
    // in the kernel's memory already (an arena buffer): whole 32-byte blocks where they are, the
    // rest (< 32 bytes, which starts an even number of bytes after `from`) in JavaScript
    const at = b.byteOffset + from;
    const blocks = (to - from) & ~31;
    for (let i = 0; i < blocks; i += CHUNK) acc += sum(at + i, at + Math.min(blocks, i + CHUNK)) >>> 0;
    const s = fold(acc);
    return addFolded(((s & 0xff) << 8) | (s >>> 8), onesSumJs(b, from + blocks, to));
  }
  for (let i = from; i < to; i += CHUNK) {
    const end = to - i > CHUNK ? i + CHUNK : to;
    const n = end - i;
    mem.set(b.subarray(i, end), 0);
    const padded = (n + 31) & ~31;
    for (let k = n; k < padded; k++) mem[k] = 0;
    acc += sum(0, padded) >>> 0;
  }
  const s = fold(acc); // little-endian words
  return ((s & 0xff) << 8) | (s >>> 8);
}

/**
 * The last arena buffers summed (a frame pool rotates a few of them), recognised by identity: the
 * `buffer` getter is a runtime call of about 20 ns.
 */
const recentArena: (Uint8Array | null)[] = [null, null, null, null, null, null, null, null];
let recentNext = 0;

/** Whether `b` is a view of the kernel's memory. */
function inArena(b: Uint8Array): boolean {
  const r = recentArena;
  if (b === r[0] || b === r[1] || b === r[2] || b === r[3] || b === r[4] || b === r[5] || b === r[6] || b === r[7]) return true;
  if (b.buffer !== kernel!.buffer) return false;
  r[recentNext] = b;
  recentNext = (recentNext + 1) & 7;
  return true;
}

/** The ones' complement sum of two folded 16-bit sums. */
function addFolded(a: number, b: number): number {
  const s = a + b;
  return s > 0xffff ? s - 0xffff : s;
}

/** The same sum in plain JavaScript: even-offset (high) and odd-offset (low) bytes summed apart. */
export function onesSumJs(b: Uint8Array, from: number, to: number): number {
  if (to <= from) return 0;
  let hi = 0;
  let lo = 0;
  let i = from;
  const end8 = from + ((to - from) & ~7);
  for (; i < end8; i += 8) {
    hi += b[i] + b[i + 2] + b[i + 4] + b[i + 6];
    lo += b[i + 1] + b[i + 3] + b[i + 5] + b[i + 7];
  }
  for (; i + 1 < to; i += 2) {
    hi += b[i];
    lo += b[i + 1];
  }
  if (i < to) hi += b[i];
  return fold(hi * 256 + lo);
}

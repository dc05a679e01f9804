/**
 * A table-driven CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) with the same results as
 * Node's `zlib.crc32`: the browser build of nicsim uses it where Node uses zlib.
 * @module
 */

/** The 256-entry table of the reflected polynomial, one entry per byte value. */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const utf8 = new TextEncoder();

/** CRC-32 of `data` continuing from `value` (the CRC of the bytes before it; default 0), as `zlib.crc32(data, value)`. */
export function crc32(data: Uint8Array | string, value = 0): number {
  const bytes = typeof data === 'string' ? utf8.encode(data) : data;
  let c = ~value >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

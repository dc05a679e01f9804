/**
 * Receive address filtering as the 8254x does it: exact matches against RAL/RAH entries with AV,
 * unicast/multicast promiscuous modes, broadcast accept, and the 4096-bit multicast hash table.
 * @module
 */

/** The 12-bit MTA hash of a destination address for RCTL.MO = `mo` (0..3). */
export function mtaHash(dst: Uint8Array, off: number, mo: number): number {
  const b4 = dst[off + 4];
  const b5 = dst[off + 5];
  switch (mo & 3) {
    case 0:
      return ((b4 >> 4) | (b5 << 4)) & 0xfff;
    case 1:
      return ((b4 >> 3) | (b5 << 5)) & 0xfff;
    case 2:
      return ((b4 >> 2) | (b5 << 6)) & 0xfff;
    default:
      return (b4 | (b5 << 8)) & 0xfff;
  }
}

/** True when the destination at `frame[off..off+6)` is the broadcast address. */
export function isBroadcast(frame: Uint8Array, off: number): boolean {
  return (frame[off] & frame[off + 1] & frame[off + 2] & frame[off + 3] & frame[off + 4] & frame[off + 5]) === 0xff;
}

/** True when the destination at `frame[off]` has the group (multicast) bit. */
export function isMulticast(frame: Uint8Array, off: number): boolean {
  return (frame[off] & 1) === 1;
}

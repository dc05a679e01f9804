/**
 * The 16-bit ones' complement sum the 8254x computes for the legacy RX packet checksum, the
 * receive checksum offload and the TX checksum insertion (IC, IXSM/TXSM), over big-endian 16-bit
 * words. The arithmetic is the simulator's shared kernel (sim/checksum.ts), the same the stack
 * uses.
 * @module
 */
import { onesSum16 } from '../../sim/checksum.js';

/** Ones' complement sum of `b[from, to)` as big-endian 16-bit words (odd tail padded with 0), folded to 16 bits, not complemented. */
export function onesComplementSum(b: Uint8Array, from: number, to: number): number {
  return onesSum16(b, from, to);
}

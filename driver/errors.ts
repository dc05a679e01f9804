/**
 * The driver's errors: one class with a code per failure, and a message that says what the
 * hardware did (or did not do) and for how long the driver waited.
 * @module
 */

/** Why a driver operation failed. */
export type DriverErrorCode =
  /** EERD never reported DONE. */
  | 'eeprom-timeout'
  /** The EEPROM words do not sum to 0xBABA. */
  | 'eeprom-checksum'
  /** The EEPROM holds a multicast or all-zero MAC address. */
  | 'invalid-mac'
  /** CTRL.RST never cleared. */
  | 'reset-timeout'
  /** MDIC never reported R (ready). */
  | 'mdic-timeout'
  /** MDIC reported E (no PHY answered). */
  | 'mdic-error'
  /** The link did not come up within the time asked for. */
  | 'link-timeout'
  /** The DMA allocator could not satisfy a ring or buffer allocation. */
  | 'no-memory'
  /** The operation is not allowed in the driver's current lifecycle state. */
  | 'bad-state';

/** A driver operation failed. */
export class DriverError extends Error {
  constructor(
    /** The failure. */
    readonly code: DriverErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}

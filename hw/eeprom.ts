/**
 * The adapter's serial EEPROM (the "ROM" holding the burned-in MAC address): 64 16-bit words,
 * the MAC in words 0-2 low byte first, and a checksum word at 0x3F chosen so that the sum of all
 * 64 words is 0xBABA. Reached by the EERD register or by bit-banging the Microwire protocol
 * through EECD, as the Linux e1000 driver does on the 82540.
 * @module
 */

/** Number of 16-bit words in the EEPROM. */
export const EEPROM_WORDS = 64;
/** Index of the checksum word. */
export const EEPROM_CHECKSUM_WORD = 0x3f;
/** The value all 64 words must sum to (mod 2^16). */
export const EEPROM_SUM = 0xbaba;
/** Word holding the PCI device ID. */
export const EEPROM_DEVICE_ID_WORD = 0x0d;
/** Word holding the PCI vendor ID. */
export const EEPROM_VENDOR_ID_WORD = 0x0e;
/** The 82540EM's PCI device ID. */
export const DEVICE_ID_82540EM = 0x100e;
/** Intel's PCI vendor ID. */
export const VENDOR_ID_INTEL = 0x8086;

/** Parses `aa:bb:cc:dd:ee:ff` (or `-` separated) into 6 bytes; throws on a malformed string. */
export function parseMac(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new Error(`not a MAC address: '${mac}'`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Formats 6 bytes as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Sum of all words mod 2^16. */
export function eepromSum(words: Uint16Array): number {
  let s = 0;
  for (const w of words) s = (s + w) & 0xffff;
  return s;
}

/** True when the image's words sum to 0xBABA. */
export function eepromChecksumValid(words: Uint16Array): boolean {
  return eepromSum(words) === EEPROM_SUM;
}

/** Options for building an EEPROM image. */
export interface EepromImageOptions {
  /** Extra words to set (index → value) before the checksum is computed. */
  words?: Record<number, number>;
  /** Store a wrong checksum (for testing a driver's validation). */
  badChecksum?: boolean;
}

/** Builds a 64-word image with the MAC in words 0-2 and a correct (or deliberately wrong) checksum. */
export function buildEepromImage(mac: Uint8Array | string, opts: EepromImageOptions = {}): Uint16Array {
  const m = typeof mac === 'string' ? parseMac(mac) : mac;
  if (m.length !== 6) throw new Error('a MAC address has 6 bytes');
  const w = new Uint16Array(EEPROM_WORDS);
  w[0] = m[0] | (m[1] << 8);
  w[1] = m[2] | (m[3] << 8);
  w[2] = m[4] | (m[5] << 8);
  w[EEPROM_DEVICE_ID_WORD] = DEVICE_ID_82540EM;
  w[EEPROM_VENDOR_ID_WORD] = VENDOR_ID_INTEL;
  for (const [k, v] of Object.entries(opts.words ?? {})) {
    const i = Number(k);
    if (!(i >= 0 && i < EEPROM_CHECKSUM_WORD)) throw new RangeError(`EEPROM word ${k} is not a data word`);
    w[i] = v & 0xffff;
  }
  w[EEPROM_CHECKSUM_WORD] = (EEPROM_SUM - eepromSum(w.subarray(0, EEPROM_CHECKSUM_WORD)) + 0x10000) & 0xffff;
  if (opts.badChecksum) w[EEPROM_CHECKSUM_WORD] ^= 0x0001;
  return w;
}

/** The MAC address stored in an image's words 0-2. */
export function macFromEeprom(words: Uint16Array): Uint8Array {
  return Uint8Array.of(words[0] & 0xff, words[0] >> 8, words[1] & 0xff, words[1] >> 8, words[2] & 0xff, words[2] >> 8);
}

/** Microwire opcodes (3 bits including the start bit). */
const OP_READ = 0b110;

/**
 * The Microwire serial protocol as seen from the EEPROM's pins. The adapter calls `pins()` on
 * every EECD write; `dout` is what EECD.DO reads back. Only READ is supported (the image is
 * read-only in nicsim); other opcodes are reported through `onUnsupported`.
 */
export class MicrowireEeprom {
  private state: 'idle' | 'opcode' | 'address' | 'data' | 'ignore' = 'idle';
  private shift = 0;
  private nbits = 0;
  private addr = 0;
  private bitInWord = 0;
  private prevSk = 0;
  /** Level of the DO pin. */
  dout = 0;

  constructor(
    /** The image. */
    readonly words: Uint16Array,
    /** Address bits (6 for 64 words). */
    readonly addressBits = 6,
    /** Called with the opcode when software sends one nicsim does not implement. */
    private readonly onUnsupported: (opcode: number) => void = () => {},
    /** Called when the last bit of a word has been shifted out. */
    private readonly onWord: (address: number, data: number) => void = () => {},
  ) {}

  /** Applies pin levels (CS, SK, DI); acts on SK rising edges while CS is high. */
  pins(cs: number, sk: number, di: number): void {
    if (!cs) {
      this.state = 'idle';
      this.dout = 0;
      this.prevSk = sk;
      return;
    }
    const rising = sk && !this.prevSk;
    this.prevSk = sk;
    if (!rising) return;
    switch (this.state) {
      case 'idle':
        if (di) {
          // start bit
          this.state = 'opcode';
          this.shift = 1;
          this.nbits = 1;
        }
        break;
      case 'opcode':
        this.shift = (this.shift << 1) | di;
        if (++this.nbits === 3) {
          if (this.shift === OP_READ) {
            this.state = 'address';
            this.shift = 0;
            this.nbits = 0;
          } else {
            this.onUnsupported(this.shift);
            this.state = 'ignore';
          }
        }
        break;
      case 'address':
        this.shift = (this.shift << 1) | di;
        if (++this.nbits === this.addressBits) {
          this.addr = this.shift;
          this.state = 'data';
          this.bitInWord = 0;
          this.dout = 0; // the dummy zero bit that precedes the data
        }
        break;
      case 'data': {
        const word = this.words[this.addr % this.words.length];
        this.dout = (word >> (15 - this.bitInWord)) & 1;
        if (++this.bitInWord === 16) {
          this.onWord(this.addr % this.words.length, word);
          // sequential read continues with the next word
          this.bitInWord = 0;
          this.addr = (this.addr + 1) % this.words.length;
        }
        break;
      }
      case 'ignore':
        break;
    }
  }
}

/**
 * A file that long runs stream their outputs into (captures, JSON lines): chunks and lines are
 * gathered in a 64 KiB buffer and written synchronously when it fills, so memory stays bounded
 * however long the run, and the file is complete once {@link FileSink.close} returns.
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const BUFFER_BYTES = 64 * 1024;

/** A buffered, synchronous, append-only file writer. */
export class FileSink {
  /** Bytes handed to the sink so far. */
  bytes = 0;
  private fd: number | null;
  private readonly buf = new Uint8Array(BUFFER_BYTES);
  private used = 0;
  private readonly encoder = new TextEncoder();

  /** Creates (or truncates) `path`. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends bytes, or a string as UTF-8. Throws once closed. */
  write(data: Uint8Array | string): void {
    if (this.fd === null) throw new Error(`${this.path}: written after close`);
    const b = typeof data === 'string' ? this.encoder.encode(data) : data;
    this.bytes += b.length;
    if (b.length >= BUFFER_BYTES) {
      this.drain();
      writeAll(this.fd, b);
      return;
    }
    if (this.used + b.length > BUFFER_BYTES) this.drain();
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.fd !== null) this.drain();
  }

  /** Flushes and closes the file (closing twice does nothing). */
  close(): void {
    if (this.fd === null) return;
    this.drain();
    closeSync(this.fd);
    this.fd = null;
  }

  private drain(): void {
    if (this.used > 0) writeAll(this.fd!, this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

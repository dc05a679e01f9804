/**
 * The network-device interface the stack sees: send a frame, hear frames and link changes, read
 * statistics, set receive modes and MTU. Frames are Ethernet frames without preamble, SFD or FCS
 * (destination, source, EtherType, payload). Nothing here names a register.
 * @module
 */

/** What `transmit` did: queued the frame, refused it because the queue is full, or refused it because the device is down or has no carrier. */
export type TransmitResult = 'ok' | 'busy' | 'down';

/** A link state as reported to the stack. */
export interface LinkState {
  /** Carrier present. */
  up: boolean;
  /** Speed in Mb/s while up. */
  speed?: 10 | 100 | 1000;
  /** Duplex while up. */
  duplex?: 'full' | 'half';
}

/**
 * Interface statistics (the fields of Linux's rtnl_link_stats64). Counters are plain numbers,
 * exact to 2^53, accumulated by the driver from the adapter's 32-bit clear-on-read registers and
 * its own counts.
 */
export interface NetDevStats {
  /** Frames delivered to the stack. */
  rxPackets: number;
  /** Frames the adapter finished sending. */
  txPackets: number;
  /** Bytes delivered to the stack (FCS excluded). */
  rxBytes: number;
  /** Bytes sent (FCS excluded). */
  txBytes: number;
  /** Receive errors (CRC, length, alignment, symbol and carrier-extension errors). */
  rxErrors: number;
  /** Transmit errors (excessive and late collisions). */
  txErrors: number;
  /** Received frames the driver dropped (descriptor error bits). */
  rxDropped: number;
  /** Frames the driver dropped before sending (flushed from the ring on close). */
  txDropped: number;
  /** Multicast frames received. */
  multicast: number;
  /** Collisions. */
  collisions: number;
  /** Undersize and oversize frames. */
  rxLengthErrors: number;
  /** Frames that did not fit the receive buffers (RLEC). */
  rxOverErrors: number;
  /** FCS errors. */
  rxCrcErrors: number;
  /** Alignment errors. */
  rxFrameErrors: number;
  /** Frames the adapter missed because its receive FIFO overflowed while no descriptor was free (MPC). */
  rxMissedErrors: number;
  /** Frames aborted after excessive collisions. */
  txAbortedErrors: number;
  /** Transmissions without carrier sense. */
  txCarrierErrors: number;
  /** Late collisions. */
  txWindowErrors: number;
}

/** A network device as the stack uses it. */
export interface NetDevice {
  /** Interface name (`eth0`). */
  readonly name: string;
  /** The station MAC address (6 bytes). */
  readonly mac: Uint8Array;
  /** Maximum payload of a frame (bytes after the 14-byte header). */
  readonly mtu: number;
  /** Whether the carrier is up (frames can be sent). */
  readonly linkUp: boolean;
  /**
   * Optional: the largest IPv4 datagram (bytes after the Ethernet header) the device cuts into
   * segments itself when `transmit` is given a `segmentMss` (TCP segmentation offload, TSO); absent
   * or 0 when it does not. It may change (an interface reconfigured): check it before each use.
   */
  readonly tsoMaxSize?: number;
  /**
   * Queues a frame for sending (synchronous, cheap); the device copies it, so the caller may reuse
   * the array. With `segmentMss` (only when `tsoMaxSize` covers the datagram) the frame is one
   * TCP/IPv4 packet whose payload the device sends as segments of `segmentMss` bytes (the last
   * may be shorter), each with the headers repeated, the IP total length, identification (+1 per
   * segment) and checksum, the TCP sequence number and checksum rewritten, and FIN and PSH kept
   * for the last segment only; the packet's own IP and TCP checksums are not read.
   */
  transmit(frame: Uint8Array, segmentMss?: number): TransmitResult;
  /**
   * Sets the receive callback (one per device; a later call replaces it); returns a function that
   * removes it. The frame belongs to the receiver, but it may be a view into a larger buffer:
   * read it through its own indices (or `byteOffset`), not through `frame.buffer` from 0.
   * `payloadSum`, when the device provides it, is the 16-bit ones' complement sum (folded, not
   * complemented) of the frame from byte 14 — the Ethernet payload — to its end: the e1000
   * legacy receive checksum with RXCSUM.PCSS = 14, which transports may use to verify their
   * checksums without reading the payload again.
   */
  onReceive(cb: (frame: Uint8Array, payloadSum?: number) => void): () => void;
  /**
   * Optional: subscribes to "the frames of this receive batch have all been delivered" (the end of
   * a NAPI poll — where Linux's GRO flushes), called at the same simulated instant as the last
   * `onReceive` of the batch. A device that offers it promises to call it after every batch, so
   * the stack may defer work (TCP acknowledgements) to it. Returns an unsubscribe function.
   */
  onReceiveBatchEnd?(cb: () => void): () => void;
  /** Subscribes to carrier changes; returns an unsubscribe function. */
  onLinkChange(cb: (link: LinkState) => void): () => void;
  /** Subscribes to "the transmit queue accepts frames again" after a `busy`; returns an unsubscribe function. */
  onTxWake(cb: () => void): () => void;
  /** Current statistics. */
  stats(): NetDevStats;
  /** Receives every frame (unicast and multicast promiscuous) or only the filtered ones. */
  setPromiscuous(on: boolean): void;
  /** Sets the multicast addresses to receive (replacing the previous list). */
  setMulticastList(addrs: readonly Uint8Array[]): void;
  /** Changes the MTU (throws RangeError outside the device's range). */
  setMtu(mtu: number): void;
}

/**
 * The subscription side of a {@link NetDevice}, for device implementations to delegate to: one
 * receive callback, and lists of link and transmit-wake listeners (copied on change, so a
 * listener may unsubscribe while being called).
 */
export class NetDeviceListeners {
  /** The receive callback, or null (read it on the hot path and call it directly). */
  rx: ((frame: Uint8Array, payloadSum?: number) => void) | null = null;
  /** The end-of-batch callback, or null. */
  rxBatchEnd: (() => void) | null = null;
  private link: ((l: LinkState) => void)[] = [];
  private wake: (() => void)[] = [];

  /** Sets the receive callback (replacing any previous one); returns a remover. */
  onReceive(cb: (frame: Uint8Array, payloadSum?: number) => void): () => void {
    this.rx = cb;
    return () => {
      if (this.rx === cb) this.rx = null;
    };
  }

  /** Sets the end-of-batch callback (replacing any previous one); returns a remover. */
  onReceiveBatchEnd(cb: () => void): () => void {
    this.rxBatchEnd = cb;
    return () => {
      if (this.rxBatchEnd === cb) this.rxBatchEnd = null;
    };
  }

  /** Subscribes to carrier changes; returns an unsubscribe function. */
  onLinkChange(cb: (link: LinkState) => void): () => void {
    this.link = [...this.link, cb];
    return () => {
      this.link = this.link.filter((x) => x !== cb);
    };
  }

  /** Subscribes to transmit-queue wake-ups; returns an unsubscribe function. */
  onTxWake(cb: () => void): () => void {
    this.wake = [...this.wake, cb];
    return () => {
      this.wake = this.wake.filter((x) => x !== cb);
    };
  }

  /** Tells every link listener. */
  emitLink(l: LinkState): void {
    for (const cb of this.link) cb(l);
  }

  /** Tells every transmit-wake listener. */
  emitTxWake(): void {
    for (const cb of this.wake) cb();
  }
}

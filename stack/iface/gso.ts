/**
 * Software segmentation of a TCP/IPv4 packet larger than the MTU (Linux's GSO): what the stack
 * does with a packet TCP built for a TSO-capable device when the device cannot take it as one
 * (its queue is busy, the neighbour is still being resolved, the offload was turned off). The
 * segments are byte for byte what the adapter's TSO engine would put on the wire: the headers
 * repeated, IP total length and checksum per segment, IP identification +1 per segment, TCP
 * sequence number advanced by the payload before it, FIN and PSH on the last segment only, and the
 * TCP checksum computed over each segment.
 * @module
 */
import { ETHERNET_HEADER_LEN } from '../wire/ethernet.js';
import { fillTcpChecksum } from '../wire/tcp.js';
import { Ipv4Packet } from '../wire/ipv4.js';
import type { TxStatus } from './netif.js';

const TCP_FLAG_FIN_PSH = 0x09;

/** How bad a transmit status is, for reporting the worst of several segments. */
function rank(s: TxStatus): number {
  return s === 'sent' ? 0 : s === 'queued' ? 1 : s === 'nobufs' ? 2 : 3;
}

/**
 * Cuts the Ethernet frame `frame[0…len)` — one TCP/IPv4 packet whose headers TCP wrote — into
 * segments of `mss` payload bytes and hands each to `send` (in a scratch buffer the callee must
 * copy before it returns, as `transmit` does). Returns the worst status `send` returned.
 */
export function segmentTcpFrame(frame: Uint8Array, len: number, mss: number, send: (segment: Uint8Array, len: number) => TxStatus): TxStatus {
  const ipOff = ETHERNET_HEADER_LEN;
  const tcpOff = ipOff + (frame[ipOff] & 0x0f) * 4;
  const hdr = tcpOff + (frame[tcpOff + 12] >>> 4) * 4;
  const payload = len - hdr;
  const n = Math.max(1, Math.ceil(payload / mss));
  const seg = new Uint8Array(hdr + Math.min(mss, payload));
  seg.set(frame.subarray(0, hdr));
  const ip = new Ipv4Packet(seg, ipOff);
  const src = ip.src;
  const dst = ip.dst;
  const ident = ip.ident;
  const seq = ((frame[tcpOff + 4] << 24) | (frame[tcpOff + 5] << 16) | (frame[tcpOff + 6] << 8) | frame[tcpOff + 7]) >>> 0;
  const flags = frame[tcpOff + 13];
  let worst: TxStatus = 'sent';
  for (let k = 0; k < n; k++) {
    const off = k * mss;
    const m = Math.min(mss, payload - off);
    seg.set(frame.subarray(hdr + off, hdr + off + m), hdr);
    const end = hdr + m;
    ip.totalLen = end - ipOff;
    ip.ident = (ident + k) & 0xffff;
    ip.fillChecksum();
    const s = (seq + off) >>> 0;
    seg[tcpOff + 4] = s >>> 24;
    seg[tcpOff + 5] = (s >>> 16) & 0xff;
    seg[tcpOff + 6] = (s >>> 8) & 0xff;
    seg[tcpOff + 7] = s & 0xff;
    seg[tcpOff + 13] = k === n - 1 ? flags : flags & ~TCP_FLAG_FIN_PSH;
    fillTcpChecksum(seg, tcpOff, end, src, dst);
    const st = send(seg, end);
    if (rank(st) > rank(worst)) worst = st;
  }
  return worst;
}

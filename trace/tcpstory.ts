/**
 * TCP told as the book's chapter tells it: each segment with its flags, relative sequence and
 * acknowledgement numbers, window and MSS (`SYN seq=0 win=65535 mss=1460`), and why it is what it
 * is — the three steps of the three-way handshake, a full-sized (MSS) segment of a reply, an ACK
 * that rides on data (piggy-backed), an ACK sent at once for every second full segment or by the
 * delayed-ACK timer, a duplicate ACK for a missing segment, a retransmission and its reason, FIN,
 * and TIME-WAIT with its 2·MSL wait. Also RTT samples with the RTO they give (RFC 6298).
 *
 * Relative numbers come from each direction's SYN (as Wireshark's relative sequence numbers);
 * state per connection is kept from the events seen, so a story that starts mid-connection still
 * reads, with absolute numbers.
 * @module
 */
import type { TraceEvent } from '../sim/trace.js';
import { formatDuration } from '../sim/time.js';

type Seg = Extract<TraceEvent, { kind: 'tcp.segment' }>;
type Rtt = Extract<TraceEvent, { kind: 'tcp.rtt' }>;
type TcpEv = Extract<TraceEvent, { kind: 'tcp.event' }>;
type State = Extract<TraceEvent, { kind: 'state' }>;

/** Per direction of a connection (src:port → dst:port), as the sender sees it. */
interface Dir {
  isn?: number;
  mss?: number;
  /** Highest sequence number sent (end of data), relative. */
  sentEnd: number;
  /** The last ACK number this side sent (relative to the peer's ISN), -1 before any. */
  lastAck: number;
  /** Full-sized segments received since this side last sent an ACK. */
  unacked: number;
  /** The peer's FIN was received (relative seq after it), -1 if not. */
  finAt: number;
  /** Next in-order byte expected from the peer (relative), -1 unknown. */
  rcvNxt: number;
  /** End of the out-of-order data held (relative, FIN counted), -1 none. */
  heldEnd: number;
}

const STATE_NOTE: Record<string, string> = {
  'SYN-SENT': 'connect(): the SYN is out, waiting for the SYN,ACK',
  'SYN-RECEIVED': 'a SYN reached the listening socket: a new connection answers SYN,ACK',
  ESTABLISHED: 'the three-way handshake is complete: data can flow both ways',
  'FIN-WAIT-1': 'this side closed: its FIN goes out after the data still queued',
  'FIN-WAIT-2': 'our FIN is acknowledged; the peer may still send until it closes too',
  'CLOSE-WAIT': "the peer closed its side (FIN): read() returns 0 once the data before it is read",
  'LAST-ACK': 'this side closed too: its FIN waits for the last ACK',
  CLOSING: 'both sides sent FIN at once: waiting for the ACK of ours',
  CLOSED: 'the connection is gone (the socket is deleted)',
};

/** Narrates TCP events one at a time (feed them in trace order). */
export class TcpNarrator {
  private readonly dirs = new Map<string, Dir>();
  /** Connections with a delayed-ACK timer that just fired: `host@time`. */
  private readonly delayedAck = new Set<string>();
  /** 2·MSL, ns, as the TIME-WAIT note says it (from the stack's option; default MSL 30 s). */
  constructor(private readonly twoMslNs = 60_000_000_000) {}

  private dir(src: string, sp: number, dst: string, dp: number): Dir {
    const k = `${src}:${sp}>${dst}:${dp}`;
    let d = this.dirs.get(k);
    if (d === undefined) this.dirs.set(k, (d = { sentEnd: 0, lastAck: -1, unacked: 0, finAt: -1, rcvNxt: -1, heldEnd: -1 }));
    return d;
  }

  /** The sentence for a TCP event (segment, RTT sample, connection event, TCP state change), or null. */
  line(e: TraceEvent): string | null {
    switch (e.kind) {
      case 'tcp.segment':
        return this.segment(e);
      case 'tcp.rtt':
        return rtt(e);
      case 'tcp.event':
        return this.event(e);
      case 'state':
        return e.machine === 'tcp' ? this.state(e) : null;
      default:
        return null;
    }
  }

  private segment(e: Seg): string {
    const flags = e.flags;
    const syn = flags.includes('S');
    const fin = flags.includes('F');
    const rst = flags.includes('R');
    const ack = flags.includes('.');
    const out = this.dir(e.src, e.srcPort, e.dst, e.dstPort);
    const back = this.dir(e.dst, e.dstPort, e.src, e.srcPort);
    if (syn) {
      out.isn = e.seq;
      if (e.mss !== undefined) out.mss = e.mss;
    }
    const rel = (v: number, base: number | undefined) => (base === undefined ? v : (v - base) >>> 0);
    const seq = e.relSeq ?? rel(e.seq, out.isn);
    const ackN = e.relAck ?? rel(e.ack, back.isn);
    const name = [syn && 'SYN', fin && 'FIN', rst && 'RST', ack && (syn || fin || rst || e.len === 0) && 'ACK'].filter(Boolean).join(',');
    let label = `${name ? name + ' ' : ''}seq=${seq}${ack ? ` ack=${ackN}` : ''} win=${e.window}${e.len > 0 ? ` len=${e.len}` : ''}`;
    if (e.mss !== undefined) label += ` mss=${e.mss}`;
    if (e.wscale !== undefined) label += ` wscale=${e.wscale}`;
    if (e.sackPermitted) label += ' sackOK';
    if (e.sack) label += ` sack=${e.sack}`;
    const ends = `${e.src}:${e.srcPort} → ${e.dst}:${e.dstPort}`;
    const notes: string[] = [];

    if (e.dir === 'tx') {
      if (e.retransmit) notes.push('a retransmission: the first copy was not acknowledged');
      if (syn && !ack) notes.push(`three-way handshake 1/3: the initial sequence number (shown as 0) and the largest segment this side takes${e.mss !== undefined ? ` (MSS ${e.mss} = MTU ${e.mss + 40} − 20 bytes of IP header − 20 of TCP header)` : ''}`);
      else if (syn) notes.push(`three-way handshake 2/3: the server's own SYN, and the ACK of the client's (ack = its ISN + 1)`);
      else if (ack && e.len === 0 && !fin && !rst && back.isn !== undefined && out.lastAck === -1 && seq === 1 && ackN === 1) notes.push('three-way handshake 3/3: the ACK of the SYN,ACK — the connection is established');
      else if (rst) notes.push('reset: the connection is aborted');
      else {
        const newly = out.lastAck >= 0 && ack ? (ackN - out.lastAck) | 0 : 0;
        if (e.len > 0) {
          const mss = back.mss;
          if (mss !== undefined && e.len === mss - 12) notes.push(`a full-sized segment: MSS ${mss} less the 12-byte timestamp option`);
          else if (mss !== undefined && e.len === mss) notes.push(`a full-sized segment (MSS ${mss})`);
          if (newly > 0) notes.push(`the ACK of the peer's ${newly} byte${newly > 1 ? 's' : ''} rides on this data (piggy-backed)`);
        } else if (!fin) {
          const key = `${e.source}@${e.time}`;
          if (this.delayedAck.has(key)) notes.push('sent alone by the delayed-ACK timer: no data to piggy-back it on');
          else if (e.sack) notes.push(`a duplicate ACK: bytes from ${ackN} are missing (the SACK block says what arrived after the gap)`);
          else if (out.finAt >= 0 && ackN === out.finAt) notes.push("the ACK of the peer's FIN");
          else if (out.unacked >= 2) notes.push('every second full-sized segment is acknowledged at once (RFC 1122)');
          else if (newly > 0) notes.push(`acknowledges ${newly} byte${newly > 1 ? 's' : ''}`);
          else notes.push('a window update');
        }
        if (fin) notes.push(e.len > 0 ? 'the last data, and FIN: nothing more from this side (FIN takes one sequence number)' : 'FIN: nothing more from this side (it takes one sequence number)');
      }
      if (ack) {
        out.lastAck = Math.max(out.lastAck, ackN);
        out.unacked = 0;
      }
      out.sentEnd = Math.max(out.sentEnd, seq + e.len + (syn || fin ? 1 : 0));
      return `TCP sends ${label}, ${ends}${notes.length ? ` — ${notes.join('; ')}` : ''}`;
    }

    // received: the receiver is `back`'s sender (it acknowledges this direction)
    if (syn) back.rcvNxt = 1;
    else if (e.len > 0 && back.rcvNxt >= 0) {
      if (seq === back.rcvNxt && back.heldEnd > seq + e.len) {
        back.rcvNxt = back.heldEnd;
        back.heldEnd = -1;
        back.unacked = 0;
        notes.push(`fills the gap: with the segments held since, everything up to seq=${back.rcvNxt} goes to the socket (acknowledged at once)`);
      } else if (seq === back.rcvNxt) {
        back.rcvNxt = seq + e.len;
        notes.push(`in order: ${e.len} bytes to the socket's receive buffer`);
        const mss = back.mss;
        if (mss === undefined || e.len >= mss - 12) back.unacked++;
        if (!fin) notes.push(back.unacked >= 2 ? 'the second full-sized segment since the last ACK: the ACK goes at once' : 'the ACK is held back (delayed ACK, at most 200 ms) to ride on a reply or cover the next segment');
      } else if (seq > back.rcvNxt) {
        back.heldEnd = Math.max(back.heldEnd, seq + e.len + (fin ? 1 : 0));
        notes.push(`out of order (expected seq=${back.rcvNxt}): held until the gap is filled, and a duplicate ACK goes at once`);
      }
      else notes.push('already received: a duplicate');
    }
    if (fin) {
      back.finAt = seq + e.len + 1;
      if (back.rcvNxt >= 0 && back.rcvNxt === seq + e.len) {
        back.rcvNxt = back.finAt;
        notes.push('FIN: the peer has nothing more to send (acknowledged at once)');
      } else notes.push('and FIN: the peer has nothing more to send after it');
    }
    return `TCP received ${label}, ${ends}${notes.length ? ` — ${notes.join('; ')}` : ''}`;
  }

  private event(e: TcpEv): string {
    if (e.event === 'delayed-ack') this.delayedAck.add(`${e.source}@${e.time}`);
    const what: Record<TcpEv['event'], string> = {
      rto: 'retransmission timer expired',
      'fast-retransmit': 'fast retransmit',
      'recovery-exit': 'loss recovery over',
      'sack-recovery': 'fast retransmit (SACK loss recovery)',
      'zero-window-probe': 'zero-window probe',
      'delayed-ack': 'delayed ACK',
      keepalive: 'keepalive',
      'challenge-ack': 'challenge ACK',
      'time-wait-end': 'TIME-WAIT over',
      mss: 'MSS lowered',
    };
    return `TCP ${what[e.event]}: ${e.detail}`;
  }

  private state(e: State): string | null {
    if (e.from === 'CLOSED' && e.to === 'LISTEN' && !e.source.endsWith('(listen)')) return null; // a listener's new child
    const conn = e.source.replace(/^[^:]+:/, '');
    const note = e.to === 'TIME-WAIT' ? `the socket now waits 2·MSL (${formatDuration(this.twoMslNs)}) before it is deleted, so a late segment of this connection dies first and a lost last ACK can be sent again` : e.to === 'LISTEN' ? 'listen(): SYNs are answered from now on' : STATE_NOTE[e.to];
    return `TCP connection ${conn}: ${e.from} → ${e.to}${note ? ` — ${note}` : ''}`;
  }
}

function rtt(e: Rtt): string {
  const raw = e.srttNs + 4 * e.rttvarNs;
  const how = e.rtoNs > raw ? `SRTT + 4·RTTVAR = ${formatDuration(raw)}, raised to the minimum` : 'SRTT + 4·RTTVAR';
  return `TCP RTT sample ${formatDuration(e.sampleNs)} (${e.via === 'timed' ? 'a timed segment' : 'a timestamp echo'}) → SRTT ${formatDuration(e.srttNs)}, RTTVAR ${formatDuration(e.rttvarNs)}, RTO ${formatDuration(e.rtoNs)} (${how}; RFC 6298)`;
}

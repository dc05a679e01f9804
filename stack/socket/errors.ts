/**
 * Errno-style errors of the socket API. A {@link SocketError} carries the POSIX code (`code`),
 * Linux's number for it (`errno`), the call that failed (`syscall`) and the C library's message
 * for the code, so a failure reads like `sendto EMSGSIZE: Message too long`.
 *
 * Convention: every socket call returns a promise, and errors caused by the network or by the
 * state of a socket (a refused port, a closed descriptor, a full buffer…) reject it with a
 * `SocketError`; arguments that no program could mean (a port of 70000, a negative buffer
 * size, a non-integer descriptor) are programmer errors and throw `RangeError`/`TypeError`
 * synchronously.
 * @module
 */

/** Linux errno numbers of the codes the socket layer reports. */
export const ERRNO = {
  /** Bad file descriptor. */
  EBADF: 9,
  /** Resource temporarily unavailable (nothing to read with `dontWait`). */
  EAGAIN: 11,
  /** Permission denied (broadcast without `SO_BROADCAST`). */
  EACCES: 13,
  /** Invalid argument. */
  EINVAL: 22,
  /** Too many open files (the descriptor table is full). */
  EMFILE: 24,
  /** Protocol error (ICMP parameter problem). */
  EPROTO: 71,
  /** Broken pipe. */
  EPIPE: 32,
  /** Socket operation on non-socket. */
  ENOTSOCK: 88,
  /** Destination address required (`send` on an unconnected datagram socket). */
  EDESTADDRREQ: 89,
  /** Message too long. */
  EMSGSIZE: 90,
  /** Protocol wrong type for socket. */
  EPROTOTYPE: 91,
  /** Protocol not available (unknown option; ICMP protocol unreachable). */
  ENOPROTOOPT: 92,
  /** Protocol not supported. */
  EPROTONOSUPPORT: 93,
  /** Operation not supported. */
  EOPNOTSUPP: 95,
  /** Address family not supported by protocol. */
  EAFNOSUPPORT: 97,
  /** Address already in use. */
  EADDRINUSE: 98,
  /** Cannot assign requested address. */
  EADDRNOTAVAIL: 99,
  /** Network is down. */
  ENETDOWN: 100,
  /** Network is unreachable. */
  ENETUNREACH: 101,
  /** Software caused connection abort. */
  ECONNABORTED: 103,
  /** Connection reset by peer. */
  ECONNRESET: 104,
  /** No buffer space available. */
  ENOBUFS: 105,
  /** Transport endpoint is already connected. */
  EISCONN: 106,
  /** Transport endpoint is not connected. */
  ENOTCONN: 107,
  /** Connection timed out. */
  ETIMEDOUT: 110,
  /** Connection refused. */
  ECONNREFUSED: 111,
  /** Host is down. */
  EHOSTDOWN: 112,
  /** No route to host. */
  EHOSTUNREACH: 113,
  /** Operation already in progress. */
  EALREADY: 114,
  /** Operation now in progress. */
  EINPROGRESS: 115,
} as const;

/** An errno code the socket layer reports. */
export type Errno = keyof typeof ERRNO;

/** The C library's message (`strerror`) for each code. */
export const ERRNO_MESSAGE: Readonly<Record<Errno, string>> = {
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  EPROTO: 'Protocol error',
  EPIPE: 'Broken pipe',
  ENOTSOCK: 'Socket operation on non-socket',
  EDESTADDRREQ: 'Destination address required',
  EMSGSIZE: 'Message too long',
  EPROTOTYPE: 'Protocol wrong type for socket',
  ENOPROTOOPT: 'Protocol not available',
  EPROTONOSUPPORT: 'Protocol not supported',
  EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  ECONNABORTED: 'Software caused connection abort',
  ECONNRESET: 'Connection reset by peer',
  ENOBUFS: 'No buffer space available',
  EISCONN: 'Transport endpoint is already connected',
  ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTDOWN: 'Host is down',
  EHOSTUNREACH: 'No route to host',
  EALREADY: 'Operation already in progress',
  EINPROGRESS: 'Operation now in progress',
};

/** A socket call failed with an errno code (the rejection value of the socket API's promises). */
export class SocketError extends Error {
  /** The errno code (`ECONNREFUSED`). */
  readonly code: Errno;
  /** Linux's number for the code (111). */
  readonly errno: number;
  /** The call that failed (`recvfrom`), or `''` when raised below the API. */
  readonly syscall: string;
  /** What the message adds after the standard text (an address, a size), if anything. */
  readonly detail: string | undefined;

  /** Creates the error; `detail` is appended to the message (an address, a size). */
  constructor(code: Errno, syscall = '', detail?: string) {
    super(`${syscall === '' ? '' : syscall + ' '}${code}: ${ERRNO_MESSAGE[code]}${detail === undefined ? '' : ` (${detail})`}`);
    this.name = 'SocketError';
    this.code = code;
    this.errno = ERRNO[code];
    this.syscall = syscall;
    this.detail = detail;
  }

  /** The same error attributed to `syscall` (itself when it already names a call). */
  withSyscall(syscall: string): SocketError {
    return this.syscall === '' ? new SocketError(this.code, syscall, this.detail) : this;
  }
}

/** True when `e` is a {@link SocketError}, optionally with the given code. */
export function isSocketError(e: unknown, code?: Errno): e is SocketError {
  return e instanceof SocketError && (code === undefined || e.code === code);
}

/**
 * Node globals the simulator core uses, for the browser: `setImmediate` (the simulator lets
 * promise continuations run through it) on a MessageChannel, and the one `Buffer` use (base64 of
 * bytes, as a map key in the narration).
 * @module
 */

type Task = () => void;
const g = globalThis as unknown as { setImmediate?: (fn: Task) => unknown; Buffer?: unknown };

if (typeof g.setImmediate !== 'function') {
  const queue: Task[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const fn = queue.shift();
    if (fn) fn();
  };
  g.setImmediate = (fn: Task) => {
    queue.push(fn);
    channel.port2.postMessage(0);
    return queue.length;
  };
}

if (g.Buffer === undefined) {
  /** Just enough of Node's Buffer: `Buffer.from(arrayBuffer, offset, length).toString('base64')`. */
  g.Buffer = {
    from(buf: ArrayBufferLike, offset = 0, length?: number) {
      const bytes = new Uint8Array(buf, offset, length);
      return {
        toString(encoding?: string): string {
          if (encoding !== 'base64') throw new Error(`Buffer shim: only base64, not ${encoding}`);
          let s = '';
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(s);
        },
      };
    },
  };
}
export {};

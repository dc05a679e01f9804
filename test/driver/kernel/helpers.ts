/** Helpers for the kernel tests: a hand-driven IRQ line and a kernel over 1 MiB of memory. */
import { Simulator } from '../../../sim/index.js';
import { HostMemory } from '../../../hw/index.js';
import { Kernel, type IrqSource } from '../../../driver/index.js';

/** A line the test drives by hand. */
export class Line implements IrqSource {
  level = false;
  private fns: ((l: boolean) => void)[] = [];
  set(l: boolean): void {
    if (l === this.level) return;
    this.level = l;
    for (const f of this.fns) f(l);
  }
  onChange(fn: (l: boolean) => void): () => void {
    this.fns.push(fn);
    return () => (this.fns = this.fns.filter((x) => x !== fn));
  }
}

/** A simulator, 1 MiB of host memory and a kernel named `h`. */
export function setup(opts: ConstructorParameters<typeof Kernel>[2] = {}) {
  const sim = new Simulator();
  const mem = new HostMemory(1 << 20);
  const k = new Kernel(sim, mem, { name: 'h', ...opts });
  return { sim, mem, k };
}


/**
 * The driver's boundary (STYLE.md §1): code under driver/ reaches the adapter only through its bus,
 * its IRQ line and host memory. It may import the register definitions (the datasheet) and host
 * memory from hw/, the simulator from sim/, and xstate — never the adapter's internals. It never
 * reads host time or randomness.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as driver from '../../driver/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DRIVER = join(ROOT, 'driver');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const sources = walk(DRIVER).map((file) => ({ file: relative(ROOT, file), dir: dirname(file), text: readFileSync(file, 'utf8') }));

/** Every import/export-from specifier with whether it is type-only. */
function imports(text: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) out.push({ spec: m[3], typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push({ spec: m[1], typeOnly: false });
  return out;
}

/** hw/ modules the driver may import at run time, and those it may only import types from. */
const HW_ALLOWED = new Set(['hw/registers/e1000.ts', 'hw/descriptors.ts', 'hw/memory.ts']);
const HW_TYPES_ONLY = new Set(['hw/registers/engine.ts']);

function check(file: string, dir: string, text: string): string[] {
  const problems: string[] = [];
  for (const { spec, typeOnly } of imports(text)) {
    if (!spec.startsWith('.')) {
      if (spec !== 'xstate') problems.push(`${file}: imports package '${spec}'`);
      continue;
    }
    if (!spec.endsWith('.js')) problems.push(`${file}: '${spec}' lacks the .js suffix`);
    const target = relative(ROOT, resolve(dir, spec)).replace(/\.js$/, '.ts');
    if (target.startsWith('driver/') || target.startsWith('sim/')) continue;
    if (HW_ALLOWED.has(target)) continue;
    if (HW_TYPES_ONLY.has(target) && typeOnly) continue;
    problems.push(`${file}: imports ${target}${typeOnly ? ' (types)' : ''} — the driver may reach the adapter only through its bus, IRQ line and host memory`);
  }
  if (/\b(Date\.now|Math\.random|setTimeout|setInterval|performance\.now)\b/.test(text)) problems.push(`${file}: reads host time or randomness`);
  return problems;
}

describe('driver boundaries', () => {
  test('finds the driver sources', () => {
    expect(sources.map((s) => s.file).sort()).toEqual(
      ['driver/e1000.ts', 'driver/e1000_hw.ts', 'driver/errors.ts', 'driver/index.ts', 'driver/kernel/cpu.ts', 'driver/kernel/dma.ts', 'driver/kernel/irq.ts', 'driver/kernel/kernel.ts', 'driver/kernel/softirq.ts', 'driver/lifecycle.ts', 'driver/netdev.ts', 'driver/regtrace.ts'].sort(),
    );
  });

  test('imports only the register definitions, descriptors and host memory from hw/; never host time or randomness', () => {
    expect(sources.flatMap((s) => check(s.file, s.dir, s.text))).toEqual([]);
  });

  test('the check can fail: adapter internals, a runtime import of the engine, host time', () => {
    const dir = DRIVER;
    expect(check('x.ts', dir, "import { Nic } from '../hw/nic.js';")).toHaveLength(1);
    expect(check('x.ts', dir, "import { Phy } from '../hw/phy/phy.js';")).toHaveLength(1);
    expect(check('x.ts', dir, "import type { Cable } from '../hw/medium/cable.js';")).toHaveLength(1);
    expect(check('x.ts', dir, "import { RegisterFile } from '../hw/registers/engine.js';")).toHaveLength(1);
    expect(check('x.ts', dir, "import type { RegDef } from '../hw/registers/engine.js';")).toHaveLength(0);
    expect(check('x.ts', dir, "export { mtaHash } from '../hw/mac/filter.js';")).toHaveLength(1);
    expect(check('x.ts', dir, "const t = Date.now();")).toHaveLength(1);
    expect(check('x.ts', dir, "import { x } from './y';")).toHaveLength(1);
  });

  test('index.ts lists its exports explicitly; every exported declaration has a doc comment', () => {
    const index = sources.find((s) => s.file === 'driver/index.ts')!.text;
    expect(index).not.toMatch(/export\s*\*/);
    for (const { file, text } of sources) {
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (!/^export (async )?(function|const|class|interface|type|abstract)/.test(line)) return;
        let j = i - 1;
        while (j >= 0 && lines[j].trim() === '') j--;
        expect(lines[j]?.trimEnd().endsWith('*/'), `${file}:${i + 1} ${line}`).toBe(true);
      });
    }
  });

  test('index.ts re-exports the runtime API', () => {
    for (const name of ['Kernel', 'E1000', 'E1000Hw', 'DriverError', 'e1000Lifecycle', 'recordRegisters', 'matchRegisterSequence', 'assertRegisterSequence', 'RegisterTrace', 'DmaAllocator', 'InterruptController', 'Softirq', 'Napi', 'Cpu']) {
      expect(driver, name).toHaveProperty(name);
    }
  });
});

/**
 * The layering rules of STYLE.md §1 and the project's standing promises, checked over the source:
 * dependencies point one way, nothing below the simulator reads the wall clock or Math.random,
 * and every exported symbol carries a TSDoc comment.
 */
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const LAYERS = ['sim', 'hw', 'driver', 'stack', 'trace', 'topology', 'cli', 'bench', 'scripts', 'view'] as const;

function files(dir: string): string[] {
  const abs = join(ROOT, dir);
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = join(abs, e);
    if (statSync(p).isDirectory()) out = out.concat(files(join(dir, e)));
    else if (e.endsWith('.ts') && !e.endsWith('.d.ts')) out.push(join(dir, e));
  }
  return out;
}

function imports(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function layerOf(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
  return target.split('/')[0];
}

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  sim: [],
  hw: ['sim'],
  driver: ['sim', 'hw'], // hw: only the datasheet tables and host memory — see driver's own boundary test
  stack: ['sim', 'driver'],
  trace: ['sim', 'hw', 'driver', 'stack'],
  topology: ['sim', 'hw', 'driver', 'stack'],
  cli: ['sim', 'hw', 'driver', 'stack', 'trace', 'topology', 'view', 'package.json'],
  bench: ['sim', 'hw', 'driver', 'stack', 'trace', 'topology'],
  scripts: ['sim', 'hw', 'driver', 'stack', 'trace'],
  view: ['sim', 'hw', 'driver', 'stack', 'trace', 'topology'], // the browser page of `nicsim view`
};

describe('architecture', () => {
  for (const layer of LAYERS) {
    test(`${layer}/ imports only ${ALLOWED[layer].join(', ') || 'nothing else in the project'}`, () => {
      const bad: string[] = [];
      for (const f of files(layer)) {
        for (const spec of imports(f)) {
          const target = layerOf(f, spec);
          if (target !== null && target !== layer && !ALLOWED[layer].includes(target)) bad.push(`${f} → ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  test('no wall clock, Math.random or host timers below the simulator (hw/, driver/, stack/)', () => {
    const bad: string[] = [];
    for (const layer of ['hw', 'driver', 'stack']) {
      for (const f of files(layer)) {
        const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
        lines.forEach((l, i) => {
          const code = l.replace(/\/\/.*$/, '');
          if (/^\s*\*/.test(l)) return;
          if (/Date\.now\(|performance\.now\(|Math\.random\(|setTimeout\(|setInterval\(|setImmediate\(/.test(code)) bad.push(`${f}:${i + 1}: ${l.trim()}`);
        });
      }
    }
    expect(bad).toEqual([]);
  });

  test('every exported declaration has a TSDoc comment', () => {
    const missing: string[] = [];
    for (const layer of [...LAYERS, '.']) {
      const list = layer === '.' ? ['index.ts'] : files(layer);
      for (const f of list) {
        const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
        lines.forEach((l, i) => {
          if (!/^export\s+(declare\s+)?(abstract\s+)?(async\s+)?(function|class|const|let|interface|type|enum)\s+\w/.test(l)) return;
          // walk back over decorators/blank lines to the previous non-empty line
          let j = i - 1;
          while (j >= 0 && lines[j].trim() === '') j--;
          if (j < 0 || !lines[j].trim().endsWith('*/')) missing.push(`${f}:${i + 1}: ${l.trim().slice(0, 80)}`);
        });
      }
    }
    expect(missing).toEqual([]);
  });
});

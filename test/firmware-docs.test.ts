/**
 * The datasheet in firmware-docs/ is generated from the register and descriptor tables: these tests
 * fail when a generated file is stale, when a register is missing from the register chapter, or when
 * a written chapter is missing, trivial or links to nothing.
 */
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  GENERATED_MARKER, REGENERATE_COMMAND, WRITTEN_CHAPTERS, firmwareDocsDir, renderFirmwareDocs, staleFirmwareDocs,
} from '../scripts/gen-firmware-docs.js';
import { E1000_REGISTERS, IO_REGISTERS } from '../hw/registers/e1000.js';
import { PHY_REGISTERS } from '../hw/phy/registers.js';
import { RXD_ERR, RXD_STAT, TXD_CMD, TXD_POPTS, TXD_STA, TXD_TUCMD } from '../hw/descriptors.js';
import { buildEepromImage, EEPROM_CHECKSUM_WORD } from '../hw/eeprom.js';
import type { RegDef } from '../hw/registers/engine.js';

const DIR = firmwareDocsDir();
const rendered = renderFirmwareDocs();

function read(file: string): string {
  return readFileSync(join(DIR, file), 'utf8');
}

/** Where two texts first differ, for a readable failure message. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}:\n  in the file: ${a[i] ?? '(end of file)'}\n  generated:   ${e[i] ?? '(end of file)'}`;
  }
  return 'no line differs (line endings?)';
}

describe('generated chapters are up to date', () => {
  test.each([...rendered.keys()])('firmware-docs/%s matches renderFirmwareDocs()', (file) => {
    const path = join(DIR, file);
    expect(existsSync(path), `firmware-docs/${file} is missing; regenerate it with \`${REGENERATE_COMMAND}\``).toBe(true);
    const actual = read(file);
    const expected = rendered.get(file)!;
    if (actual !== expected) {
      expect.fail(`firmware-docs/${file} is stale (it differs from what scripts/gen-firmware-docs.ts renders from the tables in hw/, first at ${firstDifference(actual, expected)}); regenerate it with \`${REGENERATE_COMMAND}\``);
    }
  });

  test('no file in firmware-docs/ claims to be generated without being generated', () => {
    const orphans = staleFirmwareDocs(DIR, rendered).filter((s) => s.problem === 'orphan');
    expect(orphans.map((s) => s.file), `delete these files or generate them again, then run \`${REGENERATE_COMMAND}\``).toEqual([]);
  });

  test('every generated file starts by saying it is generated, from what, and how to regenerate it', () => {
    for (const [file, content] of rendered) {
      const first = content.split('\n', 1)[0];
      expect(first, file).toContain(GENERATED_MARKER);
      expect(first, file).toContain('scripts/gen-firmware-docs.ts');
      expect(first, file).toContain(REGENERATE_COMMAND);
      expect(first, file).toMatch(/`hw\/[a-z/]+\.ts`/);
    }
  });

  test('rendering is deterministic', () => {
    expect(renderFirmwareDocs()).toEqual(rendered);
  });
});

describe('registers.md covers every register and field', () => {
  const md = rendered.get('registers.md')!;
  const all: [string, readonly RegDef[]][] = [
    ['BAR0', E1000_REGISTERS],
    ['I/O', IO_REGISTERS],
    ['PHY', PHY_REGISTERS],
  ];
  for (const [space, defs] of all) {
    test.each(defs.map((d) => [d.name, d] as const))(`${space} %s has a section, a summary row and every field`, (_name, def) => {
      const label = def.count > 1 ? `${def.name}[n]` : def.name;
      expect(md).toContain(`### ${label} — ${def.long}\n`);
      expect(md).toMatch(new RegExp(`\\| \\[${label.replace(/[[\]]/g, '\\$&')}\\]\\(#[a-z0-9-]+\\) \\| ${def.long.replace(/[()]/g, '\\$&')} \\|`));
      for (const fd of Object.values(def.f)) expect(md, `${def.name}.${fd.name}`).toContain(`| ${def.name}.${fd.name} |`);
      if (def.notes) expect(md).toContain(def.notes.trim().slice(0, 40));
    });
  }

  test('arrays show their first offset, count and stride', () => {
    expect(md).toContain('BAR0 0x5400 + 8n, n = 0…15');
    expect(md).toContain('BAR0 0x5200 + 4n, n = 0…127');
  });

  test('every access mode used by a table is in the legend', () => {
    const used = new Set<string>();
    for (const [, defs] of all) for (const d of defs) for (const fd of Object.values(d.f)) used.add(fd.access);
    for (const m of used) expect(md, m).toContain(`| \`${m}\` |`);
  });
});

test('descriptors.md lists every descriptor bit', () => {
  const md = rendered.get('descriptors.md')!;
  for (const [prefix, bits] of [
    ['TXD_CMD', TXD_CMD],
    ['TXD_STA', TXD_STA],
    ['RXD_STAT', RXD_STAT],
    ['RXD_ERR', RXD_ERR],
    ['TXD_TUCMD', TXD_TUCMD],
    ['TXD_POPTS', TXD_POPTS],
  ] as const) {
    for (const name of Object.keys(bits)) expect(md).toContain(`| ${prefix}.${name} |`);
  }
  expect(md).toContain('```text');
});

describe('written chapters', () => {
  test.each(WRITTEN_CHAPTERS)('%s exists, is written by hand and is substantial', (file) => {
    expect(existsSync(join(DIR, file)), `firmware-docs/${file} is missing`).toBe(true);
    const text = read(file);
    expect(text.split('\n', 1)[0]).not.toContain(GENERATED_MARKER);
    expect(text).toMatch(/^# \S/m);
    expect(text.length, `firmware-docs/${file} is too short to be a chapter`).toBeGreaterThan(3000);
    expect((text.match(/^## /gm) ?? []).length, `firmware-docs/${file} has no sections`).toBeGreaterThanOrEqual(3);
  });

  test('README.md indexes every chapter, generated or written', () => {
    const readme = read('README.md');
    for (const file of [...rendered.keys(), ...WRITTEN_CHAPTERS.filter((f) => f !== 'README.md')]) expect(readme).toContain(`](${file})`);
  });

  test('the EEPROM worked example matches the code', () => {
    const image = buildEepromImage('02:00:00:00:00:01');
    const checksum = `0x${image[EEPROM_CHECKSUM_WORD].toString(16).toUpperCase().padStart(4, '0')}`;
    expect(read('eeprom.md')).toContain(checksum);
  });

  test('links between chapters point at existing files and anchors', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.md'));
    const anchors = new Map<string, Set<string>>();
    for (const f of files) {
      const text = read(f);
      const ids = new Set<string>();
      for (const m of text.matchAll(/<a id="([^"]+)"><\/a>/g)) ids.add(m[1]);
      for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) ids.add(githubSlug(m[1]));
      anchors.set(f, ids);
    }
    const broken: string[] = [];
    for (const f of files) {
      for (const m of read(f).matchAll(/\]\(([^)\s]*)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue; // external
        const [path, hash] = target.split('#');
        const file = path === '' ? f : path;
        if (!anchors.has(file)) {
          if (!existsSync(join(DIR, file))) broken.push(`${f}: ${target}`);
          continue;
        }
        if (hash !== undefined && !anchors.get(file)!.has(hash)) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

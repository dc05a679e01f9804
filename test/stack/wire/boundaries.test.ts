import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as arp from '../../../stack/wire/arp.js';
import * as checksum from '../../../stack/wire/checksum.js';
import * as dns from '../../../stack/wire/dns.js';
import * as error from '../../../stack/wire/error.js';
import * as ethernet from '../../../stack/wire/ethernet.js';
import * as icmp from '../../../stack/wire/icmp.js';
import * as wire from '../../../stack/wire/index.js';
import * as ipv4 from '../../../stack/wire/ipv4.js';
import * as tcp from '../../../stack/wire/tcp.js';
import * as udp from '../../../stack/wire/udp.js';

const WIRE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../stack/wire');
const sources = readdirSync(WIRE_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(WIRE_DIR, f), 'utf8') }));

describe('stack/wire boundaries', () => {
  it('imports only sibling modules (and the checksum kernel the adapter shares), with .js suffixes', () => {
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
        expect(m[1], `${file} imports ${m[1]}`).toMatch(/^(\.\/[a-z0-9]+|\.\.\/\.\.\/sim\/checksum)\.js$/);
      }
    }
  });

  it('never reads host time or randomness', () => {
    for (const { file, text } of sources) {
      expect(text, file).not.toMatch(/Math\.random|Date\.now|setTimeout|setInterval|performance\.now/);
    }
  });

  it('index.ts lists its exports explicitly', () => {
    const index = sources.find((s) => s.file === 'index.ts')!.text;
    expect(index).not.toMatch(/export\s*\*/);
  });

  it('every exported declaration has a doc comment', () => {
    for (const { file, text } of sources) {
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (!/^export (function|const|class|interface|type|abstract)/.test(line)) return;
        expect(lines[i - 1]?.trimEnd().endsWith('*/'), `${file}:${i + 1} ${line}`).toBe(true);
      });
    }
  });

  it('index.ts re-exports every runtime export of the protocol modules', () => {
    const modules: Record<string, object> = { error, checksum, ethernet, arp, ipv4, icmp, udp, tcp, dns };
    for (const [mod, m] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(m)) expect(wire, `${mod}.${name}`).toHaveProperty(name, value);
    }
  });
});

/**
 * The README runs as written: every ```ts block is executed as a module (its `nicsim` imports
 * pointed at the sources), and every `$ npx nicsim …` command in a block is run through the CLI
 * (pipes included) with its shown output checked line by line, in order; lines marked
 * `[… lines left out …]` stand for what the excerpt skips.
 */
import { afterAll, describe, expect, test, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m, i) => ({ i, lang: m[1], body: m[2] }));
const GAP = /^\s*\[… .*…\]$/;
const tmp = mkdtempSync(join(tmpdir(), 'nicsim-readme-'));
// the ts blocks run from a scratch folder inside the package so their imports resolve to the sources
const here = new URL('.', import.meta.url).pathname;
const scratch = join(here, `.readme-${process.pid}`);
mkdirSync(scratch, { recursive: true });
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

async function cli(argv: string[], stdin?: string) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s), { stdinIsTTY: false, stderrIsTTY: false, stdoutIsTTY: false, stdin });
  return { code, out, err };
}

describe('README', () => {
  test('has the blocks this test knows how to run', () => {
    const kinds = blocks.map((b) => (b.lang === 'ts' ? 'ts' : b.body.startsWith('$ npx nicsim') ? 'cli' : b.lang === 'sh' && /^npm install/.test(b.body) ? 'npm' : 'unknown'));
    expect(kinds.filter((k) => k === 'unknown')).toEqual([]);
    expect(kinds.filter((k) => k === 'ts').length).toBeGreaterThanOrEqual(4);
    expect(kinds.filter((k) => k === 'cli').length).toBeGreaterThanOrEqual(3);
    expect(readme).not.toMatch(/STYLE\.md/);
    expect(readme).not.toMatch(/\$ nicsim |`nicsim (ping|lan|encode|decode|regs|adapters)\b/); // npx nicsim …: bare nicsim is not on the PATH of a clone
  });

  for (const b of blocks.filter((x) => x.lang === 'ts')) {
    test(`ts block ${b.i} runs: ${b.body.split('\n')[0].slice(0, 60)}`, async () => {
      const src = b.body.replace(/from '(nicsim)(\/(\w+))?'/g, (_, __, ___, sub: string | undefined) => `from '${sub ? `../../../${sub}/index.js` : '../../../index.js'}'`);
      const file = join(scratch, `block${b.i}.ts`);
      writeFileSync(file, src + '\nexport {};\n');
      const logs: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.map(String).join(' ')));
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        spy.mockRestore();
      }
      // where the block says what it prints (`console.log(…); // 283: …`), the output starts with that
      const promised = [...b.body.matchAll(/console\.log\(.*\);[ \t]*\/\/ ([^:\n]+?)(?::|$)/gm)].map((m) => m[1].trim());
      expect(logs.slice(0, promised.length)).toEqual(promised);
    });
  }

  for (const b of blocks.filter((x) => x.body.startsWith('$ npx nicsim'))) {
    test(`shell block ${b.i} runs as shown: ${b.body.split('\n')[0]}`, async () => {
      const lines = b.body.replace(/\n$/, '').split('\n');
      for (let k = 0; k < lines.length; k++) {
        if (!lines[k].startsWith('$ ')) continue;
        let end = k + 1;
        while (end < lines.length && !lines[end].startsWith('$ ')) end++;
        const shown = lines.slice(k + 1, end).filter((l) => !GAP.test(l));
        let input: string | undefined;
        let last = { code: 0, out: '', err: '' };
        for (const cmd of lines[k].slice(2).split(' | ')) {
          const argv = cmd.trim().split(/\s+/);
          expect(argv.slice(0, 2)).toEqual(['npx', 'nicsim']);
          const args = argv.slice(2);
          if (args[0] === 'demo') args.push('--out', join(tmp, `out${b.i}-${k}`));
          last = await cli(args, input);
          expect(last.err, cmd).toBe('');
          input = last.out;
        }
        expect(last.code).toBe(0);
        const got = last.out.split('\n');
        let at = 0;
        for (const want of shown) {
          const found = got.indexOf(want, at);
          expect(found, `line shown in the README after line ${at} of the output:\n${want}`).toBeGreaterThanOrEqual(0);
          at = found + 1;
        }
      }
    });
  }
});

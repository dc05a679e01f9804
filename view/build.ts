/**
 * The browser bundle of `nicsim view`: esbuild bundles the page (view/page/main.ts) with the whole
 * simulator, mapping the one Node module the core imports (`node:zlib`, for `crc32`) to a
 * table-driven CRC-32 that gives identical results. The result is one HTML page with the script
 * and the style inline: it needs no network and no server beyond the one that hands it out.
 *
 * Run as a program (`npm run build:view`), it writes `index.html` into the directory given
 * (default `dist/view-page`), for hosting the page anywhere.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory holding nicsim's package.json), found from this file's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'view', 'page', 'main.ts'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('nicsim view: cannot find the page sources (view/page/main.ts) next to the package');
}

/** The built page. */
export interface ViewBundle {
  /** The whole page: HTML with the script and style inline. */
  html: string;
  /** The script alone (for tests that load it into a page of their own). */
  js: string;
  /** Bytes of the script. */
  jsBytes: number;
}

/** Bundles the page with esbuild (about a second); throws with esbuild's messages when it fails. */
export async function buildView(opts: { minify?: boolean } = {}): Promise<ViewBundle> {
  const root = packageRoot();
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error("nicsim view needs esbuild to bundle the page (a devDependency: run 'npm install' in the nicsim checkout)");
  }
  const shim = join(root, 'view', 'shims', 'zlib.ts');
  const result = await esbuild.build({
    entryPoints: [join(root, 'view', 'page', 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: opts.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins-for-the-browser',
        setup(b) {
          b.onResolve({ filter: /^(node:)?zlib$/ }, () => ({ path: shim }));
          b.onResolve({ filter: /^node:/ }, (a) => ({ errors: [{ text: `${a.path} has no browser replacement (imported by ${a.importer})` }] }));
        },
      },
    ],
  });
  const js = result.outputFiles[0].text;
  const css = readFileSync(join(root, 'view', 'page', 'style.css'), 'utf8');
  const template = readFileSync(join(root, 'view', 'page', 'index.html'), 'utf8');
  // the script cannot contain "</script" literally: esbuild escapes it in strings, check anyway
  if (/<\/script/i.test(js)) throw new Error('the bundle contains </script');
  const html = template.replace('/*STYLE*/', () => css).replace('/*SCRIPT*/', () => js);
  return { html, js, jsBytes: Buffer.byteLength(js) };
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const out = resolve(process.argv[2] ?? join(packageRoot(), 'dist', 'view-page'));
  buildView().then(
    (b) => {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'index.html'), b.html);
      process.stdout.write(`wrote ${join(out, 'index.html')} (${Math.round(b.jsBytes / 1024)} KiB of script)\n`);
    },
    (e: unknown) => {
      process.stderr.write(`build:view: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

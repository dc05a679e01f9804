/**
 * The output directory of `nicsim demo`, checked before any simulation: created one level at a
 * time (a recursive mkdir spins forever under /proc), refused when a part of the path is a file,
 * and probed with a scratch file so a read-only directory or file system fails at once instead of
 * after the run.
 * @module
 */
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

function reason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'not a directory',
    ENOSPC: 'no space left on device',
    EEXIST: 'already exists',
  };
  return typeof code === 'string' ? (why[code] ?? code) : e instanceof Error ? e.message : String(e);
}

/** Makes sure `path` is a directory nicsim can write in (creating it if needed); returns its absolute path. */
export function prepareOutDir(path: string): string {
  if (path.trim() === '') throw new UsageError('--out needs a directory name');
  const dir = resolve(path);
  const missing: string[] = [];
  for (let cur = dir; ; ) {
    let isDir: boolean;
    try {
      isDir = statSync(cur).isDirectory();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 'ENOENT') throw new UsageError(`--out ${path}: cannot use ${cur}: ${reason(e)}`);
      missing.unshift(cur);
      const up = dirname(cur);
      if (up === cur) break;
      cur = up;
      continue;
    }
    if (!isDir) throw new UsageError(`--out ${path}: ${cur} is a file, not a directory`);
    break;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw new UsageError(`--out ${path}: cannot create ${m}: ${reason(e)}`);
    }
  }
  const probe = join(dir, `.nicsim-write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new UsageError(`--out ${path}: cannot write in ${dir}: ${reason(e)}`);
  }
  return dir;
}

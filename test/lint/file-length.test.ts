import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** STYLE: one concept per file. A source file over this many lines says why on its first line. */
const MAX_LINES = 400;
const REASON = /^\/\/ Long file: \S/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

describe('source file length', () => {
  it(`keeps every file under ${MAX_LINES} lines, or gives a one-line reason at its top`, () => {
    const unexplained = ['src', 'bench', 'bin'].flatMap(sourceFiles).filter((path) => {
      const lines = readFileSync(path, 'utf8').split('\n');
      return lines.length > MAX_LINES && !REASON.test(lines[0] ?? '');
    });
    expect(unexplained).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { datasetFolderName, safeFolderName } from '../../../src/core/training/folder-name.ts';

describe('safeFolderName', () => {
  it('keeps an ordinary tag and makes the guide folder name', () => {
    expect(safeFolderName('retsuko')).toBe('retsuko');
    expect(datasetFolderName(10, 'retsuko')).toBe('10_retsuko');
  });

  it('turns spaces into underscores and keeps brackets and non-Latin letters', () => {
    expect(safeFolderName('krystal (star fox)')).toBe('krystal_(star_fox)');
    expect(safeFolderName('クリスタル')).toBe('クリスタル');
  });

  it.each([
    ['../../etc/passwd', 'etc_passwd'],
    ['..\\..\\windows', 'windows'],
    ['a/b', 'a_b'],
    ['a\u0000b', 'a_b'],
    ['what?*:<>|"', 'what'],
    ['.hidden', 'hidden'],
    ['trailing. ', 'trailing'],
    ['zero\u200bwidth', 'zerowidth'],
  ])('makes %j safe as %j', (tag, safe) => {
    const name = safeFolderName(tag);
    expect(name).toBe(safe);
    expect(name).not.toContain('/');
    expect(name).not.toContain('\\');
    expect(name).not.toContain('\u0000');
    expect(name.startsWith('.')).toBe(false);
  });

  it('never yields . or .. or a path that leaves its folder', () => {
    for (const tag of ['..a', 'a..', '.a.', '...x...', 'x/../y']) {
      const name = safeFolderName(tag);
      expect(name).not.toBe('.');
      expect(name).not.toBe('..');
      expect(name).not.toContain('/');
    }
  });

  it('suffixes Windows device names', () => {
    expect(safeFolderName('CON')).toBe('CON_');
    expect(safeFolderName('lpt1')).toBe('lpt1_');
  });

  it('caps very long tags at 120 bytes', () => {
    expect(new TextEncoder().encode(safeFolderName('é'.repeat(200))).length).toBeLessThanOrEqual(120);
  });

  it.each(['', '   ', '../', '///', '...', '\u0000', '?*'])(
    'refuses %j, which sanitises to nothing',
    (tag) => {
      expect(() => safeFolderName(tag)).toThrow(UserError);
      try {
        safeFolderName(tag);
      } catch (error) {
        expect((error as UserError).code).toBe('invalid-main-tag');
        expect((error as UserError).message).toContain(JSON.stringify(tag));
      }
    },
  );

  it('refuses a repeat count below 1', () => {
    expect(() => datasetFolderName(0, 'x')).toThrow(/Repeats/);
  });
});

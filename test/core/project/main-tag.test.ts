import { describe, expect, it } from 'vitest';
import { normalizeMainTag, validateCharacterName } from '../../../src/core/project/main-tag.ts';
import { UserError } from '../../../src/core/errors.ts';

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('normalizeMainTag', () => {
  it('keeps a clean e621 tag as it is', () => {
    expect(normalizeMainTag('krystal')).toEqual({ tag: 'krystal', changes: [] });
  });

  it('trims, lower-cases and joins words with underscores, and says so', () => {
    const result = normalizeMainTag('  Retsuko Aggretsuko ');
    expect(result.tag).toBe('retsuko_aggretsuko');
    expect(result.changes).toEqual([
      'removed spaces at the ends',
      'made it lower case',
      'replaced spaces with underscores',
    ]);
  });

  it('refuses commas because captions separate tags with them', () => {
    const error = errorOf(() => normalizeMainTag('krystal, solo'));
    expect(error.code).toBe('invalid-main-tag');
    expect(error.message).toContain('krystal, solo');
  });

  it('refuses tags over 64 characters, naming the length', () => {
    const error = errorOf(() => normalizeMainTag('a'.repeat(65)));
    expect(error.message).toContain('65 characters');
  });

  it('names the characters e621 tags never contain', () => {
    const error = errorOf(() => normalizeMainTag('kry$tal#'));
    expect(error.message).toContain('$ #');
  });

  it('refuses search operators and empty tags', () => {
    expect(errorOf(() => normalizeMainTag('-krystal')).code).toBe('invalid-main-tag');
    expect(errorOf(() => normalizeMainTag('order:score')).code).toBe('invalid-main-tag');
    expect(errorOf(() => normalizeMainTag('   ')).code).toBe('invalid-main-tag');
  });
});

describe('the main tag is refused where it is typed when it cannot name a folder', () => {
  it.each([
    ['a/../../x', '`/`'],
    ['ac/dc', '`/`'],
    ['a\\b', '`\\`'],
    ['a..b', '`..`'],
    ['kry\u0007stal', 'a control character'],
  ])('refuses %j, naming the value and the part', (typed, part) => {
    const error = errorOf(() => normalizeMainTag(typed));
    expect(error.code).toBe('invalid-main-tag');
    expect(error.message).toContain(JSON.stringify(typed));
    expect(error.message).toContain(`contains ${part}`);
  });

  it.each([
    'aurelia_(skyfall)',
    "nick_wilde's_tie",
    'kass:zelda',
    'pokémon_trainer',
    'rena_(ぽけもん)',
    'sonic_the_hedgehog_(series)',
  ])('keeps the e621 tag %j as it is', (typed) => {
    expect(normalizeMainTag(typed)).toEqual({ tag: typed, changes: [] });
  });

  it('refuses a leading ~ like a leading - (search operators)', () => {
    expect(errorOf(() => normalizeMainTag('~krystal')).message).toContain('search operator');
  });
});

describe('validateCharacterName', () => {
  it('collapses spaces and refuses names over 100 characters', () => {
    expect(validateCharacterName('  Krystal   (Star Fox) ')).toBe('Krystal (Star Fox)');
    expect(errorOf(() => validateCharacterName('x'.repeat(101))).code).toBe('invalid-character-name');
  });
});

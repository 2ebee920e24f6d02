import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import {
  DEFAULT_QUERY,
  formatTagGroups,
  normalizeTag,
  parseQuery,
  parseTagGroups,
  querySchema,
  queryForMainTag,
  tagProblem,
} from '../../../src/core/query/index.ts';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('tag normalisation', () => {
  it('lower-cases, trims and turns spaces into underscores', () => {
    expect(normalizeTag('  Solo Focus ')).toBe('solo_focus');
    expect(normalizeTag('Blue   Eyes')).toBe('blue_eyes');
  });

  it('parses "," as AND inside a group and "|" between groups', () => {
    expect(parseTagGroups('Krystal, solo | krystal , Solo Focus', 'Required tags')).toEqual([
      ['krystal', 'solo'],
      ['krystal', 'solo_focus'],
    ]);
    expect(
      formatTagGroups([
        ['krystal', 'solo'],
        ['krystal', 'solo_focus'],
      ]),
    ).toBe('krystal, solo | krystal, solo_focus');
  });

  it('refuses an empty group and names where it is', () => {
    const error = userError(() => parseTagGroups('krystal, solo | | fox', 'Required tags'));
    expect(error.code).toBe('invalid-query');
    expect(error.message).toContain('group 2 of 3 is empty');
    expect(error.message).toContain('krystal, solo | | fox');
  });

  it('refuses characters e621 tags never contain, naming the tag', () => {
    expect(userError(() => parseTagGroups('krys*', 'Required tags')).message).toMatch(/"krys\*".*'\*'/);
    expect(userError(() => parseTagGroups('fox#1', 'Blacklist')).message).toMatch(/Blacklist: "fox#1"/);
    expect(tagProblem('-solo')).toMatch(/blacklist/);
    expect(tagProblem('~solo')).toMatch(/groups/);
    expect(tagProblem('fuchs_ü')).toMatch(/ASCII/);
    expect(tagProblem('a__b')).toMatch(/underscores/);
    expect(tagProblem('score:>=50')).toMatch(/min score/);
    expect(tagProblem('rating:e')).toMatch(/ratings option/);
  });

  it('accepts real e621 tags with punctuation', () => {
    for (const tag of [
      'krystal_(star_fox)',
      ':3',
      '<3',
      '16:9',
      '^_^',
      'digital_media_(artwork)',
      'pokémon',
    ]) {
      expect(tagProblem(normalizeTag(tag))).toBeNull();
    }
  });
});

describe('query input', () => {
  it('starts from the guide defaults', () => {
    expect(DEFAULT_QUERY.minArea).toBe(589_824);
    expect(DEFAULT_QUERY.maxShortSide).toBe(2048);
    expect(DEFAULT_QUERY.sort).toBe('score');
    expect(DEFAULT_QUERY.blacklist).toContainEqual(['animated']);
    expect(DEFAULT_QUERY.blacklist).toContainEqual(['monochrome']);
    expect(DEFAULT_QUERY.blacklist).toContainEqual(['comic']);
    expect(DEFAULT_QUERY.fileTypes).toEqual(['png', 'jpg', 'webp']);
    expect(querySchema.safeParse(DEFAULT_QUERY).success).toBe(true);
  });

  it('gives a new project its main tag with the solo / solo_focus fallback', () => {
    expect(queryForMainTag('krystal').required).toEqual([
      ['krystal', 'solo'],
      ['krystal', 'solo_focus'],
    ]);
  });

  it('parses every option from text', () => {
    const query = parseQuery({
      required: 'krystal, solo',
      blacklist: 'comic | feral, solo',
      minScore: '50',
      minArea: '262144',
      topN: '150',
      ratings: 'safe, q',
      fileTypes: 'png jpeg',
    });
    expect(query).toMatchObject({
      required: [['krystal', 'solo']],
      blacklist: [['comic'], ['feral', 'solo']],
      minScore: 50,
      minArea: 262_144,
      topN: 150,
      ratings: ['s', 'q'],
      fileTypes: ['png', 'jpg'],
    });
  });

  it('keeps the base query for options not given', () => {
    const base = parseQuery({ required: 'krystal', minScore: 80 });
    const edited = parseQuery({ topN: 40 }, base);
    expect(edited.minScore).toBe(80);
    expect(edited.required).toEqual([['krystal']]);
    expect(edited.topN).toBe(40);
  });

  it('refuses a negative min score with the value', () => {
    const error = userError(() => parseQuery({ minScore: -5 }));
    expect(error.message).toBe('Min score must be 0 or more, got -5.');
  });

  it('refuses top N of 0 or above 5000', () => {
    expect(userError(() => parseQuery({ topN: 0 })).message).toBe('Top N must be between 1 and 5000, got 0.');
    expect(userError(() => parseQuery({ topN: '5001' })).message).toBe(
      'Top N must be between 1 and 5000, got 5001.',
    );
    expect(userError(() => parseQuery({ topN: '12abc' })).message).toContain('"12abc"');
  });

  it('never allows gif, webm or swf', () => {
    expect(userError(() => parseQuery({ fileTypes: 'png, gif' })).message).toMatch(/"gif" is not allowed/);
    expect(userError(() => parseQuery({ fileTypes: 'webm' })).message).toMatch(/"webm" is not allowed/);
  });

  it('refuses unknown ratings and sorts', () => {
    expect(userError(() => parseQuery({ ratings: 'x' })).message).toMatch(/"x" is not one of s, q, e/);
    expect(userError(() => parseQuery({ sort: 'random' })).message).toMatch(/"random"/);
    expect(parseQuery({ sort: 'order:score' }).sort).toBe('score');
  });
});

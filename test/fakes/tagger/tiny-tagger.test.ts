import { describe, expect, it } from 'vitest';
import {
  colourForScore,
  colourOf,
  TINY_CONCEPTS,
  TINY_PALETTE,
  tinyScore,
  tinyTagsCsv,
  tinyTagTable,
  type TinyColour,
} from './index.ts';

const colours = Object.keys(TINY_PALETTE) as TinyColour[];

describe('the tiny tagger’s colour rule', () => {
  it('gives each palette colour to exactly one concept', () => {
    expect(new Set(TINY_CONCEPTS.map((c) => c.colour)).size).toBe(TINY_CONCEPTS.length);
    expect(TINY_CONCEPTS.length).toBe(colours.length);
  });

  it('scores a tag 0.982 on its exact colour and about 0 on every other palette colour', () => {
    for (const colour of colours) {
      expect(tinyScore(colour, TINY_PALETTE[colour])).toBeCloseTo(0.982, 3);
      for (const other of colours) {
        if (other !== colour) expect(tinyScore(other, TINY_PALETTE[colour])).toBeLessThan(1e-6);
      }
      expect(tinyScore(colour, [128, 128, 128])).toBeLessThan(1e-6);
      expect(tinyScore(colour, [255, 255, 255])).toBeLessThan(1e-6);
    }
  });

  it('reaches any score by moving a colour towards grey without waking another tag', () => {
    for (const colour of colours) {
      for (const score of [0.05, 0.3, 0.55, 0.6, 0.7, 0.9]) {
        const rgb = colourForScore(colour, score);
        expect(tinyScore(colour, rgb)).toBeCloseTo(score, 6);
        for (const other of colours) if (other !== colour) expect(tinyScore(other, rgb)).toBeLessThan(0.001);
      }
    }
  });

  it('lays the WD file out as ratings, general, then character rows; e621 with e621 category ids', () => {
    const wd = tinyTagTable('wd');
    expect(wd.slice(0, 4).map((t) => [t.name, t.categoryId])).toEqual([
      ['general', 9],
      ['sensitive', 9],
      ['questionable', 9],
      ['explicit', 9],
    ]);
    expect(wd.at(-1)).toMatchObject({ name: 'hatsune_miku', categoryId: 4 });
    expect(wd.filter((t) => t.categoryId === 0)).toHaveLength(wd.length - 5);
    const e621 = tinyTagTable('e621');
    expect(e621.find((t) => t.name === 'fox')?.categoryId).toBe(5);
    expect(e621.find((t) => t.name === 'example_artist')?.categoryId).toBe(1);
    expect(tinyTagsCsv(wd).split('\n')[0]).toBe('tag_id,name,category,count');
    expect(colourOf('wd', 'red_eyes')).toBe('red');
    expect(() => colourOf('e621', 'hatsune_miku')).toThrow(/no colour/);
  });
});

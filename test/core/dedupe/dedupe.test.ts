import { describe, expect, it } from 'vitest';
import {
  dhashFromGrid,
  findDuplicates,
  hammingDistance,
  type DedupeItem,
} from '../../../src/core/dedupe/index.ts';

function item(postId: number, overrides: Partial<DedupeItem> = {}): DedupeItem {
  return {
    postId,
    md5: postId.toString(16).padStart(32, '0'),
    dhash: null,
    score: 100,
    width: 1000,
    height: 1000,
    ...overrides,
  };
}

describe('difference hash', () => {
  it('sets a bit where a pixel is brighter than its right neighbour', () => {
    const grid = new Uint8Array(72);
    for (let row = 0; row < 8; row++) for (let col = 0; col < 9; col++) grid[row * 9 + col] = 200 - col * 10;
    expect(dhashFromGrid(grid)).toBe('ffffffffffffffff');
    const flat = new Uint8Array(72).fill(7);
    expect(dhashFromGrid(flat)).toBe('0000000000000000');
  });

  it('refuses a grid of the wrong size', () => {
    expect(() => dhashFromGrid(new Uint8Array(64))).toThrow(/72 grey values/);
  });

  it('counts differing bits across all 64', () => {
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('a5a5a5a5a5a5a5a5', 'a5a5a5a5a5a5a5a5')).toBe(0);
    expect(() => hammingDistance('xyz', '0000000000000000')).toThrow(/not a 64-bit/);
  });
});

describe('duplicate decisions', () => {
  it('keeps the higher score of two near duplicates', () => {
    const decisions = findDuplicates([
      item(1, { dhash: 'f0f0f0f0f0f0f0f0', score: 50 }),
      item(2, { dhash: 'f0f0f0f0f0f0f0f1', score: 90 }),
    ]);
    expect(decisions).toEqual([{ postId: 1, duplicateOf: 2, kind: 'near', distance: 1 }]);
  });

  it('keeps the larger image when scores tie', () => {
    const decisions = findDuplicates([
      item(1, { dhash: 'f0f0f0f0f0f0f0f0', width: 3000, height: 3000 }),
      item(2, { dhash: 'f0f0f0f0f0f0f0f0', width: 1000, height: 1000 }),
    ]);
    expect(decisions).toEqual([{ postId: 2, duplicateOf: 1, kind: 'near', distance: 0 }]);
  });

  it('treats the same md5 as an exact duplicate whatever the hash', () => {
    const decisions = findDuplicates([
      item(1, { md5: 'a'.repeat(32), score: 10 }),
      item(2, { md5: 'a'.repeat(32), score: 20 }),
      item(3, { imageMd5: 'c'.repeat(32) }),
      item(4, { imageMd5: 'c'.repeat(32), score: 5 }),
    ]);
    expect(decisions).toEqual([
      { postId: 1, duplicateOf: 2, kind: 'exact', distance: 0 },
      { postId: 4, duplicateOf: 3, kind: 'exact', distance: 0 },
    ]);
  });

  it('keeps different pictures apart', () => {
    expect(
      findDuplicates([item(1, { dhash: '0123456789abcdef' }), item(2, { dhash: 'fedcba9876543210' })]),
    ).toEqual([]);
  });

  it('honours the distance threshold', () => {
    const items = [item(1, { dhash: '00000000000000ff', score: 2 }), item(2, { dhash: '0000000000000000' })];
    expect(findDuplicates(items, { nearDistance: 7 })).toEqual([]);
    expect(findDuplicates(items, { nearDistance: 8 })).toHaveLength(1);
  });
});

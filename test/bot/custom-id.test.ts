import { describe, expect, it } from 'vitest';
import { defineCustomId, positiveInt } from '../../src/views/custom-id.ts';
import { cardButtonId } from '../../src/views/card-ids.ts';

describe('custom_id codecs', () => {
  it('round-trips typed data through a versioned prefix', () => {
    const id = cardButtonId.encode({ action: 'notes', projectId: 42 });
    expect(id).toBe('card@1:notes:42');
    expect(cardButtonId.decode(id)).toEqual({ action: 'notes', projectId: 42 });
  });

  it('claims nothing of another family or malformed data', () => {
    expect(cardButtonId.decode('vote@1:keep:42')).toBeNull();
    expect(cardButtonId.decode('card@1:explode:42')).toBeNull();
    expect(cardButtonId.decode('card@1:notes:-3')).toBeNull();
    expect(cardButtonId.decode('card@1:notes')).toBeNull();
  });

  it('recognises an id of an older version as stale', () => {
    expect(cardButtonId.isStale('card@0:notes:42')).toBe(true);
    expect(cardButtonId.isStale('card@1:notes:42')).toBe(false);
    expect(cardButtonId.isStale('cards@0:x')).toBe(false);
  });

  it('refuses to encode more than Discord’s 100 characters', () => {
    const long = defineCustomId<string>('long', 1, { toParts: (s) => [s], fromParts: ([s]) => s ?? null });
    expect(long.encode('x'.repeat(93))).toHaveLength(100);
    expect(() => long.encode('x'.repeat(94))).toThrow(/101 characters/);
  });

  it('refuses separators inside a part', () => {
    const codec = defineCustomId<string>('tag', 1, { toParts: (s) => [s], fromParts: ([s]) => s ?? null });
    expect(() => codec.encode('a:b')).toThrow(/contains ":"/);
  });

  it('parses only positive 32-bit integers', () => {
    expect(positiveInt('7')).toBe(7);
    expect(positiveInt('0')).toBeNull();
    expect(positiveInt('99999999999')).toBeNull();
    expect(positiveInt('1e3')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { checkTagsMatchModel, parseTagsFile, readTagsFile } from '../../src/tagger/tags-file.ts';

const WD = `tag_id,name,category,count
9999999,general,9,807489
9999998,sensitive,9,334181
9999997,questionable,9,96231
9999996,explicit,9,88437
470575,1girl,0,4225150
212816,solo,0,3515476
13197,long_hair,0,3020210
1,^_^,0,100
2,"comma,tag",0,5
3,hatsune_miku,4,80000
`;

describe('parseTagsFile', () => {
  it('reads WD’s selected_tags.csv: ratings, general and character rows in output order', () => {
    const table = parseTagsFile(WD, { kind: 'wd', path: 'selected_tags.csv' });
    expect(table.rows.map((r) => [r.index, r.name, r.category])).toEqual([
      [0, 'general', 'rating'],
      [1, 'sensitive', 'rating'],
      [2, 'questionable', 'rating'],
      [3, 'explicit', 'rating'],
      [4, '1girl', 'general'],
      [5, 'solo', 'general'],
      [6, 'long_hair', 'general'],
      [7, '^_^', 'general'],
      [8, 'comma,tag', 'general'],
      [9, 'hatsune_miku', 'character'],
    ]);
    expect(table.ratingRows).toEqual([0, 1, 2, 3]);
    expect(table.vocabulary.has('long_hair')).toBe(true);
    expect(table.vocabulary.has('explicit')).toBe(false);
  });

  it('reads the e621 tagger’s tags-selected.csv with e621 category ids, whatever the column order', () => {
    const table = parseTagsFile(
      'name,category,tag_id\nanthro,0,1\nfox,5,2\nsome_artist,1,3\ndigital_media_(artwork),7,4\n',
      {
        kind: 'e621',
        path: 'tags-selected.csv',
      },
    );
    expect(table.rows.map((r) => r.category)).toEqual(['general', 'species', 'artist', 'meta']);
    expect(table.ratingRows).toEqual([]);
  });

  it('names the file and line of a category the kind does not use', () => {
    expect(() =>
      parseTagsFile('tag_id,name,category,count\n1,fox,7,3\n', { kind: 'wd', path: 'x/selected_tags.csv' }),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid-model',
        message: expect.stringMatching(/x\/selected_tags\.csv line 2: "fox" has category "7"/) as string,
      }) as Error,
    );
    expect(() =>
      parseTagsFile('tag_id,name,category\n1,fox,banana\n', { kind: 'e621', path: 'tags.csv' }),
    ).toThrow(/category "banana"/);
  });

  it('refuses a file without the columns a tag file has, or without rows', () => {
    expect(() => parseTagsFile('id,tag\n1,fox\n', { kind: 'wd', path: 't.csv' })).toThrow(/no "name" column/);
    expect(() => parseTagsFile('tag_id,name\n1,fox\n', { kind: 'wd', path: 't.csv' })).toThrow(
      /no "category" column/,
    );
    expect(() => parseTagsFile('', { kind: 'wd', path: 't.csv' })).toThrow(/t\.csv is empty/);
    expect(() => parseTagsFile('tag_id,name,category\n', { kind: 'wd', path: 't.csv' })).toThrow(/no tags/);
    expect(() => parseTagsFile('name,category\n"unclosed,0\n', { kind: 'wd', path: 't.csv' })).toThrow(
      /not valid CSV/,
    );
  });

  it('checks the row count against the model’s outputs', () => {
    const table = parseTagsFile(WD, { kind: 'wd', path: 'selected_tags.csv' });
    expect(() => checkTagsMatchModel(table, 10, 'model.onnx')).not.toThrow();
    expect(() => checkTagsMatchModel(table, 10861, 'model.onnx')).toThrow(
      /selected_tags\.csv has 10 tags but the model model\.onnx has 10861 outputs/,
    );
  });

  it('says how to get a missing tag file', async () => {
    await expect(readTagsFile('/nonexistent/selected_tags.csv', 'wd')).rejects.toMatchObject({
      code: 'model-missing',
      message: expect.stringContaining('kiln models download') as string,
    });
  });
});

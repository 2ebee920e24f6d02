import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { UserError } from '../core/errors.ts';
import type { TagCategory } from '../core/tags/types.ts';

/**
 * The taggers' tag files: WD's `selected_tags.csv` and the e621 tagger's `tags-selected.csv`. Both have a
 * header row naming at least `name` and `category` (the real files: `tag_id,name,category,count`); row i is
 * the model's output i. WD uses 9 rating, 0 general, 4 character; the e621 tagger uses e621's category ids.
 */

export type TaggerKind = 'wd' | 'e621';

export interface TagRow {
  /** Output index of the model (data row order in the file). */
  index: number;
  /** As stored: underscores, lower case. */
  name: string;
  category: TagCategory;
  categoryId: number;
}

export interface TagTable {
  kind: TaggerKind;
  path: string;
  rows: TagRow[];
  /** Indexes of the rating rows (WD: the first four). */
  ratingRows: number[];
  /** Every non-rating tag name, to tell "the tagger does not know this tag" from "scored it low". */
  vocabulary: ReadonlySet<string>;
}

const CATEGORY_IDS: Record<TaggerKind, Readonly<Record<number, TagCategory>>> = {
  // WD files only use 0, 4 and 9; the other Danbooru ids are accepted should a file carry them.
  wd: { 0: 'general', 1: 'artist', 3: 'copyright', 4: 'character', 5: 'meta', 9: 'rating' },
  e621: {
    0: 'general',
    1: 'artist',
    2: 'contributor',
    3: 'copyright',
    4: 'character',
    5: 'species',
    6: 'invalid',
    7: 'meta',
    8: 'lore',
    9: 'rating',
  },
};

export function parseTagsFile(text: string, options: { kind: TaggerKind; path: string }): TagTable {
  const { kind, path } = options;
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (error) {
    throw new UserError(
      'invalid-model',
      `The tag file ${path} is not valid CSV: ${(error as Error).message}`,
    );
  }
  const header = records[0]?.map((column) => column.toLowerCase());
  if (!header) throw new UserError('invalid-model', `The tag file ${path} is empty.`);
  const nameColumn = header.indexOf('name');
  const categoryColumn = header.indexOf('category');
  if (nameColumn < 0 || categoryColumn < 0) {
    throw new UserError(
      'invalid-model',
      `The tag file ${path} has no ${nameColumn < 0 ? '"name"' : '"category"'} column; its header is "${header.join(',')}" (expected tag_id,name,category,count).`,
    );
  }
  const rows: TagRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const record = records[i] ?? [];
    const line = i + 1;
    const name = record[nameColumn] ?? '';
    const rawCategory = record[categoryColumn] ?? '';
    if (name === '')
      throw new UserError('invalid-model', `The tag file ${path} has an empty tag name on line ${line}.`);
    const categoryId = Number(rawCategory);
    const category = Number.isInteger(categoryId) ? CATEGORY_IDS[kind][categoryId] : undefined;
    if (category === undefined) {
      const known = Object.entries(CATEGORY_IDS[kind])
        .map(([id, label]) => `${id} ${label}`)
        .join(', ');
      throw new UserError(
        'invalid-model',
        `The tag file ${path} line ${line}: "${name}" has category "${rawCategory}", which a ${kind === 'wd' ? 'WD' : 'e621'} tag file does not use (${known}).`,
      );
    }
    rows.push({ index: rows.length, name, category, categoryId });
  }
  if (rows.length === 0)
    throw new UserError('invalid-model', `The tag file ${path} has a header but no tags.`);
  return {
    kind,
    path,
    rows,
    ratingRows: rows.filter((row) => row.category === 'rating').map((row) => row.index),
    vocabulary: new Set(rows.filter((row) => row.category !== 'rating').map((row) => row.name)),
  };
}

export async function readTagsFile(path: string, kind: TaggerKind): Promise<TagTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(
        'model-missing',
        `No tag file at ${path}. Run \`kiln models download\` to fetch the taggers and their tag files.`,
      );
    }
    throw error;
  }
  return parseTagsFile(text, { kind, path });
}

/** Row i of the tag file names output i: the counts must agree, or every tag would be shifted. */
export function checkTagsMatchModel(table: TagTable, outputCount: number, modelPath: string): void {
  if (table.rows.length !== outputCount) {
    throw new UserError(
      'invalid-model',
      `The tag file ${table.path} has ${table.rows.length} tags but the model ${modelPath} has ${outputCount} outputs; they must be the same model's files (download both again with \`kiln models download\`).`,
    );
  }
}

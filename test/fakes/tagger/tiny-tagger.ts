import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { OnnxGraphBuilder } from './onnx-builder.ts';

/**
 * A tiny ONNX tagger with the WD / Z3D layout (NHWC `[batch, 448, 448, 3]` float32 BGR 0–255 in, sigmoid
 * scores `[batch, K]` out, rows in tag-file order) whose answers are known in advance.
 *
 * THE COLOUR → TAG RULE
 * - The model sees its input (after the tagger's own preprocessing: white square padding, resize to 448) as a
 *   4 × 4 grid of cells, 112 × 112 pixels each, and takes each cell's average colour.
 * - Each tag owns one colour of `TINY_PALETTE` (RGB made of 0, 128 and 255). Its score is high (0.982) when
 *   any cell averages exactly that colour, and falls smoothly as the cell's colour moves away from it:
 *   score = sigmoid(A · (R² − d²)) with d the distance between the colours in 0–1 RGB, A = 100, R = 0.2;
 *   over all cells the best one counts. Other palette colours are 0.5 or more apart: score ≈ 0.
 * - Mid-grey (128,128,128) and white mean nothing, so backgrounds and padding stay silent.
 * - WD only: the `general` rating never drops below 0.5, so an image is rated general unless a rating
 *   colour (`light-yellow` sensitive, `light-cyan` questionable, `light-magenta` explicit) is present.
 * - So: a red image → `red_eyes`; a grey 448 × 448 image with a red cell and a navy cell → `red_eyes`, `hat`.
 *   `paintTaggerImage` paints such images; `{ colour, score }` cells move the colour towards grey so that the
 *   tag scores exactly `score` (the cell is dithered so its average is exact, not rounded to 8 bits).
 */

export type TinyTaggerKind = 'wd' | 'e621';

export const TINY_PALETTE = {
  black: [0, 0, 0],
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  cyan: [0, 255, 255],
  magenta: [255, 0, 255],
  maroon: [128, 0, 0],
  'dark-green': [0, 128, 0],
  navy: [0, 0, 128],
  olive: [128, 128, 0],
  teal: [0, 128, 128],
  purple: [128, 0, 128],
  orange: [255, 128, 0],
  rose: [255, 0, 128],
  chartreuse: [128, 255, 0],
  'spring-green': [0, 255, 128],
  azure: [0, 128, 255],
  violet: [128, 0, 255],
  pink: [255, 128, 128],
  'light-green': [128, 255, 128],
  'light-blue': [128, 128, 255],
  'light-yellow': [255, 255, 128],
  'light-cyan': [128, 255, 255],
  'light-magenta': [255, 128, 255],
} as const satisfies Record<string, readonly [number, number, number]>;
export type TinyColour = keyof typeof TINY_PALETTE;

/** Colours that mean nothing to the model. */
export const NEUTRAL_GREY = [128, 128, 128] as const;

type WdCategory = 'general' | 'character' | 'rating';
type E621Category = 'general' | 'artist' | 'copyright' | 'character' | 'species' | 'meta' | 'lore';

/** Which tag each colour gives, per tagger. Names follow each tagger's vocabulary (Danbooru vs e621). */
export const TINY_CONCEPTS: ReadonlyArray<{
  colour: TinyColour;
  wd: readonly [string, WdCategory];
  e621: readonly [string, E621Category] | null;
}> = [
  { colour: 'red', wd: ['red_eyes', 'general'], e621: ['red_eyes', 'general'] },
  { colour: 'blue', wd: ['blue_eyes', 'general'], e621: ['blue_eyes', 'general'] },
  { colour: 'green', wd: ['animal_ears', 'general'], e621: ['fox', 'species'] },
  { colour: 'yellow', wd: ['blonde_hair', 'general'], e621: ['yellow_body', 'general'] },
  { colour: 'cyan', wd: ['long_hair', 'general'], e621: ['facial_markings', 'general'] },
  { colour: 'magenta', wd: ['hatsune_miku', 'character'], e621: ['sample_character', 'character'] },
  { colour: 'black', wd: ['watermark', 'general'], e621: ['watermark', 'general'] },
  { colour: 'maroon', wd: ['red_shirt', 'general'], e621: ['red_shirt', 'general'] },
  { colour: 'dark-green', wd: ['crop_top', 'general'], e621: ['crop_top', 'general'] },
  { colour: 'navy', wd: ['hat', 'general'], e621: ['hat', 'general'] },
  { colour: 'olive', wd: ['glasses', 'general'], e621: ['eyewear', 'general'] },
  { colour: 'teal', wd: ['smile', 'general'], e621: ['smile', 'general'] },
  { colour: 'purple', wd: ['open_mouth', 'general'], e621: ['open_mouth', 'general'] },
  { colour: 'orange', wd: ['standing', 'general'], e621: ['standing', 'general'] },
  { colour: 'rose', wd: ['sitting', 'general'], e621: ['sitting', 'general'] },
  { colour: 'chartreuse', wd: ['from_behind', 'general'], e621: ['rear_view', 'general'] },
  { colour: 'spring-green', wd: ['outdoors', 'general'], e621: ['outside', 'general'] },
  { colour: 'azure', wd: ['simple_background', 'general'], e621: ['simple_background', 'general'] },
  { colour: 'violet', wd: ['speech_bubble', 'general'], e621: ['speech_bubble', 'general'] },
  { colour: 'pink', wd: ['^_^', 'general'], e621: ['text', 'general'] },
  { colour: 'light-green', wd: ['>_<', 'general'], e621: ['example_artist', 'artist'] },
  { colour: 'light-blue', wd: ['1girl', 'general'], e621: ['anthro', 'general'] },
  { colour: 'light-yellow', wd: ['sensitive', 'rating'], e621: ['digital_media_(artwork)', 'meta'] },
  { colour: 'light-cyan', wd: ['questionable', 'rating'], e621: ['example_series', 'copyright'] },
  { colour: 'light-magenta', wd: ['explicit', 'rating'], e621: ['countershading', 'general'] },
];

const SHARPNESS = 100;
const RADIUS_SQUARED = 0.04;
const GRID = 4;
const SILENT = -1000;

const WD_CATEGORY_IDS: Record<WdCategory, number> = { general: 0, character: 4, rating: 9 };
const E621_CATEGORY_IDS: Record<E621Category, number> = {
  general: 0,
  artist: 1,
  copyright: 3,
  character: 4,
  species: 5,
  meta: 7,
  lore: 8,
};

export interface TinyTag {
  /** Row index in the tag file (= output index). */
  index: number;
  name: string;
  category: string;
  categoryId: number;
  /** The colour that gives this tag; null for WD's `general` rating (a floor of 0.5, no colour). */
  colour: TinyColour | null;
}

export interface TinyTagger {
  kind: TinyTaggerKind;
  modelPath: string;
  tagsPath: string;
  inputName: string;
  outputName: string;
  size: number;
  /** The batch dimension: a number when fixed, the symbolic name when free. */
  batch: number | string;
  tags: TinyTag[];
}

/** The rows of each kind's tag file, in file order (WD: ratings, general, character — as in the real file). */
export function tinyTagTable(kind: TinyTaggerKind): TinyTag[] {
  if (kind === 'wd') {
    const ratings = ['general', 'sensitive', 'questionable', 'explicit'].map((name) => ({
      name,
      category: 'rating' as const,
      colour: TINY_CONCEPTS.find((c) => c.wd[0] === name)?.colour ?? null,
    }));
    const rest = (['general', 'character'] as const).flatMap((category) =>
      TINY_CONCEPTS.filter((c) => c.wd[1] === category).map((c) => ({
        name: c.wd[0],
        category,
        colour: c.colour,
      })),
    );
    return [...ratings, ...rest].map((row, index) => ({
      index,
      name: row.name,
      category: row.category,
      categoryId: WD_CATEGORY_IDS[row.category],
      colour: row.colour,
    }));
  }
  return TINY_CONCEPTS.flatMap((c) =>
    c.e621 ? [{ name: c.e621[0], category: c.e621[1], colour: c.colour }] : [],
  ).map((row, index) => ({
    index,
    name: row.name,
    category: row.category,
    categoryId: E621_CATEGORY_IDS[row.category],
    colour: row.colour,
  }));
}

export const TINY_TAGGER_DEFAULTS = {
  wd: { inputName: 'input_1:0', outputName: 'predictions_sigmoid', tagsFile: 'selected_tags.csv' },
  e621: { inputName: 'input_1:0', outputName: 'predictions_sigmoid', tagsFile: 'tags-selected.csv' },
} as const;

/** The colour → tag rule above as an ONNX graph. */
export function buildTinyTaggerModel(options: {
  tags: readonly TinyTag[];
  inputName: string;
  outputName: string;
  size: number;
  batch: number | string;
}): Uint8Array {
  const { tags, size } = options;
  if (size % GRID !== 0) throw new Error(`size must be a multiple of ${GRID}`);
  const k = tags.length;
  const weights = new Float32Array(3 * k);
  const bias = new Float32Array(k);
  const floor = new Float32Array(k).fill(SILENT);
  tags.forEach((tag, j) => {
    if (tag.colour === null) {
      bias[j] = SILENT;
      floor[j] = 0;
      return;
    }
    const [r, g, b] = TINY_PALETTE[tag.colour].map((v) => v / 255) as [number, number, number];
    // The input is BGR: row 0 of the weights reads blue, row 2 red.
    weights[0 * k + j] = 2 * SHARPNESS * b;
    weights[1 * k + j] = 2 * SHARPNESS * g;
    weights[2 * k + j] = 2 * SHARPNESS * r;
    bias[j] = SHARPNESS * (RADIUS_SQUARED - (r * r + g * g + b * b));
  });

  const graph = new OnnxGraphBuilder();
  const cell = size / GRID;
  const nchw = graph.node('Transpose', [options.inputName], { ints: { perm: [0, 3, 1, 2] } });
  const pooled = graph.node('AveragePool', [nchw], {
    ints: { kernel_shape: [cell, cell], strides: [cell, cell] },
  });
  const cellsNhwc = graph.node('Transpose', [pooled], { ints: { perm: [0, 2, 3, 1] } });
  const cells = graph.node('Reshape', [cellsNhwc, graph.int64s([0, GRID * GRID, 3])]);
  const colours = graph.node('Mul', [cells, graph.floats([], new Float32Array([1 / 255]))]);
  const dot = graph.node('MatMul', [colours, graph.floats([3, k], weights)]);
  const squares = graph.node('Mul', [colours, colours]);
  const norm = graph.node('MatMul', [
    squares,
    graph.floats([3, 1], new Float32Array([-SHARPNESS, -SHARPNESS, -SHARPNESS])),
  ]);
  const logits = graph.node('Add', [graph.node('Add', [dot, norm]), graph.floats([k], bias)]);
  const best = graph.node('ReduceMax', [logits], { ints: { axes: [1] }, int: { keepdims: 0 } });
  const floored = graph.node('Max', [best, graph.floats([k], floor)]);
  graph.rename(graph.node('Sigmoid', [floored]), options.outputName);
  return graph.encode({
    input: { name: options.inputName, dims: [options.batch, size, size, 3] },
    output: { name: options.outputName, dims: [options.batch, k] },
  });
}

/** The tag file of a kind, in the real files' layout (`tag_id,name,category,count`). */
export function tinyTagsCsv(tags: readonly TinyTag[]): string {
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = tags.map(
    (tag) => `${9000 + tag.index},${quote(tag.name)},${tag.categoryId},${1000 - tag.index}`,
  );
  return `tag_id,name,category,count\n${lines.join('\n')}\n`;
}

/**
 * Writes a tiny tagger model and its tag file into `dir` (`model.onnx` plus `selected_tags.csv` for WD,
 * `tags-selected.csv` for e621, as the real downloads are named) and returns its tag table.
 */
export async function generateTinyTagger(options: {
  kind: TinyTaggerKind;
  dir: string;
  /** A fixed batch dimension (like WD v2 files, fixed to 1); free (`batch`) when left out. */
  fixedBatch?: number;
  inputName?: string;
  outputName?: string;
  /** Input side in pixels (multiple of 4); 448 like the real models. */
  size?: number;
}): Promise<TinyTagger> {
  const defaults = TINY_TAGGER_DEFAULTS[options.kind];
  const tags = tinyTagTable(options.kind);
  const inputName = options.inputName ?? defaults.inputName;
  const outputName = options.outputName ?? defaults.outputName;
  const size = options.size ?? 448;
  const batch = options.fixedBatch ?? 'batch';
  await mkdir(options.dir, { recursive: true });
  const modelPath = join(options.dir, 'model.onnx');
  const tagsPath = join(options.dir, defaults.tagsFile);
  await writeFile(modelPath, buildTinyTaggerModel({ tags, inputName, outputName, size, batch }));
  await writeFile(tagsPath, tinyTagsCsv(tags));
  return { kind: options.kind, modelPath, tagsPath, inputName, outputName, size, batch, tags };
}

/** The colour that gives a tag in a kind's vocabulary. */
export function colourOf(kind: TinyTaggerKind, tag: string): TinyColour {
  const colour = tinyTagTable(kind).find((row) => row.name === tag)?.colour;
  if (!colour) throw new Error(`The tiny ${kind} tagger has no colour for "${tag}"`);
  return colour;
}

/** The score the tiny model gives a tag when the best cell averages `rgb` (0–255). */
export function tinyScore(colour: TinyColour, rgb: readonly [number, number, number]): number {
  const target = TINY_PALETTE[colour];
  const distance = rgb.reduce((sum, value, i) => sum + ((value - (target[i] ?? 0)) / 255) ** 2, 0);
  return 1 / (1 + Math.exp(-SHARPNESS * (RADIUS_SQUARED - distance)));
}

/** The average colour (0–255, fractional) that makes a tag score exactly `score`: its colour moved towards grey. */
export function colourForScore(colour: TinyColour, score: number): [number, number, number] {
  if (!(score > 0 && score < 1)) throw new Error('score must be between 0 and 1');
  const logit = Math.log(score / (1 - score));
  const distance = Math.sqrt(Math.max(0, RADIUS_SQUARED - logit / SHARPNESS));
  const target = TINY_PALETTE[colour].map((v) => v / 255);
  const towards = target.map((v) => 128 / 255 - v);
  const length = Math.hypot(...towards);
  if (distance > length) throw new Error(`score ${score} is too low to reach for ${colour}`);
  return target.map((v, i) => 255 * (v + ((towards[i] ?? 0) * distance) / length)) as [
    number,
    number,
    number,
  ];
}

export type CellPaint = TinyColour | { colour: TinyColour; score?: number };

/**
 * A square grey PNG (or JPEG), 448 px by default, whose cells (row-major, up to 16) carry the given colours,
 * each cell dithered so that its average is exactly the colour that yields the requested score. Other sizes
 * (a multiple of 4, e.g. 512 for sample images) are resized by the tagger: palette colours still score 0.98,
 * intermediate scores move by a little because the filter blends a few pixels at each cell's edge.
 */
export async function paintTaggerImage(
  cells: readonly CellPaint[],
  options: { format?: 'png' | 'jpeg'; size?: number } = {},
): Promise<Buffer> {
  const size = options.size ?? 448;
  const cell = size / GRID;
  if (cells.length > GRID * GRID) throw new Error(`at most ${GRID * GRID} cells`);
  const pixels = Buffer.alloc(size * size * 3, 128);
  cells.forEach((paint, index) => {
    const spec = typeof paint === 'string' ? { colour: paint } : paint;
    const mean =
      spec.score === undefined
        ? ([...TINY_PALETTE[spec.colour]] as [number, number, number])
        : colourForScore(spec.colour, spec.score);
    const top = Math.floor(index / GRID) * cell;
    const left = (index % GRID) * cell;
    const count = cell * cell;
    for (let channel = 0; channel < 3; channel++) {
      const value = mean[channel] ?? 0;
      const base = Math.floor(value);
      const raised = Math.round((value - base) * count);
      for (let p = 0; p < count; p++) {
        // Spread the raised pixels evenly so that any resampling sees the same average.
        const lift = Math.floor(((p + 1) * raised) / count) - Math.floor((p * raised) / count);
        const y = top + Math.floor(p / cell);
        const x = left + (p % cell);
        pixels[(y * size + x) * 3 + channel] = Math.min(255, base + lift);
      }
    }
  });
  const image = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  return options.format === 'jpeg' ? image.jpeg({ quality: 95 }).toBuffer() : image.png().toBuffer();
}

/** An image painted with the colours of these tags (one cell each), for a kind's vocabulary. */
export function paintTagsImage(
  kind: TinyTaggerKind,
  tags: ReadonlyArray<string | { tag: string; score: number }>,
  options: { format?: 'png' | 'jpeg'; size?: number } = {},
): Promise<Buffer> {
  return paintTaggerImage(
    tags.map((t) =>
      typeof t === 'string' ? colourOf(kind, t) : { colour: colourOf(kind, t.tag), score: t.score },
    ),
    options,
  );
}

/** A solid image of one palette colour (any size): every cell, and the padding is white (silent). */
export function solidImage(
  colour: TinyColour | 'grey' | 'white',
  width: number,
  height: number,
): Promise<Buffer> {
  const rgb = colour === 'grey' ? NEUTRAL_GREY : colour === 'white' ? [255, 255, 255] : TINY_PALETTE[colour];
  return sharp({
    create: { width, height, channels: 3, background: { r: rgb[0] ?? 0, g: rgb[1] ?? 0, b: rgb[2] ?? 0 } },
  })
    .png()
    .toBuffer();
}

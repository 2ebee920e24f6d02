import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { cudaProviderInstalled } from '../../src/tagger/model.ts';
import { createTagger, type TaggedImage } from '../../src/tagger/tagger.ts';
import {
  generateTinyTagger,
  paintTaggerImage,
  paintTagsImage,
  solidImage,
  type TinyTagger,
} from '../fakes/tagger/index.ts';

let dir: string;
let wd: TinyTagger;
let e621: TinyTagger;

async function writeImage(name: string, image: Buffer | Promise<Buffer>): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, await image);
  return path;
}

const names = (image: TaggedImage | undefined) => image?.tags.map((t) => t.name) ?? [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-tagger-'));
  wd = await generateTinyTagger({ kind: 'wd', dir: join(dir, 'wd') });
  e621 = await generateTinyTagger({ kind: 'e621', dir: join(dir, 'e621') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createTagger with the WD layout', () => {
  it('returns the tags above the threshold, with caption names, categories and scores', async () => {
    const tagger = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    try {
      const image = await writeImage(
        'traits.png',
        paintTagsImage('wd', [
          'red_eyes',
          'long_hair',
          { tag: 'smile', score: 0.6 },
          { tag: 'hat', score: 0.5 },
        ]),
      );
      const [result] = await tagger.tag([image], { threshold: 0.55 });
      expect(result?.path).toBe(image);
      expect(
        result?.tags.map((t) => [t.name, t.tag, t.category, Number(t.score.toFixed(3)), t.accepted]),
      ).toEqual([
        ['long hair', 'long_hair', 'general', 0.982, true],
        ['red eyes', 'red_eyes', 'general', 0.982, true],
        ['smile', 'smile', 'general', 0.6, true],
      ]);
      const [strict] = await tagger.tag([image], { threshold: 0.7 });
      expect(names(strict)).toEqual(['long hair', 'red eyes']);
    } finally {
      await tagger.close();
    }
  });

  it('reports near misses within the margin as not accepted', async () => {
    const tagger = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    try {
      const image = await writeImage(
        'near.png',
        paintTagsImage('wd', [
          { tag: 'smile', score: 0.5 },
          { tag: 'hat', score: 0.4 },
        ]),
      );
      const [result] = await tagger.tag([image], { threshold: 0.55, margin: 0.1 });
      expect(result?.tags.map((t) => [t.tag, t.accepted])).toEqual([['smile', false]]);
    } finally {
      await tagger.close();
    }
  });

  it('uses the character threshold for character rows, keeps kaomoji and reports the rating', async () => {
    const tagger = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    try {
      const explicit = await writeImage(
        'explicit.png',
        paintTagsImage('wd', [
          { tag: 'hatsune_miku', score: 0.8 },
          '^_^',
          '>_<',
          'explicit',
          { tag: 'sensitive', score: 0.9 },
        ]),
      );
      const plain = await writeImage('plain.png', solidImage('grey', 300, 200));
      const [first, second] = await tagger.tag([explicit, plain], {
        threshold: 0.5,
        characterThreshold: 0.85,
      });
      expect(first?.rating?.name).toBe('explicit');
      expect(names(first).sort()).toEqual(['>_<', '^_^']);
      expect(second).toMatchObject({ rating: { name: 'general', score: 0.5 }, tags: [] });
      const [lenient] = await tagger.tag([explicit], { threshold: 0.5, characterThreshold: 0.75 });
      expect(lenient?.tags.find((t) => t.tag === 'hatsune_miku')).toMatchObject({
        name: 'hatsune miku',
        category: 'character',
      });
      expect(lenient?.tags.some((t) => t.category === 'rating')).toBe(false);
    } finally {
      await tagger.close();
    }
  });

  it('refuses thresholds outside 0–1', async () => {
    const tagger = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    try {
      await expect(tagger.tag([], { threshold: 1.2 })).rejects.toMatchObject({
        code: 'invalid-threshold',
        message: expect.stringContaining('1.2') as string,
      });
      await expect(tagger.tag([], { threshold: 0.5, characterThreshold: -1 })).rejects.toMatchObject({
        code: 'invalid-threshold',
      });
    } finally {
      await tagger.close();
    }
  });

  it('tags a red image red_eyes whatever its size and format, and reads painted cells at other sizes', async () => {
    const tagger = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    try {
      const images = [
        await writeImage('red-small.png', solidImage('red', 64, 64)),
        await writeImage('red-wide.png', solidImage('red', 1200, 700)),
        await writeImage('red.jpg', paintTaggerImage(Array(16).fill('red'), { format: 'jpeg' })),
        await writeImage(
          'sample-512.png',
          paintTagsImage('wd', ['red_eyes', 'sitting', 'outdoors'], { size: 512 }),
        ),
      ];
      const results = await tagger.tag(images, { threshold: 0.55 });
      expect(results.map((r) => names(r).sort())).toEqual([
        ['red eyes'],
        ['red eyes'],
        ['red eyes'],
        ['outdoors', 'red eyes', 'sitting'],
      ]);
    } finally {
      await tagger.close();
    }
  });

  it('names an image it cannot read and tags the rest of its batch', async () => {
    const tagger = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    try {
      const broken = await writeImage('broken.png', Promise.resolve(Buffer.from('nope')));
      const good = await writeImage('good-beside-broken.png', paintTagsImage('wd', ['hat']));
      const [first, second] = await tagger.tag([broken, good], { threshold: 0.5 });
      expect(first).toMatchObject({
        path: broken,
        tags: [],
        error: expect.stringContaining(broken) as string,
      });
      expect(second?.error).toBeUndefined();
      expect(second?.tags.map((tag) => tag.tag)).toContain('hat');
    } finally {
      await tagger.close();
    }
  });
});

describe('batching', () => {
  const tagSets = [
    ['red_eyes'],
    ['hat'],
    ['smile', 'standing'],
    [],
    ['watermark'],
    ['sitting'],
    ['blue_eyes'],
  ];
  let images: string[];
  beforeAll(async () => {
    images = await Promise.all(
      tagSets.map((tags, i) => writeImage(`batch-${i}.png`, paintTagsImage('wd', tags))),
    );
  });
  const expected = tagSets.map((tags) => tags.map((t) => t.replace(/_/g, ' ')).sort());

  it('sends batches when the batch dimension is free, keeping results in order', async () => {
    const tagger = await createTagger({
      modelPath: wd.modelPath,
      tagsPath: wd.tagsPath,
      kind: 'wd',
      batchSize: 3,
    });
    try {
      expect(tagger.info.fixedBatch).toBeNull();
      const results = await tagger.tag(images, { threshold: 0.5 });
      expect(results.map((r) => names(r).sort())).toEqual(expected);
      expect(results.map((r) => r.path)).toEqual(images);
      expect(tagger.stats()).toMatchObject({ images: 7, batches: 3 });
    } finally {
      await tagger.close();
    }
  });

  it('sends one image at a time to a model whose batch is fixed to 1', async () => {
    const fixed = await generateTinyTagger({ kind: 'wd', dir: join(dir, 'fixed-1'), fixedBatch: 1 });
    const tagger = await createTagger({
      modelPath: fixed.modelPath,
      tagsPath: fixed.tagsPath,
      kind: 'wd',
      batchSize: 3,
    });
    try {
      expect(tagger.info.fixedBatch).toBe(1);
      const results = await tagger.tag(images, { threshold: 0.5 });
      expect(results.map((r) => names(r).sort())).toEqual(expected);
      expect(tagger.stats().batches).toBe(7);
    } finally {
      await tagger.close();
    }
  });

  it('pads the last batch of a model with a fixed batch of 4 (here preprocessing the next batch during inference)', async () => {
    const fixed = await generateTinyTagger({ kind: 'wd', dir: join(dir, 'fixed-4'), fixedBatch: 4 });
    const tagger = await createTagger({
      modelPath: fixed.modelPath,
      tagsPath: fixed.tagsPath,
      kind: 'wd',
      prefetch: true,
    });
    try {
      const results = await tagger.tag(images, { threshold: 0.5 });
      expect(results.map((r) => names(r).sort())).toEqual(expected);
      expect(tagger.stats().batches).toBe(2);
    } finally {
      await tagger.close();
    }
  });
});

describe('the e621 tagger layout', () => {
  it('reads e621 categories and has no rating rows', async () => {
    const tagger = await createTagger({ modelPath: e621.modelPath, tagsPath: e621.tagsPath, kind: 'e621' });
    try {
      const image = await writeImage(
        'e621.png',
        paintTagsImage('e621', [
          'fox',
          'example_artist',
          'digital_media_(artwork)',
          'example_series',
          'sample_character',
          'text',
        ]),
      );
      const [result] = await tagger.tag([image], { threshold: 0.7 });
      expect(result?.rating).toBeNull();
      expect(Object.fromEntries(result?.tags.map((t) => [t.name, t.category]) ?? [])).toEqual({
        fox: 'species',
        'example artist': 'artist',
        'digital media (artwork)': 'meta',
        'example series': 'copyright',
        'sample character': 'character',
        text: 'general',
      });
      expect(tagger.tags.vocabulary.has('blue_eyes')).toBe(true);
    } finally {
      await tagger.close();
    }
  });

  it('works with any input/output names and size the model declares', async () => {
    const custom = await generateTinyTagger({
      kind: 'e621',
      dir: join(dir, 'e621-custom'),
      inputName: 'pixels',
      outputName: 'probabilities',
      size: 224,
    });
    const tagger = await createTagger({
      modelPath: custom.modelPath,
      tagsPath: custom.tagsPath,
      kind: 'e621',
    });
    try {
      expect(tagger.info).toMatchObject({ inputName: 'pixels', outputName: 'probabilities', size: 224 });
      const [result] = await tagger.tag(
        [await writeImage('custom.png', paintTagsImage('e621', ['anthro', 'hat']))],
        {
          threshold: 0.7,
        },
      );
      expect(names(result).sort()).toEqual(['anthro', 'hat']);
    } finally {
      await tagger.close();
    }
  });
});

describe('loading', () => {
  it('refuses a tag file whose rows do not match the model’s outputs, naming both files and counts', async () => {
    const error = await createTagger({ modelPath: e621.modelPath, tagsPath: wd.tagsPath, kind: 'wd' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'invalid-model' });
    expect((error as Error).message).toContain(`${wd.tagsPath} has ${wd.tags.length} tags`);
    expect((error as Error).message).toContain(`${e621.modelPath} has ${e621.tags.length} outputs`);
  });

  it('says how to get a missing model or tag file', async () => {
    await expect(
      createTagger({ modelPath: join(dir, 'missing.onnx'), tagsPath: wd.tagsPath, kind: 'wd' }),
    ).rejects.toMatchObject({ code: 'model-missing' });
    await expect(
      createTagger({ modelPath: wd.modelPath, tagsPath: join(dir, 'missing.csv'), kind: 'wd' }),
    ).rejects.toMatchObject({
      code: 'model-missing',
      message: expect.stringContaining('missing.csv') as string,
    });
  });

  it('shares one session per model in the process, until the last user closes', async () => {
    const first = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    const second = await createTagger({ modelPath: wd.modelPath, tagsPath: wd.tagsPath, kind: 'wd' });
    const image = await writeImage('shared.png', paintTagsImage('wd', ['hat']));
    const other = await writeImage('shared-2.png', paintTagsImage('wd', ['sitting', 'smile']));
    const [a, b] = await Promise.all([
      first.tag([image, other], { threshold: 0.5 }),
      second.tag([other, image], { threshold: 0.5 }),
    ]);
    expect([...a, ...b].map((r) => names(r).sort())).toEqual([
      ['hat'],
      ['sitting', 'smile'],
      ['sitting', 'smile'],
      ['hat'],
    ]);
    await first.close();
    expect(names((await second.tag([image], { threshold: 0.5 }))[0])).toEqual(['hat']);
    await second.close();
    await expect(second.tag([image], { threshold: 0.5 })).rejects.toThrow(/closed/);
  });

  it.skipIf(cudaProviderInstalled())(
    'falls back from CUDA to CPU and logs which provider it uses',
    async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString().trim().split('\n'));
          done();
        },
      });
      const cudaDir = await generateTinyTagger({ kind: 'wd', dir: join(dir, 'cuda') });
      const tagger = await createTagger({
        modelPath: cudaDir.modelPath,
        tagsPath: cudaDir.tagsPath,
        kind: 'wd',
        providers: ['cuda', 'cpu'],
        log: createLogger('info', sink),
      });
      try {
        expect(tagger.info.provider).toBe('cpu');
        const messages = lines.map(
          (line) => JSON.parse(line) as { level: number; msg: string; reason?: string },
        );
        expect(messages).toEqual([
          expect.objectContaining({ level: 40, msg: 'tagger: CUDA requested but unavailable; using CPU' }),
          expect.objectContaining({ level: 30, msg: 'tagger: wd model loaded on CPU' }),
        ]);
        expect(messages[0]?.reason).toMatch(/CUDA provider unavailable/);
        const [result] = await tagger.tag(
          [await writeImage('cuda.png', paintTagsImage('wd', ['blue_eyes']))],
          {
            threshold: 0.5,
          },
        );
        expect(names(result)).toEqual(['blue eyes']);
      } finally {
        await tagger.close();
      }
    },
  );
});

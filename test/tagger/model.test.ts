import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cudaProviderInstalled, loadModel, runModel } from '../../src/tagger/model.ts';
import { generateTinyTagger, writeMisshapenModel, type MisshapenVariant } from '../fakes/tagger/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadModel', () => {
  it('reads input/output names, size and batch dimension from the model, not from assumptions', async () => {
    const tiny = await generateTinyTagger({
      kind: 'wd',
      dir: join(dir, 'custom'),
      inputName: 'images',
      outputName: 'scores',
      size: 384,
    });
    const model = await loadModel(tiny.modelPath, ['cpu']);
    expect(model.info).toMatchObject({
      inputName: 'images',
      outputName: 'scores',
      size: 384,
      fixedBatch: null,
      outputCount: tiny.tags.length,
      provider: 'cpu',
    });
    await model.session.release();
  });

  it('sees a fixed batch dimension (WD v2 files are fixed to 1) and pads short batches', async () => {
    const tiny = await generateTinyTagger({ kind: 'e621', dir: join(dir, 'fixed'), fixedBatch: 4 });
    const model = await loadModel(tiny.modelPath, ['cpu']);
    expect(model.info.fixedBatch).toBe(4);
    const perImage = 448 * 448 * 3;
    const pixels = new Float32Array(2 * perImage).fill(128);
    pixels.fill(0, perImage); // second image black: the watermark colour
    const { scores, outputCount } = await runModel(model, pixels, 2);
    expect(outputCount).toBe(tiny.tags.length);
    expect(scores.length).toBe(2 * outputCount);
    const watermark = tiny.tags.find((t) => t.name === 'watermark')?.index ?? -1;
    expect(scores[watermark]).toBeLessThan(0.01);
    expect(scores[outputCount + watermark]).toBeGreaterThan(0.98);
    await expect(runModel(model, new Float32Array(5 * perImage), 5)).rejects.toThrow(/batches of 4/);
    await model.session.release();
  });

  it.skipIf(cudaProviderInstalled())(
    'falls back to CPU when CUDA is requested but its library is missing, and says why',
    async () => {
      const tiny = await generateTinyTagger({ kind: 'wd', dir: join(dir, 'cuda') });
      const model = await loadModel(tiny.modelPath, ['cuda', 'cpu']);
      expect(model.info.provider).toBe('cpu');
      expect(model.info.fallback).toMatch(/CUDA provider unavailable/);
      await model.session.release();
      const auto = await loadModel(tiny.modelPath, 'auto');
      expect(auto.info).toMatchObject({ provider: 'cpu' });
      expect(auto.info.fallback).toBeUndefined();
      await auto.session.release();
    },
  );

  it.each<[MisshapenVariant, RegExp]>([
    ['nchw', /channel-first \(NCHW\)/],
    ['non-square', /448×384, not square/],
    ['one-channel', /1 channels, not 3/],
    ['rank-3', /rank 3, not 4/],
    ['output-rank-3', /output has rank 3, not 2/],
  ])('refuses a %s model, naming the file and what a tagger looks like', async (variant, problem) => {
    const path = join(dir, `${variant}.onnx`);
    await writeMisshapenModel(path, variant);
    const error = await loadModel(path, ['cpu']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-model' });
    const message = (error as Error).message;
    expect(message).toContain(path);
    expect(message).toMatch(problem);
    expect(message).toMatch(/rank-4 NHWC, 3 colour channels, square/);
  });

  it('refuses a corrupt or truncated file, naming it', async () => {
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, Buffer.from('this is not protobuf at all'.repeat(10)));
    await expect(loadModel(garbage, ['cpu'])).rejects.toMatchObject({
      code: 'invalid-model',
      message: expect.stringMatching(new RegExp(`${garbage}.*not a readable ONNX model`)) as string,
    });
    const tiny = await generateTinyTagger({ kind: 'wd', dir: join(dir, 'whole') });
    const truncated = join(dir, 'truncated.onnx');
    const bytes = await readFile(tiny.modelPath);
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(loadModel(truncated, ['cpu'])).rejects.toMatchObject({ code: 'invalid-model' });
  });

  it('says how to get a missing model', async () => {
    const missing = join(dir, 'nowhere', 'model.onnx');
    await expect(loadModel(missing)).rejects.toMatchObject({
      code: 'model-missing',
      message: expect.stringMatching(/nowhere\/model\.onnx.*kiln models download/) as string,
    });
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { assertBaseModelFile, findBaseModel, loadBaseModels } from '../../src/trainer/base-models.ts';
import { temporaryDir } from './helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  tmp = await temporaryDir('kiln-models-');
  await mkdir(join(tmp.dir, 'models'));
  await writeFile(join(tmp.dir, 'models', 'yiffymix.safetensors'), 'weights');
});
afterAll(async () => {
  await tmp.remove();
});

describe('loadBaseModels', () => {
  it('reads a TOML list and resolves relative files against the list folder', async () => {
    const path = join(tmp.dir, 'models.toml');
    await writeFile(
      path,
      '[[models]]\nname = "yiffymix"\nfile = "models/yiffymix.safetensors"\nfamily = "sd1"\ntagStyle = "e621"\nclipSkip = 2\n\n' +
        '[[models]]\nname = "Pony XL"\nfile = "/abs/pony.safetensors"\nfamily = "sdxl"\ntagStyle = "e621"\n',
    );
    expect(await loadBaseModels(path)).toEqual([
      {
        name: 'yiffymix',
        file: join(tmp.dir, 'models/yiffymix.safetensors'),
        family: 'sd1',
        tagStyle: 'e621',
        clipSkip: 2,
      },
      { name: 'Pony XL', file: '/abs/pony.safetensors', family: 'sdxl', tagStyle: 'e621' },
    ]);
  });

  it('reads a JSON array', async () => {
    const path = join(tmp.dir, 'models.json');
    await writeFile(
      path,
      JSON.stringify([{ name: 'a', file: '/a.safetensors', family: 'sd1', tagStyle: 'anime' }]),
    );
    expect(await loadBaseModels(path)).toHaveLength(1);
  });

  it('names what is wrong in an invalid list', async () => {
    const path = join(tmp.dir, 'bad.json');
    await writeFile(path, JSON.stringify([{ name: 'a', file: '/a', family: 'sd2', tagStyle: 'anime' }]));
    await expect(loadBaseModels(path)).rejects.toThrow(/model 1 \([^)]*\): family must be sd1 or sdxl/);
    await writeFile(
      path,
      JSON.stringify([
        { name: 'a', file: '/a', family: 'sd1', tagStyle: 'anime' },
        { name: 'A', file: '/b', family: 'sd1', tagStyle: 'anime' },
      ]),
    );
    await expect(loadBaseModels(path)).rejects.toThrow(/names "A" twice/);
    await expect(loadBaseModels(join(tmp.dir, 'missing.toml'))).rejects.toThrow(
      /Cannot read the base-model list/,
    );
  });
});

describe('findBaseModel and assertBaseModelFile', () => {
  const models = [
    { name: 'yiffymix', file: '', family: 'sd1', tagStyle: 'e621' },
    { name: 'Pony XL', file: '', family: 'sdxl', tagStyle: 'e621' },
  ] as const;

  it('finds a model by name, ignoring case', () => {
    expect(findBaseModel([...models], 'pony xl').name).toBe('Pony XL');
  });

  it('lists the known models for an unknown name', () => {
    expect(() => findBaseModel([...models], 'sd15')).toThrow(
      'Unknown base model "sd15". Known base models: yiffymix, Pony XL.',
    );
  });

  it('names the missing file of a base model', async () => {
    const file = join(tmp.dir, 'models', 'gone.safetensors');
    const error = await assertBaseModelFile({ name: 'gone', file, family: 'sd1', tagStyle: 'anime' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('model-missing');
    expect((error as UserError).message).toBe(
      `The file of base model "gone" is missing on this worker: ${file}`,
    );
    await expect(
      assertBaseModelFile({
        name: 'ok',
        file: join(tmp.dir, 'models', 'yiffymix.safetensors'),
        family: 'sd1',
        tagStyle: 'anime',
      }),
    ).resolves.toBeUndefined();
  });
});

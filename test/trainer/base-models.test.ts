import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { assertBaseModelFile, findBaseModel, loadBaseModels } from '../../src/trainer/base-models.ts';
import { temporaryDir } from './helpers.ts';
import { writeTinyCheckpoint } from '../helpers/checkpoint.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  tmp = await temporaryDir('kiln-models-');
  await mkdir(join(tmp.dir, 'models'));
  writeTinyCheckpoint(join(tmp.dir, 'models', 'yiffymix.safetensors'), 'sd1');
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

/** A minimal, valid safetensors file: one tiny F16 tensor per name, and the given metadata. */
async function writeCheckpoint(
  path: string,
  names: readonly string[],
  metadata: Record<string, string> = {},
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  names.forEach((name, index) => {
    header[name] = { dtype: 'F16', shape: [1], data_offsets: [index * 2, index * 2 + 2] };
  });
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([length, json, Buffer.alloc(names.length * 2)]));
}

const SDXL_TENSORS = [
  'model.diffusion_model.input_blocks.0.0.weight',
  'conditioner.embedders.0.transformer.text_model.final_layer_norm.weight',
];
const SD1_TENSORS = [
  'model.diffusion_model.input_blocks.0.0.weight',
  'cond_stage_model.transformer.text_model.final_layer_norm.weight',
];

describe('base models of today: kind, prediction, prompt prefix', () => {
  const README_LIST =
    '[[models]]\nname = "Illustrious XL"\nfile = "/m/illustriousXL_v01.safetensors"\nkind = "illustrious"\n\n' +
    '[[models]]\nname = "NoobAI eps"\nfile = "/m/noobaiXL_eps11.safetensors"\nkind = "noobai"\n\n' +
    '[[models]]\nname = "NoobAI vpred"\nfile = "/m/noobaiXL_vpred10.safetensors"\nkind = "noobai"\nprediction = "v"\n\n' +
    '[[models]]\nname = "Pony V6"\nfile = "/m/ponyDiffusionV6XL.safetensors"\nkind = "pony"\n\n' +
    '[[models]]\nname = "yiffymix"\nfile = "/m/yiffymix_v36.safetensors"\nfamily = "sd1"\ntagStyle = "e621"\nclipSkip = 2\n';

  it("fills family, tag vocabulary and sample prefix from the kind (the README's example list)", async () => {
    const path = join(tmp.dir, 'today.toml');
    await writeFile(path, README_LIST);
    expect(await loadBaseModels(path)).toEqual([
      {
        name: 'Illustrious XL',
        file: '/m/illustriousXL_v01.safetensors',
        family: 'sdxl',
        tagStyle: 'anime',
        kind: 'illustrious',
      },
      {
        name: 'NoobAI eps',
        file: '/m/noobaiXL_eps11.safetensors',
        family: 'sdxl',
        tagStyle: 'e621',
        kind: 'noobai',
        promptPrefix: 'masterpiece, best quality, newest, absurdres, highres',
      },
      {
        name: 'NoobAI vpred',
        file: '/m/noobaiXL_vpred10.safetensors',
        family: 'sdxl',
        tagStyle: 'e621',
        kind: 'noobai',
        prediction: 'v',
        promptPrefix: 'masterpiece, best quality, newest, absurdres, highres',
      },
      {
        name: 'Pony V6',
        file: '/m/ponyDiffusionV6XL.safetensors',
        family: 'sdxl',
        tagStyle: 'e621',
        kind: 'pony',
        promptPrefix: 'score_9, score_8_up, score_7_up, score_6_up, score_5_up, score_4_up',
      },
      { name: 'yiffymix', file: '/m/yiffymix_v36.safetensors', family: 'sd1', tagStyle: 'e621', clipSkip: 2 },
    ]);
  });

  it('lets the list override a default: tag style, an empty prompt prefix', async () => {
    const path = join(tmp.dir, 'override.json');
    await writeFile(
      path,
      JSON.stringify([
        { name: 'noob', file: '/n.safetensors', kind: 'noobai', tagStyle: 'anime', promptPrefix: '' },
      ]),
    );
    expect(await loadBaseModels(path)).toEqual([
      { name: 'noob', file: '/n.safetensors', family: 'sdxl', tagStyle: 'anime', kind: 'noobai' },
    ]);
  });

  it.each([
    [
      { name: 'Pony XL', file: '/p', family: 'sdxl', tagStyle: 'e621', clipSkip: 2 },
      'model 1 (Pony XL): clipSkip 2 has no effect on SDXL: sd-scripts ignores it there, and SDXL already reads the text encoders\' penultimate layer (what Pony\'s "clip skip 2" means); remove clipSkip',
    ],
    [
      { name: 'pony', file: '/p', kind: 'pony', clipSkip: 2 },
      'model 1 (pony): clipSkip 2 has no effect on SDXL',
    ],
    [
      { name: 'xl', file: '/x', family: 'sdxl', tagStyle: 'e621', v2: true },
      'model 1 (xl): v2 is for SD 2.x models, which Kiln does not train (and sdxl_train_network.py refuses it); remove v2',
    ],
    [
      { name: 'ill', file: '/i', kind: 'illustrious', family: 'sd1' },
      'model 1 (ill): kind illustrious is an SDXL model, but family is sd1; remove family or set it to sdxl',
    ],
    [
      { name: 'x', file: '/x', tagStyle: 'e621' },
      'model 1 (x): family is required (sd1 or sdxl) unless kind is given',
    ],
    [
      { name: 'x', file: '/x', family: 'sd1' },
      'model 1 (x): tagStyle is required (anime or e621) unless kind is given',
    ],
    [
      { name: 'x', file: '/x', kind: 'noobai', prediction: 'vpred' },
      'model 1 (x): prediction must be epsilon or v',
    ],
    [
      { name: 'x', file: '/x', kind: 'animagine' },
      'model 1 (x): kind must be one of illustrious, noobai, pony',
    ],
    [{ name: 'x', file: '/x', kind: 'pony', promptprefix: 'score_9' }, 'promptprefix'],
  ])('refuses %j', async (model, message) => {
    const path = join(tmp.dir, 'refused.json');
    await writeFile(path, JSON.stringify([model]));
    await expect(loadBaseModels(path)).rejects.toThrow(message);
  });
});

describe('assertBaseModelFile reads the checkpoint header', () => {
  const file = (name: string) => join(tmp.dir, 'models', name);

  it('accepts entries their files agree with', async () => {
    await writeCheckpoint(file('noob-v.safetensors'), [...SDXL_TENSORS, 'v_pred', 'ztsnr']);
    await writeCheckpoint(file('pony.safetensors'), SDXL_TENSORS);
    await writeCheckpoint(file('sd1.safetensors'), SD1_TENSORS);
    await expect(
      assertBaseModelFile({
        name: 'v',
        file: file('noob-v.safetensors'),
        family: 'sdxl',
        tagStyle: 'e621',
        prediction: 'v',
      }),
    ).resolves.toBeUndefined();
    await expect(
      assertBaseModelFile({
        name: 'p',
        file: file('pony.safetensors'),
        family: 'sdxl',
        tagStyle: 'e621',
        kind: 'pony',
      }),
    ).resolves.toBeUndefined();
    await expect(
      assertBaseModelFile({ name: 's', file: file('sd1.safetensors'), family: 'sd1', tagStyle: 'anime' }),
    ).resolves.toBeUndefined();
  });

  it('refuses an SDXL kind on an SD 1.x file', async () => {
    await writeCheckpoint(file('really-sd1.safetensors'), SD1_TENSORS);
    const error = await assertBaseModelFile({
      name: 'Illustrious XL',
      file: file('really-sd1.safetensors'),
      family: 'sdxl',
      tagStyle: 'anime',
      kind: 'illustrious',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('invalid-model');
    expect((error as UserError).message).toBe(
      `Base model "Illustrious XL" does not match its file ${file('really-sd1.safetensors')}: the list says family sdxl (kind illustrious), but the file is an SD 1.x checkpoint (its text-encoder keys start with cond_stage_model.transformer.); set family = "sd1" and drop kind or point the entry at the right file. Fix the entry in the base-model list.`,
    );
  });

  it('refuses a v-pred file declared ε, and a v entry whose metadata says ε', async () => {
    await writeCheckpoint(file('vpred.safetensors'), SDXL_TENSORS, { 'modelspec.prediction_type': 'v' });
    await expect(
      assertBaseModelFile({
        name: 'NoobAI',
        file: file('vpred.safetensors'),
        family: 'sdxl',
        tagStyle: 'e621',
        kind: 'noobai',
      }),
    ).rejects.toThrow(
      /v-prediction model \(metadata modelspec\.prediction_type = "v"\).*add prediction = "v"/,
    );
    await writeCheckpoint(file('eps.safetensors'), SDXL_TENSORS, { 'modelspec.prediction_type': 'epsilon' });
    await expect(
      assertBaseModelFile({
        name: 'NoobAI v',
        file: file('eps.safetensors'),
        family: 'sdxl',
        tagStyle: 'e621',
        prediction: 'v',
      }),
    ).rejects.toThrow(/declares prediction = "v" but the file says ε-prediction/);
  });
});

describe('a base model file that is not a checkpoint', () => {
  it('is refused before training, naming the entry, instead of a traceback from sd-scripts', async () => {
    const file = join(tmp.dir, 'models', 'page.safetensors');
    await writeFile(file, '<html>Sign in to download</html>');
    const error = await assertBaseModelFile({ name: 'mix', file, family: 'sd1', tagStyle: 'e621' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('invalid-model');
    expect((error as UserError).message).toMatch(
      /^The file of base model "mix" is not a readable \.safetensors checkpoint \(.+\); replace the file on the worker \(kiln doctor shows it\)\.$/,
    );
  });
});

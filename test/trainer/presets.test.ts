import { beforeAll, describe, expect, it } from 'vitest';
import { buildSamplePrompts } from '../../src/core/epochs/prompts.ts';
import { KIND_DEFAULTS, PONY_SCORE_PREFIX } from '../../src/core/training/base-model-kinds.ts';
import { planTraining, type BaseModel, type Preset } from '../../src/core/training/plan.ts';
import { buildTrainerConfig, parseToml, toToml, type TrainerConfig } from '../../src/trainer/config.ts';
import {
  loadSdScriptsReference,
  validateConfigToml,
  validateDatasetToml,
  type SdScriptsReference,
} from '../../src/trainer/reference.ts';
import { REFERENCE_DIR } from './helpers.ts';

/**
 * Every preset Kiln writes, checked against sd-scripts' option and dataset tables, with the options that make
 * each base model train right. (The same files were run through sd-scripts' own parser and checks; see the
 * i15 report.)
 */

let reference: SdScriptsReference;
beforeAll(async () => {
  reference = await loadSdScriptsReference(REFERENCE_DIR);
});

const entry = (name: string, extra: Partial<BaseModel>): BaseModel => ({
  name,
  file: `/models/${name}.safetensors`,
  family: 'sdxl',
  tagStyle: 'e621',
  ...extra,
});
/** As loadBaseModels makes them from `kind = "…"` (tested in base-models.test.ts). */
const fromKind = (name: string, kind: 'illustrious' | 'noobai' | 'pony', extra: Partial<BaseModel> = {}) =>
  entry(name, {
    kind,
    family: KIND_DEFAULTS[kind].family,
    tagStyle: KIND_DEFAULTS[kind].tagStyle,
    ...(KIND_DEFAULTS[kind].promptPrefix ? { promptPrefix: KIND_DEFAULTS[kind].promptPrefix } : {}),
    ...extra,
  });

const MODELS = {
  sd1: entry('yiffymix', { family: 'sd1', tagStyle: 'anime', clipSkip: 2 }),
  illustrious: fromKind('illustrious', 'illustrious'),
  noobaiEps: fromKind('noobai-eps', 'noobai'),
  noobaiV: fromKind('noobai-v', 'noobai', { prediction: 'v' }),
  pony: fromKind('pony', 'pony'),
} as const;

function build(baseModel: BaseModel, preset: Preset = 'full', locon = false): TrainerConfig {
  const plan = planTraining({ imageCount: 81, headshotCount: 12, baseModel, preset, locon });
  // The epoch check's prompts in the base model's own tag vocabulary, as the worker builds them.
  const prompts = buildSamplePrompts({
    mainTag: 'krystal',
    family: baseModel.tagStyle,
    datasetTags: new Map(),
  });
  return buildTrainerConfig({
    plan,
    imageDir: '/run/img/10_krystal',
    mainTag: 'krystal',
    baseModelPath: baseModel.file,
    outputDir: '/run/output',
    outputName: 'krystal',
    samplePromptsPath: '/run/sample_prompts.txt',
    samplePrompts: prompts.map((prompt, index) => ({ prompt: prompt.prompt, seeds: [1000 + index] })),
  });
}

describe('every preset passes the sd-scripts option and dataset tables', () => {
  for (const [name, model] of Object.entries(MODELS)) {
    for (const preset of ['full', 'trash'] as const) {
      for (const locon of [false, true]) {
        it(`${name}, ${preset}${locon ? ', LoCon' : ''}`, () => {
          const built = build(model, preset, locon);
          expect(built.script).toBe(model.family === 'sdxl' ? 'sdxl_train_network.py' : 'train_network.py');
          expect(validateConfigToml(parseToml(toToml(built.config)), reference, built.script)).toEqual([]);
          expect(validateDatasetToml(parseToml(toToml(built.dataset as never)), reference)).toEqual([]);
        });
      }
    }
  }
});

const SDXL_KEYS = [
  'v2',
  'clip_skip',
  'v_parameterization',
  'zero_terminal_snr',
  'v_pred_like_loss',
  'noise_offset',
  'min_snr_gamma',
  'optimizer_type',
  'optimizer_args',
  'max_grad_norm',
  'network_train_unet_only',
  'network_dim',
  'network_alpha',
  'resolution',
  'no_half_vae',
  'gradient_checkpointing',
] as const;
const pick = (config: TrainerConfig['config']) =>
  Object.fromEntries(SDXL_KEYS.filter((key) => key in config).map((key) => [key, config[key]]));

describe('the sd-scripts options of each base model', () => {
  it('SD 1.x: the guide (AdamW, dim 128/alpha 64, 768) and its clip skip, nothing of SDXL', () => {
    const built = build(MODELS.sd1);
    expect(pick(built.config)).toEqual({
      clip_skip: 2n,
      optimizer_type: 'AdamW',
      network_dim: 128n,
      network_alpha: 64,
      resolution: '768',
    });
    expect(built.dataset.datasets[0]).toMatchObject({ resolution: 768n, batch_size: 5n });
  });

  const SDXL_EPSILON = {
    optimizer_type: 'Adafactor',
    optimizer_args: ['scale_parameter=False', 'relative_step=False', 'warmup_init=False'],
    max_grad_norm: 0,
    min_snr_gamma: 5,
    noise_offset: 0.0357,
    network_dim: 32n,
    network_alpha: 16,
    resolution: '1024',
    no_half_vae: true,
    gradient_checkpointing: true,
  };

  it('SDXL ε (Illustrious-like and NoobAI-like): 1024, Adafactor, min SNR, noise offset, no clip skip or v2', () => {
    for (const model of [MODELS.illustrious, MODELS.noobaiEps]) {
      const built = build(model);
      expect(built.script).toBe('sdxl_train_network.py');
      expect(pick(built.config)).toEqual(SDXL_EPSILON);
      expect(built.config.text_encoder_lr).toEqual([(1.1 / (10 * 10 * 81)) * 0.1]);
      expect(built.dataset.general).toMatchObject({ min_bucket_reso: 640n, max_bucket_reso: 1920n });
      expect(built.dataset.datasets[0]).toMatchObject({ resolution: 1024n, batch_size: 4n });
    }
  });

  it('SDXL v-pred: v_parameterization with zero_terminal_snr, no noise offset, never v_pred_like_loss', () => {
    const { noise_offset: _dropped, ...rest } = SDXL_EPSILON;
    expect(pick(build(MODELS.noobaiV).config)).toEqual({
      ...rest,
      v_parameterization: true,
      zero_terminal_snr: true,
    });
    expect(pick(build(MODELS.noobaiV, 'trash').config)).toMatchObject({
      v_parameterization: true,
      zero_terminal_snr: true,
      network_train_unet_only: true,
      resolution: '768',
    });
  });

  it('SDXL trash-tier trains the U-Net only at 768, batch 7', () => {
    const built = build(MODELS.pony, 'trash');
    expect(built.config.network_train_unet_only).toBe(true);
    expect(built.config.text_encoder_lr).toEqual([0]);
    expect(built.dataset.datasets[0]).toMatchObject({ resolution: 768n, batch_size: 7n });
  });
});

describe('captions and sample prompts per base model', () => {
  const promptFile = (model: BaseModel): string[] => build(model).samples?.text.trim().split('\n') ?? [];

  it('gives Illustrious Danbooru tags and NoobAI e621 tags, from the same dataset', () => {
    expect(MODELS.illustrious.tagStyle).toBe('anime');
    expect(MODELS.noobaiEps.tagStyle).toBe('e621');
    expect(promptFile(MODELS.illustrious)).toEqual([
      'krystal --w 1024 --h 1024 --d 1000 --l 7 --s 28',
      'krystal, sitting, from side, outdoors --w 1024 --h 1024 --d 1001 --l 7 --s 28',
    ]);
    expect(promptFile(MODELS.noobaiEps)).toEqual([
      'masterpiece, best quality, newest, absurdres, highres, krystal --w 1024 --h 1024 --d 1000 --l 7 --s 28',
      'masterpiece, best quality, newest, absurdres, highres, krystal, sitting, side view, outside --w 1024 --h 1024 --d 1001 --l 7 --s 28',
    ]);
  });

  it("puts Pony's score tags before every sample prompt, once", () => {
    const lines = promptFile(MODELS.pony);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.startsWith(`${PONY_SCORE_PREFIX}, krystal`)).toBe(true);
    expect(PONY_SCORE_PREFIX).toBe('score_9, score_8_up, score_7_up, score_6_up, score_5_up, score_4_up');
    const owner = buildTrainerConfig({
      plan: planTraining({ imageCount: 81, baseModel: MODELS.pony }),
      imageDir: '/i',
      mainTag: 'krystal',
      baseModelPath: '/m',
      outputDir: '/o',
      outputName: 'k',
      samplePromptsPath: '/p.txt',
      samplePrompts: [{ prompt: `${PONY_SCORE_PREFIX}, krystal, rating_safe`, seeds: [1] }],
    });
    expect(owner.samples?.text).toBe(
      `${PONY_SCORE_PREFIX}, krystal, rating_safe --w 1024 --h 1024 --d 1 --l 7 --s 28\n`,
    );
  });

  it('leaves SD 1.x prompts as they were', () => {
    expect(promptFile(MODELS.sd1)[0]).toBe('krystal --w 768 --h 768 --d 1000 --l 7 --s 28');
  });
});

import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { FAMILY_PRESETS } from '../../../src/core/training/family-presets.ts';
import {
  batchSizeFor,
  planLines,
  planTraining,
  PRESETS,
  type BaseModel,
} from '../../../src/core/training/plan.ts';

const illustrious: BaseModel = {
  name: 'illustrious',
  file: '/m/illustrious.safetensors',
  family: 'sdxl',
  tagStyle: 'anime',
  kind: 'illustrious',
};
const noobaiV: BaseModel = {
  name: 'noobai-v',
  file: '/m/noobai-v.safetensors',
  family: 'sdxl',
  tagStyle: 'e621',
  kind: 'noobai',
  prediction: 'v',
};
const sd1: BaseModel = { name: 'yiffymix', file: '/m/y.safetensors', family: 'sd1', tagStyle: 'e621' };

const lineOf = (plan: ReturnType<typeof planTraining>, label: string) =>
  planLines(plan).find((line) => line.label === label);

describe('SD 1.x keeps the guide', () => {
  it('has the guide numbers in its preset table', () => {
    expect(FAMILY_PRESETS.sd1.full).toMatchObject({
      resolution: 768,
      minBucket: 480,
      maxBucket: 1440,
      batchAt24Gb: 5,
      networkDim: 128,
      networkAlpha: 64,
      textEncoderRatio: 0.5,
      optimizer: { type: 'AdamW', args: [] },
      minSnrGamma: null,
      noiseOffset: null,
    });
    expect(PRESETS.trash).toMatchObject({ resolution: 512, minBucket: 320, maxBucket: 960, batchAt24Gb: 12 });
  });

  it('plans ε, AdamW and no loss weighting, with no "Versus the guide" line', () => {
    const plan = planTraining({ imageCount: 81, headshotCount: 12, baseModel: sd1 });
    expect(plan.loss?.value).toEqual({
      prediction: 'epsilon',
      vParameterization: false,
      zeroTerminalSnr: false,
      minSnrGamma: null,
      noiseOffset: null,
    });
    expect(plan.optimizer?.value.type).toBe('AdamW');
    expect(lineOf(plan, 'Versus the guide')).toBeUndefined();
    expect(lineOf(plan, 'Optimizer')?.why).toContain('L = S/(R·E·I)');
  });
});

describe('the SDXL preset', () => {
  const plan = planTraining({ imageCount: 81, headshotCount: 12, baseModel: illustrious });

  it('trains at 1024 with the guide-ratio buckets, batch 4, dim 32/alpha 16, TE at 0.1 L, Adafactor, min SNR 5', () => {
    expect(plan.resolution.value).toBe(1024);
    expect(plan.buckets.value).toMatchObject({ min: 640, max: 1920, steps: 64 });
    expect(plan.batchSize.value).toBe(4);
    expect(plan.network.value).toEqual({ module: 'networks.lora', dim: 32, alpha: 16 });
    expect(plan.learningRate.value).toBe(1.1 / (10 * 10 * 81));
    expect(plan.textEncoderLr.value).toEqual({ lr: (1.1 / (10 * 10 * 81)) * 0.1, ratio: 0.1 });
    expect(plan.optimizer?.value).toEqual({
      type: 'Adafactor',
      args: ['scale_parameter=False', 'relative_step=False', 'warmup_init=False'],
      maxGradNorm: 0,
    });
    expect(plan.loss?.value).toEqual({
      prediction: 'epsilon',
      vParameterization: false,
      zeroTerminalSnr: false,
      minSnrGamma: 5,
      noiseOffset: 0.0357,
    });
  });

  it('names the source of every number on the plan lines', () => {
    expect(lineOf(plan, 'Resolution')?.why).toContain("Civitai's trainer uses 1024");
    expect(lineOf(plan, 'Buckets')?.why).toContain("the guide's spread (0.625× to 1.875× the resolution)");
    expect(lineOf(plan, 'Batch size')?.why).toContain("Civitai's SDXL batch 4");
    expect(lineOf(plan, 'Network')?.why).toContain("Civitai's SDXL default dim 32, alpha 16");
    expect(lineOf(plan, 'Learning rate (L)')?.why).toContain(
      "L = S / (R·E·I) = 1.1 / (10 · 10 · 81) = 0.00013580246913580247 (1.358e-4); used for the U-Net; the guide's rule still holds for SDXL: Civitai's SDXL default, 5e-4 over about 2000 image-steps, is S ≈ 1.0",
    );
    expect(lineOf(plan, 'Text encoder LR')?.why).toContain('0.1 × L, not the guide');
    expect(lineOf(plan, 'Optimizer')?.value).toBe(
      'Adafactor scale_parameter=False relative_step=False warmup_init=False',
    );
    expect(lineOf(plan, 'Optimizer')?.why).toContain("Civitai's SDXL optimizer");
    expect(lineOf(plan, 'Loss')?.value).toBe('ε-prediction, min SNR γ 5, noise offset 0.0357');
    expect(lineOf(plan, 'Loss')?.why).toContain('sd-scripts sdxl_train_util');
    const versus = lineOf(plan, 'Versus the guide');
    expect(versus?.value).toBe('SDXL preset');
    expect(versus?.why).toBe(
      "1024 instead of 768: SDXL was trained at 1024²; dim 32/alpha 16 instead of 128/64: SDXL's LoRA is about 3× larger at one dim; text encoders at 0.1 × L instead of 0.5: SDXL's two encoders over-train fast; Adafactor instead of AdamW, min SNR 5: Civitai's SDXL defaults; no clip skip: SDXL always reads the penultimate layer",
    );
    expect(plan.warnings.join(' ')).not.toContain("outside the guide's 0.5–0.6");
    expect(plan.warnings.join(' ')).toContain("SDXL: the guide's numbers are for SD 1.x");
  });

  it('marks v-prediction with zero-terminal SNR and drops the noise offset', () => {
    const vPlan = planTraining({ imageCount: 81, headshotCount: 12, baseModel: noobaiV });
    expect(vPlan.loss?.value).toEqual({
      prediction: 'v',
      vParameterization: true,
      zeroTerminalSnr: true,
      minSnrGamma: 5,
      noiseOffset: null,
    });
    expect(lineOf(vPlan, 'Loss')?.value).toBe('v-prediction, zero-terminal SNR, min SNR γ 5');
  });

  it('keeps trash-tier fast and rough: 768, batch 7, U-Net only', () => {
    const trash = planTraining({
      imageCount: 81,
      headshotCount: 12,
      baseModel: illustrious,
      preset: 'trash',
    });
    expect(trash.resolution.value).toBe(768);
    expect(trash.batchSize.value).toBe(7);
    expect(trash.batchSize.why).toContain('floor(4 × 1024² / 768²) = 7');
    expect(trash.textEncoderLr.value).toEqual({ lr: 0, ratio: 0 });
    expect(trash.textEncoderLr.why).toContain('network_train_unet_only');
    expect(trash.warnings.join(' ')).not.toContain('Text encoder ratio 0');
    expect(trash.buckets.why).toContain('really uses 448–1472');
    expect(batchSizeFor('trash', 24, 'sdxl')).toBe(7);
    expect(batchSizeFor('full', 48, 'sdxl')).toBe(8);
  });

  it('refuses a GPU too small for one image per step, naming the memory needed', () => {
    let error: unknown;
    try {
      planTraining({ imageCount: 81, baseModel: illustrious, gpuMemoryGb: 5 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      'The full preset for SDXL at 1024² needs about 6 GB of GPU memory for one image per step (4 on 24 GB); this worker has 5 GB. Use the trash-tier preset, an SD 1.x model or a larger GPU.',
    );
    expect(planTraining({ imageCount: 81, baseModel: illustrious, gpuMemoryGb: 6 }).batchSize.value).toBe(1);
    // The owner's batch size is taken as given.
    expect(
      planTraining({ imageCount: 81, baseModel: illustrious, gpuMemoryGb: 5, batchSize: 1 }).batchSize.value,
    ).toBe(1);
  });
});

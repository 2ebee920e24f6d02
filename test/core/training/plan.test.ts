import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import {
  batchSizeFor,
  formatScientific,
  planLines,
  planTraining,
  type BaseModel,
} from '../../../src/core/training/plan.ts';

const sdxl: BaseModel = { name: 'pony', file: '/models/pony.safetensors', family: 'sdxl', tagStyle: 'e621' };

function expectPlanError(run: () => unknown, pattern: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('invalid-plan');
    expect((error as UserError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an invalid-plan error');
}

describe('planTraining with the guide example (81 images, S 1.1)', () => {
  const plan = planTraining({ imageCount: 81, headshotCount: 20 });

  it('computes L = 1.1 / (10·10·81) exactly as the guide prints it', () => {
    expect(plan.learningRate.value).toBe(0.00013580246913580247);
    expect(formatScientific(plan.learningRate.value)).toBe('1.358e-4');
    expect(plan.learningRate.why).toContain('1.1 / (10 · 10 · 81) = 0.00013580246913580247 (1.358e-4)');
  });

  it('sets the text encoder LR to 0.5 × L', () => {
    expect(plan.textEncoderLr.value).toEqual({ lr: 0.00013580246913580247 * 0.5, ratio: 0.5 });
    expect(plan.textEncoderLr.why).toContain('0.5 × 1.358e-4');
  });

  it('uses the full preset by default: 768, batch 5 on 24 GB, buckets snapped to 448–1472', () => {
    expect(plan.resolution.value).toBe(768);
    expect(plan.batchSize.value).toBe(5);
    expect(plan.buckets.value).toMatchObject({
      min: 448,
      max: 1472,
      steps: 64,
      requestedMin: 480,
      requestedMax: 1440,
      count: 17,
    });
    expect(plan.buckets.why).toContain('448–1472');
  });

  it('counts at least ceil(81·10/5)·10 = 1620 steps and says it is a lower bound', () => {
    expect(plan.stepsPerEpoch.value).toEqual({ steps: 162, exact: false });
    expect(plan.totalSteps.value).toEqual({ steps: 1620, exact: false });
    expect(plan.totalSteps.why).toContain('at least');
  });

  it('keeps the guide network, captions and repeat settings', () => {
    expect(plan.repeats.value).toBe(10);
    expect(plan.epochs.value).toBe(10);
    expect(plan.network.value).toEqual({ module: 'networks.lora', dim: 128, alpha: 64 });
    expect(plan.conv.value).toBeNull();
    expect(plan.captions.value).toEqual({ shuffle: true, keepTokens: 1 });
    expect(plan.warnings).toEqual([]);
  });

  it('states the timing assumption in the estimate', () => {
    // 1620 steps × batch 5 × (1.01/12) s × 2.25 for 768².
    expect(plan.estimatedSeconds.value).toBeCloseTo(1620 * 5 * (1.01 / 12) * 2.25, 6);
    expect(plan.estimatedSeconds.why).toMatch(/RTX 4090-class/);
  });

  it('gives every plan line a reason', () => {
    const lines = planLines(plan);
    expect(lines.length).toBeGreaterThan(15);
    for (const line of lines) expect(line.why.length).toBeGreaterThan(5);
    expect(lines.find((line) => line.label === 'Learning rate (L)')?.value).toBe('1.358e-4');
  });
});

describe('planTraining presets and hardware', () => {
  it('trash-tier trains at 512 with buckets 320–960 and batch 12 on 24 GB: ceil(810/12)·10 = 680 steps', () => {
    const plan = planTraining({ imageCount: 81, headshotCount: 20, preset: 'trash' });
    expect(plan.resolution.value).toBe(512);
    expect(plan.buckets.value).toMatchObject({ min: 320, max: 960, count: 9 });
    expect(plan.batchSize.value).toBe(12);
    expect(plan.totalSteps.value.steps).toBe(680);
  });

  it('scales the batch size with GPU memory, never below 1', () => {
    expect(batchSizeFor('trash', 24)).toBe(12);
    expect(batchSizeFor('full', 24)).toBe(5);
    expect(batchSizeFor('trash', 12)).toBe(6);
    expect(batchSizeFor('full', 16)).toBe(3);
    expect(batchSizeFor('full', 80)).toBe(16);
    expect(batchSizeFor('full', 4)).toBe(1);
    const plan = planTraining({ imageCount: 60, headshotCount: 10, gpuMemoryGb: 12 });
    expect(plan.batchSize.why).toContain('floor(5 × 12 / 24) = 2');
  });

  it('lets the owner override the batch size and says so', () => {
    const plan = planTraining({ imageCount: 60, headshotCount: 10, batchSize: 3 });
    expect(plan.batchSize.value).toBe(3);
    expect(plan.batchSize.why).toContain('set by hand');
  });

  it('counts steps per bucket exactly when image sizes are known', () => {
    // 512 preset: 2 squares → 512×512, 1 at 3:4 → 448×576. Batch 12, 10 repeats: ceil(20/12) + ceil(10/12) = 3.
    const plan = planTraining({
      imageCount: 3,
      headshotCount: 1,
      preset: 'trash',
      imageSizes: [
        { width: 1000, height: 1000 },
        { width: 2000, height: 2000 },
        { width: 600, height: 800 },
      ],
    });
    expect(plan.stepsPerEpoch.value).toEqual({ steps: 3, exact: true });
    expect(plan.totalSteps.value).toEqual({ steps: 30, exact: true });
  });

  it('turns LoCon on with conv dim and alpha 32', () => {
    const plan = planTraining({ imageCount: 60, headshotCount: 10, locon: true });
    expect(plan.conv.value).toEqual({ dim: 32, alpha: 32 });
  });

  it('takes the family from the base model and warns about SDXL memory', () => {
    const plan = planTraining({ imageCount: 60, headshotCount: 10, baseModel: sdxl });
    expect(plan.family).toBe('sdxl');
    expect(plan.warnings.join(' ')).toMatch(/SDXL/);
    expect(plan.estimatedSeconds.why).toContain('× 3 for SDXL');
  });

  it('keeps the main tag count as keep_tokens', () => {
    expect(
      planTraining({ imageCount: 60, headshotCount: 10, mainTagCount: 2 }).captions.value.keepTokens,
    ).toBe(2);
  });
});

describe('planTraining refuses input no training could use', () => {
  it.each([0, 1, 1.5, Number.NaN])('refuses %s images', (imageCount) => {
    expectPlanError(() => planTraining({ imageCount }), /at least 2 training images/);
  });

  it.each([0, -1, 3.01, Number.POSITIVE_INFINITY])('refuses strength %s', (strength) => {
    expectPlanError(
      () => planTraining({ imageCount: 60, strength }),
      /Strength must be above 0 and at most 3/,
    );
  });

  it('accepts strength 3 exactly', () => {
    expect(planTraining({ imageCount: 60, strength: 3 }).strength.value).toBe(3);
  });

  it('refuses more headshots than images', () => {
    expectPlanError(() => planTraining({ imageCount: 10, headshotCount: 11 }), /headshot count/);
  });

  it('refuses a fractional repeat count and non-positive GPU memory', () => {
    expectPlanError(() => planTraining({ imageCount: 10, repeats: 2.5 }), /Repeats/);
    expectPlanError(() => planTraining({ imageCount: 10, gpuMemoryGb: 0 }), /GPU memory/);
  });

  it('refuses image sizes that do not match the image count', () => {
    expectPlanError(
      () => planTraining({ imageCount: 3, imageSizes: [{ width: 10, height: 10 }] }),
      /1 image sizes for 3 images/,
    );
  });
});

describe('planTraining warnings', () => {
  it('warns under 50 images and without headshots', () => {
    const plan = planTraining({ imageCount: 30 });
    expect(plan.warnings.some((w) => w.includes('Only 30 images'))).toBe(true);
    expect(plan.warnings.some((w) => w.includes('No headshots'))).toBe(true);
  });

  it('warns about a low strength and a text encoder ratio outside 0.5–0.6', () => {
    const plan = planTraining({ imageCount: 60, headshotCount: 10, strength: 0.8, textEncoderRatio: 0.9 });
    expect(plan.warnings.some((w) => w.includes('below 1.0'))).toBe(true);
    expect(plan.warnings.some((w) => w.includes('outside the guide'))).toBe(true);
  });
});

describe('the per-epoch samples in the estimate', () => {
  it('counts every sample image of every epoch and shows them as their own plan line', () => {
    const without = planTraining({ imageCount: 40 });
    const withSamples = planTraining({
      imageCount: 40,
      sampleImagesPerEpoch: 8,
      sampleBreakdown: '4 prompts × 2 seeds',
    });
    // 8 images × 10 epochs × 2.8 s × (768/512)² = 504 s.
    expect(withSamples.estimatedSeconds.value - without.estimatedSeconds.value).toBeCloseTo(504, 6);
    expect(withSamples.epochSamples?.value.imagesPerEpoch).toBe(8);
    expect(withSamples.epochSamples?.value.seconds).toBeCloseTo(504, 6);
    expect(withSamples.estimatedSeconds.why).toContain(
      'per-epoch samples: 8 images (4 prompts × 2 seeds) × 10 epochs ≈ 8 min',
    );
    const line = planLines(withSamples).find((l) => l.label === 'Epoch samples');
    expect(line?.value).toBe('8 per epoch, ≈ 8 min of the estimate');
    expect(planLines(without).find((l) => l.label === 'Epoch samples')?.value).toBe('off');
  });
});

describe('the bucket warning', () => {
  it('names images no bucket holds well, in the plan every caller shows', () => {
    const sizes = [
      ...Array.from({ length: 9 }, () => ({ width: 768, height: 1024 })),
      { width: 600, height: 3000 },
    ];
    const plan = planTraining({ imageCount: 10, headshotCount: 3, imageSizes: sizes });
    expect(plan.warnings).toContainEqual(
      '1 image(s) are too tall or wide for the 768 buckets and would lose over 20% to cropping (600×3000): crop them into parts.',
    );
    const fits = planTraining({ imageCount: 9, headshotCount: 3, imageSizes: sizes.slice(0, 9) });
    expect(fits.warnings.some((warning) => warning.includes('too tall or wide'))).toBe(false);
  });
});

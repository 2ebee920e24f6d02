// Long file: the guide's training plan reads as one derivation, every number next to its reason.
import { UserError } from '../errors.ts';
import {
  assignBucket,
  bucketResolutions,
  cropLoss,
  snapBucketRange,
  stepsPerEpochForSizes,
  type BucketRange,
  type Size,
} from './buckets.ts';
import type { BaseModelKind } from './base-model-kinds.ts';
import { familyPreset, type FamilyPreset, type OptimizerSettings } from './family-presets.ts';

/**
 * The guide's training plan (step 6 and the trash-tier process) as one pure function: every number the training
 * uses, each with the reason it has that value, so the plan card and `kiln plan` can show their working.
 */

export type { ModelFamily, Prediction, Preset, TagStyle } from './vocabulary.ts';
import type { ModelFamily, Prediction, Preset, TagStyle } from './vocabulary.ts';

/** More of an image than this cropped away by its bucket is worth a warning (the guide: crop such images). */
export const MAX_BUCKET_CROP_LOSS = 0.2;

export interface BaseModel {
  name: string;
  /** Path of the checkpoint on the GPU worker (as configured in the base-model list). */
  file: string;
  family: ModelFamily;
  /** Which tagger's vocabulary the model understands best (guide step 5: anime tags vs e621 tags). */
  tagStyle: TagStyle;
  /** CLIP skip to train with; SD1.x anime models usually use 2. */
  clipSkip?: number;
  /** Absent means ε. */
  prediction?: Prediction;
  /** A named SDXL model whose defaults apply (base-model-kinds.ts). */
  kind?: BaseModelKind;
  /** Put before every sample prompt (Pony's score tags). */
  promptPrefix?: string;
}

export interface PresetSettings {
  resolution: number;
  minBucket: number;
  maxBucket: number;
  /** Batch size the guide measured on a 24 GB RTX 4090. */
  batchAt24Gb: number;
}

/** Guide step 6 for SD 1.x (the SDXL presets are in family-presets.ts). */
export const PRESETS: Readonly<Record<Preset, PresetSettings>> = {
  full: familyPreset('sd1', 'full'),
  trash: familyPreset('sd1', 'trash'),
};

/**
 * Timing assumptions for the estimate. One "sample" is one image passing through one training step. The figure is
 * an RTX 4090-class card at 512² on SD1.x, about 1 s per step at batch 12 (the rate in the sd-scripts reference's
 * example progress line); larger images cost in proportion to their pixels, SDXL about 3× (its U-Net is about three
 * times SD1.5's). Sample images: 28 sampling steps at about 10 it/s at 512².
 */
export interface TimingAssumptions {
  secondsPerSampleAt512: number;
  sdxlFactor: number;
  secondsPerPreviewAt512: number;
}

export const DEFAULT_TIMING: TimingAssumptions = {
  secondsPerSampleAt512: 1.01 / 12,
  sdxlFactor: 3,
  secondsPerPreviewAt512: 2.8,
};

export const PLAN_DEFAULTS = {
  strength: 1.1,
  repeats: 10,
  epochs: 10,
  preset: 'full' as Preset,
  gpuMemoryGb: 24,
  networkDim: 128,
  networkAlpha: 64,
  convDim: 32,
  convAlpha: 32,
  /**
   * The guide multiplies by "0.5 or 0.6". We take 0.5: the text encoder learns faster than the U-Net, and an
   * over-trained text encoder is what makes a LoRA force its poses and styles onto every prompt (the guide's
   * flexibility test); the owner can raise it to 0.6.
   */
  textEncoderRatio: 0.5,
  mainTagCount: 1,
  bucketResoSteps: 64,
} as const;

/** Strength limits: S ≤ 0 trains nothing; far above the guide's 1.1–1.2 only burns the model. */
export const STRENGTH_MAX = 3;
export const GUIDE_IMAGE_TARGET = { min: 50, max: 100 } as const;
/** Below this share of headshots the face gets little weight (the guide: "a good number of headshots"). */
export const HEADSHOT_SHARE_WARNING = 0.1;

export interface PlanInput {
  /** Images that will be trained: kept images plus crops (each crop is its own image). */
  imageCount: number;
  headshotCount?: number;
  strength?: number;
  repeats?: number;
  epochs?: number;
  preset?: Preset;
  gpuMemoryGb?: number;
  /** Overrides the batch size derived from GPU memory. */
  batchSize?: number;
  locon?: boolean;
  networkDim?: number;
  networkAlpha?: number;
  textEncoderRatio?: number;
  /** Main tags at the start of every caption (keep_tokens). */
  mainTagCount?: number;
  baseModel?: BaseModel;
  /** Image sizes after crops; when given, steps are counted per bucket exactly as sd-scripts does. */
  imageSizes?: readonly Size[];
  /** Sample images rendered at each epoch end (prompt lines × seeds); counted in the time estimate. */
  sampleImagesPerEpoch?: number;
  /** How the sample images come about (e.g. "4 prompts × 2 seeds"), for the explanation. */
  sampleBreakdown?: string;
  timing?: TimingAssumptions;
}

export interface Explained<T> {
  value: T;
  why: string;
}

export interface TrainingPlan {
  preset: Preset;
  baseModel: BaseModel | null;
  family: ModelFamily;
  images: Explained<number>;
  headshots: Explained<{ count: number; share: number }>;
  repeats: Explained<number>;
  epochs: Explained<number>;
  strength: Explained<number>;
  /** L = S / (R·E·I); used for `learning_rate` and `unet_lr`. */
  learningRate: Explained<number>;
  textEncoderLr: Explained<{ lr: number; ratio: number }>;
  resolution: Explained<number>;
  buckets: Explained<BucketRange & { requestedMin: number; requestedMax: number; count: number }>;
  batchSize: Explained<number>;
  stepsPerEpoch: Explained<{ steps: number; exact: boolean }>;
  totalSteps: Explained<{ steps: number; exact: boolean }>;
  estimatedSeconds: Explained<number>;
  /** The per-epoch samples' part of the estimate (absent in plans stored before it existed). */
  epochSamples?: Explained<{ imagesPerEpoch: number; seconds: number }>;
  network: Explained<{ module: 'networks.lora'; dim: number; alpha: number }>;
  conv: Explained<{ dim: number; alpha: number } | null>;
  captions: Explained<{ shuffle: boolean; keepTokens: number }>;
  /** Absent in plans stored before the SDXL presets (they were all AdamW, ε, no loss weighting). */
  optimizer?: Explained<OptimizerSettings>;
  loss?: Explained<LossSettings>;
  /** For a reader who knows the guide: what this family's preset changes and why; empty for SD 1.x. */
  guideDifferences?: string[];
  warnings: string[];
}

export interface LossSettings {
  prediction: Prediction;
  /** v-pred: `v_parameterization` and `zero_terminal_snr`. */
  vParameterization: boolean;
  zeroTerminalSnr: boolean;
  minSnrGamma: number | null;
  noiseOffset: number | null;
}

function invalid(message: string): never {
  throw new UserError('invalid-plan', message);
}

function positiveInteger(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    invalid(`${name} must be a whole number from 1 to ${max}, got ${value}.`);
  }
  return value;
}

/** Compact scientific notation as the guide writes it: 1.358e-4. */
export function formatScientific(value: number, digits = 3): string {
  return value
    .toExponential(digits)
    .replace('e+', 'e')
    .replace(/\.?0+e/, 'e');
}

/** "1 h 5 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  const rounded = Math.round(seconds);
  if (rounded < 60) return `${rounded} s`;
  const minutes = Math.round(rounded / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Batch size from the guide's 24 GB figures, scaled linearly with memory and rounded down, never below 1. */
export function batchSizeFor(preset: Preset, gpuMemoryGb: number, family: ModelFamily = 'sd1'): number {
  return Math.max(1, Math.floor((familyPreset(family, preset).batchAt24Gb * gpuMemoryGb) / 24));
}

/** The least GPU memory at which the linear rule still gives one image per step, in GB. */
export function minimumGpuMemoryGb(settings: Pick<FamilyPreset, 'batchAt24Gb'>): number {
  return Math.ceil((24 / settings.batchAt24Gb) * 10) / 10;
}

/** The guide's learning rate formula: L = S / (R·E·I); 1.0 nominally means fully baked. */
export function learningRate(strength: number, repeats: number, epochs: number, images: number): number {
  return strength / (repeats * epochs * images);
}

/** Builds the plan; throws UserError('invalid-plan') for input no training could use. */
export function planTraining(input: PlanInput): TrainingPlan {
  const warnings: string[] = [];
  const images = input.imageCount;
  if (!Number.isInteger(images) || images < 2) {
    invalid(
      `A LoRA needs at least 2 training images; this dataset has ${images}. Keep more images (the guide aims for ${GUIDE_IMAGE_TARGET.min}–${GUIDE_IMAGE_TARGET.max}).`,
    );
  }
  const headshotCount = input.headshotCount ?? 0;
  if (!Number.isInteger(headshotCount) || headshotCount < 0 || headshotCount > images) {
    invalid(
      `The headshot count must be a whole number from 0 to ${images} (the image count), got ${headshotCount}.`,
    );
  }
  const strength = input.strength ?? PLAN_DEFAULTS.strength;
  if (!Number.isFinite(strength) || strength <= 0 || strength > STRENGTH_MAX) {
    invalid(
      `Strength must be above 0 and at most ${STRENGTH_MAX} (the guide uses 1.1, or 1.2+), got ${strength}.`,
    );
  }
  const repeats = positiveInteger(input.repeats ?? PLAN_DEFAULTS.repeats, 'Repeats', 1000);
  const epochs = positiveInteger(input.epochs ?? PLAN_DEFAULTS.epochs, 'Epochs', 1000);
  const preset = input.preset ?? PLAN_DEFAULTS.preset;
  const baseModel = input.baseModel ?? null;
  const family = baseModel?.family ?? 'sd1';
  const presetSettings = familyPreset(family, preset);
  const sources = presetSettings.sources;
  const gpuMemoryGb = input.gpuMemoryGb ?? PLAN_DEFAULTS.gpuMemoryGb;
  if (!Number.isFinite(gpuMemoryGb) || gpuMemoryGb <= 0) {
    invalid(`GPU memory must be a positive number of GB, got ${gpuMemoryGb}.`);
  }
  const networkDim = positiveInteger(input.networkDim ?? presetSettings.networkDim, 'Network dim', 1024);
  const networkAlpha = input.networkAlpha ?? presetSettings.networkAlpha;
  if (!Number.isFinite(networkAlpha) || networkAlpha < 0 || networkAlpha > networkDim * 4) {
    invalid(`Network alpha must be from 0 to ${networkDim * 4}, got ${networkAlpha}.`);
  }
  const ratio = input.textEncoderRatio ?? presetSettings.textEncoderRatio;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    invalid(`The text encoder ratio must be from 0 to 1 (the guide uses 0.5–0.6), got ${ratio}.`);
  }
  const keepTokens = positiveInteger(
    input.mainTagCount ?? PLAN_DEFAULTS.mainTagCount,
    'The main tag count',
    16,
  );
  const timing = input.timing ?? DEFAULT_TIMING;
  const previews = input.sampleImagesPerEpoch ?? 0;
  if (!Number.isInteger(previews) || previews < 0) {
    invalid(`The number of sample images per epoch must be a whole number, got ${previews}.`);
  }

  // Learning rate.
  const lr = learningRate(strength, repeats, epochs, images);
  const teLr = lr * ratio;

  // Batch size.
  const derivedBatch = batchSizeFor(preset, gpuMemoryGb, family);
  if (input.batchSize === undefined && (presetSettings.batchAt24Gb * gpuMemoryGb) / 24 < 1 && sources) {
    invalid(
      `The ${preset === 'full' ? 'full' : 'trash-tier'} preset for ${family.toUpperCase()} at ${presetSettings.resolution}² needs about ${minimumGpuMemoryGb(presetSettings)} GB of GPU memory for one image per step (${presetSettings.batchAt24Gb} on 24 GB); this worker has ${gpuMemoryGb} GB. Use the trash-tier preset, an SD 1.x model or a larger GPU.`,
    );
  }
  const batchSize =
    input.batchSize === undefined ? derivedBatch : positiveInteger(input.batchSize, 'Batch size', 256);
  const batchWhy =
    input.batchSize === undefined
      ? sources
        ? gpuMemoryGb === 24
          ? `${presetSettings.batchAt24Gb}: ${sources.batch}`
          : `${presetSettings.batchAt24Gb} on 24 GB scaled to ${gpuMemoryGb} GB: floor(${presetSettings.batchAt24Gb} × ${gpuMemoryGb} / 24) = ${derivedBatch} (${sources.batch})`
        : gpuMemoryGb === 24
          ? `the guide's figure for a 24 GB card at ${presetSettings.resolution}: ${presetSettings.batchAt24Gb}`
          : `the guide's ${presetSettings.batchAt24Gb} at ${presetSettings.resolution} on 24 GB, scaled to ${gpuMemoryGb} GB: floor(${presetSettings.batchAt24Gb} × ${gpuMemoryGb} / 24) = ${derivedBatch}${derivedBatch === 1 && (presetSettings.batchAt24Gb * gpuMemoryGb) / 24 < 1 ? ' (at least 1)' : ''}`
      : `set by hand (the guide's figure for ${gpuMemoryGb} GB would be ${derivedBatch})`;

  // Buckets, snapped as sd-scripts will snap them.
  const steps = PLAN_DEFAULTS.bucketResoSteps;
  const range = snapBucketRange(presetSettings.minBucket, presetSettings.maxBucket, steps);
  const buckets = bucketResolutions(presetSettings.resolution, range);
  const snapped = range.min !== presetSettings.minBucket || range.max !== presetSettings.maxBucket;

  // Steps.
  const samplesPerEpoch = images * repeats;
  let stepsPerEpoch: number;
  let exact: boolean;
  let stepsWhy: string;
  if (input.imageSizes !== undefined) {
    if (input.imageSizes.length !== images) {
      invalid(`Got ${input.imageSizes.length} image sizes for ${images} images.`);
    }
    stepsPerEpoch = stepsPerEpochForSizes(input.imageSizes, buckets, repeats, batchSize);
    exact = true;
    stepsWhy = `per bucket, ceil(images in bucket × ${repeats} / ${batchSize}), summed over the ${buckets.length} buckets (a partial batch costs a whole step): ${stepsPerEpoch}`;
  } else {
    stepsPerEpoch = Math.ceil(samplesPerEpoch / batchSize);
    exact = false;
    stepsWhy = `ceil(I·R / batch) = ceil(${images} · ${repeats} / ${batchSize}) = ${stepsPerEpoch}; at least this many: sd-scripts rounds up per aspect-ratio bucket, so spread-out sizes add a few steps`;
  }
  const totalSteps = stepsPerEpoch * epochs;

  // Time.
  const pixelScale = (presetSettings.resolution / 512) ** 2;
  const familyScale = family === 'sdxl' ? timing.sdxlFactor : 1;
  const secondsPerStep = batchSize * timing.secondsPerSampleAt512 * pixelScale * familyScale;
  const previewSeconds = previews * epochs * timing.secondsPerPreviewAt512 * pixelScale * familyScale;
  const estimatedSeconds = totalSteps * secondsPerStep + previewSeconds;
  const timeWhy =
    `${totalSteps} steps × ${secondsPerStep.toFixed(2)} s/step (assumes ${timing.secondsPerSampleAt512.toFixed(3)} s per image-step at 512² on an RTX 4090-class GPU for SD1.x, ` +
    `× ${pixelScale.toFixed(2)} for ${presetSettings.resolution}²${family === 'sdxl' ? `, × ${timing.sdxlFactor} for SDXL` : ''}, × batch ${batchSize})` +
    (previews > 0
      ? ` + per-epoch samples: ${previews} images${input.sampleBreakdown ? ` (${input.sampleBreakdown})` : ''} × ${epochs} epochs ≈ ${formatDuration(previewSeconds)}`
      : '') +
    '; model loading and latent caching not included; other GPUs differ';

  // Warnings.
  if (images < GUIDE_IMAGE_TARGET.min) {
    warnings.push(
      `Only ${images} images: the guide aims for ${GUIDE_IMAGE_TARGET.min}–${GUIDE_IMAGE_TARGET.max}. Fewer (even a couple dozen) can work, but the LoRA will be less flexible.`,
    );
  }
  const headshotShare = headshotCount / images;
  if (headshotCount === 0) {
    warnings.push(
      'No headshots: the face is the most recognisable part of a character; crop a good number of headshots from the best images.',
    );
  } else if (headshotShare < HEADSHOT_SHARE_WARNING) {
    warnings.push(
      `Only ${headshotCount} headshots (${(headshotShare * 100).toFixed(0)}%): the guide wants a good number; consider cropping more.`,
    );
  }
  if (strength < 1) {
    warnings.push(`Strength ${strength} is below 1.0, which nominally leaves the model under-baked.`);
  } else if (strength > 1.5) {
    warnings.push(
      `Strength ${strength} is well above the guide's 1.1 (1.2+ for unusual characters): expect an over-baked model.`,
    );
  }
  const presetRatio = ratio === presetSettings.textEncoderRatio && sources !== null;
  if (ratio !== 0 && (ratio < 0.5 || ratio > 0.6) && !presetRatio) {
    warnings.push(`Text encoder ratio ${ratio} is outside the guide's 0.5–0.6.`);
  }
  if (ratio === 0 && !presetRatio)
    warnings.push('Text encoder ratio 0: the text encoder will not be trained.');
  if (input.imageSizes !== undefined) {
    // sd-scripts crops each image to its bucket: an image no bucket holds well loses part of the character.
    const awkward = input.imageSizes.filter(
      (size) => cropLoss(size, assignBucket(size, buckets)) > MAX_BUCKET_CROP_LOSS,
    );
    if (awkward.length > 0) {
      warnings.push(
        `${awkward.length} image(s) are too tall or wide for the ${presetSettings.resolution} buckets and would lose over ${MAX_BUCKET_CROP_LOSS * 100}% to cropping (${awkward
          .slice(0, 5)
          .map((size) => `${size.width}×${size.height}`)
          .join(', ')}${awkward.length > 5 ? ', …' : ''}): crop them into parts.`,
      );
    }
  }
  if (batchSize > samplesPerEpoch) {
    warnings.push(
      `Batch size ${batchSize} is larger than the ${samplesPerEpoch} samples in an epoch; every step is a partial batch.`,
    );
  }
  if (family === 'sdxl') {
    warnings.push(
      `SDXL: the guide's numbers are for SD 1.x, so this plan uses SDXL settings from Civitai's trainer and sd-scripts (each line names its source). Kiln has not measured SDXL's memory use: if the run runs out of memory, lower the batch size (${batchSize}).`,
    );
    if (presetSettings.resolution < 1024) {
      warnings.push(
        `SDXL models are made for 1024²; training at ${presetSettings.resolution} may give soft results.`,
      );
    }
  }

  const prediction = baseModel?.prediction ?? 'epsilon';
  const vPred = prediction === 'v';
  const noiseOffset = vPred ? null : presetSettings.noiseOffset;
  const lossWhy = [
    vPred
      ? 'v-prediction: v_parameterization and zero_terminal_snr, as the model was trained (sd-scripts needs both; without them the LoRA learns the wrong target)'
      : 'ε-prediction (noise), the SD default',
    sources ? sources.loss : 'no min-SNR weighting or noise offset: the guide uses neither',
  ].join('; ');
  const loconOn = input.locon ?? false;
  return {
    preset,
    baseModel,
    family,
    images: {
      value: images,
      why: 'kept images plus crops; each crop (headshot, split pose) is its own training image',
    },
    headshots: {
      value: { count: headshotCount, share: headshotShare },
      why: `${headshotCount} of ${images} images (${(headshotShare * 100).toFixed(0)}%) are headshots; the face is the most recognisable part of a character`,
    },
    repeats: {
      value: repeats,
      why:
        repeats === PLAN_DEFAULTS.repeats
          ? 'the guide keeps 10 repeats and 10 epochs fixed and moves the learning rate instead'
          : `set by hand (the guide uses ${PLAN_DEFAULTS.repeats})`,
    },
    epochs: {
      value: epochs,
      why:
        epochs === PLAN_DEFAULTS.epochs
          ? 'the guide keeps 10 repeats and 10 epochs fixed and moves the learning rate instead'
          : `set by hand (the guide uses ${PLAN_DEFAULTS.epochs})`,
    },
    strength: {
      value: strength,
      why:
        strength === PLAN_DEFAULTS.strength
          ? "the guide's default for a furry character on an anime model; 1.2+ for characters far from what the base model knows"
          : `set by hand (the guide's default is ${PLAN_DEFAULTS.strength}; 1.0 nominally means fully baked)`,
    },
    learningRate: {
      value: lr,
      why: `L = S / (R·E·I) = ${strength} / (${repeats} · ${epochs} · ${images}) = ${lr} (${formatScientific(lr)}); used for the U-Net${sources ? `; the guide's rule still holds for SDXL: Civitai's SDXL default, 5e-4 over about 2000 image-steps, is S ≈ 1.0` : ''}`,
    },
    textEncoderLr: {
      value: { lr: teLr, ratio },
      why: `${ratio} × L = ${ratio} × ${formatScientific(lr)} = ${teLr} (${formatScientific(teLr)}); ${sources && presetRatio ? sources.textEncoder : 'the guide uses 0.5–0.6 × L'}`,
    },
    resolution: {
      value: presetSettings.resolution,
      why: sources
        ? `preset ${preset === 'full' ? 'full' : 'trash-tier'}: ${sources.resolution}`
        : preset === 'full'
          ? 'preset full: the guide prefers 768 when the hardware allows'
          : 'preset trash-tier: the guide trains quick models at 512',
    },
    buckets: {
      value: {
        ...range,
        requestedMin: presetSettings.minBucket,
        requestedMax: presetSettings.maxBucket,
        count: buckets.length,
      },
      why: sources
        ? `${presetSettings.minBucket}–${presetSettings.maxBucket}, ${sources.buckets}${snapped ? `; sd-scripts snaps the limits to multiples of ${steps}, so it really uses ${range.min}–${range.max}` : ` (multiples of ${steps})`}: ${buckets.length} buckets`
        : snapped
          ? `the guide's ${presetSettings.minBucket}–${presetSettings.maxBucket} at ${presetSettings.resolution}; sd-scripts snaps bucket limits to multiples of ${steps} (min down, max up), so it really uses ${range.min}–${range.max}: ${buckets.length} buckets`
          : `the guide's ${presetSettings.minBucket}–${presetSettings.maxBucket} at ${presetSettings.resolution} (multiples of ${steps}): ${buckets.length} buckets`,
    },
    batchSize: { value: batchSize, why: batchWhy },
    stepsPerEpoch: { value: { steps: stepsPerEpoch, exact }, why: stepsWhy },
    totalSteps: {
      value: { steps: totalSteps, exact },
      why: `${stepsPerEpoch} steps per epoch × ${epochs} epochs = ${totalSteps}${exact ? '' : ' (at least)'}`,
    },
    estimatedSeconds: { value: estimatedSeconds, why: timeWhy },
    epochSamples: {
      value: { imagesPerEpoch: previews, seconds: previewSeconds },
      why:
        previews > 0
          ? `rendered at each epoch end for the epoch vote: ${previews} images${input.sampleBreakdown ? ` (${input.sampleBreakdown})` : ''} × ${epochs} epochs × ${(timing.secondsPerPreviewAt512 * pixelScale * familyScale).toFixed(1)} s each (28 sampling steps at ${presetSettings.resolution}²)`
          : 'no samples are rendered during this training',
    },
    network: {
      value: { module: 'networks.lora', dim: networkDim, alpha: networkAlpha },
      why:
        sources && networkDim === presetSettings.networkDim && networkAlpha === presetSettings.networkAlpha
          ? sources.network
          : networkDim === PLAN_DEFAULTS.networkDim && networkAlpha === PLAN_DEFAULTS.networkAlpha
            ? 'the guide uses dim 128 for nearly every model and alpha 64 "when in doubt"'
            : `set by hand (the guide uses dim ${PLAN_DEFAULTS.networkDim}, alpha ${PLAN_DEFAULTS.networkAlpha})`,
    },
    conv: {
      value: loconOn ? { dim: PLAN_DEFAULTS.convDim, alpha: PLAN_DEFAULTS.convAlpha } : null,
      why: loconOn
        ? 'LoCon on: the guide uses 32 for both conv dim and conv alpha (kohya networks.lora with conv_dim/conv_alpha)'
        : 'LoCon off: plain LoRA (attention and MLP layers only)',
    },
    captions: {
      value: { shuffle: true, keepTokens },
      why: `shuffled so every tag is on an even footing; keep_tokens = ${keepTokens} keeps the main tag${keepTokens > 1 ? 's' : ''} first (keep_tokens counts comma-separated tags)`,
    },
    optimizer: {
      value: presetSettings.optimizer,
      why: sources
        ? sources.optimizer
        : 'plain AdamW at a constant rate: L = S/(R·E·I) spreads the strength evenly over the run',
    },
    loss: {
      value: {
        prediction,
        vParameterization: vPred,
        zeroTerminalSnr: vPred,
        minSnrGamma: presetSettings.minSnrGamma,
        noiseOffset,
      },
      why: lossWhy,
    },
    guideDifferences: sources ? sdxlDifferences(presetSettings, preset) : [],
    warnings,
  };
}

/** What an SDXL plan changes from the guide, one short reason each (the card's "Versus the guide" line). */
function sdxlDifferences(settings: FamilyPreset, preset: Preset): string[] {
  const guide = PRESETS[preset];
  return [
    `${settings.resolution} instead of ${guide.resolution}: SDXL was trained at 1024²`,
    `dim ${settings.networkDim}/alpha ${settings.networkAlpha} instead of ${PLAN_DEFAULTS.networkDim}/${PLAN_DEFAULTS.networkAlpha}: SDXL's LoRA is about 3× larger at one dim`,
    settings.textEncoderRatio === 0
      ? 'U-Net only: trash-tier skips the two text encoders'
      : `text encoders at ${settings.textEncoderRatio} × L instead of 0.5: SDXL's two encoders over-train fast`,
    `${settings.optimizer.type} instead of AdamW, min SNR ${settings.minSnrGamma}: Civitai's SDXL defaults`,
    'no clip skip: SDXL always reads the penultimate layer',
  ];
}

export interface PlanLine {
  label: string;
  value: string;
  why: string;
}

/** The plan as labelled lines for a card or a terminal, in the order a reader checks them. */
export function planLines(plan: TrainingPlan): PlanLine[] {
  const lines: PlanLine[] = [
    {
      label: 'Base model',
      value: plan.baseModel
        ? `${plan.baseModel.name} (${plan.family}, ${plan.baseModel.tagStyle} tags)`
        : `none chosen (${plan.family} assumed)`,
      why: plan.baseModel ? `from the worker's base-model list: ${plan.baseModel.file}` : 'pick one to train',
    },
    { label: 'Preset', value: plan.preset === 'full' ? 'full' : 'trash-tier', why: plan.resolution.why },
    { label: 'Images (I)', value: String(plan.images.value), why: plan.images.why },
    {
      label: 'Headshots',
      value: `${plan.headshots.value.count} (${(plan.headshots.value.share * 100).toFixed(0)}%)`,
      why: plan.headshots.why,
    },
    { label: 'Repeats (R)', value: String(plan.repeats.value), why: plan.repeats.why },
    { label: 'Epochs (E)', value: String(plan.epochs.value), why: plan.epochs.why },
    { label: 'Strength (S)', value: String(plan.strength.value), why: plan.strength.why },
    {
      label: 'Learning rate (L)',
      value: formatScientific(plan.learningRate.value),
      why: plan.learningRate.why,
    },
    {
      label: 'Text encoder LR',
      value: formatScientific(plan.textEncoderLr.value.lr),
      why: plan.textEncoderLr.why,
    },
    { label: 'Resolution', value: String(plan.resolution.value), why: plan.resolution.why },
    {
      label: 'Buckets',
      value: `${plan.buckets.value.min}–${plan.buckets.value.max} (step ${plan.buckets.value.steps})`,
      why: plan.buckets.why,
    },
    { label: 'Batch size', value: String(plan.batchSize.value), why: plan.batchSize.why },
    {
      label: 'Steps per epoch',
      value: `${plan.stepsPerEpoch.value.exact ? '' : '≥ '}${plan.stepsPerEpoch.value.steps}`,
      why: plan.stepsPerEpoch.why,
    },
    {
      label: 'Total steps',
      value: `${plan.totalSteps.value.exact ? '' : '≥ '}${plan.totalSteps.value.steps}`,
      why: plan.totalSteps.why,
    },
    {
      label: 'Estimated time',
      value: `≈ ${formatDuration(plan.estimatedSeconds.value)}`,
      why: plan.estimatedSeconds.why,
    },
    ...(plan.epochSamples
      ? [
          {
            label: 'Epoch samples',
            value:
              plan.epochSamples.value.imagesPerEpoch > 0
                ? `${plan.epochSamples.value.imagesPerEpoch} per epoch, ≈ ${formatDuration(plan.epochSamples.value.seconds)} of the estimate`
                : 'off',
            why: plan.epochSamples.why,
          },
        ]
      : []),
    {
      label: 'Network',
      value: `dim ${plan.network.value.dim}, alpha ${plan.network.value.alpha}`,
      why: plan.network.why,
    },
    {
      label: 'LoCon',
      value: plan.conv.value ? `conv dim ${plan.conv.value.dim}, conv alpha ${plan.conv.value.alpha}` : 'off',
      why: plan.conv.why,
    },
    {
      label: 'Captions',
      value: `shuffled, keep_tokens ${plan.captions.value.keepTokens}`,
      why: plan.captions.why,
    },
  ];
  if (plan.optimizer) {
    lines.push({
      label: 'Optimizer',
      value: [plan.optimizer.value.type, ...plan.optimizer.value.args].join(' '),
      why: plan.optimizer.why,
    });
  }
  if (plan.loss) lines.push({ label: 'Loss', value: lossText(plan.loss.value), why: plan.loss.why });
  if (plan.guideDifferences && plan.guideDifferences.length > 0) {
    lines.push({
      label: 'Versus the guide',
      value: `${plan.family.toUpperCase()} preset`,
      why: plan.guideDifferences.join('; '),
    });
  }
  return lines;
}

function lossText(loss: LossSettings): string {
  const parts = [loss.prediction === 'v' ? 'v-prediction, zero-terminal SNR' : 'ε-prediction'];
  if (loss.minSnrGamma !== null) parts.push(`min SNR γ ${loss.minSnrGamma}`);
  if (loss.noiseOffset !== null) parts.push(`noise offset ${loss.noiseOffset}`);
  return parts.join(', ');
}

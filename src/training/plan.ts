import { UserError } from '../core/errors.ts';
import { unsafeMainTagMessage, unsafeMainTagPart } from '../core/project/main-tag-safety.ts';
import { DEFAULT_SAMPLE_SETTINGS, samplePromptLines, type SamplePrompt } from '../core/training/outputs.ts';
import {
  PLAN_DEFAULTS,
  planTraining,
  STRENGTH_MAX,
  type BaseModel,
  type Preset,
  type TrainingPlan,
} from '../core/training/plan.ts';
import type { Size } from '../core/training/buckets.ts';
import type { TrainingDataset } from './dataset.ts';

/** What the owner chooses on the plan card; everything else follows from the guide. */
export interface RunSettings {
  preset: Preset;
  strength: number;
  locon: boolean;
  samplePrompts: readonly string[];
  /** The guide's 10 unless a worker overrides it (short trial runs, tests). */
  epochs?: number | undefined;
}

export const MAX_SAMPLE_PROMPTS = 10;
/** Fixed seeds, one per prompt, so epochs compare like for like. */
export const SAMPLE_SEED_BASE = 1000;

/**
 * The main tag names the `10_<main tag>` folder. Kiln makes most tags safe for a folder name, but a tag with a
 * slash, a backslash or `..` reads as a path: refuse it rather than train under a surprising name.
 */
export function assertFolderSafeMainTag(mainTag: string): void {
  // Projects made before /lora new checked this can still hold such a tag; the same rule refuses it here.
  const unsafe = unsafeMainTagPart(mainTag);
  if (unsafe !== null) throw new UserError('invalid-main-tag', unsafeMainTagMessage(mainTag, unsafe));
}

/** Strength as typed in the modal or given as an option: a number above 0 and at most STRENGTH_MAX. */
export function parseStrength(text: string): number {
  const value = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > STRENGTH_MAX) {
    throw new UserError(
      'invalid-plan',
      `Strength must be a number above 0 and at most ${STRENGTH_MAX} (the guide uses ${PLAN_DEFAULTS.strength}, 1.2+ for unusual characters); got \`${text.trim().slice(0, 20)}\`.`,
    );
  }
  return value;
}

/** Sample prompts, one per line; blank lines dropped. Each must be one sd-scripts prompt line. */
export function parseSamplePrompts(text: string): string[] {
  const prompts = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (prompts.length > MAX_SAMPLE_PROMPTS) {
    throw new UserError(
      'invalid-option',
      `At most ${MAX_SAMPLE_PROMPTS} sample prompts (one per line); got ${prompts.length}.`,
    );
  }
  // Refuses what sd-scripts would misread (" --" options inside a prompt, "#" comment lines).
  samplePromptLines(samplePromptsFor(prompts), { width: 512, height: 512, ...DEFAULT_SAMPLE_SETTINGS });
  return prompts;
}

export function samplePromptsFor(prompts: readonly string[]): SamplePrompt[] {
  return prompts.map((prompt, index) => ({ prompt, seeds: [SAMPLE_SEED_BASE + index] }));
}

/**
 * What the worker renders at each epoch end (TRAIN_EPOCH_SAMPLES): nothing, or every sample prompt of the epoch
 * check (likeness, outfits, flexibility, the owner's) at each seed. It costs real minutes, so the estimate counts it.
 */
export type EpochSampling = { on: false } | { on: true; prompts: number; seeds: number };

export const NO_EPOCH_SAMPLES: EpochSampling = { on: false };

export function sampleImagesPerEpoch(sampling: EpochSampling): number {
  return sampling.on ? sampling.prompts * sampling.seeds : 0;
}

export interface RunPlanInput {
  dataset: TrainingDataset;
  settings: RunSettings;
  /** Whether the worker samples each epoch, and how many prompts and seeds. */
  sampling: EpochSampling;
  baseModel: BaseModel;
  gpuMemoryGb?: number | undefined;
  /** Real sizes after the run folder was built (the worker's exact count); else the sizes Postgres knows. */
  imageSizes?: readonly Size[];
}

/** The guide's plan for one base model of a project (throws UserError for a dataset no training can use). */
export function planForRun(input: RunPlanInput): TrainingPlan {
  const { dataset, settings } = input;
  const images = dataset.entries.length;
  if (images < 2) {
    throw new UserError(
      'invalid-plan',
      `A LoRA needs at least 2 training images; the finalized dataset has ${images}. Keep more images (the guide aims for 50–100).`,
    );
  }
  return planTraining({
    imageCount: images,
    headshotCount: Math.min(dataset.headshotCount, images),
    strength: settings.strength,
    preset: settings.preset,
    locon: settings.locon,
    baseModel: input.baseModel,
    ...(input.gpuMemoryGb === undefined ? {} : { gpuMemoryGb: input.gpuMemoryGb }),
    imageSizes: input.imageSizes ?? dataset.entries.map(({ width, height }) => ({ width, height })),
    sampleImagesPerEpoch: sampleImagesPerEpoch(input.sampling),
    ...(input.sampling.on
      ? { sampleBreakdown: `${input.sampling.prompts} prompts × ${input.sampling.seeds} seeds` }
      : {}),
    ...(settings.epochs === undefined ? {} : { epochs: settings.epochs }),
  });
}

import type { ModelFamily, Preset } from './vocabulary.ts';

/**
 * Training settings per model family and preset. SD 1.x is the guide's plan, number for number. SDXL takes what
 * the guide cannot give (it predates SDXL) from the community's defaults, and keeps the guide's rules where they
 * still hold: L = S/(R·E·I) with R = E = 10, buckets from 0.625× to 1.875× the resolution, alpha = dim / 2, a
 * constant rate. Each number carries its source for the plan card.
 *
 * Sources: the guide; Civitai's on-site trainer (civitai/civitai `TrainingParams.tsx`, defaults for `sdxl`,
 * `illustrious` and `pony` with the kohya engine); sd-scripts at the pinned commit (`docs/sdxl_train_network.md`,
 * `library/sdxl_train_util.py`); kohya_ss's SDXL LoRA presets.
 */

export interface OptimizerSettings {
  type: string;
  /** `key=value` strings for `optimizer_args`. */
  args: string[];
  /** `max_grad_norm` when not sd-scripts' default 1.0. */
  maxGradNorm?: number;
}

export interface FamilyPreset {
  resolution: number;
  minBucket: number;
  maxBucket: number;
  /** Batch size on a 24 GB card at this resolution; scaled linearly with memory. */
  batchAt24Gb: number;
  networkDim: number;
  networkAlpha: number;
  /** Text-encoder LR as a share of L; 0 trains the U-Net only. */
  textEncoderRatio: number;
  optimizer: OptimizerSettings;
  /** Min-SNR loss weighting γ; null leaves it off. */
  minSnrGamma: number | null;
  /** Noise offset for ε models; v-pred models use zero-terminal SNR instead. */
  noiseOffset: number | null;
  /** Where each number comes from (null where the guide's own wording in plan.ts says it). */
  sources: {
    resolution: string;
    buckets: string;
    batch: string;
    network: string;
    textEncoder: string;
    optimizer: string;
    loss: string;
  } | null;
}

const ADAMW: OptimizerSettings = { type: 'AdamW', args: [] };
/** Civitai's SDXL optimizer: Adafactor with a fixed rate (its own relative step would ignore L). */
const ADAFACTOR_FIXED: OptimizerSettings = {
  type: 'Adafactor',
  args: ['scale_parameter=False', 'relative_step=False', 'warmup_init=False'],
  // Adafactor clips its own updates; sd-scripts advises turning gradient clipping off with a fixed-rate Adafactor.
  maxGradNorm: 0,
};

const SDXL_SOURCES = {
  resolution: "SDXL's native size; Civitai's trainer uses 1024 for SDXL, Illustrious and Pony",
  buckets: "the guide's spread (0.625× to 1.875× the resolution) applied to SDXL's size",
  network:
    "Civitai's SDXL default dim 32, alpha 16 (alpha = dim / 2, as the guide's 128/64); SDXL's LoRA has about 3× the layers of SD 1.5's at one dim",
  textEncoder:
    "Civitai's SDXL rates are 5e-5 for the text encoders against 5e-4 for the U-Net: 0.1 × L, not the guide's 0.5 (two text encoders that learn fast; a strong one forces the character's look onto every prompt)",
  optimizer:
    "Civitai's SDXL optimizer (Adafactor with a fixed rate, less memory than AdamW); the guide's constant rate kept, because L = S/(R·E·I) assumes it (Civitai uses cosine with restarts)",
  loss: "min SNR γ 5 as in Civitai's SDXL default (it steadies SDXL's loss over timesteps); noise offset 0.0357, SDXL's own training value (sd-scripts sdxl_train_util); v-pred models get zero-terminal SNR instead",
} as const;

export const FAMILY_PRESETS: Readonly<Record<ModelFamily, Readonly<Record<Preset, FamilyPreset>>>> = {
  sd1: {
    // Guide step 6: 768 with buckets 480–1440 (batch 5 on 24 GB); trash-tier: 512 with 320–960 (batch 12).
    full: {
      resolution: 768,
      minBucket: 480,
      maxBucket: 1440,
      batchAt24Gb: 5,
      networkDim: 128,
      networkAlpha: 64,
      textEncoderRatio: 0.5,
      optimizer: ADAMW,
      minSnrGamma: null,
      noiseOffset: null,
      sources: null,
    },
    trash: {
      resolution: 512,
      minBucket: 320,
      maxBucket: 960,
      batchAt24Gb: 12,
      networkDim: 128,
      networkAlpha: 64,
      textEncoderRatio: 0.5,
      optimizer: ADAMW,
      minSnrGamma: null,
      noiseOffset: null,
      sources: null,
    },
  },
  sdxl: {
    full: {
      resolution: 1024,
      minBucket: 640,
      maxBucket: 1920,
      batchAt24Gb: 4,
      networkDim: 32,
      networkAlpha: 16,
      textEncoderRatio: 0.1,
      optimizer: ADAFACTOR_FIXED,
      minSnrGamma: 5,
      noiseOffset: 0.0357,
      sources: {
        ...SDXL_SOURCES,
        batch:
          "Civitai's SDXL batch 4 (kohya_ss's SDXL presets use 3–5), with gradient checkpointing and cached latents; not measured by Kiln",
      },
    },
    // Trash-tier keeps its meaning: fast and rough. 768 instead of 512 (SDXL falls apart far below its size).
    trash: {
      resolution: 768,
      minBucket: 480,
      maxBucket: 1440,
      batchAt24Gb: 7,
      networkDim: 32,
      networkAlpha: 16,
      textEncoderRatio: 0,
      optimizer: ADAFACTOR_FIXED,
      minSnrGamma: 5,
      noiseOffset: 0.0357,
      sources: {
        ...SDXL_SOURCES,
        resolution:
          'trash-tier: 768, the smallest size SDXL still draws a usable character at (the guide drops SD 1.x from 768 to 512 the same way)',
        batch:
          "Civitai's 4 at 1024 scaled by pixel area to 768: floor(4 × 1024² / 768²) = 7; not measured by Kiln",
        textEncoder:
          'trash-tier trains the U-Net only (network_train_unet_only): faster, and the text encoders are the part most easily over-trained',
      },
    },
  },
};

export function familyPreset(family: ModelFamily, preset: Preset): FamilyPreset {
  return FAMILY_PRESETS[family][preset];
}

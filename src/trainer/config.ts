import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import {
  DEFAULT_SAMPLE_SETTINGS,
  samplePromptLines,
  type SampleLine,
  type SamplePrompt,
} from '../core/training/outputs.ts';
import type { TrainingPlan } from '../core/training/plan.ts';
import type { TrainingScript } from './reference.ts';

/**
 * Writes the two files sd-scripts reads: `config.toml` (command-line options, for `--config_file`) and
 * `dataset.toml` (for `--dataset_config`), plus the sample prompt file. Every key is an option listed in
 * sd-scripts-options.tsv or a dataset key in sd-scripts-dataset-config.md (tests check both files against them).
 * Integers are written as TOML integers and rates as TOML floats: sd-scripts puts the values into argparse's
 * namespace without converting them.
 */

export type TomlScalar = string | bigint | number | boolean;
export type TomlValue = TomlScalar | TomlScalar[];
export type ConfigToml = Record<string, TomlValue>;

export interface DatasetToml {
  general: Record<string, TomlValue>;
  datasets: Array<{
    [key: string]: TomlValue | Array<Record<string, TomlValue>>;
    subsets: Array<Record<string, TomlValue>>;
  }>;
}

export type MixedPrecision = 'fp16' | 'bf16' | 'no';

export interface TrainerConfigInput {
  plan: TrainingPlan;
  /** The folder holding `10_<main tag>`'s images and captions (dataset `image_dir`). */
  imageDir: string;
  mainTag: string;
  /** Checkpoint file of the base model. */
  baseModelPath: string;
  outputDir: string;
  /** File stem of the LoRA; per-epoch files get `-000001` and so on. */
  outputName: string;
  /** Where the sample prompt file will be (referenced from config.toml). Required with samplePrompts. */
  samplePromptsPath?: string;
  samplePrompts?: readonly SamplePrompt[];
  /** Training seed, recorded as ss_seed; fixed so a rerun of the same plan is comparable. */
  seed?: number;
  /** fp16 works on every CUDA GPU; bf16 is steadier against NaN on RTX 30xx/40xx, A100, H100. */
  mixedPrecision?: MixedPrecision;
  characterName?: string;
  /** sd-scripts' --tokenizer_cache_dir: the CLIP tokenizer is read from here (and saved on first use). */
  tokenizerCacheDir?: string;
}

export interface TrainerConfig {
  script: TrainingScript;
  config: ConfigToml;
  dataset: DatasetToml;
  /** Contents of the sample prompt file and which prompt/seed each sample index shows; null without prompts. */
  samples: { text: string; lines: SampleLine[] } | null;
}

export const DEFAULT_SEED = 1234;
/**
 * The sampler for epoch samples: plain Euler is deterministic (no noise added during sampling), so with a fixed
 * seed the difference between two epochs' images comes from the weights alone, and it is fast and robust in
 * every sd-scripts version.
 */
export const SAMPLE_SAMPLER = 'euler';

export function scriptFor(plan: TrainingPlan): TrainingScript {
  return plan.family === 'sdxl' ? 'sdxl_train_network.py' : 'train_network.py';
}

const int = (value: number): bigint => BigInt(Math.round(value));

/** Builds the two TOML documents (as objects) and the sample prompt file for a plan. */
export function buildTrainerConfig(input: TrainerConfigInput): TrainerConfig {
  const { plan } = input;
  const sdxl = plan.family === 'sdxl';
  const resolution = plan.resolution.value;
  const keepTokens = plan.captions.value.keepTokens;
  const config: ConfigToml = {
    pretrained_model_name_or_path: input.baseModelPath,
    output_dir: input.outputDir,
    output_name: input.outputName,
    save_model_as: 'safetensors',
    // None would keep fp32: twice the size for nothing.
    save_precision: 'fp16',
    save_every_n_epochs: int(1),
    max_train_epochs: int(plan.epochs.value),
    train_batch_size: int(plan.batchSize.value),
    // sd-scripts calls .split(",") on it: it must be a string.
    resolution: String(resolution),
    enable_bucket: true,
    min_bucket_reso: int(plan.buckets.value.min),
    max_bucket_reso: int(plan.buckets.value.max),
    bucket_reso_steps: int(plan.buckets.value.steps),
    // The default is ".caption"; the guide's captions are .txt files.
    caption_extension: '.txt',
    shuffle_caption: true,
    keep_tokens: int(keepTokens),
    // Auto-tagged captions run long; 225 tokens keeps shuffled tags from being cut at random.
    max_token_length: int(225),
    network_module: plan.network.value.module,
    network_dim: int(plan.network.value.dim),
    network_alpha: plan.network.value.alpha,
    learning_rate: plan.learningRate.value,
    unet_lr: plan.learningRate.value,
    // nargs=* on the command line, so a list; networks.lora uses the first value for every text encoder.
    text_encoder_lr: [plan.textEncoderLr.value.lr],
    // L = S/(R·E·I) spreads the strength evenly over the run: a constant rate is what the formula assumes.
    lr_scheduler: 'constant',
    // Plain AdamW needs no extra package (bitsandbytes); its extra memory for LoRA-sized weights is small.
    // SDXL plans name their own optimizer (family-presets.ts).
    optimizer_type: plan.optimizer?.value.type ?? 'AdamW',
    mixed_precision: input.mixedPrecision ?? 'fp16',
    sdpa: true,
    cache_latents: true,
    seed: int(input.seed ?? DEFAULT_SEED),
    training_comment: `Kiln: ${input.characterName ? `${input.characterName}, ` : ''}main tag "${input.mainTag}"`,
    metadata_trigger_phrase: input.mainTag,
  };
  if (input.characterName) config.metadata_title = input.characterName;
  if (input.tokenizerCacheDir) config.tokenizer_cache_dir = input.tokenizerCacheDir;
  if (plan.conv.value) {
    config.network_args = [`conv_dim=${plan.conv.value.dim}`, `conv_alpha=${plan.conv.value.alpha}`];
  }
  const clipSkip = plan.baseModel?.clipSkip;
  if (clipSkip !== undefined && !sdxl) config.clip_skip = int(clipSkip);
  if (sdxl) {
    // SDXL's VAE overflows in fp16 (black samples, NaN latents); and it needs checkpointing to fit at all.
    config.no_half_vae = true;
    config.gradient_checkpointing = true;
  }
  Object.assign(config, presetOptions(plan));

  let samples: TrainerConfig['samples'] = null;
  if (input.samplePrompts && input.samplePrompts.length > 0) {
    if (!input.samplePromptsPath)
      throw new Error('samplePromptsPath is required when samplePrompts are given');
    const lines = samplePromptLines(withPromptPrefix(input.samplePrompts, plan.baseModel?.promptPrefix), {
      width: resolution,
      height: resolution,
      ...DEFAULT_SAMPLE_SETTINGS,
    });
    samples = { text: `${lines.map((line) => line.line).join('\n')}\n`, lines };
    config.sample_prompts = input.samplePromptsPath;
    config.sample_every_n_epochs = int(1);
    config.sample_sampler = SAMPLE_SAMPLER;
  }

  const dataset: DatasetToml = {
    general: {
      enable_bucket: true,
      min_bucket_reso: int(plan.buckets.value.min),
      max_bucket_reso: int(plan.buckets.value.max),
      bucket_reso_steps: int(plan.buckets.value.steps),
      caption_extension: '.txt',
      shuffle_caption: true,
      keep_tokens: int(keepTokens),
    },
    datasets: [
      {
        resolution: int(resolution),
        batch_size: int(plan.batchSize.value),
        subsets: [
          {
            image_dir: input.imageDir,
            // With a dataset config the `10_` folder prefix is not read: repeats must be written here.
            num_repeats: int(plan.repeats.value),
            // Used only for an image without a caption file; all of ours have one starting with the main tag.
            class_tokens: input.mainTag,
          },
        ],
      },
    ],
  };
  return { script: scriptFor(plan), config, dataset, samples };
}

/**
 * The options a family preset adds: its optimizer's arguments, loss weighting, v-prediction, U-Net-only
 * training. v-pred needs `v_parameterization` and `zero_terminal_snr` together (sd-scripts warns that ztSNR
 * alone trains "unexpected" results) and never `v_pred_like_loss`, which sd-scripts refuses beside them.
 */
export function presetOptions(plan: TrainingPlan): ConfigToml {
  const options: ConfigToml = {};
  const optimizerArgs = plan.optimizer?.value.args ?? [];
  if (optimizerArgs.length > 0) options.optimizer_args = [...optimizerArgs];
  const maxGradNorm = plan.optimizer?.value.maxGradNorm;
  if (maxGradNorm !== undefined) options.max_grad_norm = maxGradNorm;
  const loss = plan.loss?.value;
  if (loss?.vParameterization) options.v_parameterization = true;
  if (loss?.zeroTerminalSnr) options.zero_terminal_snr = true;
  if (loss?.minSnrGamma !== null && loss?.minSnrGamma !== undefined) options.min_snr_gamma = loss.minSnrGamma;
  if (loss?.noiseOffset !== null && loss?.noiseOffset !== undefined) options.noise_offset = loss.noiseOffset;
  if (plan.textEncoderLr.value.ratio === 0 && plan.family === 'sdxl') options.network_train_unet_only = true;
  return options;
}

/** Sample prompts with the base model's prefix (Pony's score tags) in front, unless a prompt already starts so. */
export function withPromptPrefix(
  prompts: readonly SamplePrompt[],
  prefix: string | undefined,
): SamplePrompt[] {
  const start = prefix?.trim().replace(/,\s*$/, '') ?? '';
  if (start === '') return [...prompts];
  return prompts.map((prompt) =>
    prompt.prompt.trim().startsWith(start) ? prompt : { ...prompt, prompt: `${start}, ${prompt.prompt}` },
  );
}

/** TOML text with integers as integers and every other number as a float (`64.0`, not `64`). */
export function toToml(value: Record<string, unknown>): string {
  return stringify(value, { numbersAsFloat: true });
}

/** Parses TOML keeping integers (bigint) apart from floats (number), as Python's toml does. */
export function parseToml(text: string): Record<string, unknown> {
  return parse(text, { integersAsBigInt: true });
}

export interface WrittenConfig {
  configPath: string;
  datasetPath: string;
  samplePromptsPath: string | null;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.partial`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}

/** Writes config.toml, dataset.toml and (with prompts) sample_prompts.txt into a folder. */
export async function writeTrainerConfig(config: TrainerConfig, dir: string): Promise<WrittenConfig> {
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, 'config.toml');
  const datasetPath = join(dir, 'dataset.toml');
  let samplePromptsPath: string | null = null;
  if (config.samples) {
    samplePromptsPath = String(config.config.sample_prompts);
    await writeAtomically(samplePromptsPath, config.samples.text);
  }
  await writeAtomically(datasetPath, toToml(config.dataset as unknown as Record<string, unknown>));
  await writeAtomically(configPath, toToml(config.config));
  return { configPath, datasetPath, samplePromptsPath };
}

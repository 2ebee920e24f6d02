import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import {
  planTraining,
  type BaseModel,
  type PlanInput,
  type TrainingPlan,
} from '../../src/core/training/plan.ts';
import {
  buildTrainerConfig,
  writeTrainerConfig,
  type TrainerConfig,
  type WrittenConfig,
} from '../../src/trainer/config.ts';
import type { SamplePrompt } from '../../src/core/training/outputs.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** sd-scripts' option and dataset tables, kept with the other fixtures. */
export const REFERENCE_DIR = join(REPO_ROOT, 'test/fixtures/sd-scripts');
export const FAKE_SD_SCRIPTS_DIR = join(REPO_ROOT, 'test/fakes/sd-scripts');
/** `accelerate launch --num_cpu_threads_per_process 1`, played by the fake launcher. */
export const FAKE_LAUNCHER: readonly string[] = [
  process.execPath,
  join(FAKE_SD_SCRIPTS_DIR, 'accelerate.js'),
  'launch',
  '--num_cpu_threads_per_process',
  '1',
];

export async function temporaryDir(
  prefix = 'kiln-trainer-',
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a small JPEG of a given size and colour. */
export async function writeJpeg(
  path: string,
  width: number,
  height: number,
  colour = '#808080',
): Promise<void> {
  await sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .toFile(path);
}

export interface GivenRun {
  plan: TrainingPlan;
  config: TrainerConfig;
  written: WrittenConfig;
  baseModel: BaseModel;
  imageDir: string;
  outputDir: string;
  outputName: string;
}

/**
 * A run folder with `count` captioned images in `img/10_<tag>`, a base model file, and the configs for a plan
 * (3 epochs by default so the fake stays quick).
 */
export async function givenRun(
  root: string,
  options: {
    count?: number;
    mainTag?: string;
    plan?: Partial<PlanInput>;
    family?: BaseModel['family'];
    samplePrompts?: SamplePrompt[];
  } = {},
): Promise<GivenRun> {
  const count = options.count ?? 3;
  const mainTag = options.mainTag ?? 'krystal';
  const imageDir = join(root, 'img', `10_${mainTag}`);
  await mkdir(imageDir, { recursive: true });
  const sizes = [];
  for (let i = 0; i < count; i++) {
    const width = 600 + (i % 3) * 100;
    await writeJpeg(join(imageDir, `${i}.jpg`), width, 800);
    await writeFile(join(imageDir, `${i}.txt`), `${mainTag}, solo, blue fur`, 'utf8');
    sizes.push({ width, height: 800 });
  }
  const modelFile = join(root, 'base-model.safetensors');
  await writeFile(modelFile, 'not really a model');
  const baseModel: BaseModel = {
    name: 'test-model',
    file: modelFile,
    family: options.family ?? 'sd1',
    tagStyle: 'e621',
  };
  const plan = planTraining({
    imageCount: count,
    headshotCount: 1,
    epochs: 3,
    preset: 'trash',
    baseModel,
    imageSizes: sizes,
    ...options.plan,
  });
  const outputDir = join(root, 'output');
  const config = buildTrainerConfig({
    plan,
    imageDir,
    mainTag,
    baseModelPath: modelFile,
    outputDir,
    outputName: mainTag,
    samplePromptsPath: join(root, 'sample_prompts.txt'),
    samplePrompts: options.samplePrompts ?? [],
    characterName: 'Krystal',
  });
  const written = await writeTrainerConfig(config, root);
  return { plan, config, written, baseModel, imageDir, outputDir, outputName: mainTag };
}

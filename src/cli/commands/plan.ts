import { Option, type Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { UserError } from '../../core/errors.ts';
import {
  planLines,
  planTraining,
  type BaseModel,
  type Preset,
  type TrainingPlan,
} from '../../core/training/plan.ts';
import { findBaseModel, loadConfiguredBaseModels } from '../../trainer/base-models.ts';
import {
  countHeadshots,
  folderWarnings,
  readDatasetFolder,
  type DatasetFolder,
} from '../../trainer/dataset-folder.ts';

/** Options shared by `kiln plan` and `kiln train`. */
export interface PlanCliOptions {
  strength?: string;
  preset?: Preset;
  gpuMemory?: string;
  batchSize?: string;
  baseModel?: string;
  locon?: boolean;
  repeats?: string;
  epochs?: string;
  teRatio?: string;
  headshots?: string;
  mainTags?: string;
}

export function addPlanOptions(command: Command): Command {
  return command
    .option(
      '--strength <S>',
      'training strength S in L = S/(R·E·I) (default 1.1; 1.2+ for unusual characters)',
    )
    .addOption(
      new Option('--preset <preset>', 'full (768) or trash (trash-tier, 512)').choices(['full', 'trash']),
    )
    .option('--gpu-memory <GB>', 'GPU memory in GB for the batch size (default GPU_MEMORY_GB, else 24)')
    .option('--batch-size <N>', 'override the batch size derived from GPU memory')
    .option('--base-model <name>', 'a base model from BASE_MODELS_FILE')
    .option('--locon', 'train LoCon layers too (conv dim/alpha 32)')
    .option('--repeats <R>', 'repeats per epoch (default 10)')
    .option('--epochs <E>', 'epochs (default 10)')
    .option('--te-ratio <ratio>', 'text encoder LR as a share of L (default 0.5; the guide says 0.5–0.6)')
    .option('--headshots <N>', 'number of headshots (default: images tagged headshot_portrait)')
    .option('--main-tags <N>', 'main tags at the start of each caption, for keep_tokens (default 1)');
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new UserError('invalid-option', `${name} must be a number, got ${JSON.stringify(value)}.`);
  }
  return parsed;
}

export async function resolveBaseModel(name: string | undefined): Promise<BaseModel | undefined> {
  if (name === undefined) return undefined;
  const { BASE_MODELS_FILE } = readConfig(['trainer']);
  if (!BASE_MODELS_FILE) {
    throw new UserError(
      'invalid-option',
      'Set BASE_MODELS_FILE to the base-model list (JSON or TOML) to pick a base model.',
    );
  }
  return findBaseModel(await loadConfiguredBaseModels(BASE_MODELS_FILE), name);
}

/** The plan for a dataset folder read from disk; image sizes make the step count exact. */
export function planForFolder(
  folder: DatasetFolder,
  options: PlanCliOptions,
  baseModel: BaseModel | undefined,
  extra: { sampleImagesPerEpoch?: number } = {},
): TrainingPlan {
  const gpuMemoryGb =
    number(options.gpuMemory, '--gpu-memory') ?? readConfig(['trainer']).GPU_MEMORY_GB ?? 24;
  const input: Parameters<typeof planTraining>[0] = {
    imageCount: folder.images.length,
    headshotCount: number(options.headshots, '--headshots') ?? countHeadshots(folder.images),
    gpuMemoryGb,
    imageSizes: folder.images.map(({ width, height }) => ({ width, height })),
    locon: options.locon ?? false,
  };
  const set = <K extends keyof typeof input>(key: K, value: (typeof input)[K] | undefined): void => {
    if (value !== undefined) input[key] = value;
  };
  set('strength', number(options.strength, '--strength'));
  set('preset', options.preset);
  set('batchSize', number(options.batchSize, '--batch-size'));
  set('repeats', number(options.repeats, '--repeats'));
  set('epochs', number(options.epochs, '--epochs'));
  set('textEncoderRatio', number(options.teRatio, '--te-ratio'));
  set('mainTagCount', number(options.mainTags, '--main-tags'));
  set('baseModel', baseModel);
  set('sampleImagesPerEpoch', extra.sampleImagesPerEpoch);
  return planTraining(input);
}

/** The plan as terminal text: one "label: value" line with its reason under it, then warnings. */
export function formatPlan(plan: TrainingPlan, folder?: DatasetFolder): string {
  const lines: string[] = [];
  if (folder)
    lines.push(`Dataset: ${folder.dir} (${folder.images.length} images, ${folder.layout} layout)`, '');
  const rows = planLines(plan);
  const width = Math.max(...rows.map((row) => row.label.length));
  for (const row of rows) {
    lines.push(`${row.label.padEnd(width)}  ${row.value}`);
    lines.push(`${' '.repeat(width)}    ${row.why}`);
  }
  const warnings = [...(folder ? folderWarnings(folder) : []), ...plan.warnings];
  if (warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const warning of warnings) lines.push(`  - ${warning}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerPlan(program: Command): void {
  addPlanOptions(
    program
      .command('plan')
      .description("Print the guide's training plan for a dataset folder (images with .txt captions)")
      .argument('<dir>', 'dataset folder: images and captions, or kohya N_name subfolders'),
  ).action(async (dir: string, options: PlanCliOptions) => {
    const folder = await readDatasetFolder(dir);
    const plan = planForFolder(folder, options, await resolveBaseModel(options.baseModel));
    process.stdout.write(formatPlan(plan, folder));
  });
}

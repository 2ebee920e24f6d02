import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { UserError } from '../../core/errors.ts';
import { buildInfoTxt } from '../../core/info-txt.ts';
import { safeFolderName } from '../../core/training/folder-name.ts';
import { bucketResolutions, snapBucketRange } from '../../core/training/buckets.ts';
import { formatScientific, type TrainingPlan } from '../../core/training/plan.ts';
import { assertBaseModelFile } from '../../trainer/base-models.ts';
import { tokenizerCacheDir, trainerCacheEnv } from '../../trainer/cache-dirs.ts';
import { buildTrainerConfig, writeTrainerConfig } from '../../trainer/config.ts';
import { commonFirstTag, readDatasetFolder } from '../../trainer/dataset-folder.ts';
import { materializeRunFolder } from '../../trainer/materialize.ts';
import { DEFAULT_LAUNCHER, runTraining, type TrainerEvent } from '../../trainer/run.ts';
import {
  checkMetadata,
  describeMismatches,
  readSafetensorsHeader,
  sha256File,
} from '../../trainer/safetensors.ts';
import {
  addPlanOptions,
  formatPlan,
  planForFolder,
  registerPlan,
  resolveBaseModel,
  type PlanCliOptions,
} from './plan.ts';

interface TrainCliOptions extends PlanCliOptions {
  out?: string;
  mainTag?: string;
  name?: string;
  samplePrompt?: string[];
  seed?: string;
  resolution?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--resolution`: a multiple of 64 (SD 1.x's bucket step) from 64 to 2048. */
export function parseResolution(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 64 || value > 2048 || value % 64 !== 0) {
    throw new UserError(
      'invalid-option',
      `--resolution must be a multiple of 64 from 64 to 2048, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

/** The plan at another square resolution (tiny test runs): buckets from half to twice it, as the presets do. */
export function planAtResolution(plan: TrainingPlan, resolution: number): TrainingPlan {
  const steps = plan.buckets.value.steps;
  const range = snapBucketRange(Math.max(steps, resolution / 2), resolution * 2, steps);
  const count = bucketResolutions(resolution, range).length;
  return {
    ...plan,
    resolution: { value: resolution, why: 'set with --resolution' },
    buckets: {
      value: { ...range, requestedMin: range.min, requestedMax: range.max, count },
      why: `half to twice --resolution ${resolution}, in multiples of ${steps}: ${count} buckets`,
    },
  };
}

function timestampForFolder(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Progress as log lines: every epoch boundary, each save, and the bar at most every 5% or 15 s. */
function progressPrinter(write: (line: string) => void): (event: TrainerEvent) => void {
  let lastPercent = -100;
  let lastTime = 0;
  return (event) => {
    switch (event.type) {
      case 'started':
        write(`started: ${event.command.join(' ')}`);
        break;
      case 'progress': {
        const now = Date.now();
        if (event.percent - lastPercent >= 5 || now - lastTime >= 15_000 || event.step === event.totalSteps) {
          lastPercent = event.percent;
          lastTime = now;
          const loss =
            event.avrLoss === null ? '' : ` loss ${Number.isNaN(event.avrLoss) ? 'nan' : event.avrLoss}`;
          const eta = event.remainingSeconds === null ? '' : ` eta ${Math.round(event.remainingSeconds)} s`;
          const epoch = event.epoch === null ? '' : ` epoch ${event.epoch}/${event.totalEpochs}`;
          write(`step ${event.step}/${event.totalSteps} (${event.percent}%)${epoch}${loss}${eta}`);
        }
        break;
      }
      case 'epochStart':
        write(`epoch ${event.epoch}/${event.totalEpochs}`);
        break;
      case 'epochEnd':
        write(`epoch ${event.epoch} done, average loss ${event.averageLoss ?? 'unknown'}`);
        break;
      case 'checkpointSaved':
        write(`saved ${event.final ? 'final model' : `epoch ${event.epoch}`}: ${event.path}`);
        break;
      case 'samplesReady':
        write(`samples for epoch ${event.epoch}: ${event.paths.length}`);
        break;
      case 'sampleImage':
      case 'log':
        break;
    }
  };
}

export function registerTrain(program: Command): void {
  addPlanOptions(
    program
      .command('train')
      .description('Train a LoRA from a dataset folder with sd-scripts (SD_SCRIPTS_DIR) and a base model')
      .argument(
        '<dir>',
        'dataset folder: images and .txt captions (main tag first), or kohya N_name subfolders',
      ),
  )
    .option('--out <dir>', 'run folder (default DATA_DIR/runs/<time>-<main tag>)')
    .option('--main-tag <tag>', 'main tag (default: the first tag every caption starts with)')
    .option('--name <character>', 'character name for info.txt and the model title (default: the main tag)')
    .option('--sample-prompt <prompt>', 'render this prompt at every epoch end (repeatable)', collect)
    .option('--seed <n>', 'training seed (default 1234)')
    .option('--resolution <px>', 'train at this square resolution instead of the preset (multiple of 64)')
    .action(async (dir: string, options: TrainCliOptions) => {
      const config = readConfig(['trainer', 'runtime']);
      if (!options.baseModel)
        throw new UserError('invalid-option', 'Pick a base model with --base-model <name>.');
      if (!config.SD_SCRIPTS_DIR) {
        throw new UserError(
          'invalid-option',
          'Set SD_SCRIPTS_DIR to the sd-scripts folder (where train_network.py is).',
        );
      }
      const baseModel = await resolveBaseModel(options.baseModel);
      if (!baseModel) throw new UserError('invalid-option', 'Pick a base model with --base-model <name>.');
      await assertBaseModelFile(baseModel);

      const folder = await readDatasetFolder(dir);
      const uncaptioned = folder.images.filter((image) => image.caption === null);
      if (uncaptioned.length > 0) {
        throw new UserError(
          'invalid-tag',
          `${uncaptioned.length} image(s) have no .txt caption beside them (first: ${uncaptioned[0]?.path}); caption them (kiln tag ${dir}) or remove them.`,
        );
      }
      const emptyCaption = folder.images.find((image) => (image.caption ?? '').replace(/[,\s]/g, '') === '');
      if (emptyCaption) {
        throw new UserError(
          'invalid-tag',
          `The caption of ${emptyCaption.path} is empty; put the main tag and the image's tags in it.`,
        );
      }
      const mainTag = options.mainTag ?? commonFirstTag(folder.images);
      if (!mainTag) {
        throw new UserError(
          'invalid-tag',
          'The captions do not all start with the same tag; put the main tag first in every caption or pass --main-tag.',
        );
      }
      const prompts = (options.samplePrompt ?? []).map((prompt, index) => ({
        prompt,
        seeds: [1000 + index],
      }));
      const resolution = options.resolution === undefined ? null : parseResolution(options.resolution);
      const presetPlan = planForFolder(folder, options, baseModel, { sampleImagesPerEpoch: prompts.length });
      const plan = resolution === null ? presetPlan : planAtResolution(presetPlan, resolution);
      process.stdout.write(formatPlan(plan, folder));

      const safeTag = safeFolderName(mainTag);
      const runDir = resolve(
        options.out ?? join(config.DATA_DIR, 'runs', `${timestampForFolder(new Date())}-${safeTag}`),
      );
      const materialized = await materializeRunFolder({
        runDir,
        mainTag,
        repeats: plan.repeats.value,
        items: folder.images.map((image) => ({
          sourcePath: image.path,
          name: image.name,
          caption: image.caption ?? '',
        })),
      });
      const outputDir = join(runDir, 'output');
      const trainerConfig = buildTrainerConfig({
        plan,
        imageDir: materialized.imageDir,
        mainTag,
        baseModelPath: baseModel.file,
        outputDir,
        outputName: safeTag,
        samplePromptsPath: join(runDir, 'sample_prompts.txt'),
        samplePrompts: prompts,
        characterName: options.name ?? mainTag,
        ...(options.seed === undefined ? {} : { seed: Number(options.seed) }),
        // A CPU has no fp16 autocast worth using: train in fp32.
        ...(config.TRAIN_DEVICE === 'cpu' ? { mixedPrecision: 'no' as const } : {}),
        tokenizerCacheDir: tokenizerCacheDir(config.DATA_DIR),
      });
      const written = await writeTrainerConfig(trainerConfig, runDir);
      process.stdout.write(`\nrun folder: ${runDir}\n`);

      const controller = new AbortController();
      const onSigint = (): void => {
        process.stderr.write('\nkiln: cancelling (Ctrl-C again to force)…\n');
        controller.abort();
        process.once('SIGINT', () => process.exit(130));
      };
      process.once('SIGINT', onSigint);
      const result = await runTraining({
        sdScriptsDir: config.SD_SCRIPTS_DIR,
        script: trainerConfig.script,
        configPath: written.configPath,
        datasetPath: written.datasetPath,
        outputDir,
        outputName: safeTag,
        launcher: config.SD_SCRIPTS_LAUNCHER ?? DEFAULT_LAUNCHER,
        env: trainerCacheEnv(config.DATA_DIR),
        signal: controller.signal,
        logFile: join(runDir, 'train.log'),
        onEvent: progressPrinter((line) => process.stdout.write(`${line}\n`)),
      });
      process.removeListener('SIGINT', onSigint);
      if (result.status === 'cancelled') {
        process.stderr.write(`kiln: ${result.message}\n`);
        process.exitCode = 130;
        return;
      }
      if (result.status === 'failed') {
        throw new UserError(
          'training-failed',
          `Training failed (${result.reason}): ${result.message} Log: ${join(runDir, 'train.log')}`,
        );
      }

      const header = await readSafetensorsHeader(result.modelPath);
      const mismatches = checkMetadata(header.metadata, {
        plan,
        epoch: plan.epochs.value,
        baseModelPath: baseModel.file,
        outputName: safeTag,
      });
      if (mismatches.length > 0) {
        throw new UserError(
          'invalid-model',
          `The trained model does not match the plan: ${describeMismatches(mismatches)}`,
        );
      }
      const sha256 = await sha256File(result.modelPath);
      const size = (await stat(result.modelPath)).size;
      const notesPath = join(dir, 'info.txt');
      const notes = existsSync(notesPath) ? await readFile(notesPath, 'utf8') : '';
      const info = buildInfoTxt({
        characterName: options.name ?? mainTag,
        notes,
        mainTag,
        outfitTags: [],
        toggleTags: [],
        reinforcementTags: [],
        plan,
        baseModel,
        sdScriptsOptions: trainerConfig.config,
        file: { name: basename(result.modelPath), sizeBytes: size, sha256 },
        trainedAt: new Date().toISOString(),
      });
      const infoPath = join(outputDir, 'info.txt');
      await writeFile(infoPath, info, 'utf8');
      process.stdout.write(
        `\nmodel: ${result.modelPath}\nsize: ${size} bytes\nsha256: ${sha256}\nlearning rate: ${formatScientific(plan.learningRate.value)}\ninfo: ${infoPath}\n`,
      );
    });
}

/** Registers `kiln plan` and `kiln train` (one entry in main.ts for both). */
export function registerTrainingCommands(program: Command): void {
  registerPlan(program);
  registerTrain(program);
}

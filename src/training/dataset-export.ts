import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { safeFolderName } from '../core/training/folder-name.ts';
import { PLAN_DEFAULTS, type BaseModel, type Preset } from '../core/training/plan.ts';
import type { Db } from '../db/client.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { formatBytes } from '../delivery/upload-limit.ts';
import { buildTrainerConfig, toToml } from '../trainer/config.ts';
import { exportDatasetZip, exportReadme, portablePaths } from '../trainer/export.ts';
import { assertFinalized, loadTrainingDataset } from './dataset.ts';
import { assertFolderSafeMainTag, NO_EPOCH_SAMPLES, planForRun } from './plan.ts';
import { buildRunFolder } from './run-folder.ts';

/** Without a base-model list, the export still trains anywhere: the owner puts a checkpoint beside it. */
export const PLACEHOLDER_MODEL: BaseModel = {
  name: 'your base model',
  file: 'model.safetensors',
  family: 'sd1',
  tagStyle: 'e621',
};

export interface DatasetExport {
  /** The zip inside `workDir`. */
  path: string;
  /** What the download is called: `<main tag>-dataset.zip`. */
  name: string;
  bytes: number;
  /** The line posted with it: images, folder, configs, size. */
  summary: string;
}

/**
 * `/lora export`'s zip: the finalized dataset as a kohya folder with captions, config.toml and dataset.toml for
 * the base model and preset, and a README; built under `workDir` (the caller removes it).
 */
export async function buildDatasetExport(input: {
  db: Db;
  dataDir: string;
  project: ProjectRow;
  baseModel: BaseModel;
  preset: Preset;
  gpuMemoryGb: number | undefined;
  workDir: string;
}): Promise<DatasetExport> {
  const { db, project, baseModel, preset } = input;
  assertFinalized(project);
  assertFolderSafeMainTag(project.mainTag);
  const dataset = await loadTrainingDataset(db, project);
  const plan = planForRun({
    dataset,
    settings: { preset, strength: PLAN_DEFAULTS.strength, locon: false, samplePrompts: [] },
    sampling: NO_EPOCH_SAMPLES,
    baseModel,
    gpuMemoryGb: input.gpuMemoryGb,
  });
  const folder = await buildRunFolder({
    db,
    dataDir: input.dataDir,
    project,
    dataset,
    runDir: input.workDir,
    repeats: plan.repeats.value,
    tagStyle: baseModel.tagStyle,
  });
  const stem = safeFolderName(project.mainTag);
  const paths = portablePaths(folder.folderName, baseModel.file);
  const config = buildTrainerConfig({
    plan,
    imageDir: paths.imageDir,
    mainTag: folder.mainTag,
    baseModelPath: paths.baseModelPath,
    outputDir: paths.outputDir,
    outputName: stem,
    characterName: project.characterName,
  });
  const name = `${stem}-dataset.zip`;
  const zip = await exportDatasetZip({
    imageDir: folder.imageDir,
    configToml: toToml(config.config),
    datasetToml: toToml(config.dataset as unknown as Record<string, unknown>),
    extraFiles: {
      'README.txt': exportReadme({
        folderName: folder.folderName,
        script: config.script,
        baseModelFile: baseModel.file,
      }),
    },
    outPath: join(input.workDir, name),
  });
  const bytes = (await stat(zip.path)).size;
  const summary = `**${project.characterName}**: ${dataset.entries.length} images (${dataset.keptCount} kept + ${dataset.cropCount} crops) in \`${folder.folderName}/\` with captions, plus \`config.toml\` and \`dataset.toml\` for ${baseModel.name} (${preset === 'full' ? 'full, 768' : 'trash-tier, 512'}). ${formatBytes(bytes)}.`;
  return { path: zip.path, name, bytes, summary };
}

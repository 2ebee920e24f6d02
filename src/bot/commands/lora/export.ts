import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safeFolderName } from '../../../core/training/folder-name.ts';
import { PLAN_DEFAULTS, type BaseModel, type Preset } from '../../../core/training/plan.ts';
import { storeDownloadLink } from '../../../delivery/store-links.ts';
import { formatBytes } from '../../../delivery/upload-limit.ts';
import { processStore } from '../../../storage/process-store.ts';
import { findBaseModel } from '../../../trainer/base-models.ts';
import { buildTrainerConfig, toToml } from '../../../trainer/config.ts';
import { exportDatasetZip, exportReadme, portablePaths } from '../../../trainer/export.ts';
import { assertFinalized, loadTrainingDataset } from '../../../training/dataset.ts';
import { assertFolderSafeMainTag, NO_EPOCH_SAMPLES, planForRun } from '../../../training/plan.ts';
import { buildRunFolder } from '../../../training/run-folder.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { rememberUploadLimitOf } from '../../upload-limit.ts';
import { BASE_MODEL_OPTION } from './train.ts';

/** Without a base-model list, the export still trains anywhere: the owner puts a checkpoint beside it. */
const PLACEHOLDER_MODEL: BaseModel = {
  name: 'your base model',
  file: 'model.safetensors',
  family: 'sd1',
  tagStyle: 'e621',
};

/** The file name of a shared export on disk; the download is saved under `<main tag>-dataset.zip`. */
const SHARED_ZIP_NAME = 'dataset.zip';

export const exportCommand: Subcommand = {
  name: 'export',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('export')
        .setDescription(
          'Download the finalized dataset as a kohya folder zip with config.toml and dataset.toml',
        )
        .addStringOption((option) =>
          option
            .setName(BASE_MODEL_OPTION)
            .setDescription('Base model the configs are written for (default: the first in the list)')
            .setAutocomplete(true),
        )
        .addStringOption((option) =>
          option
            .setName('preset')
            .setDescription('full: 768 (default) · trash-tier: 512')
            .addChoices({ name: 'full (768)', value: 'full' }, { name: 'trash-tier (512)', value: 'trash' }),
        ),
    ),
  acknowledge: 'public',
  async run(interaction, { db, dataDir, training, log }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    assertFinalized(project);
    assertFolderSafeMainTag(project.mainTag);
    const limit = await rememberUploadLimitOf(db, interaction);
    const modelName = interaction.options.getString(BASE_MODEL_OPTION);
    const baseModel = modelName
      ? findBaseModel(training.baseModels, modelName)
      : (training.baseModels[0] ?? PLACEHOLDER_MODEL);
    const preset = (interaction.options.getString('preset') ?? PLAN_DEFAULTS.preset) as Preset;
    const dataset = await loadTrainingDataset(db, project);
    const plan = planForRun({
      dataset,
      settings: { preset, strength: PLAN_DEFAULTS.strength, locon: false, samplePrompts: [] },
      sampling: NO_EPOCH_SAMPLES,
      baseModel,
      gpuMemoryGb: training.gpuMemoryGb,
    });

    const work = await mkdtemp(join(tmpdir(), 'kiln-export-'));
    try {
      const folder = await buildRunFolder({
        db,
        dataDir,
        project,
        dataset,
        runDir: work,
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
      const zipName = `${stem}-dataset.zip`;
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
        outPath: join(work, zipName),
      });
      const size = (await stat(zip.path)).size;
      const summary = `**${project.characterName}**: ${dataset.entries.length} images (${dataset.keptCount} kept + ${dataset.cropCount} crops) in \`${folder.folderName}/\` with captions, plus \`config.toml\` and \`dataset.toml\` for ${baseModel.name} (${preset === 'full' ? 'full, 768' : 'trash-tier, 512'}). ${formatBytes(size)}.`;
      if (size <= limit) {
        await interaction.editReply({ content: summary, files: [{ attachment: zip.path, name: zipName }] });
        return;
      }
      // With an object store: the zip goes to the bucket and the link is the store's presigned URL.
      const store = processStore();
      const storeKey = `exports/${project.id}-${Date.now()}/${SHARED_ZIP_NAME}`;
      const ttl = training.linkTtlSeconds ?? 7 * 24 * 3600;
      const presigned = await storeDownloadLink(store, storeKey, zipName, ttl);
      if (store && presigned) {
        await store.putFile(storeKey, zip.path);
        await interaction.editReply({
          content: `${summary}\nIt is over this server's upload limit (${formatBytes(limit)}): [download ${zipName}](${presigned.url}) (link valid until <t:${Math.floor(presigned.expiresAt.getTime() / 1000)}:f>).`,
        });
        log.info({ projectId: project.id, bytes: size }, 'export shared by an object-store link');
        return;
      }
      if (!training.links) {
        await interaction.editReply({
          content: `${summary}\nThe zip is over this server's upload limit (${formatBytes(limit)}) and Kiln has no download address configured (PUBLIC_URL and LINK_SECRET), so it cannot be shared here.`,
        });
        return;
      }
      // Stored under a plain name and signed with the real one: main tags have parentheses, links want plain paths.
      const folderName = `${project.id}-${Date.now()}`;
      const link = training.links.sign(`exports/${folderName}/${SHARED_ZIP_NAME}`, { downloadName: zipName });
      const target = join(training.filesDir, 'exports', folderName);
      try {
        await mkdir(target, { recursive: true });
        await copyFile(zip.path, join(target, SHARED_ZIP_NAME));
        await interaction.editReply({
          content: `${summary}\nIt is over this server's upload limit (${formatBytes(limit)}): [download ${zipName}](${link.url}) (link valid until <t:${Math.floor(link.expiresAt.getTime() / 1000)}:f>).`,
        });
      } catch (error) {
        // Nobody got the link: the copy would only fill the disk.
        await rm(target, { recursive: true, force: true });
        throw error;
      }
      log.info({ projectId: project.id, bytes: size }, 'export shared by link');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
  async autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    if (focused.name !== BASE_MODEL_OPTION) {
      await autocompleteProject(context.db, interaction);
      return;
    }
    const typed = String(focused.value).trim().toLowerCase();
    await interaction.respond(
      context.training.baseModels
        .filter((model) => model.name.toLowerCase().includes(typed))
        .slice(0, 25)
        .map((model) => ({ name: model.name.slice(0, 100), value: model.name.slice(0, 100) })),
    );
  },
};

import { PLAN_DEFAULTS, type Preset } from '../../../core/training/plan.ts';
import { findBaseModel } from '../../../trainer/base-models.ts';
import { assertFinalized } from '../../../training/dataset.ts';
import { assertFolderSafeMainTag } from '../../../training/plan.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { rememberUploadLimitOf } from '../../upload-limit.ts';
import { BASE_MODEL_OPTION } from './train.ts';

/**
 * `/lora export`: the bot checks what it can at once (the project, finalized, a main tag that makes a folder
 * name, the base model, the preset) and queues the `export` job; the worker builds the zip and posts it here
 * (src/worker/jobs/export.ts), so no zipping holds up the bot.
 */

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
  async run(interaction, { db, jobs, training }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    assertFinalized(project);
    assertFolderSafeMainTag(project.mainTag);
    const limit = await rememberUploadLimitOf(db, interaction);
    const modelName = interaction.options.getString(BASE_MODEL_OPTION);
    // Without a base-model list the worker writes the configs for a placeholder checkpoint (null).
    const baseModel = modelName
      ? findBaseModel(training.baseModels, modelName)
      : (training.baseModels[0] ?? null);
    const preset = (interaction.options.getString('preset') ?? PLAN_DEFAULTS.preset) as Preset;
    await jobs.enqueue('export', {
      projectId: project.id,
      requestedBy: interaction.user.id,
      channelId: interaction.channelId,
      baseModel,
      preset,
      gpuMemoryGb: training.gpuMemoryGb ?? null,
      uploadLimitBytes: limit,
    });
    await interaction.editReply({
      content: `Building the export of **${project.characterName}** on the worker; it will be posted here.`,
      allowedMentions: { parse: [] },
    });
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

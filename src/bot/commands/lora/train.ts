import { PLAN_DEFAULTS, type Preset } from '../../../core/training/plan.ts';
import { createTrainingPlan, setPlanMessage } from '../../../db/repositories/training.ts';
import { parseStrength } from '../../../training/plan.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { ensureProjectThread } from '../../project-thread.ts';
import { computePlans, renderPlanCard, storePlanned } from '../../train-plan.ts';
import { rememberUploadLimitOf } from '../../upload-limit.ts';

export const BASE_MODEL_OPTION = 'base_model';

/** `a, b` → ['a', 'b']: several base models train one LoRA each. */
export function splitModelNames(text: string | null): string[] {
  if (text === null) return [];
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export const train: Subcommand = {
  name: 'train',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('train')
        .setDescription(
          "Show the guide's training plan for the finalized dataset, with Start, Edit and Cancel",
        )
        .addStringOption((option) =>
          option
            .setName(BASE_MODEL_OPTION)
            .setDescription('Base model(s) from the worker’s list, comma-separated for one LoRA each')
            .setAutocomplete(true),
        )
        .addStringOption((option) =>
          option
            .setName('preset')
            .setDescription('full: 768 (default) · trash-tier: 512, quick')
            .addChoices({ name: 'full (768)', value: 'full' }, { name: 'trash-tier (512)', value: 'trash' }),
        )
        .addNumberOption((option) =>
          option
            .setName('strength')
            .setDescription('S in L = S/(R·E·I): 1.1 by default, 1.2+ for characters the model barely knows'),
        )
        .addBooleanOption((option) =>
          option.setName('locon').setDescription('Also train the conv layers (LoCon, conv dim/alpha 32)'),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, client, jobs, training }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    await assertCanEdit(db, interaction, project, 'plan a training');
    await rememberUploadLimitOf(db, interaction);
    const strengthOption = interaction.options.getNumber('strength');
    const named = splitModelNames(interaction.options.getString(BASE_MODEL_OPTION));
    const firstModel = training.baseModels[0];
    const settings = {
      preset: (interaction.options.getString('preset') ?? PLAN_DEFAULTS.preset) as Preset,
      strength: strengthOption === null ? PLAN_DEFAULTS.strength : parseStrength(String(strengthOption)),
      locon: interaction.options.getBoolean('locon') ?? false,
      baseModels: named.length > 0 ? named : firstModel ? [firstModel.name] : [],
      samplePrompts: [],
    };
    const plans = await computePlans(
      db,
      project,
      settings,
      training.baseModels,
      training.gpuMemoryGb,
      training.epochSamples,
    );
    const { thread } = await ensureProjectThread(client, db, project);
    const row = await storePlanned(
      db,
      await createTrainingPlan(db, {
        ...settings,
        baseModels: plans.map((plan) => plan.baseModel?.name ?? ''),
        projectId: project.id,
        createdBy: interaction.user.id,
      }),
      plans,
    );
    const card = await thread.send(await renderPlanCard(db, jobs, row, project));
    await setPlanMessage(db, row.id, thread.id, card.id);
    await interaction.editReply({
      content: `The training plan for **${project.characterName}** is in <#${thread.id}>. Check the numbers, **Edit** what you want, then **Start**.`,
    });
  },
  async autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    if (focused.name !== BASE_MODEL_OPTION) {
      await autocompleteProject(context.db, interaction);
      return;
    }
    // Complete the last comma-separated name, keeping the ones already typed.
    const typed = String(focused.value);
    const parts = typed.split(',');
    const last = (parts.pop() ?? '').trim().toLowerCase();
    const before = parts.map((part) => part.trim()).filter(Boolean);
    const choices = context.training.baseModels
      .filter((model) => model.name.toLowerCase().includes(last) && !before.includes(model.name))
      .slice(0, 25)
      .map((model) => {
        const value = [...before, model.name].join(', ');
        return {
          name: `${value} (${model.family === 'sdxl' ? 'SDXL' : 'SD 1.x'})`.slice(0, 100),
          value: value.slice(0, 100),
        };
      });
    await interaction.respond(choices);
  },
};

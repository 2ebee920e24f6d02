import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  SeparatorBuilder,
  StringSelectMenuBuilder,
  StringSelectMenuOptionBuilder,
  TextDisplayBuilder,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import {
  formatDuration,
  planLines,
  STRENGTH_MAX,
  type BaseModel,
  type TrainingPlan,
} from '../core/training/plan.ts';
import type { ProjectRow, TrainingPlanRow, TrainingRunRow } from '../db/schema/index.ts';
import { KIND_DEFAULTS } from '../core/training/base-model-kinds.ts';
import { MAX_SAMPLE_PROMPTS } from '../training/plan.ts';
import { hidePaths } from '../training/public-text.ts';
import { planButtonId, planModalId } from './train-ids.ts';

/**
 * The `/lora train` plan card: every number of the guide's plan with where it comes from, the runs it started
 * (with their place in the queue), and Start / Edit / Cancel. Rendered by the bot and, when a run changes state,
 * by the worker from the same rows.
 */

const KILN_ORANGE = 0xe8743b;
/** Discord counts all text of a V2 message together; stay clear of its 4000. */
const TEXT_BUDGET = 3900;

export interface PlanCardInput {
  plan: TrainingPlanRow;
  project: Pick<ProjectRow, 'characterName' | 'mainTag'>;
  /** One per base model, in the plan's order (plan.planned when rendered from the rows). */
  plans: readonly TrainingPlan[];
  /** The newest run of each base model. */
  runs: readonly TrainingRunRow[];
  /** Queue position of queued runs (0 = next), when known. */
  positions?: ReadonlyMap<number, number | null>;
}

function familyName(model: BaseModel | null): string {
  if (!model) return 'SD 1.x';
  const family = model.family === 'sdxl' ? 'SDXL' : 'SD 1.x';
  const kind = model.kind ? ` ${KIND_DEFAULTS[model.kind].label}` : '';
  return `${family}${kind}${model.prediction === 'v' ? ' v-pred' : ''}`;
}

/** The preset with the resolution each family trains it at (SD 1.x 768, SDXL 1024 for full). */
function presetText(preset: string, plans: readonly TrainingPlan[]): string {
  const sizes = [...new Set(plans.map((plan) => plan.resolution.value))];
  const name = preset === 'full' ? 'full' : 'trash-tier';
  return `${name} (${sizes.length > 0 ? sizes.join(' / ') : preset === 'full' ? 768 : 512})`;
}

export function runLine(run: TrainingRunRow, position: number | null | undefined): string {
  switch (run.state) {
    case 'queued':
      if (run.cancelRequestedAt) return `⛔ **${run.baseModelName}**: cancelling…`;
      return position === null || position === undefined
        ? `⏳ **${run.baseModelName}**: queued`
        : `⏳ **${run.baseModelName}**: queued, ${position === 0 ? 'next in line' : `#${position + 1} in the queue (${position} ahead)`}`;
    case 'running': {
      const progress = run.progress;
      const step =
        progress?.step !== null && progress?.step !== undefined && progress.totalSteps
          ? `, step ${progress.step}/${progress.totalSteps}`
          : '';
      return `🔥 **${run.baseModelName}**: ${run.cancelRequestedAt ? 'cancelling' : 'training'}${step}`;
    }
    case 'succeeded':
      return `✅ **${run.baseModelName}**: finished${run.outputSha256 ? ` · SHA-256 \`${run.outputSha256.slice(0, 12)}…\`` : ''}`;
    case 'failed':
      return `❌ **${run.baseModelName}**: failed${run.error ? `: ${hidePaths(run.error).slice(0, 240)}` : ''}`;
    case 'cancelled':
      return `⛔ **${run.baseModelName}**: cancelled${run.cancelRequestedBy ? ` by <@${run.cancelRequestedBy}>` : ''}`;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The plan's lines, each value with its reason under it, shortened only if the card would overflow. The base model
 * is named once, in the header; the card is public, so no line shows where a file lives on the worker.
 */
function planText(plan: TrainingPlan, whyLimit: number): string {
  return planLines(plan)
    .filter((line) => line.label !== 'Base model')
    .map((line) => `**${line.label}:** ${line.value}\n-# ${clip(hidePaths(line.why), whyLimit)}`)
    .join('\n');
}

/** A finished run's Start trains the same plan once more: say that it makes another copy. */
const TRAIN_AGAIN_NOTE =
  '**Train another copy** trains this plan again as a new run (a new file; the finished LoRA stays as it is). **Edit** first to change it.';

function startLabel(runs: readonly TrainingRunRow[], active: boolean): string {
  if (runs.length === 0 || active) return 'Start';
  return runs.some((run) => run.state === 'succeeded') ? 'Train another copy' : 'Start again';
}

export function planCardMessage(input: PlanCardInput) {
  const { plan: row, project, plans, runs } = input;
  const first = plans[0];
  const active = runs.some((run) => run.state === 'queued' || run.state === 'running');
  const closed = row.closedAt !== null;
  const header = [
    `## Training plan · ${clip(project.characterName, 80)}`,
    `Main tag \`${project.mainTag}\` · strength **${row.strength}** · preset **${presetText(row.preset, plans)}** · LoCon **${row.locon ? 'on' : 'off'}**`,
    `Base model${row.baseModels.length === 1 ? '' : 's'}: ${plans
      .map(
        (plan) =>
          `**${plan.baseModel?.name ?? '?'}** (${familyName(plan.baseModel)}, ${plan.baseModel?.tagStyle ?? 'e621'} tags)`,
      )
      .join(', ')}${row.baseModels.length > 1 ? ' → one LoRA each' : ''}`,
  ].join('\n');

  const others = plans
    .slice(1)
    .map(
      (plan) =>
        `**Also ${plan.baseModel?.name ?? '?'}:** batch ${plan.batchSize.value}, ${plan.totalSteps.value.steps} steps, ≈ ${formatDuration(plan.estimatedSeconds.value)}${plan.family === 'sdxl' ? ' (SDXL)' : ''}`,
    );
  const warnings = [...new Set(plans.flatMap((plan) => plan.warnings))].map((warning) => `⚠️ ${warning}`);
  const prompts =
    row.samplePrompts.length > 0
      ? `**Sample prompts** (rendered at each epoch end): ${row.samplePrompts.map((p) => `\`${clip(p, 80)}\``).join(' · ')}`
      : '';
  const succeeded = runs.some((run) => run.state === 'succeeded');
  const runsText = closed
    ? '⛔ This plan was cancelled.'
    : runs.length === 0
      ? 'Not started. **Start** queues one training per base model on the GPU worker.'
      : [
          ...runs.map((run) => runLine(run, input.positions?.get(run.id))),
          ...(succeeded && !active ? [TRAIN_AGAIN_NOTE] : []),
        ].join('\n');

  const extra = [...others, ...warnings, prompts].filter(Boolean).join('\n');
  let body = '';
  for (const whyLimit of [400, 200, 120, 60]) {
    body = first ? planText(first, whyLimit) : '';
    if (header.length + body.length + extra.length + runsText.length <= TEXT_BUDGET) break;
  }
  const room = TEXT_BUDGET - header.length - body.length - runsText.length;
  const extraText = room > 20 ? clip(extra, room) : '';

  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(header));
  if (body !== '') container.addTextDisplayComponents(new TextDisplayBuilder().setContent(body));
  if (extraText !== '') container.addTextDisplayComponents(new TextDisplayBuilder().setContent(extraText));
  container
    .addSeparatorComponents(new SeparatorBuilder())
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(runsText))
    .addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(planButtonId.encode({ planId: row.id, action: 'start' }))
          .setLabel(startLabel(runs, active))
          .setStyle(ButtonStyle.Success)
          .setDisabled(active || closed),
        new ButtonBuilder()
          .setCustomId(planButtonId.encode({ planId: row.id, action: 'edit' }))
          .setLabel('Edit')
          .setStyle(ButtonStyle.Secondary)
          .setDisabled(active || closed),
        new ButtonBuilder()
          .setCustomId(planButtonId.encode({ planId: row.id, action: 'cancel' }))
          .setLabel(active ? 'Cancel training' : 'Cancel')
          .setStyle(ButtonStyle.Danger)
          .setDisabled(closed || (runs.length > 0 && !active)),
      ),
    );
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}

export const PLAN_FIELDS = {
  strength: 'strength',
  preset: 'preset',
  locon: 'locon',
  baseModels: 'base_models',
  prompts: 'sample_prompts',
} as const;
export const PLAN_FIELD_LIMITS = {
  strength: { label: 'The strength', max: 10 },
  prompts: { label: 'The sample prompts', max: 2000 },
} as const;

/** Edit: strength, preset, LoCon, base models and sample prompts, prefilled with the plan's values. */
export function planEditModal(row: TrainingPlanRow, baseModels: readonly BaseModel[]) {
  const offered = baseModels.slice(0, 25);
  const prompts = new TextInputBuilder()
    .setCustomId(PLAN_FIELDS.prompts)
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(false)
    .setMaxLength(PLAN_FIELD_LIMITS.prompts.max);
  if (row.samplePrompts.length > 0) prompts.setValue(row.samplePrompts.join('\n'));
  const modal = new ModalBuilder()
    .setCustomId(planModalId.encode({ planId: row.id }))
    .setTitle('Edit the training plan')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Strength S')
        .setDescription(
          `L = S / (R·E·I). Above 0, at most ${STRENGTH_MAX}; the guide uses 1.1 (1.2+ for unusual characters).`,
        )
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(PLAN_FIELDS.strength)
            .setStyle(TextInputStyle.Short)
            .setRequired(true)
            .setMaxLength(PLAN_FIELD_LIMITS.strength.max)
            .setValue(String(row.strength)),
        ),
      new LabelBuilder().setLabel('Preset').setStringSelectMenuComponent(
        new StringSelectMenuBuilder()
          .setCustomId(PLAN_FIELDS.preset)
          .setMinValues(1)
          .setMaxValues(1)
          .addOptions(
            new StringSelectMenuOptionBuilder()
              .setLabel('full: 768, buckets 480–1440')
              .setValue('full')
              .setDefault(row.preset === 'full'),
            new StringSelectMenuOptionBuilder()
              .setLabel('trash-tier: 512, buckets 320–960')
              .setValue('trash')
              .setDefault(row.preset === 'trash'),
          ),
      ),
      new LabelBuilder()
        .setLabel('LoCon')
        .setStringSelectMenuComponent(
          new StringSelectMenuBuilder()
            .setCustomId(PLAN_FIELDS.locon)
            .setMinValues(1)
            .setMaxValues(1)
            .addOptions(
              new StringSelectMenuOptionBuilder()
                .setLabel('off: plain LoRA')
                .setValue('off')
                .setDefault(!row.locon),
              new StringSelectMenuOptionBuilder()
                .setLabel('on: conv dim 32, conv alpha 32')
                .setValue('on')
                .setDefault(row.locon),
            ),
        ),
      new LabelBuilder().setLabel('Base models (one LoRA each)').setStringSelectMenuComponent(
        new StringSelectMenuBuilder()
          .setCustomId(PLAN_FIELDS.baseModels)
          .setMinValues(1)
          .setMaxValues(Math.max(1, offered.length))
          .addOptions(
            ...offered.map((model) =>
              new StringSelectMenuOptionBuilder()
                .setLabel(model.name.slice(0, 100))
                .setValue(model.name.slice(0, 100))
                .setDescription(`${model.family === 'sdxl' ? 'SDXL' : 'SD 1.x'}, ${model.tagStyle} tags`)
                .setDefault(row.baseModels.some((name) => name.toLowerCase() === model.name.toLowerCase())),
            ),
          ),
      ),
      new LabelBuilder()
        .setLabel('Sample prompts (optional)')
        .setDescription(
          `One per line, at most ${MAX_SAMPLE_PROMPTS}; rendered at each epoch end with fixed seeds.`,
        )
        .setTextInputComponent(prompts),
    );
  return modal;
}

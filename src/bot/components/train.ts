import { tokenBudgetWarnings } from '../../core/epochs/prompts.ts';
import { UserError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { getProject } from '../../db/repositories/projects.ts';
import {
  closeTrainingPlan,
  getTrainingPlan,
  getTrainingRun,
  latestRunPerModel,
  runsOfPlan,
  updateTrainingPlan,
  type PlanSettings,
} from '../../db/repositories/training.ts';
import type { ProjectRow, TrainingPlanRow } from '../../db/schema/index.ts';
import { parseSamplePrompts, parseStrength } from '../../training/plan.ts';
import type { ComponentHandler, HandlerContext, ModalHandler } from '../handler-types.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import {
  cancelMessage,
  cancelRuns,
  computePlans,
  refreshPlanCard,
  startPlan,
  storePlanned,
} from '../train-plan.ts';
import { rememberUploadLimitOf } from '../upload-limit.ts';
import { PLAN_FIELD_LIMITS, PLAN_FIELDS, planEditModal, runLine } from '../../views/train-plan.ts';
import { readTextField } from '../../core/text-limits.ts';
import { planButtonId, planModalId, runButtonId, type PlanAction } from '../../views/train-ids.ts';

async function loadPlan(
  db: Db,
  planId: number,
  guildId: string,
): Promise<{ plan: TrainingPlanRow; project: ProjectRow }> {
  const plan = await getTrainingPlan(db, planId);
  if (!plan) throw new UserError('project-gone', 'This training plan no longer exists.');
  const project = await loadProjectForComponent(db, plan.projectId, guildId);
  return { plan, project };
}

function assertOpen(plan: TrainingPlanRow): void {
  if (plan.closedAt !== null) {
    throw new UserError('invalid-plan', 'This plan was cancelled. `/lora train` makes a new one.');
  }
}

async function refresh(context: HandlerContext, planId: number): Promise<void> {
  await refreshPlanCard(context.client, context.db, context.jobs, planId).catch((error: unknown) => {
    context.log.warn({ err: error, planId }, 'could not redraw the plan card');
  });
}

export const planButtons: ComponentHandler<{ planId: number; action: PlanAction }> = {
  codec: planButtonId,
  // Edit answers with a modal, which must be the first response.
  acknowledge: ({ action }) => (action === 'edit' ? 'none' : 'ephemeral'),
  async run(interaction, { planId, action }, context) {
    const { db, jobs, training, log } = context;
    const { plan, project } = await loadPlan(db, planId, interaction.guildId);
    switch (action) {
      case 'edit': {
        await assertCanEdit(db, interaction, project, 'edit the training plan');
        assertOpen(plan);
        const runs = latestRunPerModel(await runsOfPlan(db, plan.id));
        if (runs.some((run) => run.state === 'queued' || run.state === 'running')) {
          throw new UserError(
            'already-running',
            'This plan is queued or training; cancel it before editing.',
          );
        }
        await interaction.showModal(planEditModal(plan, training.baseModels));
        return;
      }
      case 'start': {
        await assertCanEdit(db, interaction, project, 'start a training');
        assertOpen(plan);
        await rememberUploadLimitOf(db, interaction);
        const fresh = (await getProject(db, project.id)) ?? project;
        const plans = await computePlans(
          db,
          fresh,
          plan,
          training.baseModels,
          training.gpuMemoryGb,
          training.epochSamples,
        );
        const stored = await storePlanned(db, plan, plans);
        const runs = await startPlan(db, jobs, stored, plans, interaction.user.id);
        log.info({ planId, runs: runs.map((run) => run.id) }, 'training queued');
        await refresh(context, plan.id);
        const lines = [];
        for (const run of runs) {
          lines.push(runLine(run, run.jobId ? await jobs.position('train', run.jobId) : null));
        }
        await interaction.editReply({
          content: `Queued ${runs.length === 1 ? 'the training' : `${runs.length} trainings`}: the GPU worker trains one at a time and posts progress in the thread.\n${lines.join('\n')}`,
        });
        return;
      }
      case 'cancel': {
        await assertCanEdit(db, interaction, project, 'cancel a training');
        const runs = latestRunPerModel(await runsOfPlan(db, plan.id));
        const active = runs.filter((run) => run.state === 'queued' || run.state === 'running');
        if (runs.length === 0) {
          if (!(await closeTrainingPlan(db, plan.id))) {
            throw new UserError('invalid-plan', 'This plan was already cancelled.');
          }
          await refresh(context, plan.id);
          await interaction.editReply({ content: 'Cancelled the plan; nothing was trained.' });
          return;
        }
        if (active.length === 0)
          throw new UserError('not-found', 'Nothing of this plan is queued or training.');
        const outcome = await cancelRuns(db, jobs, active, interaction.user.id);
        await refresh(context, plan.id);
        await interaction.editReply({ content: cancelMessage(outcome) });
        return;
      }
    }
  },
};

/** Cancel on a run's status message. */
export const runButtons: ComponentHandler<{ runId: number; action: 'cancel' }> = {
  codec: runButtonId,
  acknowledge: 'ephemeral',
  async run(interaction, { runId }, context) {
    const { db, jobs } = context;
    const run = await getTrainingRun(db, runId);
    if (!run) throw new UserError('project-gone', 'This training no longer exists.');
    const project = await loadProjectForComponent(db, run.projectId, interaction.guildId);
    await assertCanEdit(db, interaction, project, 'cancel a training');
    if (run.state !== 'queued' && run.state !== 'running') {
      throw new UserError(
        'not-found',
        `This training already ${run.state === 'cancelled' ? 'was cancelled' : run.state}.`,
      );
    }
    const outcome = await cancelRuns(db, jobs, [run], interaction.user.id);
    await refresh(context, run.planId);
    await interaction.editReply({ content: cancelMessage(outcome) });
  },
};

export const planModalSubmit: ModalHandler<{ planId: number }> = {
  codec: planModalId,
  acknowledge: 'ephemeral',
  async run(interaction, { planId }, context) {
    const { db, training } = context;
    const { plan, project } = await loadPlan(db, planId, interaction.guildId);
    await assertCanEdit(db, interaction, project, 'edit the training plan');
    assertOpen(plan);
    const runs = latestRunPerModel(await runsOfPlan(db, plan.id));
    if (runs.some((run) => run.state === 'queued' || run.state === 'running')) {
      throw new UserError('already-running', 'This plan is queued or training; cancel it before editing.');
    }
    const fields = interaction.fields;
    const preset = fields.getStringSelectValues(PLAN_FIELDS.preset)[0];
    const settings: PlanSettings = {
      strength: parseStrength(readTextField(fields, PLAN_FIELDS.strength, PLAN_FIELD_LIMITS.strength)),
      preset: preset === 'trash' ? 'trash' : 'full',
      locon: fields.getStringSelectValues(PLAN_FIELDS.locon)[0] === 'on',
      baseModels: [...fields.getStringSelectValues(PLAN_FIELDS.baseModels)],
      samplePrompts: parseSamplePrompts(
        readTextField(fields, PLAN_FIELDS.prompts, PLAN_FIELD_LIMITS.prompts),
      ),
    };
    const plans = await computePlans(
      db,
      project,
      settings,
      training.baseModels,
      training.gpuMemoryGb,
      training.epochSamples,
    );
    const updated = await updateTrainingPlan(db, plan.id, {
      ...settings,
      baseModels: plans.map((computed) => computed.baseModel?.name ?? ''),
    });
    if (!updated) throw new UserError('project-gone', 'This training plan no longer exists.');
    await storePlanned(db, updated, plans);
    await refresh(context, plan.id);
    // The budget is CLIP's, so any base model: a longer prompt is cut off silently by sd-scripts.
    const warnings = tokenBudgetWarnings(settings.samplePrompts).map((warning) => `⚠️ ${warning.message}`);
    await interaction.editReply({
      content: ['Updated the plan; the card shows the new numbers.', ...warnings].join('\n').slice(0, 2000),
    });
  },
};

import { leadingEpoch } from '../../core/epochs/vote.ts';
import { UserError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import {
  castEpochVote,
  deliveredEpoch,
  listEpochs,
  listEpochVotes,
  markEpochDelivered,
  unmarkEpochDelivered,
} from '../../db/repositories/epochs.ts';
import { getTrainingRun } from '../../db/repositories/training.ts';
import type { EpochScoreRow, ProjectRow, TrainingRunRow } from '../../db/schema/index.ts';
import { epochFilesAvailable, epochFilesGone } from '../../training/epoch-delivery.ts';
import { currentEpochVoteCard } from '../../training/epoch-vote-card.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { uploadLimitOf } from '../upload-limit.ts';
import { writeVote } from '../vote-write.ts';
import { epochVoteId, type EpochAction } from '../../views/epoch-vote-ids.ts';

/**
 * The epoch vote card's buttons: friends vote for an epoch (a new click replaces their vote); the owner (or an
 * editor) delivers the leading epoch. The bot checks the vote, marks the epoch delivered (two clicks cannot both
 * deliver) and queues the `deliverEpoch` job: the GPU worker hashes and posts the file with its info.txt and
 * closes this card (src/worker/jobs/deliver-epoch.ts).
 */

/** One delivery per run: the bot's mark already refuses a second, the queue refuses a duplicate job too. */
export function deliverEpochJobId(runId: number): string {
  return `deliver-epoch-${runId}`;
}

async function loadRun(
  db: Db,
  runId: number,
  guildId: string,
): Promise<{ run: TrainingRunRow; project: ProjectRow; epochs: EpochScoreRow[] }> {
  const run = await getTrainingRun(db, runId);
  if (!run) throw new UserError('project-gone', 'This training no longer exists.');
  const project = await loadProjectForComponent(db, run.projectId, guildId);
  const epochs = await listEpochs(db, runId);
  if (epochs.length === 0) {
    throw new UserError('not-found', 'This training kept no epoch files, so there is nothing to vote on.');
  }
  return { run, project, epochs };
}

export const epochVote: ComponentHandler<EpochAction> = {
  codec: epochVoteId,
  acknowledge: 'ephemeral',
  async run(interaction, action, context) {
    const { db, training, jobs, log } = context;
    const { run, project, epochs } = await loadRun(db, action.runId, interaction.guildId);
    const done = await deliveredEpoch(db, run.id);
    if (done) {
      throw new UserError(
        'vote-closed',
        `Epoch ${done.epoch} was chosen for delivery (or is being delivered now); the vote is closed.`,
      );
    }
    if (!('deliver' in action)) {
      const row = epochs.find((e) => e.epoch === action.epoch);
      if (!row) throw new UserError('not-found', `Epoch ${action.epoch} is not part of this vote.`);
      if (!(await epochFilesAvailable(training.filesDir, row))) throw epochFilesGone(action.epoch);
      await writeVote(context.log, () => castEpochVote(db, run.id, interaction.user.id, action.epoch));
      await interaction.message.edit(
        await currentEpochVoteCard(db, run, project, await listEpochs(db, run.id)),
      );
      await interaction.editReply({ content: `Your vote: epoch ${action.epoch}.` });
      return;
    }

    await assertCanEdit(db, interaction, project, 'deliver an epoch');
    const votes = await listEpochVotes(db, run.id);
    const chosen = leadingEpoch(
      votes,
      epochs.map((e) => e.epoch),
      project.ownerId,
    );
    if (chosen === null) throw new UserError('not-found', 'Nobody voted yet; vote for an epoch first.');
    const row = epochs.find((e) => e.epoch === chosen)!;
    // A stat on this disk or the store: the quick answer; the worker checks again before it hashes.
    if (!(await epochFilesAvailable(training.filesDir, row))) throw epochFilesGone(chosen);
    if (!(await markEpochDelivered(db, run.id, chosen, interaction.user.id))) {
      throw new UserError('vote-closed', 'Another epoch was just chosen for delivery; the vote is closed.');
    }
    try {
      await jobs.enqueue(
        'deliverEpoch',
        {
          runId: run.id,
          epoch: chosen,
          deliveredBy: interaction.user.id,
          deliveredByName: interaction.user.username.slice(0, 100),
          channelId: interaction.channelId,
          cardMessageId: interaction.message.id,
          uploadLimitBytes: uploadLimitOf(interaction),
        },
        { jobId: deliverEpochJobId(run.id), replaceFinished: true },
      );
    } catch (error) {
      // Not queued: nothing will deliver, so the owner may press Deliver again.
      await unmarkEpochDelivered(db, run.id, chosen);
      throw error;
    }
    log.info({ runId: run.id, epoch: chosen }, 'epoch delivery queued');
    await interaction.editReply({
      content: `Delivering epoch ${chosen} on the worker: the file and its info.txt will be posted here, and this card closes.`,
    });
  },
};

import { leadingEpoch, tallyEpochVotes } from '../core/epochs/vote.ts';
import type { Db } from '../db/client.ts';
import { listEpochVotes } from '../db/repositories/epochs.ts';
import type { EpochScoreRow, ProjectRow, TrainingRunRow } from '../db/schema/index.ts';
import { epochVoteCard, type ApiMessageBody } from '../views/epoch-vote.ts';

/** The epoch vote card as the database has it now: the bot redraws it after a vote, the worker after a delivery. */
export async function currentEpochVoteCard(
  db: Db,
  run: TrainingRunRow,
  project: ProjectRow,
  epochs: readonly EpochScoreRow[],
): Promise<ApiMessageBody> {
  const votes = await listEpochVotes(db, run.id);
  const offered = epochs.map((row) => row.epoch);
  const delivered = epochs.find((row) => row.deliveredAt !== null);
  return epochVoteCard({
    runId: run.id,
    characterName: project.characterName,
    baseModelName: run.baseModelName,
    ownerId: project.ownerId,
    epochs: epochs.map((row) => ({ epoch: row.epoch, scores: row.scores })),
    tally: tallyEpochVotes(votes, offered),
    leading: leadingEpoch(votes, offered, project.ownerId),
    delivered: delivered ? { epoch: delivered.epoch, by: delivered.deliveredBy ?? project.ownerId } : null,
    checkUnavailable: epochs.every((row) => row.scores === null),
  });
}

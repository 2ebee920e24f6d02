import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { EpochScores } from '../../core/epochs/scores.ts';
import type { Db } from '../client.ts';
import { epochScores, epochVotes, type EpochScoreRow, type EpochVoteRow } from '../schema/index.ts';

/** Thin queries over epoch_scores and epoch_votes; the rules live in src/core/epochs. */

/** Records an epoch (scores may be null: check unavailable); a second call for the same epoch replaces them. */
export async function saveEpochScores(
  db: Db,
  input: { runId: number; epoch: number; totalEpochs: number; scores: EpochScores | null },
): Promise<void> {
  await db
    .insert(epochScores)
    .values(input)
    .onConflictDoUpdate({
      target: [epochScores.runId, epochScores.epoch],
      set: { scores: input.scores, totalEpochs: input.totalEpochs },
    });
}

/** Where an epoch's file was kept for the vote (creates the row for a training without samples). */
export async function setEpochFile(
  db: Db,
  input: { runId: number; epoch: number; totalEpochs: number; filePath: string },
): Promise<void> {
  await db
    .insert(epochScores)
    .values({ ...input, scores: null })
    .onConflictDoUpdate({
      target: [epochScores.runId, epochScores.epoch],
      set: { filePath: input.filePath, totalEpochs: input.totalEpochs },
    });
}

export async function listEpochs(db: Db, runId: number): Promise<EpochScoreRow[]> {
  return db.select().from(epochScores).where(eq(epochScores.runId, runId)).orderBy(asc(epochScores.epoch));
}

export async function castEpochVote(db: Db, runId: number, userId: string, epoch: number): Promise<void> {
  await db
    .insert(epochVotes)
    .values({ runId, userId, epoch })
    .onConflictDoUpdate({
      target: [epochVotes.runId, epochVotes.userId],
      set: { epoch, updatedAt: sql`now()` },
    });
}

export async function listEpochVotes(db: Db, runId: number): Promise<EpochVoteRow[]> {
  return db.select().from(epochVotes).where(eq(epochVotes.runId, runId)).orderBy(asc(epochVotes.id));
}

/** The epoch already delivered for this run, if any. */
export async function deliveredEpoch(db: Db, runId: number): Promise<EpochScoreRow | null> {
  const [row] = await db
    .select()
    .from(epochScores)
    .where(and(eq(epochScores.runId, runId), isNotNull(epochScores.deliveredAt)));
  return row ?? null;
}

/** Marks an epoch delivered; false when another epoch of the run was delivered first (two quick clicks). */
export async function markEpochDelivered(
  db: Db,
  runId: number,
  epoch: number,
  userId: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7007, ${runId})`);
    const [already] = await tx
      .select({ id: epochScores.id })
      .from(epochScores)
      .where(and(eq(epochScores.runId, runId), isNotNull(epochScores.deliveredAt)));
    if (already) return false;
    const updated = await tx
      .update(epochScores)
      .set({ deliveredBy: userId, deliveredAt: sql`now()` })
      .where(and(eq(epochScores.runId, runId), eq(epochScores.epoch, epoch)))
      .returning({ id: epochScores.id });
    return updated.length > 0;
  });
}

/** Undoes a delivery mark when posting the file failed, so the owner can try again. */
export async function unmarkEpochDelivered(db: Db, runId: number, epoch: number): Promise<void> {
  await db
    .update(epochScores)
    .set({ deliveredBy: null, deliveredAt: null })
    .where(and(eq(epochScores.runId, runId), eq(epochScores.epoch, epoch)));
}

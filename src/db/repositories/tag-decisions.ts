import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import {
  decideByMajority,
  FOLD_CHOICES,
  type FoldChoice,
  type MajorityResult,
} from '../../core/tags/decision-votes.ts';
import type { FoldProposal } from '../../core/tags/folds.ts';
import type { Db } from '../client.ts';
import { tagDecisions, tagDecisionVotes, type TagDecisionRow } from '../schema/index.ts';

/** Fold / Keep / Drop decisions on tags: the proposals, friends' votes, the owner's word and their tallies. */

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type FoldTally = MajorityResult<FoldChoice>;

/** New proposals become undecided rows; tags asked about before are left as they are. Returns the new ones. */
export async function insertFoldProposals(
  db: Db,
  projectId: number,
  proposals: readonly FoldProposal[],
): Promise<TagDecisionRow[]> {
  if (proposals.length === 0) return [];
  return db
    .insert(tagDecisions)
    .values(
      proposals.map((proposal) => ({
        projectId,
        tag: proposal.tag,
        group: proposal.group,
        count: proposal.count,
        total: proposal.total,
      })),
    )
    .onConflictDoNothing({ target: [tagDecisions.projectId, tagDecisions.tag] })
    .returning();
}

/** A friend asks about one tag; `created` is false when the tag already has a card. */
export async function requestTagDecision(
  db: Db,
  values: Pick<TagDecisionRow, 'projectId' | 'tag' | 'group' | 'count' | 'total'> & { proposedBy: string },
): Promise<{ row: TagDecisionRow; created: boolean }> {
  const [created] = await db
    .insert(tagDecisions)
    .values(values)
    .onConflictDoNothing({ target: [tagDecisions.projectId, tagDecisions.tag] })
    .returning();
  if (created) return { row: created, created: true };
  const [existing] = await db
    .select()
    .from(tagDecisions)
    .where(and(eq(tagDecisions.projectId, values.projectId), eq(tagDecisions.tag, values.tag)));
  if (!existing) throw new Error(`tag decision for ${values.tag} vanished`);
  return { row: existing, created: false };
}

export async function setDecisionMessage(
  db: Db,
  decisionIds: readonly number[],
  channelId: string,
  messageId: string,
): Promise<void> {
  if (decisionIds.length === 0) return;
  await db
    .update(tagDecisions)
    .set({ channelId, messageId })
    .where(inArray(tagDecisions.id, [...decisionIds]));
}

export async function getDecision(db: Db, decisionId: number): Promise<TagDecisionRow | null> {
  const [row] = await db.select().from(tagDecisions).where(eq(tagDecisions.id, decisionId));
  return row ?? null;
}

export async function decisionsOnMessage(db: Db, messageId: string): Promise<TagDecisionRow[]> {
  return db
    .select()
    .from(tagDecisions)
    .where(eq(tagDecisions.messageId, messageId))
    .orderBy(asc(tagDecisions.id));
}

export async function listDecisions(db: Db, projectId: number): Promise<TagDecisionRow[]> {
  return db
    .select()
    .from(tagDecisions)
    .where(eq(tagDecisions.projectId, projectId))
    .orderBy(asc(tagDecisions.id));
}

/** Each decision's tally (votes and the owner's override) as the card shows it. */
export async function decisionTallies(
  db: Db,
  decisions: readonly TagDecisionRow[],
): Promise<Map<number, FoldTally>> {
  const ids = decisions.map((decision) => decision.id);
  const votes =
    ids.length === 0
      ? []
      : await db
          .select({ decisionId: tagDecisionVotes.decisionId, choice: tagDecisionVotes.choice })
          .from(tagDecisionVotes)
          .where(inArray(tagDecisionVotes.decisionId, ids));
  return new Map(
    decisions.map((decision) => [
      decision.id,
      decideByMajority(
        FOLD_CHOICES,
        votes.filter((vote) => vote.decisionId === decision.id).map((vote) => vote.choice),
        decision.ownerChoice,
      ),
    ]),
  );
}

async function recomputeDecision(tx: Tx, decision: TagDecisionRow): Promise<TagDecisionRow> {
  const votes = await tx
    .select({ choice: tagDecisionVotes.choice })
    .from(tagDecisionVotes)
    .where(eq(tagDecisionVotes.decisionId, decision.id));
  const { outcome } = decideByMajority(
    FOLD_CHOICES,
    votes.map((vote) => vote.choice),
    decision.ownerChoice,
  );
  const [updated] = await tx
    .update(tagDecisions)
    .set({ outcome })
    .where(eq(tagDecisions.id, decision.id))
    .returning();
  return updated ?? decision;
}

/**
 * Records a vote and recomputes the outcome under a lock on the decision, so simultaneous votes never leave
 * a stale outcome. A newer click (Discord's time-ordered interaction id) replaces an older one.
 */
export async function castDecisionVote(
  db: Db,
  vote: { decisionId: number; userId: string; choice: FoldChoice; clickId: bigint },
): Promise<TagDecisionRow | null> {
  return db.transaction(async (tx) => {
    const [decision] = await tx
      .select()
      .from(tagDecisions)
      .where(eq(tagDecisions.id, vote.decisionId))
      .for('update');
    if (!decision) return null;
    await tx.execute(sql`
      insert into ${tagDecisionVotes} (decision_id, user_id, choice, click_id)
      values (${vote.decisionId}, ${vote.userId}, ${vote.choice}, ${vote.clickId})
      on conflict (decision_id, user_id) do update
        set choice = excluded.choice, click_id = excluded.click_id, updated_at = now()
        where ${tagDecisionVotes}.click_id < excluded.click_id
    `);
    return recomputeDecision(tx, decision);
  });
}

/** The owner's word (null clears it and lets the votes decide again). */
export async function setDecisionOverride(
  db: Db,
  override: { decisionId: number; userId: string; choice: FoldChoice | null },
): Promise<TagDecisionRow | null> {
  return db.transaction(async (tx) => {
    const [decision] = await tx
      .update(tagDecisions)
      .set({ ownerChoice: override.choice, ownerId: override.choice === null ? null : override.userId })
      .where(eq(tagDecisions.id, override.decisionId))
      .returning();
    if (!decision) return null;
    return recomputeDecision(tx, decision);
  });
}

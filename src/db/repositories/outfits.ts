import { asc, eq, sql } from 'drizzle-orm';
import {
  decideByMajority,
  OUTFIT_CHOICES,
  type MajorityResult,
  type OutfitChoice,
} from '../../core/tags/decision-votes.ts';
import type { Db } from '../client.ts';
import { outfits, outfitVotes, type OutfitRow } from '../schema/index.ts';

/** Outfit proposals (an outfit tag replacing its component tags): votes, the owner's word and tallies. */

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type OutfitTally = MajorityResult<OutfitChoice>;

const OUTFIT_STATES: Record<OutfitChoice | 'undecided', OutfitRow['state']> = {
  accept: 'accepted',
  reject: 'rejected',
  undecided: 'proposed',
};

/**
 * Proposes an outfit; proposing an existing outfit tag again redefines it (new components), and the vote
 * starts over.
 */
export async function proposeOutfit(
  db: Db,
  values: { projectId: number; tag: string; components: string[]; proposedBy: string },
): Promise<OutfitRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(outfits)
      .values(values)
      .onConflictDoUpdate({
        target: [outfits.projectId, outfits.tag],
        set: {
          components: values.components,
          proposedBy: values.proposedBy,
          state: 'proposed',
          ownerChoice: null,
          ownerId: null,
        },
      })
      .returning();
    if (!row) throw new Error('insert into outfits returned no row');
    await tx.delete(outfitVotes).where(eq(outfitVotes.outfitId, row.id));
    return row;
  });
}

export async function setOutfitMessage(
  db: Db,
  outfitId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await db.update(outfits).set({ channelId, messageId }).where(eq(outfits.id, outfitId));
}

export async function getOutfit(db: Db, outfitId: number): Promise<OutfitRow | null> {
  const [row] = await db.select().from(outfits).where(eq(outfits.id, outfitId));
  return row ?? null;
}

export async function listOutfits(db: Db, projectId: number): Promise<OutfitRow[]> {
  return db.select().from(outfits).where(eq(outfits.projectId, projectId)).orderBy(asc(outfits.id));
}

export async function outfitTally(db: Db, outfit: OutfitRow): Promise<OutfitTally> {
  const votes = await db
    .select({ choice: outfitVotes.choice })
    .from(outfitVotes)
    .where(eq(outfitVotes.outfitId, outfit.id));
  return decideByMajority(
    OUTFIT_CHOICES,
    votes.map((vote) => vote.choice),
    outfit.ownerChoice,
  );
}

async function recomputeOutfit(tx: Tx, outfit: OutfitRow): Promise<OutfitRow> {
  const votes = await tx
    .select({ choice: outfitVotes.choice })
    .from(outfitVotes)
    .where(eq(outfitVotes.outfitId, outfit.id));
  const { outcome } = decideByMajority(
    OUTFIT_CHOICES,
    votes.map((vote) => vote.choice),
    outfit.ownerChoice,
  );
  const [updated] = await tx
    .update(outfits)
    .set({ state: OUTFIT_STATES[outcome] })
    .where(eq(outfits.id, outfit.id))
    .returning();
  return updated ?? outfit;
}

export async function castOutfitVote(
  db: Db,
  vote: { outfitId: number; userId: string; choice: OutfitChoice; clickId: bigint },
): Promise<OutfitRow | null> {
  return db.transaction(async (tx) => {
    const [outfit] = await tx.select().from(outfits).where(eq(outfits.id, vote.outfitId)).for('update');
    if (!outfit) return null;
    await tx.execute(sql`
      insert into ${outfitVotes} (outfit_id, user_id, choice, click_id)
      values (${vote.outfitId}, ${vote.userId}, ${vote.choice}, ${vote.clickId})
      on conflict (outfit_id, user_id) do update
        set choice = excluded.choice, click_id = excluded.click_id, updated_at = now()
        where ${outfitVotes}.click_id < excluded.click_id
    `);
    return recomputeOutfit(tx, outfit);
  });
}

export async function setOutfitOverride(
  db: Db,
  override: { outfitId: number; userId: string; choice: OutfitChoice | null },
): Promise<OutfitRow | null> {
  return db.transaction(async (tx) => {
    const [outfit] = await tx
      .update(outfits)
      .set({ ownerChoice: override.choice, ownerId: override.choice === null ? null : override.userId })
      .where(eq(outfits.id, override.outfitId))
      .returning();
    if (!outfit) return null;
    return recomputeOutfit(tx, outfit);
  });
}

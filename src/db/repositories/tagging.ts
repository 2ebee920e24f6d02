// Long file: queries of the tagging tables; to be split by table once the branches editing it are merged (issue 13).
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { CropBox, CropKind } from '../../core/pruning/crops.ts';
import type { PostTags, Rating } from '../../core/query/post.ts';
import {
  decideByMajority,
  FOLD_CHOICES,
  OUTFIT_CHOICES,
  type FoldChoice,
  type MajorityResult,
  type OutfitChoice,
} from '../../core/tags/decision-votes.ts';
import type { FoldProposal } from '../../core/tags/folds.ts';
import type { MergedTag, TagEvidence } from '../../core/tags/merge.ts';
import { DEFAULT_THRESHOLDS, type WdThresholdPreset } from '../../core/tags/thresholds.ts';
import type { TaggerThresholds } from '../../core/tags/types.ts';
import type { Db } from '../client.ts';
import {
  crops,
  imageTagEdits,
  outfits,
  outfitVotes,
  posts,
  projectCandidates,
  replacements,
  tagDecisions,
  tagDecisionVotes,
  taggedImages,
  taggerSettings,
  type KnownTags,
  type OutfitRow,
  type ProjectRow,
  type TagDecisionRow,
  type TaggedImageRow,
} from '../schema/index.ts';
import { cropsOfProject, loadImageStates } from './pruning.ts';

/** Thin queries over the tagging tables; the rules live in src/core/tags and the callers. */

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

// ── thresholds ───────────────────────────────────────────────────────────────────────────────────────────

export interface ProjectThresholds extends TaggerThresholds {
  /** The guide's WD choice behind `wd`; null when a number was typed (or never set: the default). */
  wdPreset: WdThresholdPreset | null;
  /** False while the project uses the defaults. */
  saved: boolean;
}

export async function getTaggerSettings(db: Db, projectId: number): Promise<ProjectThresholds> {
  const [row] = await db.select().from(taggerSettings).where(eq(taggerSettings.projectId, projectId));
  if (!row) return { ...DEFAULT_THRESHOLDS, wdPreset: 'in-between', saved: false };
  return { wd: row.wdThreshold, e621: row.e621Threshold, wdPreset: row.wdPreset, saved: true };
}

export async function saveTaggerSettings(
  db: Db,
  projectId: number,
  settings: { wd: number; e621: number; wdPreset: WdThresholdPreset | null },
  userId: string,
): Promise<void> {
  const values = {
    projectId,
    wdThreshold: settings.wd,
    e621Threshold: settings.e621,
    wdPreset: settings.wdPreset,
    updatedBy: userId,
  };
  await db
    .insert(taggerSettings)
    .values(values)
    .onConflictDoUpdate({ target: taggerSettings.projectId, set: { ...values, updatedAt: sql`now()` } });
}

// ── the dataset to tag ───────────────────────────────────────────────────────────────────────────────────

/** One image of a frozen dataset as the tagger sees it: a kept image, or a confirmed crop of one. */
export interface DatasetSource {
  /** `i<candidate id>` or `c<crop id>`. */
  key: string;
  candidateId: number;
  cropId: number | null;
  kind: 'image' | CropKind;
  /** File stem in a training folder, as the train job names it. */
  name: string;
  postId: number;
  rank: number | null;
  imagePath: string | null;
  replaced: boolean;
  crop: CropBox | null;
  postTags: PostTags;
  rating: Rating;
}

/**
 * The kept images and their confirmed crops (what Finalize froze and what training uses), with each post's
 * e621 tags.
 */
export async function loadDatasetSources(db: Db, project: ProjectRow): Promise<DatasetSource[]> {
  const kept = (await loadImageStates(db, project)).filter((state) => state.verdict.decision === 'kept');
  if (kept.length === 0) return [];
  const keptIds = new Set(kept.map((image) => image.candidateId));
  const crops = (await cropsOfProject(db, project.id))
    .map(({ crop }) => crop)
    .filter((crop) => keptIds.has(crop.candidateId) && crop.box !== null && crop.confirmed);
  const postRows = await db
    .select({ id: posts.id, tags: posts.tags, rating: posts.rating })
    .from(posts)
    .where(
      inArray(
        posts.id,
        kept.map((image) => image.postId),
      ),
    );
  const postById = new Map(postRows.map((row) => [row.id, row]));
  const sources: DatasetSource[] = [];
  for (const image of kept) {
    const post = postById.get(image.postId);
    const base = {
      candidateId: image.candidateId,
      postId: image.postId,
      rank: image.rank,
      imagePath: image.imagePath,
      replaced: image.replaced,
      postTags: post?.tags ?? {},
      rating: post?.rating ?? 's',
    };
    sources.push({
      ...base,
      key: `i${image.candidateId}`,
      cropId: null,
      kind: 'image',
      name: String(image.postId),
      crop: null,
    });
    for (const crop of crops.filter((c) => c.candidateId === image.candidateId)) {
      sources.push({
        ...base,
        key: `c${crop.id}`,
        cropId: crop.id,
        kind: crop.kind,
        name: `${image.postId}-${crop.kind}-${crop.id}`,
        crop: crop.box,
      });
    }
  }
  return sources;
}

export async function getReplacementData(db: Db, candidateId: number): Promise<Buffer | null> {
  const [row] = await db
    .select({ data: replacements.data })
    .from(replacements)
    .where(eq(replacements.candidateId, candidateId));
  return row?.data ?? null;
}

// ── tagged images ────────────────────────────────────────────────────────────────────────────────────────

export interface TaggedImageInput {
  source: DatasetSource;
  evidence: TagEvidence;
  known: KnownTags;
  tags: MergedTag[];
}

/**
 * Stores a whole tagging run at once: each image's row is updated in place (its id, and so the friends' edits,
 * survive a re-run) and images no longer in the dataset are removed. One transaction: a run that fails
 * midway leaves the previous tags as they were.
 */
export async function saveTaggedImages(
  db: Db,
  projectId: number,
  images: readonly TaggedImageInput[],
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const image of images) {
      const values = {
        projectId,
        imageKey: image.source.key,
        candidateId: image.source.candidateId,
        cropId: image.source.cropId,
        kind: image.source.kind,
        name: image.source.name,
        edited: image.source.cropId !== null || image.source.replaced,
        evidence: image.evidence,
        known: image.known,
        tags: image.tags,
      };
      await tx
        .insert(taggedImages)
        .values(values)
        .onConflictDoUpdate({ target: taggedImages.imageKey, set: { ...values, taggedAt: sql`now()` } });
    }
    const keys = images.map((image) => image.source.key);
    await tx
      .delete(taggedImages)
      .where(
        keys.length === 0
          ? eq(taggedImages.projectId, projectId)
          : and(eq(taggedImages.projectId, projectId), notInArray(taggedImages.imageKey, keys)),
      );
  });
}

export interface TaggedImageWithEdits extends TaggedImageRow {
  edits: { add: string[]; remove: string[] };
  postId: number;
  rank: number | null;
}

export async function listTaggedImages(db: Db, projectId: number): Promise<TaggedImageWithEdits[]> {
  const rows = await db
    .select({ image: taggedImages, postId: projectCandidates.postId, rank: projectCandidates.rank })
    .from(taggedImages)
    .innerJoin(projectCandidates, eq(projectCandidates.id, taggedImages.candidateId))
    .where(eq(taggedImages.projectId, projectId))
    .orderBy(asc(taggedImages.id));
  if (rows.length === 0) return [];
  const edits = await db
    .select()
    .from(imageTagEdits)
    .where(
      inArray(
        imageTagEdits.taggedImageId,
        rows.map((row) => row.image.id),
      ),
    )
    .orderBy(asc(imageTagEdits.id));
  const editsById = new Map<number, { add: string[]; remove: string[] }>();
  for (const edit of edits) {
    const entry = editsById.get(edit.taggedImageId) ?? { add: [], remove: [] };
    entry[edit.action].push(edit.tag);
    editsById.set(edit.taggedImageId, entry);
  }
  return rows.map((row) => ({
    ...row.image,
    postId: row.postId,
    rank: row.rank,
    edits: editsById.get(row.image.id) ?? { add: [], remove: [] },
  }));
}

export async function getTaggedImage(db: Db, id: number): Promise<TaggedImageRow | null> {
  const [row] = await db.select().from(taggedImages).where(eq(taggedImages.id, id));
  return row ?? null;
}

export async function countTaggedImages(db: Db, projectId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(taggedImages)
    .where(eq(taggedImages.projectId, projectId));
  return row?.n ?? 0;
}

/** Re-merged tags after a threshold change (the evidence stays). */
export async function updateMergedTags(
  db: Db,
  updates: ReadonlyArray<{ id: number; tags: MergedTag[] }>,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const update of updates) {
      await tx.update(taggedImages).set({ tags: update.tags }).where(eq(taggedImages.id, update.id));
    }
  });
}

/** A friend's edit of one image: the latest word on each tag wins. */
export async function saveImageTagEdits(
  db: Db,
  edit: { taggedImageId: number; tags: readonly string[]; action: 'add' | 'remove'; userId: string },
): Promise<void> {
  if (edit.tags.length === 0) return;
  await db
    .insert(imageTagEdits)
    .values(
      edit.tags.map((tag) => ({
        taggedImageId: edit.taggedImageId,
        tag,
        action: edit.action,
        userId: edit.userId,
      })),
    )
    .onConflictDoUpdate({
      target: [imageTagEdits.taggedImageId, imageTagEdits.tag],
      set: { action: edit.action, userId: edit.userId, createdAt: sql`now()` },
    });
}

// ── fold / keep / drop decisions ─────────────────────────────────────────────────────────────────────────

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

// ── outfits ──────────────────────────────────────────────────────────────────────────────────────────────

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

/** Where a tagged image's pixels come from: the candidate's stored file or replacement, and its crop. */
export async function taggedImageSource(
  db: Db,
  taggedImageId: number,
): Promise<{
  projectId: number;
  candidateId: number;
  postId: number;
  imagePath: string | null;
  replaced: boolean;
  crop: CropBox | null;
} | null> {
  const [row] = await db
    .select({
      projectId: taggedImages.projectId,
      candidateId: taggedImages.candidateId,
      postId: projectCandidates.postId,
      imagePath: projectCandidates.imagePath,
      crop: crops.box,
      replacement: replacements.candidateId,
    })
    .from(taggedImages)
    .innerJoin(projectCandidates, eq(projectCandidates.id, taggedImages.candidateId))
    .leftJoin(crops, eq(crops.id, taggedImages.cropId))
    .leftJoin(replacements, eq(replacements.candidateId, taggedImages.candidateId))
    .where(eq(taggedImages.id, taggedImageId));
  if (!row) return null;
  return {
    projectId: row.projectId,
    candidateId: row.candidateId,
    postId: row.postId,
    imagePath: row.imagePath,
    replaced: row.replacement !== null,
    crop: row.crop ?? null,
  };
}

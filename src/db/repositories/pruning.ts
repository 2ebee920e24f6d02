import { and, asc, desc, eq, inArray, isNull, notExists, sql } from 'drizzle-orm';
import {
  decideImage,
  tallyVotes,
  type Decision,
  type ImageVerdict,
  type Tally,
  type VoteChoice,
} from '../../core/pruning/votes.ts';
import type { CropBox } from '../../core/pruning/crops.ts';
import type { Db } from '../client.ts';
import {
  crops,
  galleryMessages,
  posts,
  projectCandidates,
  projects,
  pruneOverrides,
  pruneVotes,
  replacements,
  type CropRow,
  type ProjectRow,
} from '../schema/index.ts';

/** An image up for pruning, with what the gallery shows about it. */
export interface PruneImage {
  candidateId: number;
  projectId: number;
  postId: number;
  rank: number | null;
  score: number;
  artists: string[];
  width: number;
  height: number;
  imageUrl: string | null;
  imagePath: string | null;
}

export interface ImageState extends PruneImage {
  tally: Tally;
  override: Decision | null;
  verdict: ImageVerdict;
  /** Whether a replacement upload exists. */
  replaced: boolean;
}

const imageColumns = {
  candidateId: projectCandidates.id,
  projectId: projectCandidates.projectId,
  postId: projectCandidates.postId,
  rank: projectCandidates.rank,
  score: posts.score,
  tags: posts.tags,
  postWidth: posts.width,
  postHeight: posts.height,
  width: projectCandidates.width,
  height: projectCandidates.height,
  sampleUrl: posts.sampleUrl,
  fileUrl: posts.fileUrl,
  imagePath: projectCandidates.imagePath,
};

type ImageRecord = {
  candidateId: number;
  projectId: number;
  postId: number;
  rank: number | null;
  score: number;
  tags: { artist?: string[] };
  postWidth: number;
  postHeight: number;
  width: number | null;
  height: number | null;
  sampleUrl: string | null;
  fileUrl: string | null;
  imagePath: string | null;
};

function toImage(row: ImageRecord): PruneImage {
  return {
    candidateId: row.candidateId,
    projectId: row.projectId,
    postId: row.postId,
    rank: row.rank,
    score: row.score,
    artists: (row.tags.artist ?? []).filter(
      (artist) => !['conditional_dnp', 'sound_warning', 'unknown_artist'].includes(artist),
    ),
    width: row.width ?? row.postWidth,
    height: row.height ?? row.postHeight,
    imageUrl: row.sampleUrl ?? row.fileUrl,
    imagePath: row.imagePath,
  };
}

/** The images of a project that are up for pruning, best rank first. */
export async function listPruneImages(db: Db, projectId: number): Promise<PruneImage[]> {
  const rows = await db
    .select(imageColumns)
    .from(projectCandidates)
    .innerJoin(posts, eq(posts.id, projectCandidates.postId))
    .where(and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.status, 'candidate')))
    .orderBy(asc(projectCandidates.rank), asc(projectCandidates.id));
  return rows.map((row) => toImage(row));
}

/** Tallies, overrides and the verdicts they give, for some or all images of a project. */
export async function loadImageStates(
  db: Db,
  project: Pick<ProjectRow, 'id' | 'quorum'>,
  candidateIds?: readonly number[],
): Promise<ImageState[]> {
  const images = candidateIds
    ? (
        await db
          .select(imageColumns)
          .from(projectCandidates)
          .innerJoin(posts, eq(posts.id, projectCandidates.postId))
          .where(
            and(
              eq(projectCandidates.projectId, project.id),
              inArray(projectCandidates.id, [...candidateIds]),
            ),
          )
          .orderBy(asc(projectCandidates.rank), asc(projectCandidates.id))
      ).map((row) => toImage(row))
    : await listPruneImages(db, project.id);
  const ids = images.map((image) => image.candidateId);
  if (ids.length === 0) return [];
  const [votes, overrides, replaced] = await Promise.all([
    // Counted in Postgres: at most four rows per image instead of one per friend and image.
    db
      .select({
        candidateId: pruneVotes.candidateId,
        choice: pruneVotes.choice,
        count: sql<number>`count(*)::int`,
      })
      .from(pruneVotes)
      .where(inArray(pruneVotes.candidateId, ids))
      .groupBy(pruneVotes.candidateId, pruneVotes.choice),
    db.select().from(pruneOverrides).where(inArray(pruneOverrides.candidateId, ids)),
    db
      .select({ candidateId: replacements.candidateId })
      .from(replacements)
      .where(inArray(replacements.candidateId, ids)),
  ]);
  const talliesById = new Map<number, Tally>();
  for (const { candidateId, choice, count } of votes) {
    const tally = talliesById.get(candidateId) ?? tallyVotes([]);
    tally[choice] += count;
    tally.total += count;
    talliesById.set(candidateId, tally);
  }
  const overrideById = new Map(overrides.map((row) => [row.candidateId, row.decision]));
  const replacedIds = new Set(replaced.map((row) => row.candidateId));
  return images.map((image) => {
    const tally = talliesById.get(image.candidateId) ?? tallyVotes([]);
    const override = overrideById.get(image.candidateId) ?? null;
    return {
      ...image,
      tally,
      override,
      verdict: decideImage(tally, project.quorum, override),
      replaced: replacedIds.has(image.candidateId),
    };
  });
}

/** The image behind a button and its project, in one query (votes are the hot path). */
export async function getPruneImageWithProject(
  db: Db,
  candidateId: number,
): Promise<{ image: PruneImage; project: ProjectRow } | null> {
  const [row] = await db
    .select({ ...imageColumns, project: projects })
    .from(projectCandidates)
    .innerJoin(posts, eq(posts.id, projectCandidates.postId))
    .innerJoin(projects, eq(projects.id, projectCandidates.projectId))
    .where(eq(projectCandidates.id, candidateId));
  return row ? { image: toImage(row), project: row.project } : null;
}

/**
 * Records a friend's vote in one round trip; a newer click (by Discord's time-ordered interaction id)
 * replaces it, an older one arriving late changes nothing. A headshot vote also opens the image's
 * pending head crop (at most one, by a partial unique index).
 */
export async function castVote(
  db: Db,
  vote: { candidateId: number; userId: string; choice: VoteChoice; clickId: bigint },
): Promise<void> {
  await db.execute(sql`
    with vote as (
      insert into ${pruneVotes} (candidate_id, user_id, choice, click_id)
      values (${vote.candidateId}, ${vote.userId}, ${vote.choice}, ${vote.clickId})
      on conflict (candidate_id, user_id) do update
        set choice = excluded.choice, click_id = excluded.click_id, updated_at = now()
        where ${pruneVotes}.click_id < excluded.click_id
      returning candidate_id, choice
    )
    insert into ${crops} (candidate_id, kind, created_by)
    select candidate_id, 'headshot', ${vote.userId} from vote where choice = 'headshot'
    on conflict (candidate_id) where kind = 'headshot' do nothing
  `);
}

export async function setOverride(
  db: Db,
  override: { candidateId: number; userId: string; decision: Decision },
): Promise<void> {
  if (override.decision === 'undecided') {
    await db.delete(pruneOverrides).where(eq(pruneOverrides.candidateId, override.candidateId));
    return;
  }
  await db
    .insert(pruneOverrides)
    .values({ candidateId: override.candidateId, userId: override.userId, decision: override.decision })
    .onConflictDoUpdate({
      target: pruneOverrides.candidateId,
      set: { decision: override.decision, userId: override.userId, createdAt: sql`now()` },
    });
}

/** The next image (by rank) after `afterRank` that this friend has not voted on yet. */
export async function nextUnvotedImage(
  db: Db,
  projectId: number,
  userId: string,
  after: { rank: number; candidateId: number } | null,
): Promise<PruneImage | null> {
  const notVoted = notExists(
    db
      .select({ one: sql`1` })
      .from(pruneVotes)
      .where(and(eq(pruneVotes.candidateId, projectCandidates.id), eq(pruneVotes.userId, userId))),
  );
  const position = after
    ? sql`(${projectCandidates.rank}, ${projectCandidates.id}) > (${after.rank}, ${after.candidateId})`
    : sql`true`;
  const [row] = await db
    .select(imageColumns)
    .from(projectCandidates)
    .innerJoin(posts, eq(posts.id, projectCandidates.postId))
    .where(
      and(
        eq(projectCandidates.projectId, projectId),
        eq(projectCandidates.status, 'candidate'),
        notVoted,
        position,
      ),
    )
    .orderBy(asc(projectCandidates.rank), asc(projectCandidates.id))
    .limit(1);
  return row ? toImage(row) : null;
}

/** The image just before this one by rank, voted or not ("back" in the pager). */
export async function previousImage(
  db: Db,
  projectId: number,
  before: { rank: number; candidateId: number },
): Promise<PruneImage | null> {
  const [row] = await db
    .select(imageColumns)
    .from(projectCandidates)
    .innerJoin(posts, eq(posts.id, projectCandidates.postId))
    .where(
      and(
        eq(projectCandidates.projectId, projectId),
        eq(projectCandidates.status, 'candidate'),
        sql`(${projectCandidates.rank}, ${projectCandidates.id}) < (${before.rank}, ${before.candidateId})`,
      ),
    )
    .orderBy(desc(projectCandidates.rank), desc(projectCandidates.id))
    .limit(1);
  return row ? toImage(row) : null;
}

export async function userVote(db: Db, candidateId: number, userId: string): Promise<VoteChoice | null> {
  const [row] = await db
    .select({ choice: pruneVotes.choice })
    .from(pruneVotes)
    .where(and(eq(pruneVotes.candidateId, candidateId), eq(pruneVotes.userId, userId)));
  return row?.choice ?? null;
}

/**
 * Freezes the dataset once: of two simultaneous Finalize clicks exactly one gets the project back,
 * the other gets null.
 */
export async function freezeDataset(db: Db, projectId: number, userId: string): Promise<ProjectRow | null> {
  const [row] = await db
    .update(projects)
    .set({ datasetFrozenAt: sql`now()`, datasetFrozenBy: userId, status: 'tagging' })
    .where(and(eq(projects.id, projectId), isNull(projects.datasetFrozenAt)))
    .returning();
  return row ?? null;
}

/** Undoes a Finalize whose follow-up (queueing auto-tagging) failed, so Finalize can be pressed again. */
export async function unfreezeDataset(
  db: Db,
  projectId: number,
  previousStatus: ProjectRow['status'],
): Promise<void> {
  await db
    .update(projects)
    .set({ datasetFrozenAt: null, datasetFrozenBy: null, status: previousStatus })
    .where(eq(projects.id, projectId));
}

export async function recordGalleryMessage(
  db: Db,
  values: { projectId: number; channelId: string; messageId: string; candidateIds: number[] },
): Promise<void> {
  await db.insert(galleryMessages).values(values);
}

/** One gallery message of the prune thread, by its Discord message id. */
export async function galleryMessageById(db: Db, messageId: string) {
  const [message] = await db.select().from(galleryMessages).where(eq(galleryMessages.messageId, messageId));
  return message ?? null;
}

export async function galleryMessagesFor(db: Db, candidateId: number) {
  return db
    .select()
    .from(galleryMessages)
    .where(sql`${candidateId} = any(${galleryMessages.candidateIds})`);
}

export async function galleryMessagesOfProject(db: Db, projectId: number) {
  return db
    .select()
    .from(galleryMessages)
    .where(eq(galleryMessages.projectId, projectId))
    .orderBy(asc(galleryMessages.id));
}

/** Images of the project not yet shown in any gallery message. */
export async function imagesNotInGallery(db: Db, projectId: number): Promise<PruneImage[]> {
  const shown = await galleryMessagesOfProject(db, projectId);
  const shownIds = new Set(shown.flatMap((message) => message.candidateIds));
  return (await listPruneImages(db, projectId)).filter((image) => !shownIds.has(image.candidateId));
}

export async function setBoardMessage(db: Db, projectId: number, messageId: string): Promise<void> {
  await db
    .update(projects)
    .set({ boardMessageId: messageId, status: 'pruning' })
    .where(eq(projects.id, projectId));
}

export async function cropsOfProject(db: Db, projectId: number) {
  return db
    .select({ crop: crops, rank: projectCandidates.rank })
    .from(crops)
    .innerJoin(projectCandidates, eq(projectCandidates.id, crops.candidateId))
    .where(eq(projectCandidates.projectId, projectId))
    .orderBy(asc(projectCandidates.rank), asc(crops.id));
}

export async function getCrop(db: Db, cropId: number) {
  const [row] = await db.select().from(crops).where(eq(crops.id, cropId));
  return row ?? null;
}

/** The image's head crop, opened now if no headshot vote opened it yet. */
export async function ensureHeadCrop(db: Db, candidateId: number, userId: string): Promise<number> {
  await db
    .insert(crops)
    .values({ candidateId, kind: 'headshot', createdBy: userId })
    .onConflictDoNothing({ target: crops.candidateId, where: sql`${crops.kind} = 'headshot'` });
  const [row] = await db
    .select({ id: crops.id })
    .from(crops)
    .where(and(eq(crops.candidateId, candidateId), eq(crops.kind, 'headshot')));
  if (!row) throw new Error(`head crop of candidate ${candidateId} vanished`);
  return row.id;
}

export async function addCrop(
  db: Db,
  values: { candidateId: number; kind: 'composition' | 'split'; createdBy: string },
): Promise<number> {
  const [row] = await db.insert(crops).values(values).returning({ id: crops.id });
  if (!row) throw new Error('insert into crops returned no row');
  return row.id;
}

export async function setCropBox(
  db: Db,
  cropId: number,
  box: { left: number; top: number; width: number; height: number },
  confirmed: boolean,
): Promise<void> {
  await db.update(crops).set({ box, confirmed }).where(eq(crops.id, cropId));
}

export async function saveReplacement(db: Db, values: typeof replacements.$inferInsert): Promise<void> {
  await db
    .insert(replacements)
    .values(values)
    .onConflictDoUpdate({
      target: replacements.candidateId,
      set: { ...values, createdAt: sql`now()` },
    });
}

/**
 * Stores a replacement and, in the same transaction, the crop boxes carried over to its size: a box becomes
 * the given one, or null (set it again) when it no longer fits the new picture.
 */
export async function saveReplacementWithCrops(
  db: Db,
  values: typeof replacements.$inferInsert,
  cropBoxes: ReadonlyArray<{ cropId: number; box: CropBox | null }>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(replacements)
      .values(values)
      .onConflictDoUpdate({ target: replacements.candidateId, set: { ...values, createdAt: sql`now()` } });
    for (const { cropId, box } of cropBoxes) {
      await tx
        .update(crops)
        .set(box ? { box } : { box: null, confirmed: false })
        .where(eq(crops.id, cropId));
    }
  });
}

export async function cropsOfImage(db: Db, candidateId: number) {
  return db.select().from(crops).where(eq(crops.candidateId, candidateId)).orderBy(asc(crops.id));
}

export async function getReplacement(db: Db, candidateId: number) {
  const [row] = await db.select().from(replacements).where(eq(replacements.candidateId, candidateId));
  return row ?? null;
}

/**
 * setCropBox, only when the crop still holds the box and confirmation the editor started from (a web save
 * carries them): the updated row, or null when someone else changed the crop since (or it is gone).
 */
export async function setCropBoxIfUnchanged(
  db: Db,
  cropId: number,
  expected: { box: CropBox | null; confirmed: boolean },
  box: CropBox,
  confirmed: boolean,
): Promise<CropRow | null> {
  const sameBox =
    expected.box === null ? isNull(crops.box) : sql`${crops.box} = ${JSON.stringify(expected.box)}::jsonb`;
  const [row] = await db
    .update(crops)
    .set({ box, confirmed })
    .where(and(eq(crops.id, cropId), eq(crops.confirmed, expected.confirmed), sameBox))
    .returning();
  return row ?? null;
}

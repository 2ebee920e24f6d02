import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { CropBox, CropKind } from '../../core/pruning/crops.ts';
import type { PostTags, Rating } from '../../core/query/post.ts';
import type { MergedTag, TagEvidence } from '../../core/tags/merge.ts';
import { DEFAULT_THRESHOLDS, type WdThresholdPreset } from '../../core/tags/thresholds.ts';
import type { TaggerThresholds } from '../../core/tags/types.ts';
import type { Db } from '../client.ts';
import {
  crops,
  imageTagEdits,
  posts,
  projectCandidates,
  replacements,
  taggedImages,
  taggerSettings,
  type KnownTags,
  type ProjectRow,
  type TaggedImageRow,
} from '../schema/index.ts';
import { cropsOfProject } from './crops.ts';
import { loadImageStates } from './pruning.ts';

/**
 * Thin queries over the tagging tables (thresholds, the dataset to tag, tagged images and friends' edits); the
 * decisions and outfits have files of their own; the rules live in src/core/tags and the callers.
 */

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

import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { CropBox } from '../../core/pruning/crops.ts';
import type { Db } from '../client.ts';
import { crops, projectCandidates, replacements, type CropRow } from '../schema/index.ts';

// Crop boxes and uploaded replacements: the non-destructive edits of a dataset image.

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

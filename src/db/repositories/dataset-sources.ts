import { inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { posts, replacements } from '../schema/index.ts';

/** The e621 tags and rating of each post, for the captions of a dataset. */
export async function postTagsAndRatings(db: Db, postIds: readonly number[]) {
  if (postIds.length === 0) return [];
  return db
    .select({ id: posts.id, tags: posts.tags, rating: posts.rating })
    .from(posts)
    .where(inArray(posts.id, [...postIds]));
}

/** The size of each uploaded replacement, which training uses instead of the e621 file. */
export async function replacementSizes(db: Db, candidateIds: readonly number[]) {
  if (candidateIds.length === 0) return [];
  return db
    .select({
      candidateId: replacements.candidateId,
      width: replacements.width,
      height: replacements.height,
    })
    .from(replacements)
    .where(inArray(replacements.candidateId, [...candidateIds]));
}

/**
 * What Kiln needs to know about one e621 post, independent of how it was fetched (API today, maybe the DB
 * export later). The e621 adapter turns the API's JSON into this shape.
 */

/** e621's tag categories, as keys of a post's `tags` object. */
export const TAG_CATEGORIES = [
  'general',
  'artist',
  'contributor',
  'copyright',
  'character',
  'species',
  'invalid',
  'meta',
  'lore',
] as const;
export type TagCategory = (typeof TAG_CATEGORIES)[number];

export type PostTags = Partial<Record<TagCategory, string[]>>;

export const RATINGS = ['s', 'q', 'e'] as const;
export type Rating = (typeof RATINGS)[number];

export const RATING_WORDS: Record<Rating, string> = { s: 'safe', q: 'questionable', e: 'explicit' };

export interface PostFacts {
  id: number;
  md5: string;
  /** File extension as e621 reports it: png, jpg, webp, gif, webm, swf. */
  ext: string;
  width: number;
  height: number;
  /** File size in bytes. */
  size: number;
  score: number;
  favCount: number;
  rating: Rating;
  tags: PostTags;
  sources: string[];
  /** Null when e621 hides the file from us (login-blocked for anonymous users, or deleted). */
  fileUrl: string | null;
  previewUrl: string | null;
  sampleUrl: string | null;
  deleted: boolean;
  /** e621's `created_at`, ISO-8601, when known. */
  createdAt: string | null;
}

/** Every tag of a post, whatever its category. */
export function allTags(post: Pick<PostFacts, 'tags'>): Set<string> {
  const tags = new Set<string>();
  for (const category of TAG_CATEGORIES) for (const tag of post.tags[category] ?? []) tags.add(tag);
  return tags;
}

/** e621 ranks posts with equal score by id, newest first; we rank the same way so previews match the site. */
export function compareByScore(
  a: Pick<PostFacts, 'score' | 'id'>,
  b: Pick<PostFacts, 'score' | 'id'>,
): number {
  return b.score - a.score || b.id - a.id;
}

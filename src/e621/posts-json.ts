import { z } from 'zod';
import { TAG_CATEGORIES, type PostFacts, type PostTags } from '../core/query/post.ts';

/**
 * e621's legacy post JSON (the default shape of `/posts.json`), parsed tolerantly: unknown fields are
 * ignored, recent additions may be missing, URLs may be null (login-blocked or deleted posts).
 */

const nullableString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);
const tagList = z
  .array(z.string())
  .nullish()
  .transform((value) => value ?? []);

const postJson = z.object({
  id: z.number().int().positive(),
  created_at: nullableString,
  file: z.object({
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    ext: z.string(),
    size: z.number().int().nonnegative().nullish(),
    md5: z.string().regex(/^[0-9a-f]{32}$/),
    url: nullableString,
  }),
  preview: z.object({ url: nullableString }).nullish(),
  sample: z.object({ url: nullableString, has: z.boolean().nullish() }).nullish(),
  score: z.object({ total: z.number().int() }),
  tags: z.object(Object.fromEntries(TAG_CATEGORIES.map((category) => [category, tagList]))),
  rating: z.enum(['s', 'q', 'e']),
  fav_count: z.number().int().nullish(),
  sources: z.array(z.string()).nullish(),
  flags: z.object({ deleted: z.boolean().nullish() }).nullish(),
});

export const postsResponse = z.object({ posts: z.array(z.unknown()) });

const autocompleteEntry = z.object({
  name: z.string(),
  post_count: z.number().int(),
  category: z.number().int(),
  antecedent_name: z.string().nullish(),
});

/** A list of tags; some clients have seen an object (`{}` or `{"tags": […]}`) when nothing matches. */
export const autocompleteResponse = z.union([
  z.array(autocompleteEntry),
  z.object({ tags: z.array(autocompleteEntry).optional() }).transform((value) => value.tags ?? []),
]);

/** A post from e621's JSON in Kiln's shape, or null when the entry is unusable (logged by the caller). */
export function postFromJson(value: unknown): PostFacts | null {
  const parsed = postJson.safeParse(value);
  if (!parsed.success) return null;
  const post = parsed.data;
  const tags: PostTags = {};
  for (const category of TAG_CATEGORIES) {
    const list = (post.tags as Record<string, string[]>)[category] ?? [];
    if (list.length > 0) tags[category] = list;
  }
  return {
    id: post.id,
    md5: post.file.md5,
    ext: post.file.ext.toLowerCase(),
    width: post.file.width,
    height: post.file.height,
    size: post.file.size ?? 0,
    score: post.score.total,
    favCount: post.fav_count ?? 0,
    rating: post.rating,
    tags,
    sources: post.sources ?? [],
    fileUrl: post.file.url,
    previewUrl: post.preview?.url ?? null,
    sampleUrl: post.sample?.has === false ? null : (post.sample?.url ?? null),
    deleted: post.flags?.deleted ?? false,
    createdAt: post.created_at,
  };
}

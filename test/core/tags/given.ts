import type { DatasetImage } from '../../../src/core/tags/dataset.ts';
import type { MergedTag } from '../../../src/core/tags/merge.ts';
import type { TagCategory, TagSource } from '../../../src/core/tags/types.ts';

/** `tag`, or `tag:category`, or `tag@wd` / `tag@e621` / `tag@post,wd` (sources; default post). */
export function merged(spec: string): MergedTag {
  const [nameAndCategory = '', sourceList] = spec.split('@');
  const [tag = '', category = 'general'] = nameAndCategory.split(':');
  const sources = (sourceList ? sourceList.split(',') : ['post']) as TagSource[];
  const scores: MergedTag['scores'] = {};
  for (const source of sources) if (source !== 'post') scores[source] = 0.9;
  return {
    tag,
    category: category as TagCategory,
    sources,
    scores,
    confidence: sources.includes('post') ? 1 : 0.9,
    accepted: true,
  };
}

export function image(id: number, tags: string[], extra: Partial<DatasetImage> = {}): DatasetImage {
  return { id, tags: tags.map(merged), ...extra };
}

/** `count` images carrying `tags`, then `total - count` images without them, all with `common` tags. */
export function images(
  total: number,
  withTags: Array<{ count: number; tags: string[] }>,
  common: string[] = [],
) {
  return Array.from({ length: total }, (_, i) =>
    image(i + 1, [...common, ...withTags.filter((group) => i < group.count).flatMap((group) => group.tags)]),
  );
}

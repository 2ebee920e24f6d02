import { doubtfulImages, type DoubtfulTag } from '../core/tags/doubtful.ts';
import { canonicalTag } from '../core/tags/names.ts';
import type { ProjectTagging, TaggedDatasetImage } from './project-tags.ts';

export interface DoubtfulImage {
  image: TaggedDatasetImage;
  tags: DoubtfulTag[];
}

/**
 * Images with tags worth a human look, in dataset order. Tags the group folded or dropped everywhere are
 * left out: they leave every caption anyway, so checking them image by image would waste the friends' time.
 */
export function doubtfulList(
  tagging: Pick<ProjectTagging, 'images' | 'thresholds' | 'vocabularies' | 'decisions'>,
): DoubtfulImage[] {
  const settled = new Set(
    [...(tagging.decisions.fold ?? []), ...(tagging.decisions.drop ?? [])].map(canonicalTag),
  );
  const byId = new Map(tagging.images.map((image) => [image.id, image]));
  const list: DoubtfulImage[] = [];
  for (const entry of doubtfulImages(tagging.images, {
    thresholds: tagging.thresholds,
    vocabularies: tagging.vocabularies,
  })) {
    const image = byId.get(Number(entry.id));
    const tags = entry.tags.filter((tag) => !settled.has(tag.tag));
    if (image && tags.length > 0) list.push({ image, tags });
  }
  return list;
}

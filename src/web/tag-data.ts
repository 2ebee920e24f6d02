import { tagsAfterEdits } from '../core/tags/dataset.ts';
import { canonicalTag, captionName } from '../core/tags/names.ts';
import type { ModelFamily } from '../core/tags/types.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { captionsOf } from '../tagging/captions.ts';
import { doubtfulList } from '../tagging/doubtful.ts';
import type { ProjectTagging } from '../tagging/project-tags.ts';

/**
 * Everything the tag page shows: each dataset image's final caption (what `/lora captions` and training use),
 * its tags after the friends' edits, its doubtful tags, and the group's fold / drop / outfit decisions.
 */
export function tagEditorData(project: ProjectRow, tagging: ProjectTagging, family: ModelFamily = 'anime') {
  const captions = new Map(
    captionsOf(tagging, family).map((caption) => [caption.taggedImageId, caption.caption]),
  );
  const doubtful = new Map(doubtfulList(tagging).map((entry) => [entry.image.id, entry.tags]));
  const mainTag = canonicalTag(project.mainTag);
  return {
    project: { id: project.id, characterName: project.characterName, mainTag: captionName(mainTag) },
    family,
    decisions: {
      fold: (tagging.decisions.fold ?? []).map((tag) => captionName(tag)),
      keep: (tagging.decisions.keep ?? []).map((tag) => captionName(tag)),
      drop: (tagging.decisions.drop ?? []).map((tag) => captionName(tag)),
      outfits: (tagging.decisions.outfits ?? []).map((outfit) => ({
        tag: captionName(outfit.tag),
        components: outfit.components.map((tag) => captionName(tag)),
      })),
    },
    images: tagging.images.map((image) => ({
      id: image.id,
      name: image.name,
      kind: image.kind,
      postId: image.postId,
      caption: captions.get(image.id) ?? '',
      tags: [...tagsAfterEdits(image).keys()].filter((tag) => tag !== mainTag).map((tag) => captionName(tag)),
      doubtful: (doubtful.get(image.id) ?? []).map((tag) => ({
        tag: captionName(tag.tag),
        onImage: tag.accepted,
        reasons: tag.reasons,
      })),
    })),
  };
}

import {
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  SeparatorBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import type { ModelFamily } from '../core/tags/types.ts';
import type { DatasetCaption } from '../tagging/captions.ts';
import { imageLabel } from './doubtful-pager.ts';
import { clip, KILN_ORANGE, TEXT_BUDGET, type TaggingView } from './tagging-view.ts';

const FAMILY_TEXT: Record<ModelFamily, string> = {
  anime: 'anime-based models (Danbooru tags from the WD tagger)',
  e621: 'furry models (e621 tags: the posts and the e621 tagger)',
};

export interface CaptionSetPreview {
  family: ModelFamily;
  captions: DatasetCaption[];
  chart: { name: string; data: Buffer };
  file: { name: string; data: Buffer };
}

/** A few final captions per family, a tag-frequency chart for each, and every caption as a text file. */
export function captionsPreviewView(
  characterName: string,
  sets: readonly CaptionSetPreview[],
  examples = 3,
): TaggingView {
  const container = new ContainerBuilder().setAccentColor(KILN_ORANGE);
  const budget = Math.floor(TEXT_BUDGET / Math.max(1, sets.length)) - 100;
  container.addTextDisplayComponents(
    new TextDisplayBuilder().setContent(
      `## Captions · ${characterName}\nThe main tag comes first (keep_tokens = 1 holds it in place while the rest shuffle), then the tags left after folds, drops, outfits and your edits, in category order. One set per base-model family.`,
    ),
  );
  for (const set of sets) {
    const lines = [`### ${set.family} · ${FAMILY_TEXT[set.family]} · ${set.captions.length} captions`];
    for (const caption of set.captions.slice(0, examples)) {
      lines.push(`**${imageLabel(caption)}**\n\`\`\`\n${clip(caption.caption, 400)}\n\`\`\``);
    }
    lines.push(`-# All of them: \`${set.file.name}\`. Tag frequencies: \`${set.chart.name}\`.`);
    container
      .addSeparatorComponents(new SeparatorBuilder())
      .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), budget)));
  }
  container.addMediaGalleryComponents(
    new MediaGalleryBuilder().addItems(
      sets.map((set) =>
        new MediaGalleryItemBuilder()
          .setURL(`attachment://${set.chart.name}`)
          .setDescription(`Tag frequencies, ${set.family} captions`),
      ),
    ),
  );
  return { container, files: sets.flatMap((set) => [set.chart, set.file]) };
}

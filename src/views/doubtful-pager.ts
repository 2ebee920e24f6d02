import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  LabelBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  StringSelectMenuOptionBuilder,
  TextDisplayBuilder,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import type { EffectiveTag } from '../core/tags/dataset.ts';
import type { DoubtfulTag, DoubtReason } from '../core/tags/doubtful.ts';
import { captionName } from '../core/tags/names.ts';
import type { TaggedDatasetImage } from '../tagging/project-tags.ts';
import { doubtId, doubtModalId } from './tagging-ids.ts';
import { clip, KILN_ORANGE, TEXT_BUDGET, type TaggingView } from './tagging-view.ts';

/**
 * The doubtful-tag pager: one image at a time (as it will be trained: crop applied), the tags worth a look and
 * why, a select to drop tags from this image (Discord allows 25 options) and a modal to add missing ones.
 */

export const MAX_SELECT_OPTIONS = 25;
export const ADD_FIELD = 'tags';
export const ADD_FIELD_LIMIT = { label: 'The tags to add', max: 1000 };

const REASONS: Record<DoubtReason, string> = {
  'near-threshold': 'score near the threshold',
  'sources-disagree': 'sources disagree',
};

export interface DoubtfulPage {
  image: TaggedDatasetImage;
  /** 1-based place among the images with doubtful tags, and their count. */
  position: number;
  count: number;
  doubtful: DoubtfulTag[];
  /** The image's tags now (after the friends' edits). */
  current: EffectiveTag[];
  /** Clean-up tags on this image (text, watermark…). */
  cleanup: string[];
  thumbnail: Buffer;
  note?: string;
}

export function imageLabel(image: Pick<TaggedDatasetImage, 'rank' | 'postId' | 'kind'>): string {
  const what = image.kind === 'image' ? 'image' : `${image.kind} crop`;
  return `#${image.rank ?? '?'} · post ${image.postId} · ${what}`;
}

function scores(tag: Pick<DoubtfulTag, 'scores' | 'sources'>): string {
  const parts: string[] = [];
  if (tag.sources.includes('post')) parts.push('post');
  if (tag.scores.wd !== undefined) parts.push(`WD ${tag.scores.wd.toFixed(2)}`);
  if (tag.scores.e621 !== undefined) parts.push(`e621 ${tag.scores.e621.toFixed(2)}`);
  return parts.join(' · ');
}

/** Tags offered for dropping: doubtful ones first, then the least confident; at most 25. */
export function dropOptions(page: Pick<DoubtfulPage, 'doubtful' | 'current'>): EffectiveTag[] {
  const doubtful = new Set(page.doubtful.map((tag) => tag.tag));
  return [...page.current]
    .filter((tag) => tag.tag.length <= 100)
    .sort(
      (a, b) =>
        Number(doubtful.has(b.tag)) - Number(doubtful.has(a.tag)) ||
        a.confidence - b.confidence ||
        a.tag.localeCompare(b.tag),
    )
    .slice(0, MAX_SELECT_OPTIONS);
}

export function doubtfulPagerView(page: DoubtfulPage): TaggingView {
  const { image } = page;
  const thumbnail = `doubtful-${image.id}.jpg`;
  const onImage = page.doubtful.filter((tag) => tag.accepted);
  const missing = page.doubtful.filter((tag) => !tag.accepted);
  const lines = [`### Doubtful tags · ${page.position} of ${page.count}`, imageLabel(image)];
  if (page.note) lines.push(page.note);
  if (page.cleanup.length > 0) {
    lines.push(
      `🛠️ **needs edit**: ${page.cleanup.map((tag) => `\`${captionName(tag)}\``).join(', ')} — crop it out or upload a cleaned version.`,
    );
  }
  if (onImage.length > 0) {
    lines.push('**On the image, but doubtful** (drop the wrong ones below):');
    for (const tag of onImage.slice(0, 15)) {
      lines.push(
        `- \`${captionName(tag.tag)}\` — ${tag.reasons.map((r) => REASONS[r]).join(', ')} (${scores(tag)})`,
      );
    }
  }
  if (missing.length > 0) {
    lines.push(
      `**Near misses, not on the image** (add the right ones): ${missing
        .slice(0, 15)
        .map((tag) => `\`${captionName(tag.tag)}\` (${scores(tag)})`)
        .join(', ')}`,
    );
  }
  if (page.doubtful.length === 0) lines.push('Nothing doubtful is left on this image.');
  lines.push(`-# ${page.current.length} tags on this image now.`);

  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), TEXT_BUDGET)))
    .addMediaGalleryComponents(
      new MediaGalleryBuilder().addItems(
        new MediaGalleryItemBuilder().setURL(`attachment://${thumbnail}`).setDescription(imageLabel(image)),
      ),
    );
  const options = dropOptions(page);
  if (options.length > 0) {
    const doubtful = new Set(page.doubtful.map((tag) => tag.tag));
    const merged = new Map(image.tags.map((tag) => [tag.tag, tag]));
    const describe = (tag: EffectiveTag): string => {
      const known = merged.get(tag.tag);
      if (tag.origin === 'manual') return 'added by a friend';
      return (known ? scores(known) : '') || tag.category;
    };
    container.addActionRowComponents(
      new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
        new StringSelectMenuBuilder()
          .setCustomId(doubtId.encode({ imageId: image.id, action: 'drop' }))
          .setPlaceholder('Drop tags from this image…')
          .setMinValues(1)
          .setMaxValues(options.length)
          .addOptions(
            options.map((tag) =>
              new StringSelectMenuOptionBuilder()
                .setLabel(clip(captionName(tag.tag), 100))
                .setValue(tag.tag)
                .setDescription(clip(`${doubtful.has(tag.tag) ? 'doubtful · ' : ''}${describe(tag)}`, 100)),
            ),
          ),
      ),
    );
  }
  container.addActionRowComponents(
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(doubtId.encode({ imageId: image.id, action: 'back' }))
        .setLabel('Back')
        .setStyle(ButtonStyle.Secondary),
      new ButtonBuilder()
        .setCustomId(doubtId.encode({ imageId: image.id, action: 'add' }))
        .setLabel('Add missing tags…')
        .setStyle(ButtonStyle.Primary),
      new ButtonBuilder()
        .setCustomId(doubtId.encode({ imageId: image.id, action: 'next' }))
        .setLabel('Next')
        .setStyle(ButtonStyle.Secondary),
    ),
  );
  return { container, files: [{ name: thumbnail, data: page.thumbnail }] };
}

export function doubtfulDoneView(characterName: string, note = ''): TaggingView {
  return {
    container: new ContainerBuilder().addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `${note ? `${note}\n` : ''}No more images of **${characterName}** with doubtful tags${note ? '' : ' in this direction'}. Thanks!`,
      ),
    ),
  };
}

/** Missing tags for one image, comma separated, e621 or Danbooru style. */
export function addTagsModal(imageId: number, label: string) {
  return new ModalBuilder()
    .setCustomId(doubtModalId.encode({ imageId }))
    .setTitle('Add missing tags')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Tags to add, comma separated')
        .setDescription(clip(`${label}. Underscores or spaces, e.g. looking at viewer, open mouth`, 100))
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(ADD_FIELD)
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(true)
            .setMaxLength(ADD_FIELD_LIMIT.max)
            .setPlaceholder('looking at viewer, open mouth'),
        ),
    );
}

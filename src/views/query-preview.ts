import {
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  MessageFlags,
  SeparatorBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import type { ProjectQuery } from '../core/query/schema.ts';
import type { PreviewPost, QueryPreview } from '../e621/preview.ts';
import { describeReasons } from '../e621/collect.ts';
import type { ProjectRow } from '../db/schema/index.ts';

/** Discord's Media Gallery holds at most 10 items; a preview shows a few of each end. */
export const GALLERY_MAX_ITEMS = 10;
const KILN_ORANGE = 0xe8743b;

function number(value: number): string {
  return value.toLocaleString('en-US');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The sample (850 px) looks better in a gallery than the 150 px thumbnail; either may be hidden. */
function imageUrl(post: PreviewPost): string | null {
  return post.sampleUrl ?? post.previewUrl;
}

function gallery(posts: readonly PreviewPost[]): MediaGalleryBuilder | null {
  const items = posts
    .filter((post) => imageUrl(post) !== null)
    .slice(0, GALLERY_MAX_ITEMS)
    .map((post) =>
      new MediaGalleryItemBuilder()
        .setURL(imageUrl(post) as string)
        .setDescription(`#${post.rank} · score ${post.score} · ${post.width}×${post.height} ${post.ext}`),
    );
  return items.length > 0 ? new MediaGalleryBuilder().addItems(...items) : null;
}

function links(posts: readonly PreviewPost[]): string {
  return posts.map((post) => `[#${post.rank} · ${post.score}](<${post.postUrl}>)`).join(' · ');
}

/** What a fetch would take now: counts per group, after filters, the score at rank N, and thumbnails. */
export function previewMessage(project: ProjectRow, query: ProjectQuery, preview: QueryPreview) {
  const groupLines = preview.groups.map((group) => {
    const count = group.complete ? number(group.matched) : `${number(group.matched)}+`;
    const noun = group.matched === 1 && group.complete ? 'post' : 'posts';
    return `Group ${group.group + 1} \`${clip(group.tags.join(', '), 200)}\`: **${count}** ${noun}`;
  });
  const lines = [
    `## Preview · ${clip(project.characterName, 80)}`,
    ...groupLines,
    `**${number(preview.afterFilters)}${preview.complete ? '' : '+'}** of ${number(preview.seen)} posts seen pass the filters; ` +
      `a fetch would take **${number(preview.taken)}** (top N ${number(preview.topN)}).`,
    // Duplicates can only be told apart by their pixels: the preview downloads nothing, the fetch does.
    '-# Near-duplicates and exact copies among them are found after download and dropped (the lower score goes), so a few fewer may reach the vote; the fetch summary counts them.',
  ];
  if (preview.scoreAtRankN !== null) {
    lines.push(
      `Score at rank ${number(preview.taken)}: **${preview.scoreAtRankN}** (min score ${query.minScore}). ` +
        'Raise min score to cut the weaker tail; lower it or raise top N to reach further.',
    );
  }
  const skipped = describeReasons(preview.skipped);
  if (skipped !== 'none') lines.push(`Left out among the top ranks: ${skipped}.`);
  for (const warning of preview.warnings) lines.push(`⚠️ ${clip(warning, 400)}`);
  if (!preview.complete)
    lines.push('-# "+": e621 has more pages that cannot change the top N, so Kiln did not read them.');

  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(lines.join('\n')));

  const top = gallery(preview.first);
  if (top) {
    container
      .addSeparatorComponents(new SeparatorBuilder())
      .addTextDisplayComponents(
        new TextDisplayBuilder().setContent(`### Top ${preview.first.length}\n${links(preview.first)}`),
      )
      .addMediaGalleryComponents(top);
  }
  const tail = gallery(preview.last);
  if (tail) {
    const from = preview.last[0]?.rank ?? 0;
    const to = preview.last.at(-1)?.rank ?? 0;
    container
      .addSeparatorComponents(new SeparatorBuilder())
      .addTextDisplayComponents(
        new TextDisplayBuilder().setContent(
          `### The last taken, ranks ${from}–${to}\nThe guide picks min score by looking here.\n${links(preview.last)}`,
        ),
      )
      .addMediaGalleryComponents(tail);
  }
  container
    .addSeparatorComponents(new SeparatorBuilder())
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        'Nothing was downloaded. `/lora query` tunes the query; `/lora fetch` downloads these.',
      ),
    );
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}

import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import { COVERAGE_RULE, type CoverageReport, type CoverageStatus } from '../core/tags/coverage.ts';
import { tagGroup } from '../core/tags/groups.ts';
import { captionName } from '../core/tags/names.ts';
import type { OutfitSuggestion } from '../core/tags/outfits.ts';
import type { TaggerThresholds } from '../core/tags/types.ts';
import { outfitSuggestionId, taggingId } from './tagging-ids.ts';
import {
  clip,
  DONE_GREEN,
  FAILED_RED,
  KILN_ORANGE,
  percent,
  TEXT_BUDGET,
  type TaggingView,
} from './tagging-view.ts';

/** The auto-tagging job's messages in the thread, and the reports friends ask for. */

export type AutotagPhase = 'loading' | 'tagging' | 'saving' | 'done' | 'failed';

export interface AutotagStatus {
  projectId: number;
  characterName: string;
  phase: AutotagPhase;
  tagged: number;
  total: number;
  thresholds?: TaggerThresholds;
  /** When done. */
  summary?: {
    images: number;
    crops: number;
    tags: number;
    doubtfulImages: number;
    proposals: number;
    cleanupFlags: number;
    /** Images left out because they could not be read (listed in a message of their own). */
    untaggable?: number;
  };
  error?: string;
}

const PHASE_TITLES: Record<AutotagPhase, string> = {
  loading: '🧠 loading the taggers',
  tagging: '🏷️ tagging',
  saving: '💾 saving the tags',
  done: '✅ done',
  failed: '❌ stopped',
};

function progressBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export function autotagStatusView(status: AutotagStatus): TaggingView {
  const lines = [`## Auto-tagging · ${status.characterName} · ${PHASE_TITLES[status.phase]}`];
  if (status.thresholds) {
    lines.push(
      `WD tagger (anime tags) above ${status.thresholds.wd} · e621 tagger above ${status.thresholds.e621} · merged with each post's own e621 tags`,
    );
  }
  if (status.total > 0) {
    lines.push(`\`${progressBar(status.tagged, status.total)}\` ${status.tagged} / ${status.total} images`);
  }
  const summary = status.summary;
  if (status.phase === 'done' && summary) {
    lines.push(
      `Tagged **${summary.images}** images (${summary.images - summary.crops} kept + ${summary.crops} crops), **${summary.tags}** distinct tags.`,
      ...(summary.untaggable
        ? [
            `⚠️ ${summary.untaggable} image${summary.untaggable === 1 ? '' : 's'} could not be read and ${summary.untaggable === 1 ? 'was' : 'were'} left out: see below.`,
          ]
        : []),
      summary.proposals > 0
        ? `🧬 ${summary.proposals} trait tags to vote on below: fold into the main tag, keep, or drop.`
        : '🧬 No new trait tags to fold.',
      summary.doubtfulImages > 0
        ? `🔍 ${summary.doubtfulImages} images have doubtful tags (the taggers disagree, or a score sits near its threshold): **Review doubtful tags** walks you through them.`
        : '🔍 No doubtful tags.',
      summary.cleanupFlags > 0
        ? `🛠️ ${summary.cleanupFlags} images need a clean-up edit (text, watermarks, speech bubbles…): listed below.`
        : '🛠️ No image is tagged with a watermark, signature, text, speech bubble, logo or url.',
      'Next: `/lora outfit` for outfit tags, `/lora coverage` for the ¼–½ rule, `/lora captions` to see the result.',
    );
  }
  if (status.phase === 'failed' && status.error) lines.push(`**Why:** ${clip(status.error, 1500)}`);
  const container = new ContainerBuilder()
    .setAccentColor(
      status.phase === 'failed' ? FAILED_RED : status.phase === 'done' ? DONE_GREEN : KILN_ORANGE,
    )
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), TEXT_BUDGET)));
  if (status.phase === 'done' && summary) {
    const row = new ActionRowBuilder<ButtonBuilder>();
    if (summary.doubtfulImages > 0) {
      row.addComponents(
        new ButtonBuilder()
          .setCustomId(taggingId.encode({ projectId: status.projectId, action: 'doubtful' }))
          .setLabel('Review doubtful tags')
          .setStyle(ButtonStyle.Primary),
      );
    }
    row.addComponents(
      new ButtonBuilder()
        .setCustomId(taggingId.encode({ projectId: status.projectId, action: 'web' }))
        .setLabel('Edit tags')
        .setStyle(ButtonStyle.Secondary),
    );
    container.addActionRowComponents(row);
  }
  return { container };
}

const STATUS_TEXT: Record<CoverageStatus, string> = {
  ideal: '✅ ideal',
  enough: '🟢 enough',
  'too-rare': '🔴 too rare: under a quarter, the model will not learn it as its own tag',
  'rarely-absent': '🟠 rarely absent: under a quarter without it, it will stick to the main tag',
};

/** The coverage report: toggleable elements against the guide's ¼–½ rule, headshots, remaining traits. */
export function coverageView(characterName: string, report: CoverageReport): TaggingView {
  const lines = [
    `## Coverage · ${characterName} · ${report.total} images`,
    `Toggleable elements (outfits, accessories, headwear…) should be on at least ${percent(COVERAGE_RULE.minShare)} of the images, ideally ${percent(COVERAGE_RULE.idealShare)}, and missing from at least ${percent(COVERAGE_RULE.minAbsentShare)} if they must stay optional.`,
  ];
  if (report.elements.length === 0) lines.push('No clothing or accessory tags in the dataset.');
  for (const element of report.elements.slice(0, 30)) {
    const group = element.group === 'outfit' ? 'outfit' : tagGroup(element.group).label;
    lines.push(
      `- \`${captionName(element.tag)}\` (${group}): ${element.count} of ${report.total} (${percent(element.share)}) ${STATUS_TEXT[element.status]}`,
    );
  }
  if (report.elements.length > 30) lines.push(`…and ${report.elements.length - 30} more.`);
  lines.push(
    `**Headshots:** ${report.headshots.count} of ${report.total} (${percent(report.headshots.share)}) — the face is the most recognisable part; the guide wants a good number.`,
  );
  if (report.remainingTraits.length > 0) {
    lines.push(
      `**Trait tags still in the captions** (fold, keep or drop them): ${report.remainingTraits
        .slice(0, 20)
        .map((trait) => `\`${captionName(trait.tag)}\` ${percent(trait.share)}`)
        .join(', ')}`,
    );
  } else {
    lines.push('**Trait tags:** none left undecided.');
  }
  if (report.otherCharacters.length > 0) {
    lines.push(
      `**Other characters in the captions** (not traits; they stay tagged so they are not learnt into the main tag): ${report.otherCharacters
        .slice(0, 10)
        .map((other) => `\`${captionName(other.tag)}\` ${percent(other.share)}`)
        .join(', ')}`,
    );
  }
  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), TEXT_BUDGET)));
  return { container };
}

/** At most this many suggestions get a button (one row of five). */
export const MAX_SUGGESTIONS = 5;

export function outfitSuggestionsView(
  projectId: number,
  mainTag: string,
  suggestions: readonly OutfitSuggestion[],
): TaggingView {
  const shown = suggestions.slice(0, MAX_SUGGESTIONS);
  const example = `${mainTag}_outfit`;
  const lines = [
    '### Outfit suggestions',
    'These clothing and accessory tags keep appearing together, so they are probably one outfit. An outfit tag replaces them (guide: `red shirt, crop top, leaf print` → `roxanneshirt`).',
    ...shown.map(
      (suggestion, index) =>
        `**${index + 1}.** ${suggestion.components.map((tag) => `\`${captionName(tag)}\``).join(', ')} — all together on ${suggestion.count} images (${percent(suggestion.share)})`,
    ),
    `Press a number to name it, or type \`/lora outfit name:${example} tags:${shown[0]?.components.join(', ') ?? 'tag, tag'}\`.`,
  ];
  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), TEXT_BUDGET)));
  if (shown.length > 0) {
    const row = new ActionRowBuilder<ButtonBuilder>();
    shown.forEach((_, index) =>
      row.addComponents(
        new ButtonBuilder()
          .setCustomId(outfitSuggestionId.encode({ projectId, index }))
          .setLabel(`Outfit ${index + 1}…`)
          .setStyle(ButtonStyle.Primary),
      ),
    );
    container.addActionRowComponents(row);
  }
  return { container };
}

export interface CleanupFlagLine {
  label: string;
  tags: string[];
}

/** The guide's clarity step: images whose tags say text, watermark, speech bubble… with a thumbnail sheet. */
export function cleanupFlagsView(
  flags: readonly CleanupFlagLine[],
  sheet: { name: string; data: Buffer },
): TaggingView {
  const lines = [
    `### 🛠️ ${flags.length} image${flags.length === 1 ? '' : 's'} need${flags.length === 1 ? 's' : ''} a clean-up edit`,
    'Their tags say there is text, a watermark, a signature, a logo or a speech bubble in the picture: things the model should not learn with the character (guide, step 4 "Clarity"). Crop them out, or upload a cleaned version with `/lora replace`, then run `/lora autotag` again.',
    ...flags
      .slice(0, 40)
      .map(
        (flag) =>
          `- 🛠️ **needs edit** · ${flag.label}: ${flag.tags.map((t) => `\`${captionName(t)}\``).join(', ')}`,
      ),
  ];
  if (flags.length > 40) lines.push(`…and ${flags.length - 40} more.`);
  const container = new ContainerBuilder()
    .setAccentColor(FAILED_RED)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), TEXT_BUDGET)))
    .addMediaGalleryComponents(
      new MediaGalleryBuilder().addItems(
        new MediaGalleryItemBuilder()
          .setURL(`attachment://${sheet.name}`)
          .setDescription('Images that need a clean-up edit'),
      ),
    );
  return { container, files: [sheet] };
}

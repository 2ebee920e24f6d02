import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  SeparatorBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import type { FoldChoice, OutfitChoice } from '../core/tags/decision-votes.ts';
import { tagGroup } from '../core/tags/groups.ts';
import { captionName } from '../core/tags/names.ts';
import type { OutfitMatch } from '../core/tags/outfits.ts';
import type { FoldTally } from '../db/repositories/tag-decisions.ts';
import type { OutfitTally } from '../db/repositories/outfits.ts';
import type { OutfitRow, TagDecisionRow } from '../db/schema/index.ts';
import { foldOwnerId, foldVoteId, outfitOwnerId, outfitVoteId } from './tagging-ids.ts';
import { clip, DONE_GREEN, KILN_ORANGE, percent, type TaggingView } from './tagging-view.ts';

/**
 * Vote cards for dataset-wide tag questions. A fold card holds up to five trait tags, each with Fold / Keep /
 * Drop and the owner's button (6 components each, 36 of Discord's 40 with the header); an outfit card holds
 * one outfit.
 */

export const DECISIONS_PER_CARD = 5;

const FOLD_LABELS: Record<FoldChoice, string> = { fold: 'Fold', keep: 'Keep', drop: 'Drop' };
const OUTFIT_LABELS: Record<OutfitChoice, string> = { accept: 'Accept', reject: 'Reject' };

export function foldOutcomeText(outcome: FoldChoice | 'undecided', mainTag: string): string {
  switch (outcome) {
    case 'fold':
      return `🧬 fold into \`${captionName(mainTag)}\``;
    case 'keep':
      return '🏷️ keep as its own tag';
    case 'drop':
      return '🗑️ drop everywhere';
    case 'undecided':
      return '⏳ undecided';
  }
}

function tallyLine<C extends string>(
  tally: { counts: Record<C, number>; overridden: boolean },
  labels: Record<C, string>,
): string {
  return (Object.keys(labels) as C[])
    .map((choice) => `${labels[choice].toLowerCase()} ${tally.counts[choice]}`)
    .join(' · ');
}

export interface FoldCardEntry {
  decision: TagDecisionRow;
  tally: FoldTally;
}

export function foldCard(mainTag: string, entries: readonly FoldCardEntry[]): TaggingView {
  const main = captionName(mainTag);
  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `### Fold into \`${main}\`?\n` +
          `These tags describe the character on most images. **Fold**: \`${main}\` carries the trait, the tag leaves the captions. ` +
          '**Keep**: it stays a tag of its own (the character is drawn both ways and users should choose). ' +
          '**Drop**: wrong or unwanted, removed everywhere. The majority of votes decides; the owner can override.',
      ),
    );
  for (const { decision, tally } of entries.slice(0, DECISIONS_PER_CARD)) {
    const group = decision.group ? tagGroup(decision.group).label : 'other';
    const share = decision.total > 0 ? decision.count / decision.total : 0;
    const who = decision.proposedBy ? ` · asked by <@${decision.proposedBy}>` : '';
    container
      .addSeparatorComponents(new SeparatorBuilder())
      .addTextDisplayComponents(
        new TextDisplayBuilder().setContent(
          clip(
            `**\`${captionName(decision.tag)}\`** · ${group} · on ${decision.count} of ${decision.total} images (${percent(share)})${who}\n` +
              `${tallyLine(tally, FOLD_LABELS)} → ${foldOutcomeText(tally.outcome, mainTag)}${tally.overridden ? ' (owner)' : ''}`,
            600,
          ),
        ),
      )
      .addActionRowComponents(
        new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder()
            .setCustomId(foldVoteId.encode({ decisionId: decision.id, action: 'fold' }))
            .setLabel(FOLD_LABELS.fold)
            .setStyle(ButtonStyle.Primary),
          new ButtonBuilder()
            .setCustomId(foldVoteId.encode({ decisionId: decision.id, action: 'keep' }))
            .setLabel(FOLD_LABELS.keep)
            .setStyle(ButtonStyle.Success),
          new ButtonBuilder()
            .setCustomId(foldVoteId.encode({ decisionId: decision.id, action: 'drop' }))
            .setLabel(FOLD_LABELS.drop)
            .setStyle(ButtonStyle.Danger),
          new ButtonBuilder()
            .setCustomId(foldVoteId.encode({ decisionId: decision.id, action: 'owner' }))
            .setLabel('Owner decides…')
            .setStyle(ButtonStyle.Secondary),
        ),
      );
  }
  return { container };
}

/** The owner's private panel for one fold question. */
export function foldOwnerPanel(mainTag: string, entry: FoldCardEntry, note = ''): TaggingView {
  const { decision, tally } = entry;
  const row = new ActionRowBuilder<ButtonBuilder>();
  for (const action of ['fold', 'keep', 'drop', 'clear'] as const) {
    row.addComponents(
      new ButtonBuilder()
        .setCustomId(foldOwnerId.encode({ decisionId: decision.id, action }))
        .setLabel(action === 'clear' ? 'Let the votes decide' : FOLD_LABELS[action])
        .setStyle(
          action === 'clear'
            ? ButtonStyle.Secondary
            : decision.ownerChoice === action
              ? ButtonStyle.Success
              : ButtonStyle.Primary,
        ),
    );
  }
  const container = new ContainerBuilder()
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `${note ? `${note}\n` : ''}Decide \`${captionName(decision.tag)}\` for everyone: ${tallyLine(tally, FOLD_LABELS)} → ${foldOutcomeText(tally.outcome, mainTag)}${tally.overridden ? ' (owner)' : ''}.`,
      ),
    )
    .addActionRowComponents(row);
  return { container };
}

const OUTFIT_STATE_TEXT: Record<OutfitRow['state'], string> = {
  proposed: '⏳ undecided',
  accepted: '✅ accepted: captions use it',
  rejected: '❌ rejected',
};

export function outfitCard(
  mainTag: string,
  outfit: OutfitRow,
  tally: OutfitTally,
  match: OutfitMatch,
  total: number,
): TaggingView {
  const components = outfit.components.map((tag) => `\`${captionName(tag)}\``).join(', ');
  const lines = [
    `### Outfit \`${captionName(outfit.tag)}\`?`,
    `Proposed by <@${outfit.proposedBy}>: replaces ${components} with one tag, so \`${captionName(outfit.tag)}\` can be prompted on and off while \`${captionName(mainTag)}\` stays the character.`,
    `Applies to **${match.applied.length}** of ${total} images (more than half of its tags present)${match.partial.length > 0 ? `; ${match.partial.length} more have some of its tags and keep them` : ''}.`,
    `${tallyLine(tally, OUTFIT_LABELS)} → ${OUTFIT_STATE_TEXT[outfit.state]}${tally.overridden ? ' (owner)' : ''}`,
  ];
  const container = new ContainerBuilder()
    .setAccentColor(outfit.state === 'accepted' ? DONE_GREEN : KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), 3000)))
    .addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(outfitVoteId.encode({ outfitId: outfit.id, action: 'accept' }))
          .setLabel(OUTFIT_LABELS.accept)
          .setStyle(ButtonStyle.Success),
        new ButtonBuilder()
          .setCustomId(outfitVoteId.encode({ outfitId: outfit.id, action: 'reject' }))
          .setLabel(OUTFIT_LABELS.reject)
          .setStyle(ButtonStyle.Danger),
        new ButtonBuilder()
          .setCustomId(outfitVoteId.encode({ outfitId: outfit.id, action: 'owner' }))
          .setLabel('Owner decides…')
          .setStyle(ButtonStyle.Secondary),
      ),
    );
  return { container };
}

export function outfitOwnerPanel(outfit: OutfitRow, tally: OutfitTally, note = ''): TaggingView {
  const row = new ActionRowBuilder<ButtonBuilder>();
  for (const action of ['accept', 'reject', 'clear'] as const) {
    row.addComponents(
      new ButtonBuilder()
        .setCustomId(outfitOwnerId.encode({ outfitId: outfit.id, action }))
        .setLabel(action === 'clear' ? 'Let the votes decide' : OUTFIT_LABELS[action])
        .setStyle(action === 'clear' ? ButtonStyle.Secondary : ButtonStyle.Primary),
    );
  }
  const container = new ContainerBuilder()
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `${note ? `${note}\n` : ''}Decide the outfit \`${captionName(outfit.tag)}\` for everyone: ${tallyLine(tally, OUTFIT_LABELS)} → ${OUTFIT_STATE_TEXT[outfit.state]}${tally.overridden ? ' (owner)' : ''}.`,
      ),
    )
    .addActionRowComponents(row);
  return { container };
}

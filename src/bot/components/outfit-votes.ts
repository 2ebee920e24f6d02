import { LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { writeVote } from '../vote-write.ts';
import { UserError } from '../../core/errors.ts';
import { captionName } from '../../core/tags/names.ts';
import { castOutfitVote, getOutfit, outfitTally, setOutfitOverride } from '../../db/repositories/outfits.ts';
import type { Db } from '../../db/client.ts';
import { outfitCardView } from '../../tagging/cards.ts';
import { loadProjectTagging, outfitSuggestionsOf } from '../../tagging/project-tags.ts';
import type { ComponentHandler, ModalHandler } from '../handler-types.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { loadTaggedProject, OUTFIT_LIMITS, proposeOutfitFromInput, restPoster } from '../tagging.ts';
import { outfitOwnerPanel } from '../../views/tag-cards.ts';
import { asReply, asRest } from '../../views/tagging-view.ts';
import {
  outfitModalId,
  outfitOwnerId,
  outfitSuggestionId,
  outfitVoteId,
  type OutfitCardAction,
  type OwnerOutfitAction,
} from '../../views/tagging-ids.ts';

async function loadOutfit(db: Db, outfitId: number, guildId: string) {
  const outfit = await getOutfit(db, outfitId);
  if (!outfit) throw new UserError('project-gone', 'This outfit no longer exists.');
  const project = await loadProjectForComponent(db, outfit.projectId, guildId);
  return { outfit, project };
}

/** A click on an outfit card: stored, the state recomputed, the card re-rendered in place. */
export const outfitVote: ComponentHandler<{ outfitId: number; action: OutfitCardAction }> = {
  codec: outfitVoteId,
  acknowledge: ({ action }) => (action === 'owner' ? 'ephemeral' : 'update'),
  async run(interaction, { outfitId, action }, { db, log }) {
    const { outfit, project } = await loadOutfit(db, outfitId, interaction.guildId);
    if (action === 'owner') {
      await assertCanEdit(db, interaction, project, 'decide an outfit for everyone');
      await interaction.editReply(asReply(outfitOwnerPanel(outfit, await outfitTally(db, outfit))));
      return;
    }
    const updated = await writeVote(log, () =>
      castOutfitVote(db, {
        outfitId,
        userId: interaction.user.id,
        choice: action,
        clickId: BigInt(interaction.id),
      }),
    );
    if (!updated) throw new UserError('project-gone', 'This outfit no longer exists.');
    const tagging = await loadProjectTagging(db, project);
    await interaction.editReply(asReply(await outfitCardView(db, tagging, updated)));
  },
};

export const outfitOwner: ComponentHandler<{ outfitId: number; action: OwnerOutfitAction }> = {
  codec: outfitOwnerId,
  acknowledge: 'update',
  async run(interaction, { outfitId, action }, { db, client }) {
    const { project } = await loadOutfit(db, outfitId, interaction.guildId);
    await assertCanEdit(db, interaction, project, 'decide an outfit for everyone');
    const outfit = await setOutfitOverride(db, {
      outfitId,
      userId: interaction.user.id,
      choice: action === 'clear' ? null : action,
    });
    if (!outfit) throw new UserError('project-gone', 'This outfit no longer exists.');
    const note =
      action === 'clear'
        ? 'Your override is cleared: the votes decide.'
        : `Saved: the outfit is ${outfit.state}.`;
    await interaction.editReply(asReply(outfitOwnerPanel(outfit, await outfitTally(db, outfit), note)));
    if (outfit.channelId && outfit.messageId) {
      const tagging = await loadProjectTagging(db, project);
      await restPoster(client).edit(
        outfit.channelId,
        outfit.messageId,
        asRest(await outfitCardView(db, tagging, outfit)),
      );
    }
  },
};

export const OUTFIT_NAME_FIELD = 'name';
export const OUTFIT_TAGS_FIELD = 'tags';

/** The outfit modal: a new tag and the tags it replaces (prefilled from a suggestion). */
export function outfitModal(projectId: number, mainTag: string, components: readonly string[]) {
  return new ModalBuilder()
    .setCustomId(outfitModalId.encode({ projectId }))
    .setTitle('Name this outfit')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Outfit tag')
        .setDescription('A new word that will stand for the outfit in prompts')
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(OUTFIT_NAME_FIELD)
            .setStyle(TextInputStyle.Short)
            .setRequired(true)
            .setMaxLength(OUTFIT_LIMITS.name.max)
            .setPlaceholder(`${mainTag}_outfit`),
        ),
      new LabelBuilder()
        .setLabel('Tags it replaces')
        .setDescription('Comma separated')
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(OUTFIT_TAGS_FIELD)
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(true)
            .setMaxLength(OUTFIT_LIMITS.tags.max)
            .setValue(components.map((tag) => captionName(tag)).join(', ') || ' '),
        ),
    );
}

/** "Outfit n…" under the suggestions: the modal, prefilled with that suggestion's tags. */
export const outfitSuggestion: ComponentHandler<{ projectId: number; index: number }> = {
  codec: outfitSuggestionId,
  acknowledge: 'none',
  async run(interaction, { projectId, index }, { db }) {
    const project = await loadProjectForComponent(db, projectId, interaction.guildId);
    const tagging = await loadTaggedProject(db, project);
    const suggestions = outfitSuggestionsOf(tagging);
    await interaction.showModal(
      outfitModal(project.id, project.mainTag, suggestions[index]?.components ?? []),
    );
  },
};

export const outfitModalSubmit: ModalHandler<{ projectId: number }> = {
  codec: outfitModalId,
  acknowledge: 'ephemeral',
  async run(interaction, { projectId }, context) {
    const project = await loadProjectForComponent(context.db, projectId, interaction.guildId);
    const { outfit, threadId, applied } = await proposeOutfitFromInput(context, project, {
      name: interaction.fields.getTextInputValue(OUTFIT_NAME_FIELD),
      tags: interaction.fields.getTextInputValue(OUTFIT_TAGS_FIELD),
      userId: interaction.user.id,
    });
    await interaction.editReply({
      content: `Proposed the outfit \`${captionName(outfit.tag)}\` (applies to ${applied} images). Its vote card is in <#${threadId}>.`,
    });
  },
};

import { UserError } from '../../core/errors.ts';
import { writeVote } from '../vote-write.ts';
import {
  castDecisionVote,
  decisionTallies,
  getDecision,
  setDecisionOverride,
} from '../../db/repositories/tag-decisions.ts';
import { foldCardOfMessage } from '../../tagging/cards.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { restPoster } from '../tagging.ts';
import { foldOutcomeText, foldOwnerPanel } from '../../views/tag-cards.ts';
import { asReply, asRest } from '../../views/tagging-view.ts';
import {
  foldOwnerId,
  foldVoteId,
  type FoldCardAction,
  type OwnerFoldAction,
} from '../../views/tagging-ids.ts';

async function loadDecision(db: Parameters<typeof getDecision>[0], decisionId: number, guildId: string) {
  const decision = await getDecision(db, decisionId);
  if (!decision) throw new UserError('project-gone', 'This tag question no longer exists.');
  const project = await loadProjectForComponent(db, decision.projectId, guildId);
  return { decision, project };
}

/** A click on a fold card: stored, the outcome recomputed, the card re-rendered in place. */
export const foldVote: ComponentHandler<{ decisionId: number; action: FoldCardAction }> = {
  codec: foldVoteId,
  acknowledge: ({ action }) => (action === 'owner' ? 'ephemeral' : 'update'),
  async run(interaction, { decisionId, action }, { db, log }) {
    const { decision, project } = await loadDecision(db, decisionId, interaction.guildId);
    if (action === 'owner') {
      await assertCanEdit(db, interaction, project, 'decide a tag for everyone');
      const tally = (await decisionTallies(db, [decision])).get(decision.id);
      if (!tally) throw new Error(`no tally for decision ${decision.id}`);
      await interaction.editReply(asReply(foldOwnerPanel(project.mainTag, { decision, tally })));
      return;
    }
    await writeVote(log, () =>
      castDecisionVote(db, {
        decisionId,
        userId: interaction.user.id,
        choice: action,
        clickId: BigInt(interaction.id),
      }),
    );
    const card = await foldCardOfMessage(db, project.mainTag, decision.messageId ?? interaction.message.id);
    if (card) await interaction.editReply(asReply(card));
  },
};

/** The owner's override from the private panel; the public card follows. */
export const foldOwner: ComponentHandler<{ decisionId: number; action: OwnerFoldAction }> = {
  codec: foldOwnerId,
  acknowledge: 'update',
  async run(interaction, { decisionId, action }, { db, client }) {
    const { project } = await loadDecision(db, decisionId, interaction.guildId);
    await assertCanEdit(db, interaction, project, 'decide a tag for everyone');
    const decision = await setDecisionOverride(db, {
      decisionId,
      userId: interaction.user.id,
      choice: action === 'clear' ? null : action,
    });
    if (!decision) throw new UserError('project-gone', 'This tag question no longer exists.');
    const tally = (await decisionTallies(db, [decision])).get(decision.id);
    if (!tally) throw new Error(`no tally for decision ${decision.id}`);
    const note =
      action === 'clear'
        ? 'Your override is cleared: the votes decide.'
        : `Decided: ${foldOutcomeText(decision.outcome, project.mainTag)}.`;
    await interaction.editReply(asReply(foldOwnerPanel(project.mainTag, { decision, tally }, note)));
    const card = await foldCardOfMessage(db, project.mainTag, decision.messageId);
    if (card && decision.channelId && decision.messageId) {
      await restPoster(client).edit(decision.channelId, decision.messageId, asRest(card));
    }
  },
};

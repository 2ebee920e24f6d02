import { castVote } from '../../db/repositories/pruning.ts';
import type { VoteChoice } from '../../core/pruning/votes.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertNotFrozen, loadImageForComponent } from '../prune-access.ts';
import { voteId } from '../../views/prune-ids.ts';

/** A click under an image: acknowledged at once (no loading state), stored, and shown in the next tally edit. */
export const pruneVote: ComponentHandler<{ candidateId: number; choice: VoteChoice }> = {
  codec: voteId,
  acknowledge: 'update',
  async run(interaction, { candidateId, choice }, { db, pruneRefresher }) {
    const { project } = await loadImageForComponent(db, candidateId, interaction.guildId);
    assertNotFrozen(project);
    await castVote(db, { candidateId, userId: interaction.user.id, choice, clickId: BigInt(interaction.id) });
    await pruneRefresher.imageChanged(candidateId, project.id);
  },
};

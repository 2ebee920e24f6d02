import { MessageFlags } from 'discord.js';
import { castVote } from '../../db/repositories/pruning.ts';
import { writeVote } from '../vote-write.ts';
import type { VoteChoice } from '../../core/pruning/votes.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertNotFrozen, loadImageForComponent } from '../prune-access.ts';
import { voteId } from '../../views/prune-ids.ts';

export const HEADSHOT_NEXT_STEP =
  'Headshot vote counted. It becomes a training image once someone saves its crop box around the face: ' +
  '**More → Head crop** on this image, or **Crops** on the pruning board.';

/** A click under an image: acknowledged at once (no loading state), stored, and shown in the next tally edit. */
export const pruneVote: ComponentHandler<{ candidateId: number; choice: VoteChoice }> = {
  codec: voteId,
  acknowledge: 'update',
  async run(interaction, { candidateId, choice }, { db, pruneRefresher, log }) {
    const { project } = await loadImageForComponent(db, candidateId, interaction.guildId);
    assertNotFrozen(project);
    // Acknowledged already (silently); see writeVote for why the write comes second.
    await writeVote(log, () =>
      castVote(db, { candidateId, userId: interaction.user.id, choice, clickId: BigInt(interaction.id) }),
    );
    await pruneRefresher.imageChanged(candidateId, project.id);
    if (choice === 'headshot') {
      // The vote alone adds no image: say where the headshot becomes one, to the one who voted.
      await interaction.followUp({
        content: HEADSHOT_NEXT_STEP,
        flags: MessageFlags.Ephemeral,
        allowedMentions: { parse: [] },
      });
    }
  },
};

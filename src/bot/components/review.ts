import { castVote, nextUnvotedImage, previousImage } from '../../db/repositories/pruning.ts';
import { writeVote } from '../vote-write.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertNotFrozen, loadImageForComponent } from '../prune-access.ts';
import { renderPager } from '../review.ts';
import { reviewId, type ReviewAction } from '../../views/prune-ids.ts';

/** Clicks inside a friend's ephemeral pager: vote and move on, skip, or go back. */
export const reviewPager: ComponentHandler<{ candidateId: number; action: ReviewAction }> = {
  codec: reviewId,
  acknowledge: 'update',
  async run(interaction, { candidateId, action }, { db, pruneRefresher, log }) {
    const { image, project } = await loadImageForComponent(db, candidateId, interaction.guildId);
    assertNotFrozen(project);
    const userId = interaction.user.id;
    const here = { rank: image.rank ?? 0, candidateId };
    let next;
    switch (action) {
      case 'back':
        next = (await previousImage(db, project.id, here)) ?? image;
        break;
      case 'skip':
        next = await nextUnvotedImage(db, project.id, userId, here);
        break;
      case 'keep':
      case 'prune':
      case 'headshot':
      case 'edit':
        await writeVote(log, () =>
          castVote(db, { candidateId, userId, choice: action, clickId: BigInt(interaction.id) }),
        );
        await pruneRefresher.imageChanged(candidateId, project.id);
        next = await nextUnvotedImage(db, project.id, userId, here);
        break;
    }
    // Past the end, start again from the top for anything skipped.
    next ??= await nextUnvotedImage(db, project.id, userId, null);
    await interaction.editReply(await renderPager(db, project, userId, next));
  },
};

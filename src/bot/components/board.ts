import { UserError } from '../../core/errors.ts';
import { freezeDataset, loadImageStates, nextUnvotedImage } from '../../db/repositories/pruning.ts';
import { galleryMessagesOfProject } from '../../db/repositories/pruning.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { assertNotFrozen } from '../prune-access.ts';
import { ensureProjectThread } from '../project-thread.ts';
import { renderPager } from '../review.ts';
import { contactSheetTiles, describeFrozenDataset, finalizedMessage } from '../finalize.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { keptListMessage } from '../../views/kept-list.ts';
import { cropListMessage } from '../../views/crop-list.ts';
import { cropsOfProject } from '../../db/repositories/pruning.ts';
import { boardId, type BoardAction } from '../../views/prune-ids.ts';
import { enqueueAutotag } from '../tagging.ts';

export const pruneBoard: ComponentHandler<{ projectId: number; action: BoardAction; page: number }> = {
  codec: boardId,
  // Paging the kept list edits the ephemeral list in place; everything else opens a private reply.
  acknowledge: ({ action, page }) => (action === 'kept' && page > 0 ? 'update' : 'ephemeral'),
  async run(interaction, { projectId, action, page }, context) {
    const { db, client, dataDir, pruneRefresher, log } = context;
    const project = await loadProjectForComponent(db, projectId, interaction.guildId);
    switch (action) {
      case 'review': {
        assertNotFrozen(project);
        const first = await nextUnvotedImage(db, project.id, interaction.user.id, null);
        await interaction.editReply(await renderPager(db, project, interaction.user.id, first));
        return;
      }
      case 'kept': {
        const kept = (await loadImageStates(db, project)).filter(
          (state) => state.verdict.decision === 'kept',
        );
        await interaction.editReply(keptListMessage(project.id, kept, Math.max(0, page - 1)));
        return;
      }
      case 'crops': {
        const crops = await cropsOfProject(db, project.id);
        await interaction.editReply(cropListMessage(crops));
        return;
      }
      case 'finalize': {
        await assertCanEdit(db, interaction, project, 'finalize the dataset');
        const frozen = await freezeDataset(db, project.id, interaction.user.id);
        if (!frozen) {
          throw new UserError(
            'dataset-frozen',
            `The dataset of **${project.characterName}** is already finalized.`,
          );
        }
        const dataset = await describeFrozenDataset(db, frozen);
        const { thread } = await ensureProjectThread(client, db, frozen);
        const tiles = await contactSheetTiles(db, dataDir, dataset);
        await thread.send(await finalizedMessage(frozen, dataset, tiles));
        // Disable the vote buttons everywhere and update the board.
        for (const message of await galleryMessagesOfProject(db, project.id)) {
          for (const id of message.candidateIds) await pruneRefresher.imageChanged(id, project.id);
        }
        pruneRefresher.projectChanged(project.id);
        log.info({ projectId, kept: dataset.kept.length, crops: dataset.crops.length }, 'dataset finalized');
        await enqueueAutotag(context.jobs, frozen, interaction.user.id);
        await interaction.editReply({
          content:
            `Finalized **${frozen.characterName}**: ${dataset.kept.length} kept images and ${dataset.crops.length} crops. The contact sheet is in <#${thread.id}>.${dataset.warnings.length ? `\n${dataset.warnings.map((w) => `⚠️ ${w}`).join('\n')}` : ''}`.slice(
              0,
              2000,
            ),
        });
        return;
      }
    }
  },
};

import { UserError } from '../../core/errors.ts';
import type { ProjectRow } from '../../db/schema/index.ts';
import {
  freezeDataset,
  loadImageStates,
  nextUnvotedImage,
  unfreezeDataset,
} from '../../db/repositories/pruning.ts';
import { galleryMessagesOfProject } from '../../db/repositories/pruning.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { assertNotFrozen } from '../prune-access.ts';
import { ensureProjectThread } from '../project-thread.ts';
import { renderPager } from '../review.ts';
import { contactSheetTiles, describeFrozenDataset, finalizedMessage } from '../finalize.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { keptListMessage } from '../../views/kept-list.ts';
import { cropListMessage } from '../../views/crop-list.ts';
import { editorLinkMessage } from '../../views/editor-link.ts';
import { cropsOfProject } from '../../db/repositories/crops.ts';
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
        await interaction.editReply(cropListMessage(crops, { frozen: project.datasetFrozenAt !== null }));
        return;
      }
      case 'web': {
        assertNotFrozen(project);
        await assertCanEdit(db, interaction, project, 'edit crops in the browser');
        const signer = context.training.editorLinks ?? null;
        if (!signer) {
          throw new UserError(
            'service-unavailable',
            'The web editor is off on this bot: its operator has not set PUBLIC_URL and LINK_SECRET.',
          );
        }
        const link = signer.sign('crops', project.id, interaction.user.id);
        await interaction.editReply(editorLinkMessage('crops', project.characterName, link));
        return;
      }
      case 'finalize': {
        await assertCanEdit(db, interaction, project, 'finalize the dataset');
        if (project.datasetFrozenAt !== null) throw alreadyFinalized(project);
        // All or nothing: everything that can fail on the images (a file gone from the data folder) is done
        // before the freeze, and a freeze whose auto-tagging cannot be queued is undone, so Finalize can be
        // pressed again and no project is left frozen without a job.
        const dataset = await describeFrozenDataset(db, project);
        const sheet = await finalizedMessage(project, dataset, await contactSheetTiles(db, dataDir, dataset));
        const frozen = await freezeDataset(db, project.id, interaction.user.id);
        if (!frozen) throw alreadyFinalized(project);
        try {
          await enqueueAutotag(context.jobs, frozen, interaction.user.id);
        } catch (error) {
          await unfreezeDataset(db, project.id, project.status);
          throw error;
        }
        log.info({ projectId, kept: dataset.kept.length, crops: dataset.crops.length }, 'dataset finalized');
        const { thread } = await ensureProjectThread(client, db, frozen);
        await thread.send(sheet);
        // Disable the vote buttons everywhere and update the board.
        for (const message of await galleryMessagesOfProject(db, project.id)) {
          for (const id of message.candidateIds) await pruneRefresher.imageChanged(id, project.id);
        }
        pruneRefresher.projectChanged(project.id);
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

function alreadyFinalized(project: ProjectRow): UserError {
  return new UserError('dataset-frozen', `The dataset of **${project.characterName}** is already finalized.`);
}

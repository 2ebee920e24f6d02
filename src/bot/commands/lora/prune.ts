import { countBoard, countCrops } from '../../../core/pruning/progress.ts';
import { UserError } from '../../../core/errors.ts';
import {
  imagesNotInGallery,
  listPruneImages,
  loadImageStates,
  recordGalleryMessage,
  setBoardMessage,
} from '../../../db/repositories/pruning.ts';
import { cropsOfProject } from '../../../db/repositories/crops.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { assertNotFrozen } from '../../prune-access.ts';
import { ensureProjectThread } from '../../project-thread.ts';
import type { Subcommand } from '../../handler-types.ts';
import { ranksLeftOut } from '../../../db/repositories/fetch-runs.ts';
import { missingRanksNote } from '../../../views/missing-ranks.ts';
import { boardMessage } from '../../../views/prune-board.ts';
import { galleryMessage, IMAGES_PER_GALLERY } from '../../../views/prune-gallery.ts';

export const prune: Subcommand = {
  name: 'prune',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('prune')
        .setDescription(
          'Post the fetched images into the thread for everyone to vote keep / prune / headshot',
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, client, pruneRefresher }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    await assertCanEdit(db, interaction, project, 'start pruning');
    assertNotFrozen(project);
    const all = await listPruneImages(db, project.id);
    if (all.length === 0) {
      throw new UserError(
        'not-found',
        `**${project.characterName}** has no fetched images yet. Run \`/lora fetch\` first.`,
      );
    }
    const { thread } = await ensureProjectThread(client, db, project);

    if (!project.boardMessageId) {
      const [states, crops] = await Promise.all([
        loadImageStates(db, project),
        cropsOfProject(db, project.id),
      ]);
      const board = await thread.send(
        boardMessage(
          project,
          countBoard(states.map((s) => s.verdict)),
          countCrops(crops.map(({ crop }) => crop)),
        ),
      );
      await setBoardMessage(db, project.id, board.id);
    }

    // Only images not yet shown: running /lora prune again after a second fetch adds the new ones.
    const fresh = await imagesNotInGallery(db, project.id);
    const note = fresh.length > 0 ? missingRanksNote(await ranksLeftOut(db, project.id)) : null;
    if (note !== null) await thread.send({ content: note, allowedMentions: { parse: [] } });
    let posted = 0;
    for (let start = 0; start < fresh.length; start += IMAGES_PER_GALLERY) {
      const ids = fresh.slice(start, start + IMAGES_PER_GALLERY).map((image) => image.candidateId);
      const states = await loadImageStates(db, project, ids);
      const message = await thread.send(galleryMessage(states, false));
      await recordGalleryMessage(db, {
        projectId: project.id,
        channelId: thread.id,
        messageId: message.id,
        candidateIds: ids,
      });
      posted += ids.length;
      if (start % (IMAGES_PER_GALLERY * 10) === 0 && start > 0) {
        await interaction.editReply({ content: `Posting images… ${posted} of ${fresh.length}` });
      }
    }
    pruneRefresher.projectChanged(project.id);
    await interaction.editReply({
      content:
        posted > 0
          ? `Posted ${posted} images in <#${thread.id}>. Everyone can vote; **Review next** on the board walks you through the ones you have not seen.`
          : `Every image is already in <#${thread.id}>.`,
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};

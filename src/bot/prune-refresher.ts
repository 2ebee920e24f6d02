import { Routes, type Client } from 'discord.js';
import { NO_MENTIONS } from '../notify/discord-rest.ts';
import { countBoard, countCrops } from '../core/pruning/progress.ts';
import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import { galleryMessageById, galleryMessagesFor, loadImageStates } from '../db/repositories/pruning.ts';
import { cropsOfProject } from '../db/repositories/crops.ts';
import type { Logger } from '../log.ts';
import { createChannelEdits, type ChannelEditOptions, type EditTarget } from '../notify/channel-edits.ts';
import { followEditRateLimits } from '../notify/edit-rate-headers.ts';
import { boardMessage } from '../views/prune-board.ts';
import { galleryMessage } from '../views/prune-gallery.ts';

/**
 * Live tallies: a vote marks its gallery message (and the board) changed; the thread's edit budget then
 * goes to the messages people are clicking on, each rendered from Postgres just before it is sent.
 */
export interface PruneRefresher {
  imageChanged(candidateId: number, projectId: number): Promise<void>;
  projectChanged(projectId: number): void;
  flush(): Promise<void>;
}

type EditBody = ReturnType<typeof galleryMessage> | ReturnType<typeof boardMessage>;

export function createPruneRefresher(options: {
  db: Db;
  client: Client;
  log: Logger;
  /** Pacing of the thread's edits (tests shorten it); defaults suit Discord's limits. */
  pacing?: Pick<ChannelEditOptions<EditBody>, 'budget' | 'settleMs' | 'maxWaitMs'>;
}): PruneRefresher {
  const { db, client, log } = options;
  const edits = createChannelEdits<EditBody>({
    ...options.pacing,
    async send(target, body) {
      await client.rest.patch(Routes.channelMessage(target.channelId, target.messageId), {
        body: { ...body, allowed_mentions: NO_MENTIONS },
      });
    },
    onError: (error, target) => log.warn({ err: error, ...target }, 'could not refresh a tally message'),
  });
  followEditRateLimits(client.rest, edits);

  // Which messages show an image never changes once posted, so it is looked up once per process.
  const messagesOfImage = new Map<number, EditTarget[]>();

  const renderGallery = async (messageId: string) => {
    const message = await galleryMessageById(db, messageId);
    if (!message) return null;
    const project = await getProject(db, message.projectId);
    if (!project) return null;
    const states = await loadImageStates(db, project, message.candidateIds);
    return galleryMessage(states, project.datasetFrozenAt !== null);
  };

  const renderBoard = async (projectId: number) => {
    const project = await getProject(db, projectId);
    if (!project?.boardMessageId || !project.threadId) return null;
    const [states, crops] = await Promise.all([loadImageStates(db, project), cropsOfProject(db, projectId)]);
    const cropCounts = countCrops(crops.map(({ crop }) => crop));
    return boardMessage(project, countBoard(states.map((state) => state.verdict)), cropCounts);
  };

  // The board is posted once per project, so where it is is looked up once per process too.
  const boards = new Map<number, EditTarget>();
  const boardChanged = async (projectId: number) => {
    let board = boards.get(projectId);
    if (!board) {
      const project = await getProject(db, projectId);
      if (!project?.boardMessageId || !project.threadId) return;
      board = { channelId: project.threadId, messageId: project.boardMessageId };
      boards.set(projectId, board);
    }
    edits.changed(board, () => renderBoard(projectId), 'summary');
  };

  return {
    async imageChanged(candidateId, projectId) {
      let targets = messagesOfImage.get(candidateId);
      if (!targets || targets.length === 0) {
        targets = (await galleryMessagesFor(db, candidateId)).map(({ channelId, messageId }) => ({
          channelId,
          messageId,
        }));
        messagesOfImage.set(candidateId, targets);
      }
      for (const target of targets) edits.changed(target, () => renderGallery(target.messageId));
      await boardChanged(projectId);
    },
    projectChanged(projectId) {
      boardChanged(projectId).catch((error: unknown) =>
        log.warn({ err: error, projectId }, 'could not refresh the pruning board'),
      );
    },
    flush: () => edits.flush(),
  };
}

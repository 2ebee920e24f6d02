import { Routes, type Client } from 'discord.js';
import { countBoard } from '../core/pruning/progress.ts';
import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import {
  cropsOfProject,
  galleryMessageById,
  galleryMessagesFor,
  loadImageStates,
} from '../db/repositories/pruning.ts';
import type { Logger } from '../log.ts';
import { createCoalescer, type Coalescer } from './coalescer.ts';
import { boardMessage } from '../views/prune-board.ts';
import { galleryMessage } from '../views/prune-gallery.ts';

/** Live tallies: votes mark messages dirty; each message is re-rendered from Postgres every ~2 s at most. */
export interface PruneRefresher {
  imageChanged(candidateId: number, projectId: number): Promise<void>;
  projectChanged(projectId: number): void;
  flush(): Promise<void>;
}

export const TALLY_EDIT_INTERVAL_MS = 2000;

export function createPruneRefresher(options: {
  db: Db;
  client: Client;
  log: Logger;
  intervalMs?: number;
}): PruneRefresher {
  const { db, client, log } = options;
  const interval = options.intervalMs ?? TALLY_EDIT_INTERVAL_MS;

  const messagesOfImage = new Map<number, string[]>();

  const galleries: Coalescer<string> = createCoalescer(
    interval,
    async (messageId) => {
      const message = await galleryMessageById(db, messageId);
      if (!message) return;
      const project = await getProject(db, message.projectId);
      if (!project) return;
      const states = await loadImageStates(db, project, message.candidateIds);
      await client.rest.patch(Routes.channelMessage(message.channelId, message.messageId), {
        body: galleryMessage(states, project.datasetFrozenAt !== null),
      });
    },
    (error, messageId) => log.warn({ err: error, messageId }, 'could not refresh a gallery message'),
  );

  const boards: Coalescer<number> = createCoalescer(
    interval,
    async (projectId) => {
      const project = await getProject(db, projectId);
      if (!project?.boardMessageId || !project.threadId) return;
      const [states, crops] = await Promise.all([
        loadImageStates(db, project),
        cropsOfProject(db, projectId),
      ]);
      const pending = crops.filter(({ crop }) => !crop.confirmed).length;
      await client.rest.patch(Routes.channelMessage(project.threadId, project.boardMessageId), {
        body: boardMessage(project, countBoard(states.map((state) => state.verdict)), pending),
      });
    },
    (error, projectId) => log.warn({ err: error, projectId }, 'could not refresh the pruning board'),
  );

  return {
    async imageChanged(candidateId, projectId) {
      // Which messages show an image never changes once posted, so it is looked up once per process.
      let messageIds = messagesOfImage.get(candidateId);
      if (!messageIds || messageIds.length === 0) {
        messageIds = (await galleryMessagesFor(db, candidateId)).map((message) => message.messageId);
        messagesOfImage.set(candidateId, messageIds);
      }
      for (const messageId of messageIds) galleries.mark(messageId);
      boards.mark(projectId);
    },
    projectChanged(projectId) {
      boards.mark(projectId);
    },
    async flush() {
      await Promise.all([galleries.flush(), boards.flush()]);
    },
  };
}

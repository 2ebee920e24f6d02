import type { Client } from 'discord.js';
import type { CropBox } from '../core/pruning/crops.ts';
import type { Db } from '../db/client.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { EDITOR_PREFIX } from '../delivery/editor-links.ts';
import type { LinkServer } from '../delivery/link-server.ts';
import type { Logger } from '../log.ts';
import { createEditorHandler } from '../web/editor-server.ts';
import { savedCropMessage } from './crop-preview.ts';
import type { PruneRefresher } from './prune-refresher.ts';

/** Where the web editor is served: the download server's port, its secret, and the public address. */
export interface WebEditorMount {
  server: Pick<LinkServer, 'mount'>;
  secret: string;
  publicUrl: string;
}

/**
 * Serves the web editor beside the download server, with the bot's client: a crop saved in the browser does
 * what the Discord Save does (board refreshed), and the thread hears of it as the saver would have.
 */
export function mountWebEditor(
  mount: WebEditorMount,
  deps: { db: Db; client: Client; dataDir: string; log: Logger; pruneRefresher: PruneRefresher },
): void {
  const log = deps.log.child({ component: 'web-editor' });
  mount.server.mount(
    EDITOR_PREFIX,
    createEditorHandler({
      db: deps.db,
      client: deps.client,
      dataDir: deps.dataDir,
      secret: mount.secret,
      publicOrigin: new URL(mount.publicUrl).origin,
      log,
      async onCropSaved(project: ProjectRow, crop: { kind: string }, box: CropBox) {
        deps.pruneRefresher.projectChanged(project.id);
        if (project.threadId === null) return;
        try {
          const thread = await deps.client.channels.fetch(project.threadId);
          if (thread?.isSendable()) {
            await thread.send({ ...savedCropMessage(crop.kind, box), allowedMentions: { parse: [] } });
          }
        } catch (error) {
          // The save stands; a thread that is gone or locked only misses the note.
          log.warn({ err: error, projectId: project.id }, 'could not tell the thread about a web crop');
        }
      },
    }),
  );
}

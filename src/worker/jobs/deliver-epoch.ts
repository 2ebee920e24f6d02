import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { isUserError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { deliveredEpoch, listEpochs, unmarkEpochDelivered } from '../../db/repositories/epochs.ts';
import { getProject } from '../../db/repositories/projects.ts';
import { getTrainingRun } from '../../db/repositories/training.ts';
import type { LinkSigner } from '../../delivery/links.ts';
import type { Logger } from '../../log.ts';
import type { DiscordPoster } from '../../notify/discord-rest.ts';
import { epochDeliveryMessage } from '../../training/epoch-delivery.ts';
import { currentEpochVoteCard } from '../../training/epoch-vote-card.ts';
import { hidePaths } from '../../training/public-text.ts';
import type { JobHandler } from '../runtime.ts';

/**
 * Delivering the epoch the owner picked, on the GPU worker that keeps the epoch files: hash, info.txt, the file
 * attached or linked, posted into the vote card's channel; then the card is redrawn closed. The bot marked the
 * epoch delivered before queueing (two clicks cannot both deliver); on failure the mark is undone and the reason
 * posted, so the vote is open again and the owner can deliver once more.
 */

export interface DeliverEpochJobDeps {
  db: Db;
  poster: DiscordPoster;
  log: Logger;
  /** DATA_DIR: the run's files lie under `models/lora/<run id>`. */
  dataDir: string;
  links: LinkSigner | null;
}

export function createDeliverEpochHandler(deps: DeliverEpochJobDeps): JobHandler<'deliverEpoch'> {
  return async (data, { log }) => {
    const { db } = deps;
    const run = await getTrainingRun(db, data.runId);
    const project = run ? await getProject(db, run.projectId) : null;
    const marked = await deliveredEpoch(db, data.runId);
    // A retry after this job already failed (and unmarked), or the run is gone: nothing to deliver.
    if (!run || !project || marked?.epoch !== data.epoch) {
      log.warn({ runId: data.runId, epoch: data.epoch }, 'epoch delivery no longer wanted');
      return { delivered: false };
    }
    try {
      const message = await epochDeliveryMessage({
        db,
        run,
        project,
        row: marked,
        deliveredByName: data.deliveredByName,
        filesDir: join(deps.dataDir, 'models'),
        uploadLimit: data.uploadLimitBytes,
        links: deps.links,
      });
      await deps.poster.post(data.channelId, message);
    } catch (error) {
      await unmarkEpochDelivered(db, run.id, data.epoch);
      const reason = isUserError(error)
        ? hidePaths(error.message)
        : `Kiln hit an internal error (${hidePaths(error instanceof Error ? error.message : String(error))}); it has been logged as run #${run.id}.`;
      log.error({ err: error, runId: run.id, epoch: data.epoch }, 'epoch delivery failed');
      await deps.poster
        .post(data.channelId, {
          body: {
            content: `⚠️ Epoch ${data.epoch} of **${project.characterName}** on **${run.baseModelName}** could not be delivered: ${reason}\nThe vote is open again.`,
            allowed_mentions: { parse: [] },
          },
        })
        .catch((postError: unknown) => log.warn({ err: postError }, 'could not post the delivery failure'));
      throw new UnrecoverableError(`epoch delivery failed: ${reason}`);
    }
    log.info({ runId: run.id, epoch: data.epoch }, 'epoch delivered');
    await deps.poster
      .edit(data.channelId, data.cardMessageId, {
        body: (await currentEpochVoteCard(
          db,
          run,
          project,
          await listEpochs(db, run.id),
        )) as unknown as RESTPostAPIChannelMessageJSONBody,
      })
      .catch((error: unknown) => log.warn({ err: error }, 'could not close the epoch vote card'));
    return { delivered: true };
  };
}

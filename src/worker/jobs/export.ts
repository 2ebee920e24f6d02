import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { isUserError } from '../../core/errors.ts';
import type { BaseModel } from '../../core/training/plan.ts';
import type { Db } from '../../db/client.ts';
import { getProject } from '../../db/repositories/projects.ts';
import { exportMessage } from '../../delivery/export-message.ts';
import type { LinkSigner } from '../../delivery/links.ts';
import type { Logger } from '../../log.ts';
import type { DiscordPoster } from '../../notify/discord-rest.ts';
import type { JobData } from '../../queue/contracts.ts';
import { buildDatasetExport, PLACEHOLDER_MODEL } from '../../training/dataset-export.ts';
import { hidePaths } from '../../training/public-text.ts';
import { processStore } from '../../storage/process-store.ts';
import type { JobHandler } from '../runtime.ts';

/**
 * `/lora export` on the worker: builds the finalized dataset's kohya folder zip and posts it into the channel
 * the command came from (attached, or linked when over the upload limit); a failure is posted there too, with
 * the reason and no server path, and is not retried (the owner runs the command again).
 */

export interface ExportJobDeps {
  db: Db;
  poster: DiscordPoster;
  log: Logger;
  /** DATA_DIR: the image cache the zip is built from. */
  dataDir: string;
  /** DATA_DIR/models: where linked zips are copied for the bot's download server. */
  filesDir: string;
  /** Signs download links for zips over the upload limit; null without PUBLIC_URL and LINK_SECRET. */
  links: LinkSigner | null;
}

/** The contract's base model without the keys zod left undefined (BaseModel's optional keys are exact). */
function baseModelOf(model: JobData<'export'>['baseModel']): BaseModel {
  if (!model) return PLACEHOLDER_MODEL;
  return Object.fromEntries(
    Object.entries(model).filter(([, value]) => value !== undefined),
  ) as unknown as BaseModel;
}

export function createExportHandler(deps: ExportJobDeps): JobHandler<'export'> {
  return async (data, { log }) => {
    const project = await getProject(deps.db, data.projectId);
    if (!project) {
      log.warn({ projectId: data.projectId }, 'export of a project that no longer exists');
      return { exported: false };
    }
    const work = await mkdtemp(join(tmpdir(), 'kiln-export-'));
    try {
      const zip = await buildDatasetExport({
        db: deps.db,
        dataDir: deps.dataDir,
        project,
        baseModel: baseModelOf(data.baseModel),
        preset: data.preset,
        gpuMemoryGb: data.gpuMemoryGb ?? undefined,
        workDir: work,
      });
      const { message, sharedDir } = await exportMessage({
        zip,
        projectId: project.id,
        uploadLimit: data.uploadLimitBytes,
        links: deps.links,
        filesDir: deps.filesDir,
        store: processStore(),
      });
      try {
        await deps.poster.post(data.channelId, message);
      } catch (error) {
        if (sharedDir) await rm(sharedDir, { recursive: true, force: true });
        throw error;
      }
      log.info({ projectId: project.id, bytes: zip.bytes, linked: sharedDir !== null }, 'export posted');
      return { exported: true, bytes: zip.bytes };
    } catch (error) {
      const reason = isUserError(error)
        ? hidePaths(error.message)
        : `Kiln hit an internal error (${hidePaths(error instanceof Error ? error.message : String(error))}); it has been logged.`;
      log.error({ err: error, projectId: project.id }, 'export failed');
      await deps.poster
        .post(data.channelId, {
          body: {
            content: `⚠️ The export of **${project.characterName}** failed: ${reason} Run \`/lora export\` again once it is fixed.`,
            allowed_mentions: { parse: [] },
          },
        })
        .catch((postError: unknown) => log.warn({ err: postError }, 'could not post the export failure'));
      throw new UnrecoverableError(`export failed: ${reason}`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}

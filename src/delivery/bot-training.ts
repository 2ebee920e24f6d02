import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BotTrainingOptions } from '../bot/context.ts';
import type { ConfigFor } from '../config/env.ts';
import type { Logger } from '../log.ts';
import { UserError } from '../core/errors.ts';
import { loadConfiguredBaseModels } from '../trainer/base-models.ts';
import { startLinkServer, type LinkServer } from './link-server.ts';
import { createEditorLinkSigner } from './editor-links.ts';
import { createLinkSigner } from './links.ts';

/**
 * What the bot process needs for `/lora train` and `/lora export`: the base-model list (names and families for
 * plan cards), the GPU memory for batch sizes, and, when PUBLIC_URL and LINK_SECRET are set, the download server
 * for files too big to upload, with the signer for its links.
 */
export async function openBotTraining(
  config: ConfigFor<'runtime' | 'trainer'>,
  log: Logger,
): Promise<{ options: BotTrainingOptions; server: LinkServer | null; close(): Promise<void> }> {
  const baseModels = config.BASE_MODELS_FILE ? await loadConfiguredBaseModels(config.BASE_MODELS_FILE) : [];
  if (baseModels.length === 0)
    log.warn('BASE_MODELS_FILE is not set: /lora train has no base models to offer');
  const filesDir = resolve(join(config.DATA_DIR, 'models'));
  let server: LinkServer | null = null;
  let links = null;
  let editorLinks = null;
  if (config.PUBLIC_URL && config.LINK_SECRET) {
    await mkdir(filesDir, { recursive: true });
    links = createLinkSigner({
      publicUrl: config.PUBLIC_URL,
      secret: config.LINK_SECRET,
      ttlSeconds: Math.round(config.LINK_TTL_HOURS * 3600),
    });
    editorLinks = createEditorLinkSigner({ publicUrl: config.PUBLIC_URL, secret: config.LINK_SECRET });
    try {
      server = await startLinkServer({
        root: filesDir,
        secret: config.LINK_SECRET,
        port: config.LINK_PORT,
        host: config.LINK_HOST,
        basePath: new URL(config.PUBLIC_URL).pathname,
        log: log.child({ component: 'links' }),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
      throw new UserError(
        'service-unavailable',
        code === 'EADDRINUSE'
          ? `LINK_PORT ${config.LINK_PORT} is in use on ${config.LINK_HOST}: another program listens there. Stop it, or set LINK_PORT to a free port.`
          : `The download server cannot listen on ${config.LINK_HOST}:${config.LINK_PORT} (${code}). Set LINK_HOST and LINK_PORT to an address this machine may use.`,
      );
    }
    log.info({ listen: server.url, publicUrl: config.PUBLIC_URL }, 'download server ready');
  } else {
    log.warn('PUBLIC_URL or LINK_SECRET is not set: models over the upload limit cannot be linked');
  }
  return {
    options: {
      baseModels,
      gpuMemoryGb: config.GPU_MEMORY_GB,
      epochSamples: config.TRAIN_EPOCH_SAMPLES !== 'off',
      links,
      editorLinks,
      filesDir,
      linkTtlSeconds: Math.round(config.LINK_TTL_HOURS * 3600),
    },
    server,
    close: async () => {
      await server?.close();
    },
  };
}

import { DiscordjsError, DiscordjsErrorCodes, Events, type Client } from 'discord.js';
import { UserError } from '../core/errors.ts';
import { isServiceOutage } from './boundary.ts';
import type { Db } from '../db/client.ts';
import type { E621Client } from '../e621/client.ts';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { JobProducer } from '../queue/producer.ts';
import { createDiscordClient } from './client.ts';
import type { BotContext, BotTrainingOptions } from './context.ts';
import { mountWebEditor, type WebEditorMount } from './web-editor.ts';
import { createPruneRefresher } from './prune-refresher.ts';
import { routeInteraction } from './router.ts';

export interface BotOptions {
  token: string;
  apiUrl?: string | undefined;
  db: Db;
  jobs: JobProducer;
  log: Logger;
  dataDir: string;
  /** e621 client for autocomplete and previews; absent or null without E621_USER. */
  e621?: E621Client | null | undefined;
  /** Base models, GPU memory and download links for training and export (none configured by default). */
  training?: Partial<BotTrainingOptions>;
  /** Serves the web editor beside the download server (needs PUBLIC_URL and LINK_SECRET); none by default. */
  webEditor?: WebEditorMount | null | undefined;
}

export interface RunningBot {
  client: Client;
  stop(): Promise<void>;
}

/** Logs the bot in and routes every interaction; resolves once the gateway is ready. */
export async function startBot(options: BotOptions): Promise<RunningBot> {
  const client = createDiscordClient({ apiUrl: options.apiUrl });
  const log = options.log.child({ process: 'bot' });
  const pruneRefresher = createPruneRefresher({ db: options.db, client, log });
  const context: BotContext = {
    db: options.db,
    jobs: options.jobs,
    log,
    client,
    pruneRefresher,
    dataDir: options.dataDir,
    e621: options.e621 ?? null,
    training: {
      baseModels: options.training?.baseModels ?? [],
      gpuMemoryGb: options.training?.gpuMemoryGb,
      links: options.training?.links ?? null,
      editorLinks: options.training?.editorLinks ?? null,
      filesDir: options.training?.filesDir ?? join(options.dataDir, 'models'),
    },
  };
  if (options.webEditor) {
    mountWebEditor(options.webEditor, {
      db: options.db,
      client,
      dataDir: options.dataDir,
      log,
      pruneRefresher,
    });
  }
  const pending = new Set<Promise<void>>();

  client.on(Events.InteractionCreate, (interaction) => {
    const task = routeInteraction(interaction, context).finally(() => pending.delete(task));
    pending.add(task);
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
  client.rest.on('rateLimited', (info) =>
    log.warn({ route: info.route, retryAfter: info.retryAfter }, 'rate limited'),
  );

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(options.token);
  } catch (error) {
    await client.destroy();
    throw loginProblem(error, options.apiUrl);
  }
  await ready;
  log.info({ user: client.user?.tag }, 'bot ready');

  return {
    client,
    async stop() {
      // Let interactions in flight finish their replies before the connection goes.
      await Promise.allSettled([...pending]);
      await pruneRefresher.flush();
      await client.destroy();
    },
  };
}

/** Why the bot could not log in, in one line the operator can act on (never the token itself). */
function loginProblem(error: unknown, apiUrl: string | undefined): unknown {
  const where = apiUrl ?? 'Discord';
  if (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid) {
    return new UserError('service-unavailable', `${where} refused the bot token: check DISCORD_TOKEN.`);
  }
  if (
    isServiceOutage(error) ||
    (error instanceof Error &&
      /fetch failed|ENOTFOUND|EAI_AGAIN/.test(`${error.message} ${String(error.cause)}`))
  ) {
    return new UserError(
      'service-unavailable',
      `Could not reach ${where} to log in (${(error as Error).message}). Check the network${apiUrl ? ' and DISCORD_API_URL' : ''}.`,
    );
  }
  return error;
}

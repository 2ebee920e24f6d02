import type { Command } from 'commander';
import { ConfigError, readConfig, type SectionName, processEnvironment } from '../../config/env.ts';
import { startBot, type RunningBot } from '../../bot/bot.ts';
import { startHeartbeat } from '../../app/health.ts';
import { onShutdown, openServices } from '../../app/services.ts';
import { openBotTraining } from '../../delivery/bot-training.ts';
import type { LinkServer } from '../../delivery/link-server.ts';
import type { WebEditorMount } from '../../bot/web-editor.ts';
import type { E621Client } from '../../e621/client.ts';
import { createProcessE621Client } from '../../e621/process-client.ts';
import { createDiscordPoster } from '../../notify/discord-rest.ts';
import { readWorkerConfig } from '../../worker/config.ts';
import { createJobHandlers, recoverWorkerState, workerConfigProblems } from '../../worker/handlers.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../worker/runtime.ts';
import { trainRoleRefusal } from '../../worker/train-readiness.ts';
import { UserError } from '../../core/errors.ts';
import type { WorkerRole } from '../../queue/contracts.ts';
import { openStore } from '../../storage/open-store.ts';
import { useProcessStore } from '../../storage/process-store.ts';
import { StorageError } from '../../storage/storage-error.ts';

type Part = 'bot' | 'worker';

/** Every configuration problem of this process in one error, before anything is connected. */
function validateConfig(parts: readonly Part[]): void {
  const wantsBot = parts.includes('bot');
  const wantsWorker = parts.includes('worker');
  const sections: SectionName[] = ['database', 'redis', 'runtime', 'storage', 'e621', 'trainer'];
  if (wantsBot) sections.push('discord');
  // A worker posts progress with the bot token; with the bot in the same process `discord` covers it.
  if (wantsWorker) sections.push('worker', ...(wantsBot ? [] : (['notify'] as const)));
  const problems: string[] = [];
  try {
    readConfig(sections);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (wantsWorker) problems.push(...workerConfigProblems(processEnvironment()));
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
}

/** Starts the bot, the worker, or both in one process (the small set-up). */
async function runProcesses(parts: readonly Part[]): Promise<void> {
  const wantsBot = parts.includes('bot');
  const wantsWorker = parts.includes('worker');
  validateConfig(parts);
  // The train role only on a box that can train (kiln doctor); the other roles start regardless.
  let roles: WorkerRole[] = wantsWorker ? [...readConfig(['worker']).WORKER_ROLES] : [];
  const refusal = roles.includes('train') ? await trainRoleRefusal(processEnvironment()) : null;
  if (refusal !== null) {
    roles = roles.filter((role) => role !== 'train');
    if (roles.length === 0) throw new UserError('service-unavailable', refusal);
  }
  // Every kept file goes through the store: one clear line when it does not answer, before anything starts.
  const store = openStore(readConfig(['storage', 'runtime']));
  try {
    await store.check();
  } catch (error) {
    if (error instanceof StorageError) throw new UserError('service-unavailable', error.message);
    throw error;
  }
  useProcessStore(store);
  const services = await openServices(readConfig(['database', 'redis', 'runtime']));
  const e621Config = readConfig(['e621']);
  // One client for the bot and the worker of this process (one autocomplete cache); its pacing is shared
  // through Redis with every other Kiln process of the same E621_USER.
  const e621: E621Client | null = createProcessE621Client(
    e621Config,
    services.redis,
    services.log.child({ component: 'e621' }),
  );
  let worker: WorkerRuntime | null = null;
  let bot: RunningBot | null = null;
  let training: Awaited<ReturnType<typeof openBotTraining>> | null = null;
  try {
    if (wantsWorker) {
      const discord = readConfig([wantsBot ? 'discord' : 'notify']);
      const workerDeps = {
        database: services.database,
        log: services.log,
        config: readWorkerConfig(roles, processEnvironment()),
        roles,
        discord: createDiscordPoster({ token: discord.DISCORD_TOKEN, apiUrl: discord.DISCORD_API_URL }),
        e621: e621 ?? undefined,
      };
      await recoverWorkerState(workerDeps);
      worker = startWorkerRuntime({
        roles,
        handlers: createJobHandlers(workerDeps),
        connection: services.redis,
        log: services.log.child({ process: 'worker' }),
      });
      if (refusal !== null) services.log.error({ roles }, refusal);
      services.log.info({ roles }, 'worker ready');
    }
    if (wantsBot) {
      const discord = readConfig(['discord']);
      if (e621 === null) {
        services.log.warn('E621_USER is not set: tag autocomplete, tag checks and /lora preview are off');
      }
      training = await openBotTraining(readConfig(['runtime', 'trainer']), services.log);
      bot = await startBot({
        token: discord.DISCORD_TOKEN,
        apiUrl: discord.DISCORD_API_URL,
        db: services.database.db,
        jobs: services.jobs,
        log: services.log,
        dataDir: readConfig(['runtime']).DATA_DIR,
        e621,
        training: training.options,
        webEditor: webEditorMount(training.server),
      });
    }
  } catch (error) {
    await training?.close();
    await worker?.close();
    await services.close();
    throw error;
  }
  const stopHeartbeat = startHeartbeat(parts.join('+'), {
    postgres: async () => void (await services.database.pool.query('select 1')),
    redis: async () => void (await services.redis.ping()),
    ...(bot ? { discord: () => Promise.resolve().then(() => assertDiscordReady(bot)) } : {}),
  });
  onShutdown(services.log, async () => {
    stopHeartbeat();
    await bot?.stop();
    await training?.close();
    await worker?.close();
    await services.close();
  });
}

/** The web editor rides on the download server: same port, `/edit/`, same secret. */
function webEditorMount(server: LinkServer | null): WebEditorMount | null {
  const runtime = readConfig(['trainer']);
  if (!server || !runtime.PUBLIC_URL || !runtime.LINK_SECRET) return null;
  return { server, secret: runtime.LINK_SECRET, publicUrl: runtime.PUBLIC_URL };
}

function assertDiscordReady(bot: RunningBot): void {
  if (!bot.client.isReady()) throw new Error('not connected to the Discord gateway');
}

export function registerProcesses(program: Command): void {
  program
    .command('start')
    .description('Start the bot and a worker in one process (a small set-up on one machine).')
    .action(() => runProcesses(['bot', 'worker']));
  program
    .command('bot')
    .description('Start the Discord bot.')
    .action(() => runProcesses(['bot']));
  program
    .command('worker')
    .description('Start a worker for the roles in WORKER_ROLES (fetch, autotag, train).')
    .action(() => runProcesses(['worker']));
}

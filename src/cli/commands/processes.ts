import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { startBot, type RunningBot } from '../../bot/bot.ts';
import { onShutdown, openServices } from '../../app/services.ts';
import { createJobHandlers } from '../../worker/handlers.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../worker/runtime.ts';

type Part = 'bot' | 'worker';

/** Starts the bot, the worker, or both in one process (the small set-up). */
async function runProcesses(parts: readonly Part[]): Promise<void> {
  const wantsBot = parts.includes('bot');
  const wantsWorker = parts.includes('worker');
  // Validate everything this process needs before connecting to anything.
  const sections = [
    'database',
    'redis',
    'runtime',
    ...(wantsBot ? (['discord'] as const) : []),
    ...(wantsWorker ? (['worker'] as const) : []),
  ] as const;
  readConfig(sections);
  const services = await openServices(readConfig(['database', 'redis', 'runtime']));
  let worker: WorkerRuntime | null = null;
  let bot: RunningBot | null = null;
  try {
    if (wantsWorker) {
      const roles = readConfig(['worker']).WORKER_ROLES;
      worker = startWorkerRuntime({
        roles,
        handlers: createJobHandlers({ database: services.database, log: services.log, env: process.env }),
        connection: services.redis,
        log: services.log.child({ process: 'worker' }),
      });
      services.log.info({ roles }, 'worker ready');
    }
    if (wantsBot) {
      const discord = readConfig(['discord']);
      bot = await startBot({
        token: discord.DISCORD_TOKEN,
        apiUrl: discord.DISCORD_API_URL,
        db: services.database.db,
        jobs: services.jobs,
        log: services.log,
        dataDir: readConfig(['runtime']).DATA_DIR,
      });
    }
  } catch (error) {
    await worker?.close();
    await services.close();
    throw error;
  }
  onShutdown(services.log, async () => {
    await bot?.stop();
    await worker?.close();
    await services.close();
  });
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

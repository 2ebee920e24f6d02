import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDiscordPoster } from '../../src/notify/discord-rest.ts';
import { openRedis } from '../../src/queue/connection.ts';
import { createTaggerPool, type TaggerPool } from '../../src/tagger/pool.ts';
import { readWorkerConfig } from '../../src/worker/config.ts';
import { createJobHandlers } from '../../src/worker/handlers.ts';
import { startWorkerRuntime } from '../../src/worker/runtime.ts';
import { generateTinyTagger } from '../fakes/tagger/index.ts';
import type { BotHarness } from './bot-harness.ts';
import { TEST_REDIS_URL } from './redis.ts';

export interface AutotagWorker {
  modelsDir: string;
  taggers: TaggerPool;
  close(): Promise<void>;
}

/** A worker serving the autotag role beside a bot harness, with the tiny generated WD and e621 taggers. */
export async function startAutotagWorker(h: BotHarness): Promise<AutotagWorker> {
  const modelsDir = await mkdtemp(join(tmpdir(), 'kiln-autotag-models-'));
  await generateTinyTagger({ kind: 'wd', dir: join(modelsDir, 'wd') });
  await generateTinyTagger({ kind: 'e621', dir: join(modelsDir, 'e621') });
  const log = h.log.child({ process: 'worker' });
  const taggers = createTaggerPool({ modelsDir, log, providers: ['cpu'] });
  const connection = openRedis(TEST_REDIS_URL);
  const worker = startWorkerRuntime({
    roles: ['autotag'],
    handlers: createJobHandlers({
      database: h.database,
      log,
      config: readWorkerConfig(['autotag'], { DATA_DIR: h.dataDir, MODELS_DIR: modelsDir }),
      roles: ['autotag'],
      discord: createDiscordPoster({ token: h.discord.token, apiUrl: h.discord.apiUrl }),
      statusIntervalMs: 100,
      taggers,
    }),
    connection,
    prefix: h.prefix,
    log,
  });
  return {
    modelsDir,
    taggers,
    async close() {
      await worker.close();
      connection.disconnect();
      await taggers.close();
      await rm(modelsDir, { recursive: true, force: true });
    },
  };
}

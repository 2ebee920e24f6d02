import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { startBot, type RunningBot } from '../../src/bot/bot.ts';
import type { BotTrainingOptions } from '../../src/bot/context.ts';
import { createEditorLinkSigner } from '../../src/delivery/editor-links.ts';
import { startLinkServer, type LinkServer } from '../../src/delivery/link-server.ts';
import { deployCommands } from '../../src/bot/deploy.ts';
import type { E621Client } from '../../src/e621/client.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { openProducerRedis, openRedis } from '../../src/queue/connection.ts';
import { createProducer, type JobProducer } from '../../src/queue/producer.ts';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../fakes/discord/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { freshQueuePrefix, TEST_REDIS_URL } from './redis.ts';

/** Log lines the bot wrote, parsed, so tests can assert on them (and that secrets never appear). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      // KILN_TEST_LOGS=1 shows the bot's log while debugging a test.
      if (process.env.KILN_TEST_LOGS) process.stderr.write(chunk);
      done();
    },
  });
  text(): string {
    return this.lines.join('\n');
  }
}

export interface BotHarness {
  discord: FakeDiscord;
  database: TestDatabase;
  redis: Redis;
  jobs: JobProducer;
  prefix: string;
  logs: LogCapture;
  log: Logger;
  /** The data folder the bot reads images from (the fetch worker writes it). */
  dataDir: string;
  bot: RunningBot;
  /** The link server carrying the web editor (with `webEditorSecret`), else null. */
  linkServer: LinkServer | null;
  /** A new client and fresh process state, as after a redeploy; Postgres and Redis stay. */
  restartBot(): Promise<void>;
  close(): Promise<void>;
}

/** What the bot may use besides the Discord stand-in. */
export interface BotHarnessExtras {
  /** An e621 client (e.g. on the fake e621) for autocomplete, tag checks and previews; none by default. */
  e621?: E621Client;
  /** Base models, GPU memory and download links for /lora train and /lora export; none by default. */
  training?: Partial<BotTrainingOptions>;
  /** Where the bot's job producer finds Redis (e.g. a proxy a test can cut); the test Redis by default. */
  producerRedisUrl?: string;
  /** Serve the web editor on a link server of its own (port 0), links signed with this secret. */
  webEditorSecret?: string;
}

/** The real bot, logged into the Discord stand-in, on a database and queue prefix of its own. */
export async function startBotHarness(
  options: FakeDiscordOptions = {},
  extras: BotHarnessExtras = {},
): Promise<BotHarness> {
  const token = `test-token-${randomBytes(8).toString('hex')}`;
  const discord = await startFakeDiscord({ token, ...options });
  await deployCommands({
    token,
    applicationId: discord.applicationId,
    guildId: discord.guildId,
    apiUrl: discord.apiUrl,
  });
  const database = await createTestDatabase();
  const redis = openRedis(TEST_REDIS_URL);
  const prefix = freshQueuePrefix();
  // The producer connects the way the real bot's does (no offline queue, bounded commands).
  const producerRedis = openProducerRedis(extras.producerRedisUrl ?? TEST_REDIS_URL);
  producerRedis.on('error', () => undefined);
  const jobs = createProducer(producerRedis, prefix);
  const logs = new LogCapture();
  const log = createLogger('debug', logs.stream);
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-bot-data-'));
  const secret = extras.webEditorSecret;
  const linkServer = secret
    ? await startLinkServer({ root: dataDir, secret, port: 0, host: '127.0.0.1' })
    : null;
  const webEditor = linkServer && secret ? { server: linkServer, secret, publicUrl: linkServer.url } : null;
  const training: Partial<BotTrainingOptions> | undefined =
    linkServer && secret
      ? {
          ...extras.training,
          editorLinks: createEditorLinkSigner({ publicUrl: linkServer.url, secret }),
        }
      : extras.training;
  const launch = () =>
    startBot({
      token,
      apiUrl: discord.apiUrl,
      db: database.db,
      jobs,
      log,
      dataDir,
      e621: extras.e621 ?? null,
      ...(training ? { training } : {}),
      webEditor,
    });
  const harness: BotHarness = {
    discord,
    database,
    redis,
    jobs,
    prefix,
    logs,
    log,
    dataDir,
    bot: await launch(),
    linkServer,
    async restartBot() {
      await harness.bot.stop();
      harness.bot = await launch();
    },
    async close() {
      await harness.bot.stop();
      await linkServer?.close();
      await jobs.close();
      producerRedis.disconnect();
      redis.disconnect();
      await discord.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

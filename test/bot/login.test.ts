import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot/bot.ts';
import { createLogger } from '../../src/log.ts';
import type { JobProducer } from '../../src/queue/producer.ts';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('bot login', () => {
  let discord: FakeDiscord;
  let database: TestDatabase;
  const jobs = {} as JobProducer;
  const log = createLogger('silent');
  beforeAll(async () => {
    discord = await startFakeDiscord({ token: 'the-right-token' });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await discord.close();
    await database.drop();
  });

  it('names a refused token in one clear line, without the token', async () => {
    const attempt = startBot({
      token: 'a-wrong-token',
      apiUrl: discord.apiUrl,
      db: database.db,
      jobs,
      log,
      dataDir: '.',
    });
    await expect(attempt).rejects.toThrow(`${discord.apiUrl} refused the bot token: check DISCORD_TOKEN.`);
    await expect(attempt).rejects.not.toThrow(/a-wrong-token/);
  });

  it('says Discord could not be reached when nothing answers', async () => {
    const attempt = startBot({
      token: 'x',
      apiUrl: 'http://127.0.0.1:9/api',
      db: database.db,
      jobs,
      log,
      dataDir: '.',
    });
    await expect(attempt).rejects.toThrow(/Could not reach http:\/\/127\.0\.0\.1:9\/api to log in/);
  });
});

import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordPoster } from '../../src/notify/discord-rest.ts';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.ts';

describe('posting files over REST', () => {
  let discord: FakeDiscord;

  beforeAll(async () => {
    // What happens in a worker whose tagger or e621 modules load before discord.js: the project's own undici
    // becomes the process-wide dispatcher.
    setGlobalDispatcher(new Agent());
    discord = await startFakeDiscord();
  });

  afterAll(async () => {
    await discord?.close();
  });

  it('uploads attachments whichever undici owns the process-wide dispatcher', async () => {
    const poster = createDiscordPoster({ token: discord.token, apiUrl: discord.apiUrl });
    const messageId = await poster.post(discord.channelId, {
      body: { content: 'the model', allowed_mentions: { parse: [] } },
      files: [{ name: 'info.txt', data: Buffer.from('trigger: krystal'), contentType: 'text/plain' }],
    });
    const message = discord.message(discord.channelId, messageId);
    expect(message?.attachments.map((file) => [file.filename, file.data.toString()])).toEqual([
      ['info.txt', 'trigger: krystal'],
    ]);
  });
});

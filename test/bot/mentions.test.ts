import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordPoster } from '../../src/notify/discord-rest.ts';
import { textOf } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';

const alice = { id: '400000000000000001', username: 'alice' };
const bob = { id: '400000000000000002', username: 'bob' };
const NO_PINGS = { parse: [] };

describe('user text never pings', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts a character named "<@bob> @everyone" on the public card with no mention parsed', async () => {
    const created = await h.discord.user(alice).slash('lora', {
      subcommand: 'new',
      options: { character: `Aurelia <@${bob.id}> @everyone`, main_tag: 'aurelia_(skyfall)' },
    });
    const reply = await created.waitForOriginal((m) => m.content.includes('Started'));
    // The text is still shown as typed; only the ping is off.
    expect(reply.content).toContain(`Aurelia <@${bob.id}> @everyone`);
    expect(reply.allowedMentions).toEqual(NO_PINGS);
    const thread = h.discord.threads().find((t) => t.name.startsWith('LoRA · Aurelia'))!;
    const card = thread.messages[0]!;
    expect(textOf(card)).toContain('@everyone');
    expect(card.allowedMentions).toEqual(NO_PINGS);
  });

  it("sends allowed_mentions with no parse on the worker's REST posts and edits", async () => {
    const thread = h.discord.threads()[0]!;
    const poster = createDiscordPoster({ token: h.discord.token, apiUrl: h.discord.apiUrl });
    const id = await poster.post(thread.id, { body: { content: '@everyone fetched 3 images for <@&1>' } });
    expect(h.discord.message(thread.id, id)!.allowedMentions).toEqual(NO_PINGS);
    await poster.edit(thread.id, id, { body: { content: '@here done' } });
    const edited = h.discord.message(thread.id, id)!;
    expect(edited.content).toBe('@here done');
    expect(edited.allowedMentions).toEqual(NO_PINGS);
    // A post that names whom to ping on purpose keeps its own list.
    const named = await poster.post(thread.id, {
      body: {
        content: `<@${alice.id}> your fetch is done`,
        allowed_mentions: { parse: [], users: [alice.id] },
      },
    });
    expect(h.discord.message(thread.id, named)!.allowedMentions).toEqual({ parse: [], users: [alice.id] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectByMainTag, getProject } from '../../src/db/repositories/projects.ts';
import { customIds } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000001', username: 'alice' };

describe('bad input typed into the bot is refused where it is typed, with the value named', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(['a/../../x', 'ac\\dc', 'a..b'])('refuses the main tag %j at /lora new', async (mainTag) => {
    const created = await h.discord.user(alice).slash('lora', {
      subcommand: 'new',
      options: { character: 'Aurelia', main_tag: mainTag },
    });
    const reply = await created.waitForOriginal((m) => m.content.length > 0);
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toContain(JSON.stringify(mainTag));
    expect(reply.content).toContain('training folder');
    expect(await findProjectByMainTag(h.database.db, h.discord.guildId, mainTag)).toBeNull();
  });

  it('refuses research notes over 1500 characters even when the client sends them', async () => {
    const { project, thread } = await given.project(h, alice, 'aurelia_(skyfall)', 'Aurelia');
    const card = thread.messages[0]!;
    const notesId = customIds(card).find((id) => id.startsWith('card@1:notes:'))!;
    const opened = await h.discord.user(alice).button(card, notesId);
    const modalId = opened.callback.data.custom_id as string;
    const long = 'x'.repeat(5000);
    const submitted = await h.discord
      .user(alice)
      .modalSubmit(
        modalId,
        { look: long, outfits: long, accessories: long, markings: long, deviations: long },
        { channelId: thread.id, ignoreLengthLimits: true },
      );
    const reply = await submitted.waitForOriginal((m) => m.content.length > 0);
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toBe(
      'The note “Canonical look” has 5000 characters; the limit is 1500. Nothing was saved.\n-# invalid-option',
    );
    expect((await getProject(h.database.db, project.id))!.notes.look).toBe('');
  });
});

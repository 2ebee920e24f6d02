import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteProject, findProjectByThread, getProject } from '../../src/db/repositories/projects.ts';
import { customIds, textOf } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';

const alice = { id: '400000000000000001', username: 'alice' };
const bob = { id: '400000000000000002', username: 'bob' };

describe('a character project, from /lora new to a click on an old card after a restart', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('walks the whole skeleton journey', async () => {
    // Alice creates the project: a thread opens with the card, and she gets an ephemeral link.
    const created = await h.discord.user(alice).slash('lora', {
      subcommand: 'new',
      options: { character: 'Krystal', main_tag: ' Krystal ' },
    });
    expect(created.callback.type).toBe(5);
    const reply = await created.waitForOriginal((m) => m.content.includes('Started'));
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toContain('main tag `krystal`');
    expect(reply.content).toContain('removed spaces at the ends, made it lower case');

    const [thread] = h.discord.threads();
    expect(thread?.name).toBe('LoRA · Krystal');
    expect(reply.content).toContain(`<#${thread!.id}>`);
    const card = thread!.messages[0]!;
    expect(card.flags & (1 << 15)).toBe(1 << 15);
    expect(textOf(card)).toContain('Krystal');
    expect(customIds(card)).toEqual(expect.arrayContaining([expect.stringMatching(/^card@1:notes:\d+$/)]));

    const projectId = Number(/card@1:notes:(\d+)/.exec(customIds(card).join(' '))![1]);
    const stored = await getProject(h.database.db, projectId);
    expect(stored).toMatchObject({
      ownerId: alice.id,
      mainTag: 'krystal',
      threadId: thread!.id,
      cardMessageId: card.id,
    });

    // Alice writes notes through the modal (inside the thread, so the project is implied).
    const notes = await h.discord.user(alice).slash('lora', { subcommand: 'notes', channelId: thread!.id });
    expect(notes.callback.type).toBe(9);
    const modalId = notes.callback.data.custom_id as string;
    const submitted = await h.discord.user(alice).modalSubmit(
      modalId,
      {
        look: 'Blue vixen, white muzzle',
        outfits: 'loincloth, armlets',
        accessories: 'staff',
        markings: 'tribal tattoos',
        deviations: '',
      },
      { channelId: thread!.id },
    );
    await submitted.waitForOriginal((m) => m.content.includes('Saved the research notes'));
    const refreshed = h.discord.message(thread!.id, card.id)!;
    expect(textOf(refreshed)).toContain('Blue vixen, white muzzle');
    expect((await getProject(h.database.db, projectId))!.notes.look).toBe('Blue vixen, white muzzle');

    // A redeploy: new client, new process state. Only Postgres remembers.
    await h.restartBot();

    // Bob clicks the old card: he may look at the info, but not write notes.
    const info = await h.discord.user(bob).button(refreshed, `card@1:info:${projectId}`);
    const infoReply = await info.waitForOriginal((m) => textOf(m).includes('info.txt'));
    expect(infoReply.flags & 64).toBe(64);
    expect(textOf(infoReply)).toContain('Blue vixen, white muzzle');

    const denied = await h.discord.user(bob).button(refreshed, `card@1:notes:${projectId}`);
    expect(denied.callback.type).toBe(4);
    expect(denied.callback.data.flags & 64).toBe(64);
    expect(denied.callback.data.content).toContain('Only the project owner');

    // A server manager may edit.
    const manager = {
      id: '400000000000000003',
      username: 'mod',
      permissions: PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel,
    };
    const allowed = await h.discord.user(manager).button(refreshed, `card@1:notes:${projectId}`);
    expect(allowed.callback.type).toBe(9);
  });

  it('names the project that already uses a main tag', async () => {
    const again = await h.discord.user(bob).slash('lora', {
      subcommand: 'new',
      options: { character: 'Krystal again', main_tag: 'krystal' },
    });
    const reply = await again.waitForOriginal((m) => m.content.length > 0);
    expect(reply.content).toContain('already used by the project **Krystal**');
    expect(reply.content).toContain('main-tag-taken');
    expect(h.discord.threads()).toHaveLength(1);
  });

  it('answers bad input with the offending value and creates nothing', async () => {
    const comma = await h.discord
      .user(bob)
      .slash('lora', { subcommand: 'new', options: { character: 'Fox', main_tag: 'fox, solo' } });
    expect((await comma.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      '`fox, solo` contains a comma',
    );
    const long = await h.discord
      .user(bob)
      .slash('lora', { subcommand: 'new', options: { character: 'Fox', main_tag: 'f'.repeat(70) } });
    expect((await long.waitForOriginal((m) => m.content.length > 0)).content).toContain('70 characters');
    const outside = await h.discord.user(bob).slash('lora', { subcommand: 'notes' });
    expect(outside.callback.data.content).toContain('inside a project thread');
    expect(h.discord.threads()).toHaveLength(1);
  });

  it('answers a button of a project that no longer exists', async () => {
    const created = await h.discord
      .user(bob)
      .slash('lora', { subcommand: 'new', options: { character: 'Fleeting', main_tag: 'fleeting' } });
    await created.waitForOriginal((m) => m.content.includes('Started'));
    const thread = h.discord.threads().find((t) => t.name === 'LoRA · Fleeting')!;
    const card = thread.messages[0]!;
    const project = await findProjectByThread(h.database.db, thread.id);
    await deleteProject(h.database.db, project!.id);
    const gone = await h.discord.user(bob).button(card, `card@1:info:${project!.id}`);
    const reply = await gone.waitForOriginal((m) => m.content.length > 0);
    expect(reply.content).toContain('no longer exists');
  });

  it('recreates a deleted thread on request and keeps the project', async () => {
    const thread = h.discord.threads().find((t) => t.name === 'LoRA · Krystal' && !t.deleted);
    h.discord.deleteChannel(thread!.id);
    const reopened = await h.discord
      .user(alice)
      .slash('lora', { subcommand: 'thread', options: { project: 'krystal' } });
    const reply = await reopened.waitForOriginal((m) => m.content.length > 0);
    expect(reply.content).toContain('The old thread was deleted');
    const live = h.discord.threads().filter((t) => !t.deleted && t.name === 'LoRA · Krystal');
    expect(live).toHaveLength(1);
    expect(textOf(live[0]!.messages[0]!)).toContain('Blue vixen');
  });

  it('autocompletes projects by name or main tag', async () => {
    const result = await h.discord
      .user(bob)
      .autocomplete('lora', { subcommand: 'info', focused: 'project', options: { project: 'kry' } });
    expect(result.callback.type).toBe(8);
    expect(result.callback.data.choices).toEqual([expect.objectContaining({ name: 'Krystal (krystal)' })]);
  });

  it('never writes the token into the logs', () => {
    expect(h.logs.text()).not.toContain(h.discord.token);
    expect(h.logs.lines.length).toBeGreaterThan(0);
  });
});

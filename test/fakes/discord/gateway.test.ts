import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ChannelType, DiscordAPIError, Events, type Client, type TextChannel } from 'discord.js';
import { startFakeDiscord, type FakeDiscord } from './index.ts';
import { loginClient } from './login.ts';

/** Replies to every slash command with its name, so a test can see which client got it. */
function replyWithName(name: string) {
  return (client: Client): void => {
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) void interaction.reply(`${name}:${interaction.commandName}`);
    });
  };
}

describe('fake Discord gateway', () => {
  let discord: FakeDiscord;
  const clients: Client[] = [];
  const ann = { id: '600000000000000001', username: 'ann' };

  beforeEach(async () => {
    discord = await startFakeDiscord({ strictCommands: false });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
    await discord.close();
  });

  async function login(setup?: (client: Client) => void): Promise<Client> {
    const client = await loginClient(discord, setup);
    clients.push(client);
    return client;
  }

  it('lets a new client log in after the old one was destroyed, with threads created earlier', async () => {
    const first = await login(replyWithName('first'));
    const general = first.channels.cache.get(discord.channelId) as TextChannel;
    const thread = await general.threads.create({ name: 'project-renamon', type: ChannelType.PublicThread });
    await first.destroy();

    const second = await login(replyWithName('second'));
    const restored = second.channels.cache.get(thread.id);
    expect(restored?.isThread() && restored.name).toBe('project-renamon');
    const result = await discord.user(ann).slash('status');
    expect(result.original()?.content).toBe('second:status');
  });

  it('leaves archived threads out of the login sync and reopens one when the bot posts in it', async () => {
    const first = await login();
    const general = first.channels.cache.get(discord.channelId) as TextChannel;
    const thread = await general.threads.create({ name: 'old-project', type: ChannelType.PublicThread });
    await thread.setArchived(true);
    await first.destroy();

    const second = await login();
    expect(second.channels.cache.has(thread.id)).toBe(false);
    const fetched = await second.channels.fetch(thread.id);
    expect(fetched?.isThread() && fetched.archived).toBe(true);
    if (!fetched?.isThread()) throw new Error('expected a thread');
    await fetched.send('back again');
    expect(discord.channel(thread.id)?.archived).toBe(false);
  });

  it('refuses a post into a locked, archived thread with 50083', async () => {
    const client = await login();
    const general = client.channels.cache.get(discord.channelId) as TextChannel;
    const thread = await general.threads.create({ name: 'locked', type: ChannelType.PublicThread });
    await thread.edit({ locked: true, archived: true });
    await expect(thread.send('hello')).rejects.toMatchObject({ status: 400, code: 50083 });
  });

  it('resumes a dropped connection and replays the interaction sent while it was down', async () => {
    const client = await login(replyWithName('bot'));
    const resumed = once(client, Events.ShardResume);
    discord.disconnectAll();
    const result = await discord.user(ann).slash('ping');
    await resumed;
    expect(result.original()?.content).toBe('bot:ping');
  });

  it('removes a thread deleted by a moderator from the client, and posting there fails with 10003', async () => {
    const client = await login();
    const general = client.channels.cache.get(discord.channelId) as TextChannel;
    const thread = await general.threads.create({ name: 'doomed', type: ChannelType.PublicThread });
    const deleted = once(client, Events.ThreadDelete);
    discord.deleteChannel(thread.id);
    await deleted;
    expect(client.channels.cache.has(thread.id)).toBe(false);
    expect(discord.channel(thread.id)?.deleted).toBe(true);
    const error: unknown = await thread.send('anyone?').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ status: 404, code: 10003 });
  });

  it('dispatches CHANNEL_DELETE for a deleted text channel, whose threads go with it', async () => {
    const client = await login();
    const general = client.channels.cache.get(discord.channelId) as TextChannel;
    const thread = await general.threads.create({ name: 'child', type: ChannelType.PublicThread });
    const deleted = once(client, Events.ChannelDelete);
    discord.deleteChannel(discord.channelId);
    await deleted;
    expect(client.channels.cache.has(discord.channelId)).toBe(false);
    expect(discord.channel(thread.id)?.deleted).toBe(true);
    await expect(general.send('hello?')).rejects.toMatchObject({ code: 10003 });
  });

  it('rejects a login with the wrong token', async () => {
    const other = await startFakeDiscord({ token: 'the-real-one' });
    try {
      await expect(loginClient({ ...other, token: 'a-wrong-one' })).rejects.toMatchObject({
        code: 'TokenInvalid',
      });
      expect(other.requests.at(-1)).toMatchObject({ path: '/gateway/bot', status: 401 });
    } finally {
      await other.close();
    }
  });

  it('acknowledges heartbeats and closes an identify with a bad token with 4004', async () => {
    const socket = new WebSocket(`${discord.baseUrl.replace('http', 'ws')}/gateway?v=10&encoding=json`);
    const frames: { op: number }[] = [];
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { op: number }));
    await once(socket, 'open');
    socket.send(JSON.stringify({ op: 1, d: null }));
    await expect.poll(() => frames.map((f) => f.op)).toEqual([10, 11]);
    socket.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 1, properties: {} } }));
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4004);
  });

  it('refuses to dispatch an interaction when no bot is connected', async () => {
    await expect(discord.user(ann).slash('ping')).rejects.toThrow(/no bot is logged in/);
  });
});

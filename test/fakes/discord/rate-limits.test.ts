import { REST, Routes, type RateLimitData } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from './index.ts';

describe('the Discord stand-in’s rate limits', () => {
  let discord: FakeDiscord;
  let rest: REST;
  const otherChannel = '300000000000000099';
  let messages: string[];

  const raw = (method: string, path: string, body?: unknown, auth = true) =>
    fetch(`${discord.apiUrl}/v10${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bot ${discord.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    discord = await startFakeDiscord();
    rest = new REST({ api: discord.apiUrl }).setToken(discord.token);
    messages = [];
    for (let i = 0; i < 3; i++) {
      const created = (await rest.post(Routes.channelMessages(discord.channelId), {
        body: { content: `m${i}` },
      })) as { id: string };
      messages.push(created.id);
    }
  });
  afterAll(async () => {
    await discord?.close();
  });
  beforeEach(() => discord.rateLimits.configure(null));

  it('is off unless a test turns it on', async () => {
    for (let i = 0; i < 12; i++) {
      const response = await raw('PATCH', `/channels/${discord.channelId}/messages/${messages[0]}`, {
        content: `edit ${i}`,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });

  it('answers 429 with retry_after once a channel’s edit bucket is spent, and counts each channel apart', async () => {
    discord.rateLimits.configure({});
    const edit = (channelId: string, messageId: string) =>
      raw('PATCH', `/channels/${channelId}/messages/${messageId}`, { content: 'x' });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 5; i++) {
      // One bucket for every message of the channel: the message id is not a major parameter.
      const response = await edit(discord.channelId, messages[i % 3]!);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      expect(response.headers.get('x-ratelimit-bucket')).toBe('channel-message-edit');
      expect(Number(response.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(4);
      expect(Number(response.headers.get('x-ratelimit-reset')) * 1000).toBeGreaterThan(Date.now());
      remaining.push(response.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const limited = await edit(discord.channelId, messages[1]!);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as { message: string; retry_after: number; global: boolean };
    expect(body.message).toBe('You are being rate limited.');
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(4);
    expect(body.retry_after).toBeLessThanOrEqual(5);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();

    // Another route of the same channel (posting) and the same route in another channel have buckets of their own.
    expect((await raw('POST', `/channels/${discord.channelId}/messages`, { content: 'new' })).status).toBe(
      200,
    );
    const elsewhere = await edit(otherChannel, '1');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('x-ratelimit-remaining')).toBe('4');

    // Coming back before retry_after is what the log flags.
    expect(discord.rateLimits.violations()).toEqual([]);
    await edit(discord.channelId, messages[0]!);
    expect(discord.rateLimits.violations()).toHaveLength(1);
  });

  it('shares a bucket between routes that name it, and takes the numbers a test gives', async () => {
    discord.rateLimits.configure({
      rules: [
        { bucket: 'messages', route: '/channels/:channelId/messages', limit: 2, windowMs: 300 },
        { bucket: 'messages', route: '/channels/:channelId/messages/:messageId', limit: 2, windowMs: 300 },
      ],
    });
    expect((await raw('POST', `/channels/${discord.channelId}/messages`, { content: 'a' })).status).toBe(200);
    expect(
      (await raw('PATCH', `/channels/${discord.channelId}/messages/${messages[0]}`, { content: 'b' })).status,
    ).toBe(200);
    const limited = await raw('GET', `/channels/${discord.channelId}/messages/${messages[0]}`);
    expect(limited.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 320));
    expect((await raw('GET', `/channels/${discord.channelId}/messages/${messages[0]}`)).status).toBe(200);
  });

  it('has a global limit per second for the bot token that interaction webhooks are exempt from', async () => {
    discord.rateLimits.configure({ globalPerSecond: 3 });
    for (let i = 0; i < 3; i++) expect((await raw('GET', '/users/@me')).status).toBe(200);
    const limited = await raw('GET', `/channels/${otherChannel}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(((await limited.json()) as { global: boolean }).global).toBe(true);
    // No bot token, not global: an interaction webhook (404 here, as its token is unknown, but not 429).
    expect((await raw('GET', '/webhooks/1/token/messages/@original', undefined, false)).status).toBe(404);
  });

  it('makes discord.js’s REST client wait out 429s, and two clients sharing a token never come back early', async () => {
    discord.rateLimits.configure({
      rules: [
        {
          bucket: 'channel-message-edit',
          method: 'PATCH',
          route: '/channels/:channelId/messages/:messageId',
          limit: 3,
          windowMs: 600,
        },
      ],
    });
    // Two processes (the bot and the worker) edit one channel: neither knows what the other spent.
    const second = new REST({ api: discord.apiUrl }).setToken(discord.token);
    const limited: RateLimitData[] = [];
    rest.on('rateLimited', (info) => limited.push(info));
    second.on('rateLimited', (info) => limited.push(info));
    const started = performance.now();
    const firstEvent = discord.rateLimits.events.length;
    await Promise.all(
      [rest, second].flatMap((client, c) =>
        Array.from({ length: 5 }, (_, i) =>
          client.patch(Routes.channelMessage(discord.channelId, messages[i % 3]!), {
            body: { content: `client ${c} edit ${i}` },
          }),
        ),
      ),
    );
    const elapsed = performance.now() - started;
    const events = discord.rateLimits.events.slice(firstEvent);
    const accepted = events.filter((e) => !e.limited);
    expect(accepted).toHaveLength(10);
    expect(limited.length).toBeGreaterThan(0);
    expect(events.some((e) => e.limited)).toBe(true);
    expect(discord.rateLimits.violations()).toEqual([]);
    // At most 3 accepted per 600 ms window: 10 edits need at least 3 resets.
    expect(elapsed).toBeGreaterThan(3 * 600);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordAPIError, MessageFlags, REST, Routes, type RawFile } from 'discord.js';
import { startFakeDiscord, type FakeDiscord } from './index.ts';

/** Channel-route limits, called with discord.js's own REST client as the bot would. */
describe('fake Discord rejects what Discord rejects', () => {
  const UPLOAD_LIMIT = 1024;
  let discord: FakeDiscord;
  let rest: REST;
  let messages: `/${string}`;

  beforeAll(async () => {
    discord = await startFakeDiscord({ uploadLimitBytes: UPLOAD_LIMIT });
    rest = new REST({ api: discord.apiUrl, retries: 0 }).setToken(discord.token);
    messages = Routes.channelMessages(discord.channelId);
  });
  afterAll(async () => {
    await discord.close();
  });

  const button = (id: string) => ({ type: 2, style: 1, label: 'Vote', custom_id: id });
  const row = (...components: unknown[]) => ({ type: 1, components });
  const text = (content: string) => ({ type: 10, content });
  const file = (name: string, size: number): RawFile => ({ name, data: Buffer.alloc(size, 1) });

  async function rejection(promise: Promise<unknown>): Promise<DiscordAPIError> {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof DiscordAPIError))
      throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
    return error;
  }

  /** The 50035 error paths, e.g. 'components.0.components'. */
  function errorPaths(error: DiscordAPIError): string[] {
    const paths: string[] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '_errors') paths.push(path.join('.'));
        else walk(value, [...path, key]);
      }
    };
    walk((error.rawError as { errors?: unknown }).errors, []);
    return paths;
  }

  async function invalidBody(body: unknown, files?: RawFile[]): Promise<string[]> {
    const error = await rejection(rest.post(messages, { body, ...(files ? { files } : {}) }));
    expect(error).toMatchObject({
      status: 400,
      code: 50035,
      message: expect.stringContaining('Invalid Form Body') as unknown,
    });
    return errorPaths(error);
  }

  it('accepts a legacy message at the limits: 5 rows of 5 buttons', async () => {
    const rows = Array.from({ length: 5 }, (_, r) =>
      row(...Array.from({ length: 5 }, (_, b) => button(`b${r}-${b}`))),
    );
    await expect(rest.post(messages, { body: { content: 'ok', components: rows } })).resolves.toMatchObject({
      content: 'ok',
    });
  });

  it('rejects more than 5 action rows in a legacy message', async () => {
    const rows = Array.from({ length: 6 }, (_, r) => row(button(`r${r}`)));
    expect(await invalidBody({ components: rows })).toEqual(['components']);
  });

  it('rejects more than 5 buttons in one row', async () => {
    const buttons = Array.from({ length: 6 }, (_, b) => button(`b${b}`));
    expect(await invalidBody({ components: [row(...buttons)] })).toEqual(['components.0.components']);
  });

  it('rejects a select that shares its row', async () => {
    const select = { type: 3, custom_id: 's', options: [{ label: 'a', value: 'a' }] };
    expect(await invalidBody({ components: [row(select, button('x'))] })).toEqual([
      'components.0.components',
    ]);
  });

  it('rejects a string select with more than 25 options', async () => {
    const options = Array.from({ length: 26 }, (_, i) => ({ label: `o${i}`, value: `o${i}` }));
    expect(await invalidBody({ components: [row({ type: 3, custom_id: 's', options })] })).toEqual([
      'components.0.components.0.options',
    ]);
  });

  it('accepts 40 components in a V2 message, counting nested ones, and rejects 41', async () => {
    const container = (texts: number) => ({
      type: 17,
      components: Array.from({ length: texts }, (_, i) => text(`t${i}`)),
    });
    await expect(
      rest.post(messages, { body: { flags: MessageFlags.IsComponentsV2, components: [container(39)] } }),
    ).resolves.toMatchObject({ flags: MessageFlags.IsComponentsV2 });
    expect(await invalidBody({ flags: MessageFlags.IsComponentsV2, components: [container(40)] })).toEqual([
      'components',
    ]);
  });

  it('rejects content or embeds in a V2 message', async () => {
    const body = {
      flags: MessageFlags.IsComponentsV2,
      content: 'hi',
      embeds: [{ title: 'x' }],
      components: [text('t')],
    };
    expect(await invalidBody(body)).toEqual(['content', 'embeds']);
  });

  it('rejects V2 components in a message without the V2 flag', async () => {
    expect(await invalidBody({ components: [text('t')] })).toEqual(['components.0.type']);
  });

  it('rejects a custom_id over 100 characters and a duplicated one', async () => {
    expect(await invalidBody({ components: [row(button('x'.repeat(101)))] })).toEqual([
      'components.0.components.0.custom_id',
    ]);
    expect(await invalidBody({ components: [row(button('same')), row(button('same'))] })).toEqual([
      'components.1.components.0.custom_id',
    ]);
  });

  it('rejects content over 2000 characters and accepts exactly 2000', async () => {
    expect(await invalidBody({ content: 'x'.repeat(2001) })).toEqual(['content']);
    await expect(rest.post(messages, { body: { content: 'x'.repeat(2000) } })).resolves.toBeDefined();
  });

  it('rejects more than 10 files', async () => {
    const files = Array.from({ length: 11 }, (_, i) => file(`f${i}.txt`, 1));
    expect(await invalidBody({ content: 'files' }, files)).toEqual(['files']);
  });

  it('rejects a file over the upload limit with 413 / 40005', async () => {
    const error = await rejection(
      rest.post(messages, { body: { content: 'big' }, files: [file('big.bin', UPLOAD_LIMIT + 1)] }),
    );
    expect(error).toMatchObject({ status: 413, code: 40005 });
    await expect(
      rest.post(messages, { body: { content: 'fits' }, files: [file('fits.bin', UPLOAD_LIMIT)] }),
    ).resolves.toMatchObject({
      attachments: [expect.objectContaining({ filename: 'fits.bin', size: UPLOAD_LIMIT })],
    });
  });

  it('rejects an empty message with 50006', async () => {
    await expect(rest.post(messages, { body: { content: '' } })).rejects.toMatchObject({
      status: 400,
      code: 50006,
    });
  });

  describe('Media Gallery in a V2 message', () => {
    const gallery = (urls: string[]) => ({ type: 12, items: urls.map((url) => ({ media: { url } })) });
    const v2 = (components: unknown[]) => ({ flags: MessageFlags.IsComponentsV2, components });

    it('rejects an empty gallery and one with 11 items', async () => {
      expect(await invalidBody(v2([gallery([])]))).toEqual(['components.0.items']);
      const urls = Array.from({ length: 11 }, (_, i) => `https://e621.example/${i}.png`);
      expect(await invalidBody(v2([gallery(urls)]))).toEqual(['components.0.items']);
    });

    it('rejects attachment:// pointing at a file that was not uploaded', async () => {
      expect(await invalidBody(v2([gallery(['attachment://missing.png'])]), [file('a.png', 8)])).toEqual([
        'components.0.items.0.media.url',
      ]);
    });

    it('resolves attachment:// to the uploaded file and keeps it valid across an edit', async () => {
      const sent = (await rest.post(messages, {
        body: v2([gallery(['attachment://a.png'])]),
        files: [file('a.png', 8)],
      })) as {
        id: string;
        components: { items: { media: { url: string; attachment_id: string } }[] }[];
        attachments: { id: string; url: string }[];
      };
      const attachment = sent.attachments[0];
      expect(sent.components[0]?.items[0]?.media).toMatchObject({
        url: attachment?.url,
        attachment_id: attachment?.id,
      });
      const stored = discord.message(discord.channelId, sent.id);
      expect(stored?.components).toEqual([gallery(['attachment://a.png'])]);
      // Editing without re-uploading keeps the attachment, so the reference still resolves.
      await expect(
        rest.patch(Routes.channelMessage(discord.channelId, sent.id), {
          body: v2([gallery(['attachment://a.png']), text('edited')]),
        }),
      ).resolves.toBeDefined();
      // Dropping it from `attachments` removes it, and the reference no longer resolves.
      const error = await rejection(
        rest.patch(Routes.channelMessage(discord.channelId, sent.id), {
          body: { ...v2([gallery(['attachment://a.png'])]), attachments: [] },
        }),
      );
      expect(errorPaths(error)).toEqual(['components.0.items.0.media.url']);
    });

    it('refuses to remove the V2 flag from a message', async () => {
      const sent = (await rest.post(messages, { body: v2([text('card')]) })) as { id: string };
      const error = await rejection(
        rest.patch(Routes.channelMessage(discord.channelId, sent.id), {
          body: { flags: 0, content: 'plain' },
        }),
      );
      expect(errorPaths(error)).toEqual(expect.arrayContaining(['flags']));
    });
  });

  it('answers 10008 for editing a message that does not exist', async () => {
    await expect(
      rest.patch(Routes.channelMessage(discord.channelId, '123456789012345678'), { body: { content: 'x' } }),
    ).rejects.toMatchObject({ status: 404, code: 10008 });
  });

  it('answers 10003 for posting into a deleted channel', async () => {
    const thread = (await rest.post(Routes.threads(discord.channelId), {
      body: { name: 'gone', type: 11 },
    })) as { id: string };
    discord.deleteChannel(thread.id);
    await expect(
      rest.post(Routes.channelMessages(thread.id), { body: { content: 'x' } }),
    ).rejects.toMatchObject({
      status: 404,
      code: 10003,
    });
  });

  it('rejects a thread name over 100 characters and an unknown auto-archive duration', async () => {
    const error = await rejection(
      rest.post(Routes.threads(discord.channelId), {
        body: { name: 'n'.repeat(101), type: 11, auto_archive_duration: 30 },
      }),
    );
    expect(errorPaths(error)).toEqual(['name', 'auto_archive_duration']);
  });

  it('starts a thread from a message with the message’s id, once', async () => {
    const sent = (await rest.post(messages, { body: { content: 'start here' } })) as { id: string };
    const thread = (await rest.post(Routes.threads(discord.channelId, sent.id), {
      body: { name: 'from message' },
    })) as { id: string };
    expect(thread.id).toBe(sent.id);
    await expect(
      rest.post(Routes.threads(discord.channelId, sent.id), { body: { name: 'again' } }),
    ).rejects.toMatchObject({
      code: 160004,
    });
  });

  it('answers 401 to a wrong bot token', async () => {
    const stranger = new REST({ api: discord.apiUrl, retries: 0 }).setToken('not-the-token');
    await expect(stranger.get(Routes.user('@me'))).rejects.toMatchObject({ status: 401 });
  });

  it('sends the 429 headers discord.js reads, including the global flag', async () => {
    discord.failNext({ pathPrefix: '/users' }, { status: 429, retryAfter: 0.05, scope: 'global' });
    const limited: unknown[] = [];
    const watcher = new REST({ api: discord.apiUrl }).setToken(discord.token);
    watcher.on('rateLimited', (info) => limited.push(info));
    await expect(watcher.get(Routes.user('@me'))).resolves.toMatchObject({ id: discord.botUserId });
    expect(limited).toEqual([expect.objectContaining({ global: true })]);
    expect(discord.requests.find((r) => r.status === 429)?.response).toEqual({
      message: 'You are being rate limited.',
      retry_after: 0.05,
      global: true,
    });
  });

  it('validates bulk command registration', async () => {
    const error = await rejection(
      rest.put(Routes.applicationCommands(discord.applicationId), {
        body: [
          { name: 'Bad Name', description: 'x' },
          {
            name: 'ok',
            description: 'x',
            options: Array.from({ length: 26 }, (_, i) => ({ type: 3, name: `o${i}`, description: 'd' })),
          },
        ],
      }),
    );
    expect(errorPaths(error)).toEqual(['0.name', '1.options']);
  });
});

import sharp from 'sharp';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Events,
  FileUploadBuilder,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  SlashCommandBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Attachment,
  type Client,
  type Interaction,
} from 'discord.js';
import { resolveInvocation } from './command-options.ts';
import { startFakeDiscord, type FakeDiscord, type UserFile } from './index.ts';
import { loginClient } from './login.ts';
import { FakeState, resolveOptions } from './state.ts';
import { prepareUpload } from './uploads.ts';

/** A small per-file limit, so the refusal of a bigger file can be tested without big buffers. */
const LIMIT = 64 * 1024;

const commands = [
  new SlashCommandBuilder()
    .setName('lora')
    .setDescription('Manage the LoRA')
    .addSubcommand((sub) =>
      sub
        .setName('replace')
        .setDescription('Replace an image with an edited one')
        .addAttachmentOption((o) =>
          o.setName('image').setDescription('The edited image').setRequired(true).addFileTypes('image'),
        )
        .addStringOption((o) => o.setName('note').setDescription('Why')),
    )
    .addSubcommand((sub) =>
      sub
        .setName('attach')
        .setDescription('Attach any file')
        .addAttachmentOption((o) => o.setName('file').setDescription('Any file').setRequired(true))
        .addAttachmentOption((o) => o.setName('second').setDescription('Another file')),
    )
    .addSubcommand((sub) => sub.setName('upload').setDescription('Upload reference images')),
].map((c) => c.toJSON());

/** The raw `d` of every INTERACTION_CREATE the client received, newest last. */
const rawInteractions: Record<string, unknown>[] = [];

/** Bytes the bot downloaded from each attachment URL it was given, by attachment id. */
const downloaded = new Map<string, Buffer>();

async function download(attachment: Attachment): Promise<Buffer> {
  const response = await fetch(attachment.url);
  if (!response.ok) throw new Error(`GET ${attachment.url} answered ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  downloaded.set(attachment.id, bytes);
  return bytes;
}

function describeFile(attachment: Attachment, bytes: Buffer): string {
  const size = attachment.width === null ? 'no size' : `${attachment.width}x${attachment.height}`;
  return `${attachment.name} ${attachment.contentType} ${attachment.size}B ${size} fetched=${bytes.length} ephemeral=${attachment.ephemeral}`;
}

async function handle(interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand() && interaction.options.getSubcommand() === 'replace') {
    const image = interaction.options.getAttachment('image', true);
    const note = interaction.options.getString('note') ?? '-';
    const raw = interaction.options.get('image')?.value;
    await interaction.reply(
      `${describeFile(image, await download(image))} value=${raw === image.id} note=${note}`,
    );
    return;
  }
  if (interaction.isChatInputCommand() && interaction.options.getSubcommand() === 'attach') {
    const files = [
      interaction.options.getAttachment('file', true),
      interaction.options.getAttachment('second'),
    ];
    const lines: string[] = [];
    for (const file of files) if (file) lines.push(describeFile(file, await download(file)));
    await interaction.reply(lines.join('\n'));
    return;
  }
  if (interaction.isChatInputCommand() && interaction.options.getSubcommand() === 'upload') {
    await interaction.showModal(
      new ModalBuilder()
        .setCustomId('refs')
        .setTitle('Reference images')
        .addLabelComponents(
          new LabelBuilder()
            .setLabel('Images')
            .setFileUploadComponent(
              new FileUploadBuilder()
                .setCustomId('photos')
                .setMinValues(2)
                .setMaxValues(3)
                .setFileTypes('image'),
            ),
          new LabelBuilder()
            .setLabel('Anything else')
            .setFileUploadComponent(new FileUploadBuilder().setCustomId('extra').setRequired(false)),
          new LabelBuilder()
            .setLabel('Notes')
            .setTextInputComponent(
              new TextInputBuilder().setCustomId('notes').setStyle(TextInputStyle.Short).setRequired(false),
            ),
        ),
    );
    return;
  }
  if (interaction.isModalSubmit() && interaction.customId === 'refs') {
    const photos = interaction.fields.getUploadedFiles('photos', true);
    const extra = interaction.fields.getUploadedFiles('extra');
    const lines: string[] = [];
    for (const photo of photos.values()) lines.push(describeFile(photo, await download(photo)));
    // discord.js gives null only when no upload of the modal carried files; else an empty collection.
    lines.push(`extra=${extra?.size ? [...extra.values()].map((f) => f.name).join(',') : 'none'}`);
    lines.push(`notes=${interaction.fields.getTextInputValue('notes')}`);
    await interaction.reply({ content: lines.join('\n'), flags: MessageFlags.Ephemeral });
  }
}

async function png(width: number, height: number): Promise<Buffer> {
  return await sharp({ create: { width, height, channels: 3, background: '#ff8800' } })
    .png()
    .toBuffer();
}

describe('users sending files to the bot through the fake Discord', () => {
  let discord: FakeDiscord;
  let client: Client;
  let handled = 0;
  const handlerErrors: unknown[] = [];
  const ann = { id: '600000000000000001', username: 'ann' };
  let edit: Buffer;
  let wide: Buffer;

  beforeAll(async () => {
    edit = await png(64, 48);
    wide = await png(120, 30);
    discord = await startFakeDiscord({ uploadLimitBytes: LIMIT });
    client = await loginClient(discord, (c) => {
      c.on(Events.Raw, (packet: { t?: string; d?: Record<string, unknown> }) => {
        if (packet.t === 'INTERACTION_CREATE' && packet.d) rawInteractions.push(packet.d);
      });
      c.on(Events.InteractionCreate, (interaction) => {
        handled += 1;
        handle(interaction).catch((error: unknown) => handlerErrors.push(error));
      });
    });
    await client.rest.put(Routes.applicationGuildCommands(discord.applicationId, discord.guildId), {
      body: commands,
    });
  });

  afterAll(async () => {
    await client?.destroy();
    await discord?.close();
  });

  describe('attachment options of slash commands', () => {
    it('gives the bot the picked image with its size, at a URL it can download', async () => {
      const result = await discord.user(ann).slash('lora', {
        subcommand: 'replace',
        options: {
          image: { file: { name: 'edit.png', data: edit, contentType: 'image/png' } },
          note: 'ears',
        },
      });
      expect(result.original()?.content).toBe(
        `edit.png image/png ${edit.length}B 64x48 fetched=${edit.length} ephemeral=true value=true note=ears`,
      );
      const [id] = [...downloaded.entries()].find(([, bytes]) => bytes.equals(edit)) ?? [];
      expect(id).toBeDefined();
      const stored = discord.attachment(id ?? '');
      expect(stored).toMatchObject({ filename: 'edit.png', size: edit.length, width: 64, height: 48 });
      const fromTest = await fetch(stored?.url ?? '');
      expect(fromTest.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await fromTest.arrayBuffer()).equals(edit)).toBe(true);
    });

    it('sends the attachment id as the option value and the attachment in data.resolved', async () => {
      await discord.user(ann).slash('lora', {
        subcommand: 'replace',
        options: { image: { file: { name: 'edit.png', data: edit, contentType: 'image/png' } } },
      });
      const data = rawInteractions.at(-1)?.['data'] as {
        options: { options: { name: string; type: number; value: string }[] }[];
        resolved: { attachments: Record<string, unknown> };
      };
      const option = data.options[0]?.options[0];
      expect(option).toEqual({ name: 'image', type: 11, value: expect.stringMatching(/^\d+$/) as unknown });
      const id = option?.value ?? '';
      expect(data.resolved.attachments).toEqual({
        [id]: {
          id,
          filename: 'edit.png',
          size: edit.length,
          url: `${discord.baseUrl}/attachments/${discord.channelId}/${id}/edit.png`,
          proxy_url: `${discord.baseUrl}/attachments/${discord.channelId}/${id}/edit.png`,
          content_type: 'image/png',
          width: 64,
          height: 48,
          ephemeral: true,
        },
      });
    });

    it('detects an image’s type when the test gives none, and leaves other files without a size', async () => {
      const text = Buffer.from('trigger: renamon\n');
      const result = await discord.user(ann).slash('lora', {
        subcommand: 'attach',
        options: {
          file: { file: { name: 'wide.png', data: wide } },
          second: { file: { name: 'notes.txt', data: text } },
        },
      });
      expect(result.original()?.content).toBe(
        [
          `wide.png image/png ${wide.length}B 120x30 fetched=${wide.length} ephemeral=true`,
          `notes.txt application/octet-stream ${text.length}B no size fetched=${text.length} ephemeral=true`,
        ].join('\n'),
      );
    });

    it('accepts a file exactly at the upload limit', async () => {
      const data = Buffer.alloc(LIMIT, 7);
      const result = await discord.user(ann).slash('lora', {
        subcommand: 'attach',
        options: { file: { file: { name: 'limit.bin', data, contentType: 'application/octet-stream' } } },
      });
      expect(result.original()?.content).toBe(
        `limit.bin application/octet-stream ${LIMIT}B no size fetched=${LIMIT} ephemeral=true`,
      );
    });

    it('refuses a file over the upload limit before anything reaches the bot', async () => {
      const before = handled;
      const big: UserFile = { name: 'big.png', data: Buffer.alloc(LIMIT + 1), contentType: 'image/png' };
      await expect(
        discord.user(ann).slash('lora', { subcommand: 'attach', options: { file: { file: big } } }),
      ).rejects.toThrow(
        `fake Discord: /lora: option "file": file "big.png" is ${LIMIT + 1} bytes, over the ${LIMIT}-byte upload limit`,
      );
      expect(handled).toBe(before);
    });

    it('refuses files the option does not accept and values that are not files', async () => {
      const ann_ = discord.user(ann);
      await expect(
        ann_.slash('lora', {
          subcommand: 'replace',
          options: {
            image: { file: { name: 'notes.txt', data: Buffer.from('x'), contentType: 'text/plain' } },
          },
        }),
      ).rejects.toThrow(
        /option "image" only accepts file types image; "notes.txt" \(text\/plain\) is none of them/,
      );
      await expect(
        ann_.slash('lora', { subcommand: 'replace', options: { image: 'edit.png' } }),
      ).rejects.toThrow(/option "image" must be a file/);
      await expect(
        ann_.slash('lora', {
          subcommand: 'replace',
          options: {
            image: { file: { name: 'a.png', data: edit } },
            note: { file: { name: 'b.png', data: edit } },
          },
        }),
      ).rejects.toThrow(/option "note" must be a string, got file "b.png"/);
      await expect(ann_.slash('lora', { subcommand: 'replace' })).rejects.toThrow(
        /required option "image" is missing/,
      );
      await expect(
        ann_.slash('lora', {
          subcommand: 'attach',
          options: { file: { file: { name: '', data: edit } } },
        }),
      ).rejects.toThrow(/option "file": a file is \{ name, data: Buffer, contentType\? \}/);
    });
  });

  describe('File Uploads in modals', () => {
    it('delivers the uploaded files to getUploadedFiles, an empty optional upload with none', async () => {
      const user = discord.user(ann);
      const opened = await user.slash('lora', { subcommand: 'upload' });
      expect(opened.callback.type).toBe(9);
      const submitted = await user.modalSubmit('refs', {
        photos: [
          { name: 'front.png', data: edit, contentType: 'image/png' },
          { name: 'side.png', data: wide },
        ],
        notes: 'front and side',
      });
      const data = rawInteractions.at(-1)?.['data'] as {
        components: { type: number; component?: { type: number; custom_id: string; values?: string[] } }[];
        resolved: { attachments: Record<string, { filename: string }> };
      };
      const upload = data.components[0]?.component;
      expect(upload).toEqual({
        type: 19,
        id: 2,
        custom_id: 'photos',
        values: [expect.any(String), expect.any(String)],
      });
      expect(data.components[1]?.component).toEqual({ type: 19, id: 4, custom_id: 'extra', values: [] });
      expect(upload?.values?.map((id) => data.resolved.attachments[id]?.filename)).toEqual([
        'front.png',
        'side.png',
      ]);
      expect(Object.keys(data.resolved.attachments)).toHaveLength(2);
      expect(submitted.original()?.content).toBe(
        [
          `front.png image/png ${edit.length}B 64x48 fetched=${edit.length} ephemeral=true`,
          `side.png image/png ${wide.length}B 120x30 fetched=${wide.length} ephemeral=true`,
          'extra=none',
          'notes=front and side',
        ].join('\n'),
      );
    });

    it('delivers an optional upload when the user adds a file to it', async () => {
      const user = discord.user(ann);
      await user.slash('lora', { subcommand: 'upload' });
      const submitted = await user.modalSubmit('refs', {
        photos: [
          { name: 'a.png', data: edit },
          { name: 'b.png', data: edit },
          { name: 'c.png', data: wide },
        ],
        extra: [{ name: 'style.txt', data: Buffer.from('flat colours'), contentType: 'text/plain' }],
      });
      expect(submitted.original()?.content?.split('\n').slice(-2)).toEqual(['extra=style.txt', 'notes=']);
    });

    it('holds the user to the counts and types the modal declared', async () => {
      const user = discord.user(ann);
      await user.slash('lora', { subcommand: 'upload' });
      const one = [{ name: 'a.png', data: edit }];
      await expect(user.modalSubmit('refs', { photos: one })).rejects.toThrow(
        /file upload "photos" takes 2–3 files, got 1/,
      );
      await expect(user.modalSubmit('refs', { photos: [...one, ...one, ...one, ...one] })).rejects.toThrow(
        /file upload "photos" takes 2–3 files, got 4/,
      );
      await expect(user.modalSubmit('refs', {})).rejects.toThrow(/file upload "photos" is required/);
      await expect(
        user.modalSubmit('refs', {
          photos: [...one, { name: 'notes.txt', data: Buffer.from('x'), contentType: 'text/plain' }],
        }),
      ).rejects.toThrow(/file upload "photos" only accepts file types image; "notes.txt" \(text\/plain\)/);
      await expect(user.modalSubmit('refs', { photos: ['a.png', 'b.png'] })).rejects.toThrow(
        /file upload "photos" takes files/,
      );
      await expect(user.modalSubmit('refs', { photos: [...one, ...one], notes: [...one] })).rejects.toThrow(
        /text input "notes" takes a string/,
      );
      // None of the refused submissions closed the modal.
      const accepted = await user.modalSubmit('refs', { photos: [...one, ...one] });
      expect(accepted.callback.type).toBe(4);
    });

    it('refuses an uploaded file over the upload limit and keeps the modal open', async () => {
      const user = discord.user(ann);
      await user.slash('lora', { subcommand: 'upload' });
      const before = handled;
      const ok = { name: 'a.png', data: edit };
      await expect(
        user.modalSubmit('refs', { photos: [ok, { name: 'huge.png', data: Buffer.alloc(LIMIT + 1) }] }),
      ).rejects.toThrow(
        `fake Discord: modal "refs": field "photos": file "huge.png" is ${LIMIT + 1} bytes, over the ${LIMIT}-byte upload limit`,
      );
      expect(handled).toBe(before);
      const accepted = await user.modalSubmit('refs', { photos: [ok, ok] });
      expect(accepted.callback.type).toBe(4);
    });
  });

  it('left no handler errors behind', () => {
    expect(handlerErrors).toEqual([]);
  });
});

describe('attachment options without registered commands (strictCommands: false)', () => {
  it('dispatches a file as an attachment option with its resolved attachment', async () => {
    const state = new FakeState(resolveOptions({ strictCommands: false }));
    const data = await png(10, 20);
    const attachment = await prepareUpload(state, { name: 'a.png', data }, state.options.channelId, 'test');
    const invocation = resolveInvocation(state, {
      command: 'free',
      user: { id: '600000000000000001', username: 'ann' },
      options: { image: { attachment }, label: 'x' },
    });
    expect(invocation.options).toEqual([
      { name: 'image', type: 11, value: attachment.id },
      { name: 'label', type: 3, value: 'x' },
    ]);
    expect(invocation.resolved).toEqual({
      attachments: {
        [attachment.id]: expect.objectContaining({ filename: 'a.png', width: 10, height: 20 }) as unknown,
      },
    });
    // Read but not dispatched: nothing is served yet.
    expect(state.findAttachment(attachment.id)).toBeUndefined();
  });
});

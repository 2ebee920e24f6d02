import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  ContainerBuilder,
  Events,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  RESTEvents,
  Routes,
  SlashCommandBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Client,
  type Interaction,
  type RateLimitData,
  type TextChannel,
} from 'discord.js';
import { customIds, mediaUrls, startFakeDiscord, textOf, type FakeDiscord } from './index.ts';
import { loginClient } from './login.ts';

const commands = [
  new SlashCommandBuilder()
    .setName('project')
    .setDescription('Manage projects')
    .addSubcommand((sub) =>
      sub
        .setName('create')
        .setDescription('Create a project')
        .addStringOption((o) => o.setName('name').setDescription('Character name').setRequired(true)),
    )
    .addSubcommand((sub) =>
      sub
        .setName('find')
        .setDescription('Find a tag')
        .addStringOption((o) =>
          o.setName('tag').setDescription('e621 tag').setAutocomplete(true).setRequired(true),
        ),
    ),
  new SlashCommandBuilder().setName('notes').setDescription('Write research notes'),
  new SlashCommandBuilder().setName('whoami').setDescription('Where am I, with which roles'),
  new SlashCommandBuilder().setName('cleanup').setDescription('Reply, follow up, edit, delete'),
  new SlashCommandBuilder()
    .setName('settings')
    .setDescription('Server settings')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addRoleOption((o) => o.setName('editor_role').setDescription('Editors').setRequired(true))
    .addUserOption((o) => o.setName('friend').setDescription('A friend'))
    .addChannelOption((o) => o.setName('where').setDescription('A channel')),
].map((c) => c.toJSON());

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const TAGS = ['fox', 'fox_tail', 'forest', 'wolf'];

/** The last interaction the client built, for checks on what the payload carried. */
let lastInteraction: Interaction | undefined;

/** The bot under test: a few handlers written the way Kiln's will be. */
async function handle(interaction: Interaction): Promise<void> {
  lastInteraction = interaction;
  if (interaction.isAutocomplete()) {
    const typed = String(interaction.options.getFocused());
    await interaction.respond(TAGS.filter((t) => t.startsWith(typed)).map((t) => ({ name: t, value: t })));
    return;
  }
  if (interaction.isChatInputCommand() && interaction.commandName === 'project') {
    await interaction.deferReply();
    const name = interaction.options.getString('name', true);
    const card = new ContainerBuilder()
      .addTextDisplayComponents((t) => t.setContent(`Project ${name}`))
      .addMediaGalleryComponents((g) => g.addItems((item) => item.setURL('attachment://a.png')))
      .addActionRowComponents((row) =>
        row.setComponents(
          new ButtonBuilder().setCustomId('keep:1').setLabel('Keep').setStyle(ButtonStyle.Success),
          new ButtonBuilder().setCustomId('prune:1').setLabel('Prune').setStyle(ButtonStyle.Danger),
        ),
      );
    await interaction.editReply({
      flags: MessageFlags.IsComponentsV2,
      components: [card],
      files: [new AttachmentBuilder(PNG, { name: 'a.png' })],
    });
    await interaction.followUp({
      content: 'Pick a preset',
      components: [
        new ActionRowBuilder<StringSelectMenuBuilder>().setComponents(
          new StringSelectMenuBuilder()
            .setCustomId('preset')
            .setOptions({ label: 'Standard', value: 'standard' }, { label: 'Trash tier', value: 'trash' }),
        ),
      ],
    });
    return;
  }
  if (
    interaction.isChatInputCommand() &&
    interaction.commandName === 'whoami' &&
    interaction.inCachedGuild()
  ) {
    const roles = interaction.member.roles.cache
      .filter((r) => r.id !== interaction.guildId)
      .map((r) => r.name);
    const where = interaction.channel?.isThread() ? interaction.channel.name : 'channel';
    const content = `in ${where} with ${roles.join(',')}`;
    const response = await interaction.reply({ content, withResponse: true });
    if (response.resource?.message?.content !== content)
      throw new Error('callback response without the message');
    const fetched = await interaction.fetchReply();
    if (fetched.content !== content) throw new Error(`fetchReply returned ${fetched.content}`);
    return;
  }
  if (interaction.isChatInputCommand() && interaction.commandName === 'settings') {
    const role = interaction.options.getRole('editor_role', true);
    const friend = interaction.options.getUser('friend');
    const where = interaction.options.getChannel('where');
    await interaction.reply(
      `role=${role.name} friend=${friend?.username ?? '-'} where=${where?.name ?? '-'}`,
    );
    return;
  }
  if (interaction.isChatInputCommand() && interaction.commandName === 'cleanup') {
    await interaction.reply('working');
    const note = await interaction.followUp({ content: 'step 1', flags: MessageFlags.Ephemeral });
    await interaction.webhook.editMessage(note.id, { content: 'step 2' });
    await interaction.deleteReply();
    return;
  }
  if (interaction.isChatInputCommand() && interaction.commandName === 'notes') {
    await interaction.showModal(
      new ModalBuilder()
        .setCustomId('notes')
        .setTitle('Research notes')
        .addLabelComponents(
          new LabelBuilder()
            .setLabel('Canonical look')
            .setTextInputComponent(
              new TextInputBuilder().setCustomId('look').setStyle(TextInputStyle.Paragraph),
            ),
          new LabelBuilder()
            .setLabel('Outfits')
            .setTextInputComponent(
              new TextInputBuilder().setCustomId('outfits').setStyle(TextInputStyle.Short).setRequired(false),
            ),
        ),
    );
    return;
  }
  if (interaction.isModalSubmit()) {
    const look = interaction.fields.getTextInputValue('look');
    const outfits = interaction.fields.getTextInputValue('outfits');
    await interaction.reply({ content: `look=${look}; outfits=${outfits}`, flags: MessageFlags.Ephemeral });
    return;
  }
  if (interaction.isButton()) {
    await interaction.deferUpdate();
    const card = new ContainerBuilder().addTextDisplayComponents((t) =>
      t.setContent(`${interaction.customId} by ${interaction.user.username}`),
    );
    await interaction.editReply({ components: [card] });
    return;
  }
  if (interaction.isStringSelectMenu()) {
    await interaction.update({ content: `preset: ${interaction.values.join(',')}`, components: [] });
  }
}

describe('fake Discord with the real discord.js client', () => {
  let discord: FakeDiscord;
  let client: Client;
  const handlerErrors: unknown[] = [];

  beforeAll(async () => {
    discord = await startFakeDiscord({ roles: [{ id: '700000000000000009', name: 'Curators' }] });
    client = await loginClient(discord, (c) => {
      c.on(Events.InteractionCreate, (interaction) => {
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

  it('logs the client in and hands it the guild with its channel, roles and the bot member', () => {
    const guild = client.guilds.cache.get(discord.guildId);
    expect(guild?.channels.cache.get(discord.channelId)?.name).toBe('general');
    expect(guild?.roles.everyone.id).toBe(discord.guildId);
    expect(guild?.members.me?.id).toBe(discord.botUserId);
    expect(client.user?.id).toBe(discord.botUserId);
    expect(discord.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', status: 200 });
  });

  it('keeps the registered commands and gives them ids', () => {
    expect(discord.commands()).toEqual([
      expect.objectContaining({
        name: 'project',
        id: expect.stringMatching(/^\d+$/) as unknown,
        guild_id: discord.guildId,
      }),
      expect.objectContaining({ name: 'notes' }),
      expect.objectContaining({ name: 'whoami' }),
      expect.objectContaining({ name: 'cleanup' }),
      expect.objectContaining({ name: 'settings', default_member_permissions: '32' }),
    ]);
  });

  it('builds interactions with everything discord.js reads from the payload', async () => {
    await discord.user({ id: '600000000000000001', username: 'ann' }).slash('whoami');
    const interaction = lastInteraction;
    if (!interaction?.inCachedGuild()) throw new Error('expected a cached guild interaction');
    expect(interaction.attachmentSizeLimit).toBe(10 * 1024 * 1024);
    expect(interaction.context).toBe(0);
    expect(interaction.locale).toBe('en-US');
    expect(interaction.channelId).toBe(discord.channelId);
    expect(interaction.memberPermissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)).toBe(false);
    expect(interaction.appPermissions.has(PermissionFlagsBits.CreatePublicThreads)).toBe(true);
    expect(interaction.authorizingIntegrationOwners.guildId).toBe(discord.guildId);
    expect(BigInt(interaction.id)).toBeGreaterThan(BigInt(discord.guildId));
  });

  it('turns a deferred slash command reply into a Components V2 card with an uploaded image', async () => {
    const result = await discord.user({ id: '600000000000000001', username: 'ann' }).slash('project', {
      subcommand: 'create',
      options: { name: 'renamon' },
    });
    expect(result.callback.type).toBe(5);
    const card = await result.waitForOriginal();
    expect(card.flags & MessageFlags.IsComponentsV2).toBeTruthy();
    expect(textOf(card)).toBe('Project renamon');
    expect(customIds(card)).toEqual(['keep:1', 'prune:1']);
    expect(mediaUrls(card)).toEqual(['attachment://a.png']);
    expect(card.attachments).toEqual([expect.objectContaining({ filename: 'a.png', size: PNG.length })]);
    const edit = discord.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(edit?.files).toEqual([
      expect.objectContaining({ field: 'files[0]', name: 'a.png', size: PNG.length }),
    ]);
    const followUp = await result.waitForFollowUp();
    expect(followUp.content).toBe('Pick a preset');
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('edits the message a button sits on after deferUpdate', async () => {
    const ann = discord.user({ id: '600000000000000001', username: 'ann' });
    const created = await ann.slash('project', { subcommand: 'create', options: { name: 'krystal' } });
    const card = await created.waitForOriginal();
    const click = await discord.user({ id: '600000000000000002', username: 'bob' }).button(card, 'prune:1');
    expect(click.callback.type).toBe(6);
    const edited = await click.waitForOriginal();
    expect(edited.id).toBe(card.id);
    expect(textOf(edited)).toBe('prune:1 by bob');
    const previous = edited.history.at(-1);
    expect(previous && textOf(previous)).toBe('Project krystal');
  });

  it('updates a follow-up from its string select', async () => {
    const ann = discord.user({ id: '600000000000000001', username: 'ann' });
    const created = await ann.slash('project', { subcommand: 'create', options: { name: 'lucario' } });
    const picker = await created.waitForFollowUp();
    const picked = await ann.select(picker, 'preset', ['trash']);
    expect(picked.callback.type).toBe(7);
    expect(picked.original()).toMatchObject({ id: picker.id, content: 'preset: trash', components: [] });
  });

  it('delivers a modal submit whose Label-wrapped text inputs the client reads', async () => {
    const ann = discord.user({ id: '600000000000000001', username: 'ann' });
    const opened = await ann.slash('notes');
    expect(opened.callback).toMatchObject({ type: 9, data: { custom_id: 'notes', title: 'Research notes' } });
    const submitted = await ann.modalSubmit('notes', { look: 'orange fur, purple gloves' });
    expect(submitted.callback.type).toBe(4);
    const reply = submitted.original();
    expect(reply?.content).toBe('look=orange fur, purple gloves; outfits=');
    expect(reply?.flags).toBe(MessageFlags.Ephemeral);
    await expect(ann.modalSubmit('notes', { look: 'again' })).rejects.toThrow(/no modal "notes" is open/);
  });

  it('answers autocomplete with the choices the bot computed', async () => {
    const result = await discord
      .user({ id: '600000000000000003', username: 'cat' })
      .autocomplete('project', { subcommand: 'find', focused: 'tag', options: { tag: 'fo' } });
    expect(result.callback).toMatchObject({
      type: 8,
      data: {
        choices: [
          { name: 'fox', value: 'fox' },
          { name: 'fox_tail', value: 'fox_tail' },
          { name: 'forest', value: 'forest' },
        ],
      },
    });
  });

  it('resolves role, user and channel options for the client', async () => {
    discord.user({ id: '600000000000000002', username: 'bob' });
    const mod = discord.user({
      id: '600000000000000009',
      username: 'mod',
      permissions: PermissionFlagsBits.ManageGuild,
    });
    const result = await mod.slash('settings', {
      options: { editor_role: '700000000000000009', friend: '600000000000000002', where: discord.channelId },
    });
    expect(result.original()?.content).toBe('role=Curators friend=bob where=general');
  });

  it('hides a command from members without its default permissions', async () => {
    await expect(
      discord
        .user({ id: '600000000000000001', username: 'ann' })
        .slash('settings', { options: { editor_role: '700000000000000009' } }),
    ).rejects.toThrow(/lacks default_member_permissions 32/);
  });

  it('edits a follow-up by id and deletes the original reply', async () => {
    const result = await discord.user({ id: '600000000000000001', username: 'ann' }).slash('cleanup');
    const note = await result.waitForFollowUp((m) => m.content === 'step 2');
    expect(note.flags).toBe(MessageFlags.Ephemeral);
    expect(note.history.map((v) => v.content)).toEqual(['step 1']);
    await discord.waitForRequest(
      (r) => r.method === 'DELETE' && r.path.endsWith(`/${result.token}/messages/@original`),
    );
    expect(result.original()).toBeUndefined();
  });

  it('refuses actions a Discord user could not take', async () => {
    const ann = discord.user({ id: '600000000000000001', username: 'ann' });
    await expect(ann.slash('project', { subcommand: 'create' })).rejects.toThrow(/required option "name"/);
    await expect(ann.slash('unknown')).rejects.toThrow(/not registered/);
    const created = await ann.slash('project', { subcommand: 'create', options: { name: 'x' } });
    const card = await created.waitForOriginal();
    await expect(ann.button(card, 'nope')).rejects.toThrow(/no button "nope"/);
  });

  it('retries a 429 the way discord.js does and then succeeds', async () => {
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    const limited: RateLimitData[] = [];
    client.rest.on(RESTEvents.RateLimited, (info) => limited.push(info));
    discord.failNext({ method: 'POST', pathPrefix: '/channels' }, { status: 429, retryAfter: 0.2 });
    const sent = await channel.send('after the limit');
    expect(sent.content).toBe('after the limit');
    const posts = discord.requests.filter(
      (r) => r.method === 'POST' && r.path === `/channels/${discord.channelId}/messages`,
    );
    expect(posts.slice(-2).map((r) => r.status)).toEqual([429, 200]);
    expect(posts.at(-2)?.response).toEqual({
      message: 'You are being rate limited.',
      retry_after: 0.2,
      global: false,
    });
    expect(limited).toEqual([expect.objectContaining({ scope: 'user', global: false })]);
  });

  it('creates a public thread, dispatches THREAD_CREATE and accepts posts in it', async () => {
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    const created = new Promise((resolve) => client.once(Events.ThreadCreate, resolve));
    const thread = await channel.threads.create({
      name: 'renamon',
      type: ChannelType.PublicThread,
      autoArchiveDuration: 1440,
    });
    await created;
    await thread.send('first post');
    expect(discord.channel(thread.id)).toMatchObject({
      type: 11,
      name: 'renamon',
      parentId: discord.channelId,
      autoArchiveDuration: 1440,
    });
    expect(discord.channel(thread.id)?.messages.map((m) => m.content)).toEqual(['first post']);
    expect(discord.threads().map((t) => t.id)).toContain(thread.id);
  });

  it('runs a slash command inside a thread for a member whose role the client learns of', async () => {
    const channel = client.channels.cache.get(discord.channelId) as TextChannel;
    const thread = await channel.threads.create({ name: 'lucario', type: ChannelType.PublicThread });
    const dee = discord.user({ id: '600000000000000004', username: 'dee', roles: ['700000000000000001'] });
    const result = await dee.slash('whoami', { channelId: thread.id });
    expect(result.original()).toMatchObject({
      channelId: thread.id,
      content: 'in lucario with role-700000000000000001',
    });
    await thread.leave();
    await thread.join();
    const join = await discord.waitForRequest(
      (r) => r.method === 'PUT' && r.path === `/channels/${thread.id}/thread-members/@me`,
    );
    expect(join.status).toBe(204);
    expect(discord.channel(thread.id)?.memberIds).toEqual([discord.botUserId]);
  });

  it('records unknown routes as 404 with Discord’s error shape', async () => {
    await expect(client.rest.get('/nowhere/at/all')).rejects.toMatchObject({ status: 404, code: 0 });
    expect(discord.requests.at(-1)).toMatchObject({
      path: '/nowhere/at/all',
      status: 404,
      response: { code: 0, message: '404: Not Found' },
    });
  });

  it('left no handler errors behind', () => {
    expect(handlerErrors).toEqual([]);
  });
});

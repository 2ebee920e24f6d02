import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DiscordAPIError,
  Events,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Client,
  type Interaction,
} from 'discord.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from './index.ts';
import { loginClient } from './login.ts';

/**
 * Interaction deadlines and acknowledgement rules, exercised through the real client: what the bot
 * gets back is the DiscordAPIError discord.js raises.
 */
describe('fake Discord interaction rules', () => {
  let discord: FakeDiscord | undefined;
  let client: Client | undefined;
  const ann = { id: '600000000000000001', username: 'ann' };

  afterEach(async () => {
    await client?.destroy();
    await discord?.close();
    client = undefined;
    discord = undefined;
  });

  /** Starts a fake and a client whose handler reports the first API error it meets. */
  async function setUp(
    options: FakeDiscordOptions,
    handler: (interaction: Interaction) => Promise<void>,
  ): Promise<{ fake: FakeDiscord; apiError: Promise<DiscordAPIError> }> {
    const fake = await startFakeDiscord({ strictCommands: false, ...options });
    discord = fake;
    let report: (error: DiscordAPIError) => void = () => undefined;
    const apiError = new Promise<DiscordAPIError>((resolve) => (report = resolve));
    client = await loginClient(fake, (c) => {
      c.on(Events.InteractionCreate, (interaction) => {
        handler(interaction).catch((error: unknown) => {
          if (error instanceof DiscordAPIError) report(error);
          else throw error;
        });
      });
    });
    return { fake, apiError };
  }

  it('refuses a second initial response with 40060', async () => {
    const { fake, apiError } = await setUp({}, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      // discord.js itself refuses a second reply, so go around it as a buggy bot could.
      await interaction.client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
        body: { type: 4, data: { content: 'again' } },
        auth: false,
      });
    });
    const result = await fake.user(ann).slash('ping');
    expect(result.callback.type).toBe(5);
    expect(await apiError).toMatchObject({ status: 400, code: 40060 });
  });

  it('refuses an initial response after the deadline with 10062, and the action fails', async () => {
    const { fake, apiError } = await setUp({ initialResponseDeadlineMs: 50 }, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await sleep(150);
      await interaction.deferReply();
    });
    await expect(fake.user(ann).slash('slow')).rejects.toThrow(/after the 50 ms deadline: 10062/);
    expect(await apiError).toMatchObject({ status: 404, code: 10062 });
  });

  it('refuses an edit after the follow-up window with 50027', async () => {
    const { fake, apiError } = await setUp({ followUpWindowMs: 100 }, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await sleep(200);
      await interaction.editReply('too late');
    });
    const result = await fake.user(ann).slash('train');
    expect(await apiError).toMatchObject({ status: 401, code: 50027 });
    expect(result.original()?.flags).toBe(MessageFlags.Loading);
  });

  it('refuses a modal as the answer to a modal submit', async () => {
    const modal = new ModalBuilder()
      .setCustomId('notes')
      .setTitle('Notes')
      .addLabelComponents(
        new LabelBuilder()
          .setLabel('Look')
          .setTextInputComponent(new TextInputBuilder().setCustomId('look').setStyle(TextInputStyle.Short)),
      );
    const { fake, apiError } = await setUp({}, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.showModal(modal);
      if (interaction.isModalSubmit()) {
        try {
          // discord.js has no showModal on a modal submit; a raw callback is what Discord refuses.
          await interaction.client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
            body: { type: 9, data: modal.toJSON() },
            auth: false,
          });
        } finally {
          await interaction.reply({ content: 'fallback', flags: MessageFlags.Ephemeral });
        }
      }
    });
    const actor = fake.user(ann);
    await actor.slash('notes');
    const submitted = await actor.modalSubmit('notes', { look: 'blue' });
    expect(submitted.callback.type).toBe(4);
    const error = await apiError;
    expect(error).toMatchObject({ status: 400, code: 50035 });
    expect(error.rawError).toMatchObject({ errors: { type: { _errors: [{ code: 'BASE_TYPE_CHOICES' }] } } });
  });

  it('refuses a deferred reply that asks for Components V2 (V2 comes with the edit)', async () => {
    const { fake, apiError } = await setUp({}, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      try {
        await interaction.deferReply({
          flags: MessageFlags.IsComponentsV2 as number as MessageFlags.Ephemeral,
        });
      } finally {
        await interaction.deferReply();
      }
    });
    const result = await fake.user(ann).slash('card');
    expect(result.callback.type).toBe(5);
    expect(await apiError).toMatchObject({ status: 400, code: 50035 });
  });

  it('validates a reply like any message: a refused reply leaves the interaction unanswered', async () => {
    const { fake, apiError } = await setUp({}, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const tooLong = { type: 2, style: 1, label: 'Vote', custom_id: 'x'.repeat(101) };
      try {
        await interaction.reply({ components: [{ type: 1, components: [tooLong] }] });
      } finally {
        await interaction.reply('plain fallback');
      }
    });
    const result = await fake.user(ann).slash('vote');
    expect(result.original()?.content).toBe('plain fallback');
    const error = await apiError;
    expect(error).toMatchObject({ status: 400, code: 50035 });
    expect(error.rawError).toMatchObject({
      errors: { data: { components: { 0: { components: { 0: { custom_id: {} } } } } } },
    });
  });

  it('rejects follow-ups and edits of a message that is not the interaction’s', async () => {
    const { fake, apiError } = await setUp({}, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply('mine');
      await interaction.webhook.editMessage('123456789012345678', { content: 'not mine' });
    });
    await fake.user(ann).slash('ping');
    expect(await apiError).toMatchObject({ status: 404, code: 10008 });
  });
});

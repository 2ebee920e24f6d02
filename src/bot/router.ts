import type { Interaction } from 'discord.js';
import { UserError } from '../core/errors.ts';
import { acknowledge, withBoundary } from './boundary.ts';
import { LORA_COMMAND, loraSubcommands } from './commands/index.ts';
import { componentHandlers, modalHandlers } from './components/index.ts';
import type { BotContext } from './context.ts';
import type { AnyComponentHandler, AnyModalHandler, HandlerContext } from './handler-types.ts';

const subcommandsByName = new Map(loraSubcommands.map((subcommand) => [subcommand.name, subcommand]));

function outOfDate(): UserError {
  return new UserError(
    'project-gone',
    'This button comes from an older version of Kiln. `/lora info` posts a fresh card.',
  );
}

function claim<H extends AnyComponentHandler | AnyModalHandler>(
  handlers: readonly H[],
  customId: string,
): { handler: H; data: unknown } | null {
  for (const handler of handlers) {
    const data: unknown = handler.codec.decode(customId);
    if (data !== null) return { handler, data };
    if (handler.codec.isStale(customId)) throw outOfDate();
  }
  return null;
}

/** Sends each interaction to its handler inside the one error boundary. */
export async function routeInteraction(interaction: Interaction, bot: BotContext): Promise<void> {
  const log = bot.log.child({
    interaction: interaction.id,
    user: interaction.user.id,
    guild: interaction.guildId,
    channel: interaction.channelId,
  });
  const context: HandlerContext = { ...bot, log };
  await withBoundary(interaction, log, async () => {
    if (!interaction.inCachedGuild()) {
      throw new UserError('not-in-guild', 'Kiln works inside a server, not in direct messages.');
    }
    if (interaction.isChatInputCommand() || interaction.isAutocomplete()) {
      if (interaction.commandName !== LORA_COMMAND) throw new UserError('not-found', 'Unknown command.');
      const name = interaction.options.getSubcommand();
      const subcommand = subcommandsByName.get(name);
      if (!subcommand) throw new UserError('not-found', `Unknown command /lora ${name}.`);
      if (interaction.isAutocomplete()) {
        if (subcommand.autocomplete) await subcommand.autocomplete(interaction, context);
        else await interaction.respond([]);
        return;
      }
      log.info({ command: `lora ${name}` }, 'command');
      await acknowledge(interaction, subcommand.acknowledge);
      await subcommand.run(interaction, context);
      return;
    }
    if (interaction.isMessageComponent()) {
      const claimed = claim(componentHandlers, interaction.customId);
      if (!claimed) throw outOfDate();
      const { handler, data } = claimed;
      log.info({ customId: interaction.customId }, 'component');
      const how = typeof handler.acknowledge === 'function' ? handler.acknowledge(data) : handler.acknowledge;
      await acknowledge(interaction, how);
      await handler.run(interaction, data, context);
      return;
    }
    if (interaction.isModalSubmit()) {
      const claimed = claim(modalHandlers, interaction.customId);
      if (!claimed) throw outOfDate();
      log.info({ customId: interaction.customId }, 'modal');
      await acknowledge(interaction, claimed.handler.acknowledge);
      await claimed.handler.run(interaction, claimed.data, context);
    }
  });
}

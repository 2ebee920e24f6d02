import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageComponentInteraction,
  ModalSubmitInteraction,
  SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { Logger } from '../log.ts';
import type { BotContext } from './context.ts';
import type { CustomIdCodec } from '../views/custom-id.ts';

/** Every handler gets the shared context plus a logger bound to its interaction. */
export interface HandlerContext extends BotContext {
  log: Logger;
}

/**
 * How the boundary acknowledges before running the handler, so the 3 s deadline is never at risk:
 * 'ephemeral' / 'public' defer a reply, 'update' defers a component update, 'none' leaves it to the
 * handler (only for handlers that answer at once, e.g. by opening a modal).
 */
export type Acknowledge = 'ephemeral' | 'public' | 'update' | 'none';

export interface Subcommand {
  name: string;
  build(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder;
  acknowledge: Exclude<Acknowledge, 'update'>;
  run(interaction: ChatInputCommandInteraction<'cached'>, context: HandlerContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction<'cached'>, context: HandlerContext): Promise<void>;
}

export interface ComponentHandler<T> {
  codec: CustomIdCodec<T>;
  acknowledge: Acknowledge | ((data: T) => Acknowledge);
  run(interaction: MessageComponentInteraction<'cached'>, data: T, context: HandlerContext): Promise<void>;
}

export interface ModalHandler<T> {
  codec: CustomIdCodec<T>;
  acknowledge: Exclude<Acknowledge, 'update'>;
  run(interaction: ModalSubmitInteraction<'cached'>, data: T, context: HandlerContext): Promise<void>;
}

/** Erases the data type so handlers of different families can sit in one list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyComponentHandler = ComponentHandler<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModalHandler = ModalHandler<any>;

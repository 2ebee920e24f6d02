/**
 * INTERACTION_CREATE payloads with every field discord.js 14.28 reads (reference/discord.md §2.1):
 * member with permissions, app_permissions, the channel object, guild_id, locale, entitlements,
 * authorizing_integration_owners, context 0 and attachment_size_limit.
 */
import {
  ApplicationCommandType,
  ComponentType,
  InteractionContextType,
  InteractionType,
  Locale,
  type APIApplicationCommandAutocompleteGuildInteraction,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIInteraction,
  type APIMessageComponentGuildInteraction,
  type APIModalSubmitGuildInteraction,
} from 'discord-api-types/v10';
import { apiChannel, apiInteractionMember, apiMessage, memberPermissions } from './api-objects.ts';
import type { ResolvedInvocation } from './command-options.ts';
import type { FakeState } from './state.ts';
import type { FakeChannel, FakeMessage, FakeUser } from './types.ts';

export interface InteractionIdentity {
  id: string;
  token: string;
  user: FakeUser;
  channel: FakeChannel;
}

function base(state: FakeState, identity: InteractionIdentity) {
  const { options } = state;
  return {
    id: identity.id,
    application_id: options.applicationId,
    token: identity.token,
    version: 1 as const,
    guild_id: options.guildId,
    guild: { id: options.guildId, locale: Locale.EnglishUS, features: [] },
    channel_id: identity.channel.id,
    channel: {
      ...apiChannel(state, identity.channel),
      permissions: String(memberPermissions(identity.user)),
    } as unknown as APIChatInputApplicationCommandGuildInteraction['channel'],
    member: apiInteractionMember(state, identity.user),
    app_permissions: String(options.botPermissions),
    locale: Locale.EnglishUS,
    guild_locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { 0: options.guildId },
    context: InteractionContextType.Guild,
    attachment_size_limit: options.uploadLimitBytes,
  };
}

/** The `data` of a slash command or its autocomplete: the same shape, the focused option aside. */
function commandData(command: string, resolved: ResolvedInvocation) {
  return {
    id: resolved.commandId,
    name: command,
    type: ApplicationCommandType.ChatInput,
    ...(resolved.guildId ? { guild_id: resolved.guildId } : {}),
    ...(resolved.resolved ? { resolved: resolved.resolved } : {}),
    options: resolved.options,
  };
}

export function chatInputPayload(
  state: FakeState,
  identity: InteractionIdentity,
  command: string,
  resolved: ResolvedInvocation,
): APIChatInputApplicationCommandGuildInteraction {
  return {
    ...base(state, identity),
    type: InteractionType.ApplicationCommand,
    data: commandData(command, resolved) as unknown as APIChatInputApplicationCommandGuildInteraction['data'],
  };
}

export function autocompletePayload(
  state: FakeState,
  identity: InteractionIdentity,
  command: string,
  resolved: ResolvedInvocation,
): APIApplicationCommandAutocompleteGuildInteraction {
  return {
    ...base(state, identity),
    type: InteractionType.ApplicationCommandAutocomplete,
    data: commandData(
      command,
      resolved,
    ) as unknown as APIApplicationCommandAutocompleteGuildInteraction['data'],
  };
}

export function buttonPayload(
  state: FakeState,
  identity: InteractionIdentity,
  message: FakeMessage,
  customId: string,
): APIMessageComponentGuildInteraction {
  return {
    ...base(state, identity),
    type: InteractionType.MessageComponent,
    message: apiMessage(state, message),
    data: { custom_id: customId, component_type: ComponentType.Button },
  };
}

export function selectPayload(
  state: FakeState,
  identity: InteractionIdentity,
  message: FakeMessage,
  customId: string,
  values: string[],
): APIMessageComponentGuildInteraction {
  return {
    ...base(state, identity),
    type: InteractionType.MessageComponent,
    message: apiMessage(state, message),
    data: { custom_id: customId, component_type: ComponentType.StringSelect, values },
  };
}

export function modalSubmitPayload(
  state: FakeState,
  identity: InteractionIdentity,
  customId: string,
  components: unknown[],
  message: FakeMessage | null,
  resolved: Record<string, Record<string, unknown>> | null = null,
): APIModalSubmitGuildInteraction {
  return {
    ...base(state, identity),
    type: InteractionType.ModalSubmit,
    ...(message ? { message: apiMessage(state, message) } : {}),
    data: {
      custom_id: customId,
      components,
      ...(resolved ? { resolved } : {}),
    } as APIModalSubmitGuildInteraction['data'],
  };
}

export type AnyInteractionPayload = APIInteraction;

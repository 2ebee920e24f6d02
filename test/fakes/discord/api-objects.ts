/**
 * Serialises the fake's state into Discord's API objects, with the fields discord.js 14.28 reads
 * (see the minimum field lists in reference/discord.md §2.1).
 */
import type {
  APIApplicationCommand,
  APIAttachment,
  APIGuildMember,
  APIInteractionGuildMember,
  APIMessage,
  APIMessageTopLevelComponent,
  APIRole,
  APIUser,
} from 'discord-api-types/v10';
import { isThread, type FakeState, type StoredCommand } from './state.ts';
import type { FakeAttachment, FakeChannel, FakeMessage, FakeRole, FakeUser } from './types.ts';
import { DEFAULT_MEMBER_PERMISSIONS } from './state.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function apiUser(user: { id: string; username: string }, bot = false): APIUser {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: bot ? null : user.username,
    avatar: null,
    ...(bot ? { bot: true } : {}),
  };
}

export function apiBotUser(state: FakeState): APIUser {
  return apiUser(state.botUser, true);
}

export function apiRole(role: FakeRole, position: number): APIRole {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    position,
    permissions: String(role.permissions ?? 0n),
    managed: false,
    mentionable: false,
    flags: 0 as APIRole['flags'],
  };
}

export function apiMember(state: FakeState, user: FakeUser): APIGuildMember {
  return {
    user: apiUser(user),
    nick: null,
    roles: user.roles ?? [],
    joined_at: iso(state.createdAt),
    deaf: false,
    mute: false,
    flags: 0 as APIGuildMember['flags'],
  };
}

/** The member as an interaction carries it: with the permissions the user has in the channel. */
export function apiInteractionMember(state: FakeState, user: FakeUser): APIInteractionGuildMember {
  return {
    ...apiMember(state, user),
    user: apiUser(user),
    permissions: String(memberPermissions(user)),
  };
}

export function memberPermissions(user: FakeUser): bigint {
  return user.permissions ?? DEFAULT_MEMBER_PERMISSIONS;
}

function apiBotMember(state: FakeState): APIGuildMember {
  return {
    user: apiBotUser(state),
    nick: null,
    roles: [state.botRoleId],
    joined_at: iso(state.createdAt),
    deaf: false,
    mute: false,
    flags: 0 as APIGuildMember['flags'],
  };
}

function lastMessageId(channel: FakeChannel): string | null {
  return channel.messages.at(-1)?.id ?? null;
}

/** A guild text channel or a thread, as GET /channels/{id} returns it. */
export function apiChannel(state: FakeState, channel: FakeChannel): Record<string, unknown> {
  if (isThread(channel)) {
    const count = channel.messages.length;
    return {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      parent_id: channel.parentId,
      owner_id: channel.ownerId,
      name: channel.name,
      last_message_id: lastMessageId(channel),
      rate_limit_per_user: 0,
      message_count: count,
      total_message_sent: count,
      member_count: channel.memberIds.length,
      flags: 0,
      thread_metadata: {
        archived: channel.archived,
        auto_archive_duration: channel.autoArchiveDuration,
        archive_timestamp: iso(channel.createdAt),
        locked: channel.locked,
        create_timestamp: iso(channel.createdAt),
        ...(channel.type === 12 ? { invitable: true } : {}),
      },
      ...(channel.memberIds.includes(state.botUser.id)
        ? {
            member: {
              id: channel.id,
              user_id: state.botUser.id,
              join_timestamp: iso(channel.createdAt),
              flags: 0,
            },
          }
        : {}),
    };
  }
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: 0,
    permission_overwrites: [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: lastMessageId(channel),
    rate_limit_per_user: 0,
    flags: 0,
  };
}

export function apiAttachment(attachment: FakeAttachment): APIAttachment {
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    content_type: attachment.contentType,
    ...(attachment.description === null ? {} : { description: attachment.description }),
    ...(attachment.width !== undefined && attachment.height !== undefined
      ? { width: attachment.width, height: attachment.height }
      : {}),
    ...(attachment.ephemeral ? { ephemeral: true } : {}),
  };
}

/**
 * Discord answers with `attachment://name` media resolved to the uploaded file's URL; the fake keeps the
 * raw form in its state (easier to assert on) and resolves it here.
 */
function resolveMedia(value: unknown, attachments: readonly FakeAttachment[]): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveMedia(item, attachments));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const url = (inner as { url?: unknown } | null)?.url;
    if ((key === 'media' || key === 'file') && typeof url === 'string' && url.startsWith('attachment://')) {
      const found = attachments.find((a) => a.filename === url.slice('attachment://'.length));
      out[key] = found
        ? {
            url: found.url,
            proxy_url: found.url,
            content_type: found.contentType,
            attachment_id: found.id,
          }
        : inner;
    } else {
      out[key] = resolveMedia(inner, attachments);
    }
  }
  return out;
}

export function apiMessage(state: FakeState, message: FakeMessage): APIMessage {
  const channel = state.channels.get(message.channelId);
  const author =
    message.authorId === state.botUser.id
      ? apiBotUser(state)
      : apiUser(state.members.get(message.authorId) ?? { id: message.authorId, username: 'unknown' });
  const invoker = message.interactionUserId ? state.members.get(message.interactionUserId) : undefined;
  const interaction = message.interactionId ? state.interactions.get(message.interactionId) : undefined;
  const thread = message.threadId ? state.channels.get(message.threadId) : undefined;
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(channel ? { guild_id: channel.guildId } : {}),
    author,
    content: message.content,
    timestamp: iso(message.createdAt),
    edited_timestamp: message.editedAt === null ? null : iso(message.editedAt),
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map(apiAttachment),
    embeds: message.embeds,
    pinned: false,
    type: message.type,
    flags: message.flags,
    components: resolveMedia(message.components, message.attachments) as APIMessageTopLevelComponent[],
    ...(message.interactionId
      ? { webhook_id: state.options.applicationId, application_id: state.options.applicationId }
      : {}),
    ...(interaction && invoker
      ? {
          interaction_metadata: {
            id: interaction.id,
            type: interaction.type,
            user: apiUser(invoker),
            authorizing_integration_owners: { 0: state.options.guildId },
          },
        }
      : {}),
    ...(thread ? { thread: apiChannel(state, thread) as unknown as APIMessage['thread'] } : {}),
  } as APIMessage;
}

export function apiCommand(state: FakeState, command: StoredCommand): APIApplicationCommand {
  return {
    type: 1,
    options: [],
    default_member_permissions: null,
    nsfw: false,
    description_localizations: null,
    name_localizations: null,
    ...command.data,
    id: command.id,
    application_id: state.options.applicationId,
    version: command.version,
    ...(command.guildId ? { guild_id: command.guildId } : {}),
  } as unknown as APIApplicationCommand;
}

/** GUILD_CREATE: the guild, its channel, roles (incl. @everyone), members and the active threads. */
export function apiGuildCreate(state: FakeState): Record<string, unknown> {
  const roles = [...state.roles.values()].map((role, index) => apiRole(role, index));
  const channels = [...state.channels.values()].filter((c) => !c.deleted && !isThread(c));
  // Discord only sends active threads; archived ones are fetched on demand.
  const threads = state.threads().filter((t) => !t.deleted && !t.archived);
  const members = [apiBotMember(state), ...[...state.members.values()].map((u) => apiMember(state, u))];
  return {
    id: state.options.guildId,
    name: state.guildName,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: state.guildOwnerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles,
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: state.options.channelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    large: false,
    unavailable: false,
    member_count: members.length,
    joined_at: iso(state.createdAt),
    members,
    channels: channels.map((c) => apiChannel(state, c)),
    threads: threads.map((t) => apiChannel(state, t)),
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

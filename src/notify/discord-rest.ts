import { REST, Routes, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { discordRestRequest } from './rest-request.ts';

/** A message as the worker sends it: JSON body plus optional files (multipart). */
export interface OutgoingMessage {
  body: RESTPostAPIChannelMessageJSONBody;
  files?: Array<{ name: string; data: Buffer; contentType?: string }>;
}

/** Kiln's default for every message: no @everyone, role or user ping unless the message names whom. */
export const NO_MENTIONS = { parse: [] as never[] };

/** The body with `allowed_mentions` set: a message that names none pings nobody, whatever its text says. */
export function withSafeMentions(body: RESTPostAPIChannelMessageJSONBody): RESTPostAPIChannelMessageJSONBody {
  return body.allowed_mentions ? body : { ...body, allowed_mentions: NO_MENTIONS };
}

/**
 * The worker talks to Discord through REST only (no gateway): post and edit messages in project threads.
 * discord.js's REST client handles rate limits and 429 retries.
 */
export interface DiscordPoster {
  post(channelId: string, message: OutgoingMessage): Promise<string>;
  edit(channelId: string, messageId: string, message: OutgoingMessage): Promise<void>;
}

export function createDiscordPoster(options: { token: string; apiUrl?: string | undefined }): DiscordPoster {
  const rest = new REST({
    makeRequest: discordRestRequest,
    ...(options.apiUrl ? { api: options.apiUrl } : {}),
  }).setToken(options.token);
  const toFiles = (message: OutgoingMessage) =>
    message.files?.map((file) => ({
      name: file.name,
      data: file.data,
      ...(file.contentType ? { contentType: file.contentType } : {}),
    }));
  return {
    async post(channelId, message) {
      const files = toFiles(message);
      const created = (await rest.post(Routes.channelMessages(channelId), {
        body: withSafeMentions(message.body),
        ...(files ? { files } : {}),
      })) as { id: string };
      return created.id;
    },
    async edit(channelId, messageId, message) {
      const files = toFiles(message);
      await rest.patch(Routes.channelMessage(channelId, messageId), {
        body: withSafeMentions(message.body),
        ...(files ? { files } : {}),
      });
    },
  };
}

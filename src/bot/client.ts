import { Client, GatewayIntentBits, Partials } from 'discord.js';
import { NO_MENTIONS } from '../notify/discord-rest.ts';
import { discordRestRequest } from '../notify/rest-request.ts';

export interface DiscordClientOptions {
  /** REST base, e.g. a proxy or the test stand-in; defaults to Discord's. */
  apiUrl?: string | undefined;
}

/**
 * The bot needs only the Guilds intent: interactions carry the member and everything else, so no
 * privileged intent (message content, members) is requested.
 */
export function createDiscordClient(options: DiscordClientOptions = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    partials: [Partials.Channel],
    // User text (names, notes, tags) lands in messages: nothing pings unless a reply names whom on purpose.
    allowedMentions: NO_MENTIONS,
    rest: { makeRequest: discordRestRequest, ...(options.apiUrl ? { api: options.apiUrl } : {}) },
  });
}

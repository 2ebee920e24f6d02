import { Client, GatewayIntentBits, Partials } from 'discord.js';
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
    rest: { makeRequest: discordRestRequest, ...(options.apiUrl ? { api: options.apiUrl } : {}) },
  });
}

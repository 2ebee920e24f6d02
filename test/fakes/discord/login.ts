import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, type ClientOptions } from 'discord.js';
import type { FakeDiscord } from './types.ts';

/**
 * A real discord.js Client pointed at the fake and logged in; resolves once `clientReady` fired
 * (the guild has arrived). `setup` runs before login, so listeners miss nothing.
 */
export async function loginClient(
  discord: FakeDiscord,
  setup?: (client: Client) => void,
  options: Partial<ClientOptions> = {},
): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...options,
    rest: { ...options.rest, api: discord.apiUrl },
  });
  setup?.(client);
  const ready = once(client, Events.ClientReady);
  try {
    await client.login(discord.token);
    await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  }
  return client;
}

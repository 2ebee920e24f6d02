import { DiscordAPIError, REST, Routes } from 'discord.js';
import { UserError } from '../core/errors.ts';
import { commandDefinitions } from './commands/index.ts';

export interface DeployTarget {
  token: string;
  applicationId: string;
  /** One guild (instant, for development); omitted means global. */
  guildId?: string | undefined;
  apiUrl?: string | undefined;
}

/** Replaces the registered slash commands with Kiln's (a bulk overwrite, as Discord recommends). */
export async function deployCommands(target: DeployTarget): Promise<number> {
  // One retry and a short timeout: an operator waiting at a terminal wants an answer, not a minute of retries.
  const rest = new REST({
    retries: 1,
    timeout: 10_000,
    ...(target.apiUrl ? { api: target.apiUrl } : {}),
  }).setToken(target.token);
  const route = target.guildId
    ? Routes.applicationGuildCommands(target.applicationId, target.guildId)
    : Routes.applicationCommands(target.applicationId);
  const body = commandDefinitions();
  try {
    await rest.put(route, { body });
  } catch (error) {
    if (error instanceof DiscordAPIError) {
      const why =
        error.status === 401
          ? 'it refused DISCORD_TOKEN (401); copy the bot token again from the developer portal'
          : error.status === 403 || error.status === 404
            ? `it answered ${error.status}: check DISCORD_APPLICATION_ID${target.guildId ? ` and that the bot is in guild ${target.guildId}` : ''}`
            : `it answered ${error.status}: ${error.message}`;
      throw new UserError('service-unavailable', `Discord did not register the commands: ${why}.`);
    }
    throw new UserError(
      'service-unavailable',
      `Could not reach Discord${target.apiUrl ? ` at ${target.apiUrl}` : ''} to register the commands (${(error as Error).message}). Check the network, or DISCORD_API_URL.`,
    );
  }
  return body.length;
}

import { REST, Routes } from 'discord.js';
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
  const rest = new REST(target.apiUrl ? { api: target.apiUrl } : {}).setToken(target.token);
  const route = target.guildId
    ? Routes.applicationGuildCommands(target.applicationId, target.guildId)
    : Routes.applicationCommands(target.applicationId);
  const body = commandDefinitions();
  await rest.put(route, { body });
  return body.length;
}

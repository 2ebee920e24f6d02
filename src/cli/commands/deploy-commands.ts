import type { Command } from 'commander';
import { REST, Routes } from 'discord.js';
import { readConfig } from '../../config/env.ts';
import { commandDefinitions } from '../../bot/commands/index.ts';
import { inviteUrl } from '../../bot/invite.ts';

export function registerDeployCommands(program: Command): void {
  program
    .command('deploy-commands')
    .description('Register the slash commands: to one guild (instant, for development) or globally.')
    .option('--guild <id>', 'guild id (default: DISCORD_DEV_GUILD_ID)')
    .option('--global', 'register globally instead of to one guild')
    .action(async (options: { guild?: string; global?: boolean }) => {
      const config = readConfig(['discord']);
      const guildId = options.guild ?? config.DISCORD_DEV_GUILD_ID;
      if (!options.global && !guildId) {
        throw new Error('Give --guild <id> (or set DISCORD_DEV_GUILD_ID), or --global.');
      }
      const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(
        config.DISCORD_TOKEN,
      );
      const route =
        options.global || !guildId
          ? Routes.applicationCommands(config.DISCORD_APPLICATION_ID)
          : Routes.applicationGuildCommands(config.DISCORD_APPLICATION_ID, guildId);
      const body = commandDefinitions();
      await rest.put(route, { body });
      process.stdout.write(
        `kiln: registered ${body.length} command(s) ${options.global ? 'globally' : `in guild ${guildId}`}\n`,
      );
    });
}

export function registerInviteUrl(program: Command): void {
  program
    .command('invite-url')
    .description('Print the link that adds the bot to a server with the scopes and permissions it needs.')
    .action(() => {
      const config = readConfig(['discord']);
      process.stdout.write(`${inviteUrl(config.DISCORD_APPLICATION_ID)}\n`);
    });
}

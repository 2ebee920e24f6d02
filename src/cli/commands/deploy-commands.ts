import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { UserError } from '../../core/errors.ts';
import { deployCommands } from '../../bot/deploy.ts';
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
        throw new UserError(
          'invalid-option',
          'deploy-commands needs a guild: give --guild <id> (or set DISCORD_DEV_GUILD_ID), or --global.',
        );
      }
      if (options.guild !== undefined && !/^\d{15,25}$/.test(options.guild)) {
        throw new UserError(
          'invalid-option',
          `--guild must be a numeric guild id, got ${JSON.stringify(options.guild)}.`,
        );
      }
      const count = await deployCommands({
        token: config.DISCORD_TOKEN,
        applicationId: config.DISCORD_APPLICATION_ID,
        guildId: options.global ? undefined : guildId,
        apiUrl: config.DISCORD_API_URL,
      });
      process.stdout.write(
        `kiln: registered ${count} command(s) ${options.global ? 'globally' : `in guild ${guildId}`}\n`,
      );
    });
}

export function registerInviteUrl(program: Command): void {
  program
    .command('invite-url')
    .description('Print the link that adds the bot to a server with the scopes and permissions it needs.')
    .action(() => {
      const config = readConfig(['application']);
      process.stdout.write(`${inviteUrl(config.DISCORD_APPLICATION_ID)}\n`);
    });
}

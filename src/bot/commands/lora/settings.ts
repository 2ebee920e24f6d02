import { PermissionFlagsBits } from 'discord.js';
import { UserError } from '../../../core/errors.ts';
import { getGuild, setEditorRole } from '../../../db/repositories/projects.ts';
import type { Subcommand } from '../../handler-types.ts';

export const settings: Subcommand = {
  name: 'settings',
  build: (sub) =>
    sub
      .setName('settings')
      .setDescription("Show or change this server's Kiln settings (Manage Server)")
      .addRoleOption((option) =>
        option.setName('editor_role').setDescription('Members with this role may edit every project'),
      )
      .addBooleanOption((option) =>
        option.setName('clear_editor_role').setDescription('Remove the editor role'),
      ),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const role = interaction.options.getRole('editor_role');
    const clear = interaction.options.getBoolean('clear_editor_role') ?? false;
    if (role || clear) {
      if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
        throw new UserError('not-allowed', 'Only members with Manage Server can change Kiln settings.');
      }
      if (role && clear)
        throw new UserError('invalid-option', 'Give either `editor_role` or `clear_editor_role`, not both.');
      await setEditorRole(db, interaction.guildId, role ? role.id : null);
    }
    const guild = await getGuild(db, interaction.guildId);
    const editor = guild?.editorRoleId
      ? `<@&${guild.editorRoleId}>`
      : 'none (owners and server managers only)';
    await interaction.editReply({ content: `Editor role: ${editor}.`, allowedMentions: { parse: [] } });
  },
};

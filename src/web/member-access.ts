import { DiscordAPIError, PermissionFlagsBits, type Client } from 'discord.js';
import { canEditProject } from '../core/project/permissions.ts';
import type { Db } from '../db/client.ts';
import { getGuild } from '../db/repositories/projects.ts';
import type { ProjectRow } from '../db/schema/index.ts';

/** Discord's "Unknown Member": the user left or was kicked. */
const UNKNOWN_MEMBER = 10007;
const UNKNOWN_USER = 10013;

/**
 * The same rule as assertCanEdit, for a web request that has no interaction: the member is fetched fresh over
 * REST (never from the cache), so a kicked member or a removed editor role stops the link at once.
 */
export async function userCanEditOverRest(
  db: Db,
  client: Client,
  project: ProjectRow,
  userId: string,
): Promise<boolean> {
  const guild = client.guilds.cache.get(project.guildId) ?? (await client.guilds.fetch(project.guildId));
  let member;
  try {
    member = await guild.members.fetch({ user: userId, force: true, cache: false });
  } catch (error) {
    if (error instanceof DiscordAPIError && (error.code === UNKNOWN_MEMBER || error.code === UNKNOWN_USER)) {
      return false;
    }
    throw error;
  }
  const settings = await getGuild(db, project.guildId);
  return canEditProject({
    userId: member.id,
    ownerId: project.ownerId,
    hasManageServer: member.permissions.has(PermissionFlagsBits.ManageGuild),
    memberRoleIds: [...member.roles.cache.keys()],
    editorRoleId: settings?.editorRoleId ?? null,
  });
}

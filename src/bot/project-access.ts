import {
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type Interaction,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { UserError } from '../core/errors.ts';
import { canEditProject } from '../core/project/permissions.ts';
import type { Db } from '../db/client.ts';
import {
  findProjectByMainTag,
  findProjectByThread,
  getGuild,
  getProject,
  searchProjects,
} from '../db/repositories/projects.ts';
import type { ProjectRow } from '../db/schema/index.ts';

export const PROJECT_OPTION = 'project';

/** Resolves the project a command is about: the `project` option, or the thread it was used in. */
export async function resolveProject(
  db: Db,
  interaction: Interaction<'cached'>,
  optionValue: string | null,
): Promise<ProjectRow> {
  if (optionValue !== null && optionValue.trim() !== '') {
    const value = optionValue.trim();
    const byId = /^\d{1,9}$/.test(value) ? await getProject(db, Number(value)) : null;
    const project =
      byId && byId.guildId === interaction.guildId
        ? byId
        : await findProjectByMainTag(db, interaction.guildId, value.toLowerCase());
    if (!project) {
      throw new UserError(
        'project-not-found',
        `There is no project \`${value.slice(0, 64)}\` in this server. \`/lora list\` shows them.`,
      );
    }
    return project;
  }
  const channel = interaction.channel;
  if (channel?.isThread()) {
    const project = await findProjectByThread(db, channel.id);
    if (project) return project;
  }
  throw new UserError(
    'no-project',
    'Use this inside a project thread, or pick the project in the `project` option.',
  );
}

/** Loads a project named by a button or modal; it may have been deleted since the message was posted. */
export async function loadProjectForComponent(
  db: Db,
  projectId: number,
  guildId: string,
): Promise<ProjectRow> {
  const project = await getProject(db, projectId);
  if (!project || project.guildId !== guildId) {
    throw new UserError('project-gone', 'This project no longer exists; its buttons do nothing now.');
  }
  return project;
}

/** The member who acted, with the permissions Discord computed for them in that channel. */
export type Actor = Pick<Interaction<'cached'>, 'member' | 'memberPermissions'>;

export async function memberCanEdit(db: Db, actor: Actor, project: ProjectRow): Promise<boolean> {
  const guild = await getGuild(db, project.guildId);
  return canEditProject({
    userId: actor.member.id,
    ownerId: project.ownerId,
    hasManageServer: actor.memberPermissions.has(PermissionFlagsBits.ManageGuild),
    memberRoleIds: actor.member.roles.cache.map((role) => role.id),
    editorRoleId: guild?.editorRoleId ?? null,
  });
}

export async function assertCanEdit(
  db: Db,
  actor: Actor,
  project: ProjectRow,
  action: string,
): Promise<void> {
  if (!(await memberCanEdit(db, actor, project))) {
    throw new UserError(
      'not-allowed',
      `Only the project owner <@${project.ownerId}>, server managers or the server's editor role can ${action}.`,
    );
  }
}

/** Autocomplete answer for the `project` option: up to 25 projects matching what was typed. */
export async function autocompleteProject(
  db: Db,
  interaction: AutocompleteInteraction<'cached'>,
): Promise<void> {
  const typed = String(interaction.options.getFocused());
  const projects = await searchProjects(db, interaction.guildId, typed.trim(), 25);
  await interaction.respond(
    projects.map((project) => ({
      name: `${project.characterName} (${project.mainTag})`.slice(0, 100),
      value: String(project.id),
    })),
  );
}

/** Adds the optional `project` option (autocompleted; implied inside a project thread). */
export function withProjectOption(
  sub: SlashCommandSubcommandBuilder,
  required = false,
): SlashCommandSubcommandBuilder {
  return sub.addStringOption((option) =>
    option
      .setName(PROJECT_OPTION)
      .setDescription(required ? 'Project' : 'Project (implied inside its thread)')
      .setAutocomplete(true)
      .setRequired(required),
  );
}

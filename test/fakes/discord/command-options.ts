/**
 * Turns a test's `slash('project', { subcommand: 'create', options: { name: 'x' } })` into the `data`
 * of an APPLICATION_COMMAND interaction, checked against the registered command the way the Discord
 * client enforces it: the member may see the command, options are declared ones, required ones are
 * present, types, choices and ranges hold; user/channel/role options come with `resolved` data, and
 * attachment options (files the actor has read) with `resolved.attachments`.
 */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { apiAttachment, apiChannel, apiMember, apiRole, apiUser, memberPermissions } from './api-objects.ts';
import type { FakeState, StoredCommand } from './state.ts';
import type { FakeAttachment, FakeUser, OptionValue } from './types.ts';
import { acceptsFileType } from './uploads.ts';

/** An attachment option's value once the actor has read the file (see uploads.ts `prepareUpload`). */
export interface PreparedFile {
  attachment: FakeAttachment;
}

export type InvocationValue = OptionValue | PreparedFile;

export interface Invocation {
  command: string;
  user: FakeUser;
  subcommandGroup?: string | undefined;
  subcommand?: string | undefined;
  options: Record<string, InvocationValue>;
  /** Autocomplete: the option being typed in. */
  focused?: string | undefined;
}

type Json = Record<string, unknown>;

export interface ResolvedInvocation {
  commandId: string;
  guildId: string | null;
  options: Json[];
  /** `data.resolved`: users, members, roles and channels named by mention-type options. */
  resolved: Record<string, Record<string, Json>> | null;
}

interface SchemaOption {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string | number }[];
  options?: SchemaOption[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  file_types?: string[];
}

const TYPE_NAMES: Record<number, string> = {
  3: 'string',
  4: 'integer',
  5: 'boolean',
  6: 'user id',
  7: 'channel id',
  8: 'role id',
  9: 'user or role id',
  10: 'number',
  11: 'file ({ file: { name, data } })',
};

function isFile(value: InvocationValue): value is PreparedFile {
  return typeof value === 'object';
}

/** A value for error messages; a file by its name (its data would swamp the message). */
function show(value: InvocationValue): string {
  return isFile(value) ? `file "${value.attachment.filename}"` : JSON.stringify(value);
}

function fail(invocation: Invocation, message: string): never {
  throw new Error(`fake Discord: /${invocation.command}: ${message}`);
}

function findCommand(state: FakeState, name: string): StoredCommand | undefined {
  const isChatInput = (c: StoredCommand): boolean => c.data.name === name && (c.data.type ?? 1) === 1;
  return state.guildCommands.find(isChatInput) ?? state.globalCommands.find(isChatInput);
}

function inferType(value: InvocationValue): number {
  if (isFile(value)) return 11;
  if (typeof value === 'string') return 3;
  if (typeof value === 'boolean') return 5;
  return Number.isInteger(value) ? 4 : 10;
}

function typeMatches(type: number, value: InvocationValue): boolean {
  switch (type) {
    case 11:
      return isFile(value);
    case 3:
    case 6:
    case 7:
    case 8:
    case 9:
      return typeof value === 'string';
    case 4:
      return typeof value === 'number' && Number.isInteger(value);
    case 10:
      return typeof value === 'number';
    case 5:
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function checkValue(
  invocation: Invocation,
  option: SchemaOption,
  value: InvocationValue,
  partial: boolean,
): void {
  const label = `option "${option.name}"`;
  const expected = TYPE_NAMES[option.type];
  if (expected === undefined) {
    fail(invocation, `${label} has type ${option.type}, which the fake does not dispatch yet`);
  }
  // An autocomplete value is whatever the user has typed so far.
  if (partial) return;
  if (!typeMatches(option.type, value)) {
    fail(invocation, `${label} must be a ${expected}, got ${show(value)}`);
  }
  if (isFile(value) && !acceptsFileType(option.file_types, value.attachment)) {
    const { filename, contentType } = value.attachment;
    fail(
      invocation,
      `${label} only accepts file types ${(option.file_types ?? []).join(', ')}; ` +
        `"${filename}" (${contentType}) is none of them`,
    );
  }
  const choices = option.choices ?? [];
  if (choices.length > 0 && !choices.some((c) => c.value === value)) {
    fail(
      invocation,
      `${label} only accepts its choices (${choices.map((c) => JSON.stringify(c.value)).join(', ')})`,
    );
  }
  if (typeof value === 'number') {
    if (option.min_value !== undefined && value < option.min_value) {
      fail(invocation, `${label} is below ${option.min_value}`);
    }
    if (option.max_value !== undefined && value > option.max_value) {
      fail(invocation, `${label} is above ${option.max_value}`);
    }
  }
  if (typeof value === 'string' && option.type === 3) {
    if (option.min_length !== undefined && value.length < option.min_length) {
      fail(invocation, `${label} is shorter than ${option.min_length}`);
    }
    if (option.max_length !== undefined && value.length > option.max_length) {
      fail(invocation, `${label} is longer than ${option.max_length}`);
    }
  }
}

/** Adds what Discord resolves for a user, channel, role or mentionable option to `resolved`. */
function resolveMention(
  state: FakeState,
  invocation: Invocation,
  option: SchemaOption,
  id: string,
  resolved: Record<string, Record<string, Json>>,
): void {
  const put = (kind: string, key: string, value: Json): void => {
    resolved[kind] = { ...resolved[kind], [key]: value };
  };
  const member = state.members.get(id);
  const role = state.roles.get(id);
  if ((option.type === 6 || option.type === 9) && member) {
    put('users', id, { ...apiUser(member) });
    const { user: _user, ...rest } = apiMember(state, member);
    put('members', id, { ...rest, permissions: String(memberPermissions(member)) });
    return;
  }
  if ((option.type === 8 || option.type === 9) && role) {
    put('roles', id, { ...apiRole(role, [...state.roles.keys()].indexOf(id)) });
    return;
  }
  const channel = option.type === 7 ? state.liveChannel(id) : undefined;
  if (channel) {
    put('channels', id, {
      ...apiChannel(state, channel),
      permissions: String(memberPermissions(invocation.user)),
    });
    return;
  }
  fail(
    invocation,
    `option "${option.name}" names ${id}, which is no ${TYPE_NAMES[option.type]} in the guild`,
  );
}

function leafOptions(
  state: FakeState,
  invocation: Invocation,
  schema: SchemaOption[] | null,
  resolved: Record<string, Record<string, Json>>,
): Json[] {
  const partial = invocation.focused !== undefined;
  const values: Record<string, InvocationValue> = { ...invocation.options };
  if (invocation.focused !== undefined && !(invocation.focused in values)) values[invocation.focused] = '';
  const built: Json[] = [];
  for (const [name, value] of Object.entries(values)) {
    const focused = name === invocation.focused;
    let type = inferType(value);
    if (schema) {
      const option = schema.find((o) => o.name === name && o.type !== 1 && o.type !== 2);
      if (!option) {
        fail(
          invocation,
          `unknown option "${name}" (declared: ${schema.map((o) => o.name).join(', ') || 'none'})`,
        );
      }
      if (focused && option.autocomplete !== true)
        fail(invocation, `option "${name}" does not have autocomplete`);
      checkValue(invocation, option, value, focused);
      if (!focused && typeof value === 'string' && option.type >= 6 && option.type <= 9) {
        resolveMention(state, invocation, option, value, resolved);
      }
      type = option.type;
    }
    if (isFile(value)) {
      const { attachment } = value;
      if (type !== 11) fail(invocation, `option "${name}" must be a ${TYPE_NAMES[type]}, got ${show(value)}`);
      resolved['attachments'] = {
        ...resolved['attachments'],
        [attachment.id]: { ...apiAttachment(attachment) },
      };
      built.push({ name, type, value: attachment.id });
      continue;
    }
    built.push({ name, type, value, ...(focused ? { focused: true } : {}) });
  }
  if (schema && !partial) {
    for (const option of schema) {
      if (option.required && !(option.name in values))
        fail(invocation, `required option "${option.name}" is missing`);
    }
  }
  return built;
}

/** The client hides a command from members without its default_member_permissions (admins see all). */
function checkVisible(invocation: Invocation, command: StoredCommand): void {
  const required = command.data['default_member_permissions'];
  if (typeof required !== 'string') return;
  const permissions = memberPermissions(invocation.user);
  if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return;
  const needed = BigInt(required);
  if (needed === 0n || (permissions & needed) !== needed) {
    fail(invocation, `${invocation.user.username} lacks default_member_permissions ${required}`);
  }
}

export function resolveInvocation(state: FakeState, invocation: Invocation): ResolvedInvocation {
  const resolved: Record<string, Record<string, Json>> = {};
  const registered = findCommand(state, invocation.command);
  if (!registered) {
    if (state.options.strictCommands) {
      fail(
        invocation,
        'not registered; PUT the commands first (or start the fake with strictCommands: false)',
      );
    }
    const leaf = leafOptions(state, invocation, null, resolved);
    return {
      commandId: state.ids.next(),
      guildId: null,
      options: wrap(invocation, leaf),
      resolved: Object.keys(resolved).length > 0 ? resolved : null,
    };
  }
  checkVisible(invocation, registered);
  const top = (registered.data['options'] ?? []) as SchemaOption[];
  let scope: SchemaOption[] = top;
  if (invocation.subcommandGroup !== undefined) {
    const group = top.find((o) => o.type === 2 && o.name === invocation.subcommandGroup);
    if (!group) fail(invocation, `unknown subcommand group "${invocation.subcommandGroup}"`);
    scope = group.options ?? [];
  }
  const hasSubcommands = scope.some((o) => o.type === 1);
  if (invocation.subcommand !== undefined) {
    const sub = scope.find((o) => o.type === 1 && o.name === invocation.subcommand);
    if (!sub) fail(invocation, `unknown subcommand "${invocation.subcommand}"`);
    scope = sub.options ?? [];
  } else if (hasSubcommands || invocation.subcommandGroup !== undefined) {
    fail(invocation, 'needs a subcommand');
  }
  const leaf = leafOptions(state, invocation, scope, resolved);
  return {
    commandId: registered.id,
    guildId: registered.guildId,
    options: wrap(invocation, leaf),
    resolved: Object.keys(resolved).length > 0 ? resolved : null,
  };
}

function wrap(invocation: Invocation, leaf: Json[]): Json[] {
  if (invocation.subcommand === undefined) return leaf;
  const sub = { type: 1, name: invocation.subcommand, options: leaf };
  if (invocation.subcommandGroup === undefined) return [sub];
  return [{ type: 2, name: invocation.subcommandGroup, options: [sub] }];
}

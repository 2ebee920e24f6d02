import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { APIInteraction } from 'discord-api-types/v10';
import { SnowflakeSource } from './snowflake.ts';
import type {
  FakeAttachment,
  FakeChannel,
  FakeDiscordOptions,
  FakeMessage,
  FakeRole,
  FakeUser,
  InteractionCallback,
} from './types.ts';

export const DEFAULT_MEMBER_PERMISSIONS = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages;

export const DEFAULT_BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ManageThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands;

const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

export interface ResolvedOptions {
  applicationId: string;
  token: string;
  guildId: string;
  channelId: string;
  uploadLimitBytes: number;
  initialResponseDeadlineMs: number;
  followUpWindowMs: number;
  botPermissions: bigint;
  strictCommands: boolean;
}

export function resolveOptions(options: FakeDiscordOptions = {}): ResolvedOptions {
  return {
    applicationId: options.applicationId ?? '100000000000000001',
    token: options.token ?? 'fake-bot-token',
    guildId: options.guildId ?? '200000000000000001',
    channelId: '300000000000000001',
    uploadLimitBytes: options.uploadLimitBytes ?? 10 * 1024 * 1024,
    initialResponseDeadlineMs: options.initialResponseDeadlineMs ?? 3000,
    followUpWindowMs: options.followUpWindowMs ?? 15 * 60 * 1000,
    botPermissions: options.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
    strictCommands: options.strictCommands ?? true,
  };
}

/** A modal the bot opened (callback type 9): only these can be submitted. */
export interface ShownModal {
  customId: string;
  userId: string;
  /** Raw modal data as the bot sent it. */
  data: { custom_id: string; title: string; components: unknown[] };
  /** The component message the modal was opened from, if any. */
  sourceMessageId: string | null;
  channelId: string;
  submitted: boolean;
}

export interface CallbackAttempt {
  type: number | undefined;
  status: number;
  code: number | null;
  at: number;
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** InteractionType: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  type: number;
  userId: string;
  channelId: string;
  payload: APIInteraction;
  dispatchedAt: number;
  dispatchedHr: number;
  callback: InteractionCallback | null;
  latencyMs: number | null;
  attempts: CallbackAttempt[];
  /** The message holding the component (component interactions, modal submits from one). */
  sourceMessageId: string | null;
  /** What @original points at: the reply, or the source message after a type 6/7 callback. */
  originalMessageId: string | null;
  followUpIds: string[];
  modal: ShownModal | null;
}

export interface StoredCommand {
  id: string;
  guildId: string | null;
  version: string;
  /** The command as registered (snake_case API JSON). */
  data: Record<string, unknown> & { name: string; type?: number };
}

/**
 * Wakes waiters whenever state changes; each waiter re-checks its own condition.
 * Simple and race-free for the small numbers of waiters tests create.
 */
export class ChangeFeed {
  #waiters = new Set<() => boolean>();

  notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Resolves with the first defined value of `check`; rejects when `check` throws or on timeout. */
  wait<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = (): boolean => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          this.#waiters.delete(waiter);
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
          return true;
        }
        if (value === undefined) return false;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      if (!waiter()) this.#waiters.add(waiter);
    });
  }
}

/** Everything the fake Discord remembers, in memory. */
export class FakeState {
  readonly ids = new SnowflakeSource();
  readonly changes = new ChangeFeed();
  readonly roles = new Map<string, FakeRole>();
  readonly members = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  /** Every message by id, deleted ones included. */
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  /** Files users sent with interactions (attachment options, modal File Uploads), by attachment id. */
  readonly uploads = new Map<string, FakeAttachment>();
  readonly botUser: { id: string; username: string };
  readonly botRoleId: string;
  readonly guildName = 'Kiln Test Guild';
  readonly guildOwnerId = '400000000000000001';
  readonly createdAt = Date.now();
  globalCommands: StoredCommand[] = [];
  guildCommands: StoredCommand[] = [];
  /** http://127.0.0.1:PORT once the server listens. */
  baseUrl = '';

  constructor(
    readonly options: ResolvedOptions,
    extraRoles: readonly FakeRole[] = [],
  ) {
    this.botUser = { id: options.applicationId, username: 'Kiln' };
    this.botRoleId = '500000000000000001';
    this.roles.set(options.guildId, {
      id: options.guildId,
      name: '@everyone',
      permissions: EVERYONE_PERMISSIONS,
    });
    this.roles.set(this.botRoleId, { id: this.botRoleId, name: 'Kiln', permissions: options.botPermissions });
    for (const role of extraRoles) this.roles.set(role.id, role);
    this.channels.set(options.channelId, {
      id: options.channelId,
      type: 0,
      name: 'general',
      parentId: null,
      guildId: options.guildId,
      ownerId: null,
      messages: [],
      deleted: false,
      archived: false,
      locked: false,
      autoArchiveDuration: 4320,
      createdAt: this.createdAt,
      memberIds: [],
    });
  }

  /** A channel or thread that exists and was not deleted. */
  liveChannel(id: string): FakeChannel | undefined {
    const channel = this.channels.get(id);
    return channel && !channel.deleted ? channel : undefined;
  }

  /** A file a user sent, or an attachment of a message (deleted ones included). */
  findAttachment(id: string): FakeAttachment | undefined {
    return (
      this.uploads.get(id) ??
      [...this.messages.values()].flatMap((m) => m.attachments).find((a) => a.id === id)
    );
  }

  threads(): FakeChannel[] {
    return [...this.channels.values()].filter((c) => c.type === 10 || c.type === 11 || c.type === 12);
  }

  /** Wakes every waiter after a change. */
  touch(): void {
    this.changes.notify();
  }
}

export function isThread(channel: FakeChannel): boolean {
  return channel.type === 10 || channel.type === 11 || channel.type === 12;
}

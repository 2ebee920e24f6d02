import type { APIApplicationCommand, APIEmbed, APIMessageTopLevelComponent } from 'discord-api-types/v10';
import type { FakeRateLimits, RateLimitOptions } from './rate-limits.ts';

/** A guild member the tests act as. */
export interface FakeUser {
  id: string;
  username: string;
  /** Role ids; unknown ones are created in the guild (GUILD_ROLE_CREATE is dispatched). */
  roles?: string[];
  /** The member's permissions as the interaction reports them; default View Channel + Send Messages. */
  permissions?: bigint;
}

export interface FakeRole {
  id: string;
  name: string;
  permissions?: bigint;
}

export interface FakeDiscordOptions {
  /** Default '100000000000000001'; also the bot user's id. */
  applicationId?: string;
  /** The bot token the fake accepts; anything else gets 401. */
  token?: string;
  /** The one guild, default '200000000000000001', holding one text channel 'general' ('300000000000000001'). */
  guildId?: string;
  /** Per-attachment upload limit (the interactions' attachment_size_limit), default 10 MiB. */
  uploadLimitBytes?: number;
  /** Time allowed for the first response to an interaction, default 3000 ms. */
  initialResponseDeadlineMs?: number;
  /** Lifetime of an interaction token for follow-ups and edits, default 15 minutes. */
  followUpWindowMs?: number;
  /** The bot's permissions in the guild (its role), default: what Kiln needs (see DEFAULT_BOT_PERMISSIONS). */
  botPermissions?: bigint;
  /** Extra roles that exist in the guild from the start. */
  roles?: FakeRole[];
  /**
   * When true (default), users can only invoke registered commands with the options those commands
   * declare, as in the real client. When false, unregistered commands are dispatched with option types
   * guessed from the JavaScript values.
   */
  strictCommands?: boolean;
  /** Discord's rate limits (429 with retry_after); off by default. Also switchable later via `rateLimits`. */
  rateLimits?: RateLimitOptions;
}

export interface RecordedFile {
  /** The multipart field, e.g. 'files[0]'. */
  field: string;
  name: string;
  size: number;
  contentType: string;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Decoded path without '/api/v10', e.g. '/webhooks/1/tok/messages/@original'. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or the parsed payload_json of a multipart body; undefined when empty. */
  body: unknown;
  files: RecordedFile[];
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
  /** The JSON the fake answered with (undefined for 204). */
  response: unknown;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  contentType: string;
  description: string | null;
  data: Buffer;
  /** Pixel size, for images a user uploaded (read with sharp); absent otherwise. */
  width?: number;
  height?: number;
  /** True for files a user sent with an interaction (Discord's ephemeral attachments). */
  ephemeral?: boolean;
}

/**
 * A file a user sends to the bot: picked for an attachment option (type 11) of a slash command, or
 * uploaded in a modal's File Upload (type 19). Larger than `uploadLimitBytes` is refused by the actor,
 * as the Discord client refuses it.
 */
export interface UserFile {
  /** The file name as the user's client sends it, e.g. 'edit.png'. */
  name: string;
  data: Buffer;
  /** The MIME type; default: the image format sharp detects (image/png…), else application/octet-stream. */
  contentType?: string;
}

/**
 * The value of an attachment option (type 11): `options: { image: { file: { name, data, contentType } } }`.
 * The interaction carries the new attachment's id as the value and the attachment in `data.resolved`.
 */
export interface FileOptionValue {
  file: UserFile;
}

/** The editable part of a message; `history` keeps one of these per earlier version. */
export interface FakeMessageVersion {
  content: string;
  flags: number;
  /** Raw API JSON as the bot sent it (attachment:// references kept as sent). */
  components: APIMessageTopLevelComponent[];
  embeds: APIEmbed[];
  attachments: FakeAttachment[];
  /** Date.now() of the edit that produced this version; null for the first version. */
  editedAt: number | null;
  /** `allowed_mentions` of the request that wrote this version, as sent (absent when it sent none). */
  allowedMentions?: unknown;
}

export interface FakeMessage extends FakeMessageVersion {
  id: string;
  channelId: string;
  authorId: string;
  /** Discord message type: 0 default, 18 thread created, 20 slash-command reply. */
  type: number;
  createdAt: number;
  deleted: boolean;
  /** The interaction whose response or follow-up this message is. */
  interactionId: string | null;
  /** The user the interaction came from: only they see an ephemeral message. */
  interactionUserId: string | null;
  /** Id of a thread started from this message. */
  threadId: string | null;
  history: FakeMessageVersion[];
}

export interface FakeChannel {
  id: string;
  /** 0 text channel, 11 public thread, 12 private thread. */
  type: number;
  name: string;
  parentId: string | null;
  guildId: string;
  ownerId: string | null;
  /** Messages in creation order, ephemeral ones included, deleted ones removed. */
  messages: FakeMessage[];
  deleted: boolean;
  archived: boolean;
  locked: boolean;
  autoArchiveDuration: number;
  createdAt: number;
  memberIds: string[];
}

/**
 * Data of an interaction callback (a message, autocomplete choices or a modal) as the bot sent it,
 * except that it is `{ flags: 0 }` when the callback had no data and `flags` is 0 when absent.
 */
export interface CallbackData {
  content?: string;
  flags: number;
  components?: unknown[];
  embeds?: unknown[];
  choices?: { name: string; value: string | number }[];
  custom_id?: string;
  title?: string;
  [key: string]: unknown;
}

export interface InteractionCallback {
  type: number;
  data: CallbackData;
  files: RecordedFile[];
  /** Date.now() when the callback arrived. */
  at: number;
}

export interface InteractionResult {
  interactionId: string;
  token: string;
  callback: InteractionCallback;
  /** Dispatch of INTERACTION_CREATE → callback received, in milliseconds. */
  latencyMs: number;
  /** Messages posted with POST /webhooks/{app}/{token}, in order. */
  followUps(): FakeMessage[];
  /** The @original message as it is now (the reply, or the component's message after type 6/7). */
  original(): FakeMessage | undefined;
  /**
   * Waits until @original satisfies the predicate. Without one: until a deferred reply (type 5) was
   * edited, or a deferred update (type 6) edited the message; immediately for other types.
   */
  waitForOriginal(predicate?: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  waitForFollowUp(predicate?: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
}

export type OptionValue = string | number | boolean;

/** An option as a test gives it: a primitive, or `{ file }` for an attachment option. */
export type SlashOptionValue = OptionValue | FileOptionValue;

export interface SlashOptions {
  subcommand?: string;
  subcommandGroup?: string;
  options?: Record<string, SlashOptionValue>;
  channelId?: string;
}

export interface AutocompleteOptions extends SlashOptions {
  /** The option the user is typing in; its value comes from `options` or is ''. */
  focused: string;
}

/** A modal field as a test fills it: text, select values, or files for a File Upload. */
export type ModalFieldValue = string | string[] | UserFile[];

export interface ModalSubmitOptions {
  channelId?: string;
  /** The message the modal was opened from; defaults to the one recorded when the modal was shown. */
  message?: FakeMessage;
  /**
   * Send text longer (or shorter) than the inputs' max_length/min_length, as a modified client or a raw
   * API call can: the bot must not trust the client's limits.
   */
  ignoreLengthLimits?: boolean;
}

export interface FakeActor {
  readonly user: FakeUser;
  slash(command: string, options?: SlashOptions): Promise<InteractionResult>;
  autocomplete(command: string, options: AutocompleteOptions): Promise<InteractionResult>;
  button(message: FakeMessage, customId: string): Promise<InteractionResult>;
  select(message: FakeMessage, customId: string, values: string[]): Promise<InteractionResult>;
  /**
   * Text inputs by custom_id; a string select inside a Label takes string[]; a File Upload inside a
   * Label takes UserFile[] (`{ photos: [{ name: 'a.png', data, contentType: 'image/png' }] }`), checked
   * against its min_values/max_values, required and file_types.
   */
  modalSubmit(
    customId: string,
    fields: Record<string, ModalFieldValue>,
    options?: ModalSubmitOptions,
  ): Promise<InteractionResult>;
}

export type FailResponse =
  | { status: 429; retryAfter: number; scope?: 'user' | 'global' | 'shared' }
  | { status: number; body?: unknown };

export interface FakeDiscord {
  /** Pass as `new Client({ rest: { api: apiUrl } })` or `new REST({ api: apiUrl })`. */
  apiUrl: string;
  /** http://127.0.0.1:PORT; attachments are served under /attachments/. */
  baseUrl: string;
  token: string;
  applicationId: string;
  /** The bot user's id (equal to the application id). */
  botUserId: string;
  guildId: string;
  channelId: string;
  /** Every REST request, in the order it was fully received (unknown routes and failures included). */
  requests: RecordedRequest[];
  /** Per-route and global rate limits: `configure()` turns them on or off; `events` and `violations()` check clients. */
  rateLimits: FakeRateLimits;
  /** Acts as this guild member (registered in the guild; unknown role ids are created). */
  /** The member leaves or is kicked: REST member lookups answer Unknown Member (10007). */
  removeMember(userId: string): void;
  user(user: FakeUser): FakeActor;
  /** A channel or thread, deleted ones included (see `deleted`). */
  channel(id: string): FakeChannel | undefined;
  threads(): FakeChannel[];
  /** A message, deleted ones included (see `deleted`). */
  message(channelId: string, messageId: string): FakeMessage | undefined;
  /** An attachment by id: a file a user sent with an interaction, or one on a message. */
  attachment(id: string): FakeAttachment | undefined;
  /** As a moderator would: dispatches THREAD_DELETE or CHANNEL_DELETE; later calls there get 10003. */
  deleteChannel(id: string): void;
  /**
   * Answers the next request matching `method` (any when absent) and a path starting with `pathPrefix`
   * (path without /api/v10) with this failure, once. Several calls queue several failures.
   */
  failNext(match: { method?: string; pathPrefix?: string }, response: FailResponse): void;
  /** The first recorded request matching, already recorded ones included. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Registered application commands, global then guild, as GET would return them. */
  commands(): APIApplicationCommand[];
  /** Drops every gateway socket without a close frame: clients resume and get what they missed. */
  disconnectAll(): void;
  close(): Promise<void>;
}

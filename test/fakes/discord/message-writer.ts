/**
 * Creating and editing messages, shared by channel routes, interaction callbacks and webhooks:
 * uploads are checked first (413 per file, as Discord's upload path does), then the body, then the
 * message is stored and, where a Guild Messages intent asks for it, dispatched.
 */
import { apiMessage } from './api-objects.ts';
import { apiErrors, throwIfIssues, type ValidationIssue } from './errors.ts';
import { GatewayIntent, type EventSink } from './gateway.ts';
import type { FakeState } from './state.ts';
import type { FakeAttachment, FakeChannel, FakeMessage, FakeMessageVersion, RecordedFile } from './types.ts';
import {
  checkFileCount,
  checkMessageBody,
  isObject,
  LIMITS,
  MessageFlag,
  oversizedFile,
} from './validation.ts';

export interface MessageWrite {
  body: Record<string, unknown>;
  files: RecordedFile[];
}

export interface MessageOrigin {
  authorId: string;
  type?: number;
  interactionId?: string;
  interactionUserId?: string;
  /** Interaction responses may be ephemeral; channel posts may not. */
  allowEphemeral?: boolean;
}

/** Flags a request may set when creating a message. */
const CREATE_FLAGS =
  MessageFlag.SuppressEmbeds | MessageFlag.SuppressNotifications | MessageFlag.IsComponentsV2;
/** Flags an edit may change: embeds suppression, and turning V2 on (never off). */
const EDIT_FLAGS = MessageFlag.SuppressEmbeds | MessageFlag.IsComponentsV2;

export function checkUploads(state: FakeState, files: readonly RecordedFile[]): void {
  if (oversizedFile(files, state.options.uploadLimitBytes)) throw apiErrors.entityTooLarge();
  throwIfIssues(checkFileCount(files.length));
}

/** `files[3]` → 3, so `attachments[].id` can refer to it. */
function fileIndex(file: RecordedFile, position: number): string {
  return /^files\[(\d+)\]$/.exec(file.field)?.[1] ?? String(position);
}

function uploadedAttachments(state: FakeState, channelId: string, write: MessageWrite): FakeAttachment[] {
  const listed: unknown[] = Array.isArray(write.body['attachments']) ? write.body['attachments'] : [];
  return write.files.map((file, position) => {
    const index = fileIndex(file, position);
    const meta = listed.find((a) => isObject(a) && String(a['id']) === index);
    const filename = isObject(meta) && typeof meta['filename'] === 'string' ? meta['filename'] : file.name;
    const id = state.ids.next();
    return {
      id,
      filename,
      size: file.size,
      url: `${state.baseUrl}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
      contentType: file.contentType,
      description: isObject(meta) && typeof meta['description'] === 'string' ? meta['description'] : null,
      data: file.data,
    };
  });
}

function isEmpty(
  version: Pick<FakeMessageVersion, 'content' | 'embeds' | 'components' | 'attachments'>,
): boolean {
  return (
    version.content === '' &&
    version.embeds.length === 0 &&
    version.components.length === 0 &&
    version.attachments.length === 0
  );
}

/** Recorded so tests can prove user text never pings (Discord reads `allowed_mentions` per request). */
function mentionsOf(body: Record<string, unknown>): Pick<FakeMessageVersion, 'allowedMentions'> {
  return 'allowed_mentions' in body ? { allowedMentions: body['allowed_mentions'] } : {};
}

function dispatchMessage(state: FakeState, events: EventSink, t: string, message: FakeMessage): void {
  if ((message.flags & MessageFlag.Ephemeral) !== 0) return;
  events.dispatch(t, apiMessage(state, message), GatewayIntent.GuildMessages);
}

export function createMessage(
  state: FakeState,
  events: EventSink,
  channel: FakeChannel,
  write: MessageWrite,
  origin: MessageOrigin,
): FakeMessage {
  checkUploads(state, write.files);
  const { body } = write;
  const requested = typeof body['flags'] === 'number' ? body['flags'] : 0;
  const allowed = CREATE_FLAGS | (origin.allowEphemeral ? MessageFlag.Ephemeral : 0);
  const flags = requested & allowed;
  const attachments = uploadedAttachments(state, channel.id, write);
  const issues: ValidationIssue[] = checkMessageBody(body, {
    flags,
    attachmentNames: attachments.map((a) => a.filename),
  });
  throwIfIssues(issues);
  const version: FakeMessageVersion = {
    content: typeof body['content'] === 'string' ? body['content'] : '',
    flags,
    components: Array.isArray(body['components']) ? (body['components'] as FakeMessage['components']) : [],
    embeds: Array.isArray(body['embeds']) ? (body['embeds'] as FakeMessage['embeds']) : [],
    attachments,
    editedAt: null,
    ...mentionsOf(body),
  };
  if (isEmpty(version)) throw apiErrors.emptyMessage();
  return storeMessage(state, events, channel, version, origin);
}

/** Stores a message without validation (system messages, deferred "thinking" placeholders). */
export function storeMessage(
  state: FakeState,
  events: EventSink,
  channel: FakeChannel,
  version: FakeMessageVersion,
  origin: MessageOrigin,
): FakeMessage {
  const message: FakeMessage = {
    ...version,
    id: state.ids.next(),
    channelId: channel.id,
    authorId: origin.authorId,
    type: origin.type ?? 0,
    createdAt: Date.now(),
    deleted: false,
    interactionId: origin.interactionId ?? null,
    interactionUserId: origin.interactionUserId ?? null,
    threadId: null,
    history: [],
  };
  channel.messages.push(message);
  state.messages.set(message.id, message);
  state.touch();
  dispatchMessage(state, events, 'MESSAGE_CREATE', message);
  return message;
}

export function editMessage(
  state: FakeState,
  events: EventSink,
  message: FakeMessage,
  write: MessageWrite,
): FakeMessage {
  if (message.deleted) throw apiErrors.unknownMessage();
  checkUploads(state, write.files);
  const { body } = write;
  const wasV2 = (message.flags & MessageFlag.IsComponentsV2) !== 0;
  let flags = message.flags & ~MessageFlag.Loading;
  const issues: ValidationIssue[] = [];
  if (typeof body['flags'] === 'number') {
    if (wasV2 && (body['flags'] & MessageFlag.IsComponentsV2) === 0) {
      issues.push({
        path: ['flags'],
        code: 'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG',
        message: 'The IS_COMPONENTS_V2 flag cannot be removed from a message',
      });
    }
    flags = (flags & ~EDIT_FLAGS) | (body['flags'] & EDIT_FLAGS) | (wasV2 ? MessageFlag.IsComponentsV2 : 0);
  }
  // `attachments` on an edit lists the existing attachments to keep; without it all are kept.
  const keepList = Array.isArray(body['attachments']) ? body['attachments'] : null;
  const kept = keepList
    ? message.attachments.filter((a) => keepList.some((k) => isObject(k) && String(k['id']) === a.id))
    : message.attachments;
  const added = uploadedAttachments(state, message.channelId, write);
  const attachments = [...kept, ...added];
  issues.push(...checkMessageBody(body, { flags, attachmentNames: attachments.map((a) => a.filename) }));
  if (attachments.length > LIMITS.files) issues.push(...checkFileCount(attachments.length));
  throwIfIssues(issues);
  const isV2 = (flags & MessageFlag.IsComponentsV2) !== 0;
  const next: FakeMessageVersion = {
    // Turning V2 on drops the legacy fields, which a V2 message cannot show.
    content: isV2 ? '' : typeof body['content'] === 'string' ? body['content'] : message.content,
    embeds: isV2
      ? []
      : Array.isArray(body['embeds'])
        ? (body['embeds'] as FakeMessage['embeds'])
        : message.embeds,
    components: Array.isArray(body['components'])
      ? (body['components'] as FakeMessage['components'])
      : message.components,
    attachments,
    flags,
    editedAt: Date.now(),
    ...mentionsOf(body),
  };
  if (isEmpty(next)) throw apiErrors.emptyMessage();
  message.history.push({
    content: message.content,
    flags: message.flags,
    components: message.components,
    embeds: message.embeds,
    attachments: message.attachments,
    editedAt: message.editedAt,
    ...(message.allowedMentions !== undefined ? { allowedMentions: message.allowedMentions } : {}),
  });
  delete message.allowedMentions;
  Object.assign(message, next);
  state.touch();
  dispatchMessage(state, events, 'MESSAGE_UPDATE', message);
  return message;
}

export function deleteMessage(state: FakeState, events: EventSink, message: FakeMessage): void {
  if (message.deleted) throw apiErrors.unknownMessage();
  message.deleted = true;
  const channel = state.channels.get(message.channelId);
  if (channel) channel.messages = channel.messages.filter((m) => m.id !== message.id);
  state.touch();
  if ((message.flags & MessageFlag.Ephemeral) === 0) {
    events.dispatch(
      'MESSAGE_DELETE',
      { id: message.id, channel_id: message.channelId, guild_id: state.options.guildId },
      GatewayIntent.GuildMessages,
    );
  }
}

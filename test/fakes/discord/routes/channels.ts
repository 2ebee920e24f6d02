/** Channel, message and thread routes the bot calls with its token. */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { apiChannel, apiMessage } from '../api-objects.ts';
import { apiErrors, throwIfIssues } from '../errors.ts';
import { GatewayIntent, type EventSink } from '../gateway.ts';
import { createMessage, deleteMessage, editMessage, storeMessage } from '../message-writer.ts';
import type { ApiRequest, Router } from '../server.ts';
import { isThread, type FakeState } from '../state.ts';
import type { FakeChannel, FakeMessage } from '../types.ts';
import { checkThreadBody, isObject, MessageFlag } from '../validation.ts';

function bodyObject(request: ApiRequest): Record<string, unknown> {
  return isObject(request.body) ? request.body : {};
}

function param(request: ApiRequest, name: string): string {
  return request.params[name] ?? '';
}

export function channelOrThrow(state: FakeState, id: string): FakeChannel {
  const channel = state.liveChannel(id);
  if (!channel) throw apiErrors.unknownChannel();
  return channel;
}

/** A message the bot can see in this channel: not deleted, not someone's ephemeral reply. */
function visibleMessage(state: FakeState, channel: FakeChannel, id: string): FakeMessage {
  const message = state.messages.get(id);
  if (
    !message ||
    message.deleted ||
    message.channelId !== channel.id ||
    (message.flags & MessageFlag.Ephemeral) !== 0
  ) {
    throw apiErrors.unknownMessage();
  }
  return message;
}

function requirePermission(state: FakeState, permission: bigint): void {
  if ((state.options.botPermissions & permission) === 0n) throw apiErrors.missingPermissions();
}

/** Sending into an archived thread reopens it unless it is locked (then 50083). */
export function prepareThreadForPost(state: FakeState, events: EventSink, channel: FakeChannel): void {
  if (!isThread(channel) || !channel.archived) return;
  if (channel.locked) throw apiErrors.threadArchived();
  channel.archived = false;
  events.dispatch('THREAD_UPDATE', apiChannel(state, channel), GatewayIntent.Guilds);
}

export function deleteChannel(state: FakeState, events: EventSink, channel: FakeChannel): void {
  if (channel.deleted) return;
  channel.deleted = true;
  const children = state.threads().filter((t) => t.parentId === channel.id && !t.deleted);
  for (const child of children) child.deleted = true;
  state.touch();
  if (isThread(channel)) {
    events.dispatch(
      'THREAD_DELETE',
      { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type },
      GatewayIntent.Guilds,
    );
  } else {
    events.dispatch('CHANNEL_DELETE', apiChannel(state, channel), GatewayIntent.Guilds);
  }
}

function createThread(
  state: FakeState,
  events: EventSink,
  parent: FakeChannel,
  body: Record<string, unknown>,
  fromMessage: FakeMessage | null,
): FakeChannel {
  if (parent.type !== 0) throw apiErrors.wrongChannelType();
  throwIfIssues(checkThreadBody(body, fromMessage === null));
  const type = fromMessage ? 11 : (body['type'] as number);
  requirePermission(
    state,
    type === 12 ? PermissionFlagsBits.CreatePrivateThreads : PermissionFlagsBits.CreatePublicThreads,
  );
  if (fromMessage?.threadId) throw apiErrors.threadAlreadyCreated();
  const thread: FakeChannel = {
    // A thread started from a message shares the message's id.
    id: fromMessage ? fromMessage.id : state.ids.next(),
    type,
    name: body['name'] as string,
    parentId: parent.id,
    guildId: parent.guildId,
    ownerId: state.botUser.id,
    messages: [],
    deleted: false,
    archived: false,
    locked: false,
    autoArchiveDuration:
      typeof body['auto_archive_duration'] === 'number' ? body['auto_archive_duration'] : 4320,
    createdAt: Date.now(),
    memberIds: [state.botUser.id],
  };
  state.channels.set(thread.id, thread);
  if (fromMessage) {
    fromMessage.threadId = thread.id;
    fromMessage.flags |= MessageFlag.HasThread;
  } else if (type === 11) {
    // Discord announces a public thread started without a message in its parent channel.
    storeMessage(
      state,
      events,
      parent,
      { content: thread.name, flags: 0, components: [], embeds: [], attachments: [], editedAt: null },
      { authorId: state.botUser.id, type: 18 },
    );
  }
  state.touch();
  events.dispatch(
    'THREAD_CREATE',
    { ...apiChannel(state, thread), newly_created: true },
    GatewayIntent.Guilds,
  );
  return thread;
}

export function addChannelRoutes(router: Router, state: FakeState, events: EventSink): void {
  const auth = { auth: true };

  router.add(
    'GET',
    '/channels/:channelId',
    (request) => ({
      status: 200,
      body: apiChannel(state, channelOrThrow(state, param(request, 'channelId'))),
    }),
    auth,
  );

  router.add(
    'PATCH',
    '/channels/:channelId',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      const body = bodyObject(request);
      if (body['name'] !== undefined) throwIfIssues(checkThreadBody({ name: body['name'] }, false));
      if (typeof body['name'] === 'string') channel.name = body['name'];
      if (isThread(channel)) {
        if (body['auto_archive_duration'] !== undefined) {
          throwIfIssues(
            checkThreadBody(
              { name: channel.name, auto_archive_duration: body['auto_archive_duration'] },
              false,
            ),
          );
          channel.autoArchiveDuration = body['auto_archive_duration'] as number;
        }
        if (typeof body['archived'] === 'boolean') channel.archived = body['archived'];
        if (typeof body['locked'] === 'boolean') channel.locked = body['locked'];
      }
      state.touch();
      const json = apiChannel(state, channel);
      events.dispatch(isThread(channel) ? 'THREAD_UPDATE' : 'CHANNEL_UPDATE', json, GatewayIntent.Guilds);
      return { status: 200, body: json };
    },
    auth,
  );

  router.add(
    'DELETE',
    '/channels/:channelId',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      deleteChannel(state, events, channel);
      return { status: 200, body: apiChannel(state, channel) };
    },
    auth,
  );

  router.add(
    'POST',
    '/channels/:channelId/messages',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      requirePermission(
        state,
        isThread(channel) ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages,
      );
      if (request.files.length > 0) requirePermission(state, PermissionFlagsBits.AttachFiles);
      prepareThreadForPost(state, events, channel);
      const message = createMessage(
        state,
        events,
        channel,
        { body: bodyObject(request), files: request.files },
        { authorId: state.botUser.id },
      );
      return { status: 200, body: apiMessage(state, message) };
    },
    auth,
  );

  router.add(
    'GET',
    '/channels/:channelId/messages',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      const limit = Math.min(100, Math.max(1, Number(request.query.get('limit') ?? 50)));
      const before = request.query.get('before');
      const after = request.query.get('after');
      let list = channel.messages.filter((m) => (m.flags & MessageFlag.Ephemeral) === 0);
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
      const newestFirst = [...list].reverse().slice(0, limit);
      return { status: 200, body: newestFirst.map((m) => apiMessage(state, m)) };
    },
    auth,
  );

  router.add(
    'GET',
    '/channels/:channelId/messages/:messageId',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      return {
        status: 200,
        body: apiMessage(state, visibleMessage(state, channel, param(request, 'messageId'))),
      };
    },
    auth,
  );

  router.add(
    'PATCH',
    '/channels/:channelId/messages/:messageId',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      const message = visibleMessage(state, channel, param(request, 'messageId'));
      if (message.authorId !== state.botUser.id) throw apiErrors.notAuthor();
      editMessage(state, events, message, { body: bodyObject(request), files: request.files });
      return { status: 200, body: apiMessage(state, message) };
    },
    auth,
  );

  router.add(
    'DELETE',
    '/channels/:channelId/messages/:messageId',
    (request) => {
      const channel = channelOrThrow(state, param(request, 'channelId'));
      deleteMessage(state, events, visibleMessage(state, channel, param(request, 'messageId')));
      return { status: 204 };
    },
    auth,
  );

  router.add(
    'POST',
    '/channels/:channelId/threads',
    (request) => {
      const parent = channelOrThrow(state, param(request, 'channelId'));
      const thread = createThread(state, events, parent, bodyObject(request), null);
      return { status: 201, body: apiChannel(state, thread) };
    },
    auth,
  );

  router.add(
    'POST',
    '/channels/:channelId/messages/:messageId/threads',
    (request) => {
      const parent = channelOrThrow(state, param(request, 'channelId'));
      const message = visibleMessage(state, parent, param(request, 'messageId'));
      const thread = createThread(state, events, parent, bodyObject(request), message);
      return { status: 201, body: apiChannel(state, thread) };
    },
    auth,
  );

  router.add(
    'PUT',
    '/channels/:channelId/thread-members/@me',
    (request) => {
      const thread = channelOrThrow(state, param(request, 'channelId'));
      if (!isThread(thread)) throw apiErrors.wrongChannelType();
      if (thread.archived) throw apiErrors.threadArchived();
      if (!thread.memberIds.includes(state.botUser.id)) thread.memberIds.push(state.botUser.id);
      state.touch();
      return { status: 204 };
    },
    auth,
  );

  router.add(
    'DELETE',
    '/channels/:channelId/thread-members/@me',
    (request) => {
      const thread = channelOrThrow(state, param(request, 'channelId'));
      if (!isThread(thread)) throw apiErrors.wrongChannelType();
      thread.memberIds = thread.memberIds.filter((id) => id !== state.botUser.id);
      state.touch();
      return { status: 204 };
    },
    auth,
  );

  router.add(
    'POST',
    '/channels/:channelId/typing',
    (request) => {
      channelOrThrow(state, param(request, 'channelId'));
      return { status: 204 };
    },
    auth,
  );
}

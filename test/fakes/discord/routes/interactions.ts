/**
 * Interaction callback and the interaction webhook (follow-ups, @original). Neither takes the bot token.
 * Deadlines are Discord's: the first response within initialResponseDeadlineMs of dispatch (else 10062),
 * one first response only (else 40060), follow-ups and edits within followUpWindowMs (else 50027).
 */
import { apiMessage } from '../api-objects.ts';
import { DiscordApiError, apiErrors, nestFormErrors, throwIfIssues } from '../errors.ts';
import type { EventSink } from '../gateway.ts';
import { createMessage, deleteMessage, editMessage, storeMessage } from '../message-writer.ts';
import type { ApiRequest, ApiResponse, Router } from '../server.ts';
import type { FakeState, InteractionRecord } from '../state.ts';
import type { FakeMessage } from '../types.ts';
import {
  checkAutocompleteData,
  checkCallbackType,
  checkDeferredData,
  checkModalData,
  isObject,
  MessageFlag,
} from '../validation.ts';
import { channelOrThrow, prepareThreadForPost } from './channels.ts';

function param(request: ApiRequest, name: string): string {
  return request.params[name] ?? '';
}

function liveMessage(state: FakeState, id: string | null): FakeMessage {
  const message = id === null ? undefined : state.messages.get(id);
  if (!message || message.deleted) throw apiErrors.unknownMessage();
  return message;
}

function handleCallback(state: FakeState, events: EventSink, request: ApiRequest): ApiResponse {
  const record = state.interactions.get(param(request, 'interactionId'));
  if (!record || record.token !== param(request, 'token')) throw apiErrors.unknownInteraction();
  const body = isObject(request.body) ? request.body : {};
  const type = body['type'];
  const attempt = (error: DiscordApiError): DiscordApiError => {
    record.attempts.push({
      type: typeof type === 'number' ? type : undefined,
      status: error.status,
      code: error.code,
      at: Date.now(),
    });
    state.touch();
    return error;
  };
  try {
    if (record.callback) throw apiErrors.alreadyAcknowledged();
    if (request.receivedHr - record.dispatchedHr > state.options.initialResponseDeadlineMs) {
      throw apiErrors.unknownInteraction();
    }
    throwIfIssues(checkCallbackType(record.type, type));
    try {
      return acknowledge(state, events, record, request, type as number, body['data']);
    } catch (error) {
      // The message of a type 4 or 7 callback is its `data`, and Discord reports its errors there.
      throw error instanceof DiscordApiError && (type === 4 || type === 7)
        ? nestFormErrors(error, 'data')
        : error;
    }
  } catch (error) {
    if (error instanceof DiscordApiError) throw attempt(error);
    throw error;
  }
}

function acknowledge(
  state: FakeState,
  events: EventSink,
  record: InteractionRecord,
  request: ApiRequest,
  type: number,
  rawData: unknown,
): ApiResponse {
  const data = isObject(rawData) ? rawData : {};
  const write = { body: data, files: request.files };
  const reply = {
    authorId: state.botUser.id,
    interactionId: record.id,
    interactionUserId: record.userId,
    allowEphemeral: true,
  };
  let message: FakeMessage | null = null;
  switch (type) {
    case 4: {
      const channel = channelOrThrow(state, record.channelId);
      prepareThreadForPost(state, events, channel);
      message = createMessage(state, events, channel, write, { ...reply, type: record.type === 2 ? 20 : 0 });
      break;
    }
    case 5: {
      throwIfIssues(checkDeferredData(rawData));
      const channel = channelOrThrow(state, record.channelId);
      prepareThreadForPost(state, events, channel);
      const flags =
        (typeof data['flags'] === 'number' ? data['flags'] & MessageFlag.Ephemeral : 0) | MessageFlag.Loading;
      // The "thinking…" placeholder that editReply later fills in.
      message = storeMessage(
        state,
        events,
        channel,
        { content: '', flags, components: [], embeds: [], attachments: [], editedAt: null },
        { ...reply, type: record.type === 2 ? 20 : 0 },
      );
      break;
    }
    case 6:
      if (record.sourceMessageId) message = liveMessage(state, record.sourceMessageId);
      break;
    case 7:
      message = editMessage(state, events, liveMessage(state, record.sourceMessageId), write);
      break;
    case 8:
      throwIfIssues(checkAutocompleteData(rawData));
      break;
    case 9:
      throwIfIssues(checkModalData(rawData));
      record.modal = {
        customId: data['custom_id'] as string,
        userId: record.userId,
        data: data as { custom_id: string; title: string; components: unknown[] },
        sourceMessageId: record.sourceMessageId,
        channelId: record.channelId,
        submitted: false,
      };
      break;
    default:
      // Types 10 and 12 (premium upsell, launch activity) are not used by Kiln.
      break;
  }
  record.originalMessageId = message?.id ?? null;
  record.callback = {
    type,
    data: { ...data, flags: typeof data['flags'] === 'number' ? data['flags'] : 0 },
    files: request.files,
    at: Date.now(),
  };
  record.latencyMs = request.receivedHr - record.dispatchedHr;
  state.touch();
  if (request.query.get('with_response') !== 'true') return { status: 204 };
  return {
    status: 200,
    body: {
      interaction: {
        id: record.id,
        type: record.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: (message.flags & MessageFlag.Loading) !== 0,
              response_message_ephemeral: (message.flags & MessageFlag.Ephemeral) !== 0,
            }
          : {}),
      },
      resource: { type, ...(message ? { message: apiMessage(state, message) } : {}) },
    },
  };
}

/** The interaction behind a webhook token, if the token is still valid. */
function webhookInteraction(state: FakeState, request: ApiRequest): InteractionRecord {
  if (param(request, 'applicationId') !== state.options.applicationId) throw apiErrors.unknownWebhook();
  const record = state.interactionsByToken.get(param(request, 'token'));
  if (!record) throw apiErrors.invalidWebhookToken();
  if (request.receivedHr - record.dispatchedHr > state.options.followUpWindowMs)
    throw apiErrors.invalidWebhookToken();
  // Follow-ups and edits need an acknowledged interaction with a message flow.
  if (!record.callback || record.callback.type === 8) throw apiErrors.unknownWebhook();
  return record;
}

function webhookMessage(state: FakeState, record: InteractionRecord, id: string): FakeMessage {
  const messageId = id === '@original' ? record.originalMessageId : id;
  if (
    messageId === null ||
    (messageId !== record.originalMessageId && !record.followUpIds.includes(messageId))
  ) {
    throw apiErrors.unknownMessage();
  }
  const message = liveMessage(state, messageId);
  channelOrThrow(state, message.channelId);
  return message;
}

export function addInteractionRoutes(router: Router, state: FakeState, events: EventSink): void {
  const open = { auth: false };

  router.add(
    'POST',
    '/interactions/:interactionId/:token/callback',
    (request) => handleCallback(state, events, request),
    open,
  );

  router.add(
    'POST',
    '/webhooks/:applicationId/:token',
    (request) => {
      const record = webhookInteraction(state, request);
      const channel = channelOrThrow(state, record.channelId);
      prepareThreadForPost(state, events, channel);
      const body = isObject(request.body) ? request.body : {};
      const message = createMessage(
        state,
        events,
        channel,
        { body, files: request.files },
        {
          authorId: state.botUser.id,
          interactionId: record.id,
          interactionUserId: record.userId,
          allowEphemeral: true,
        },
      );
      record.followUpIds.push(message.id);
      state.touch();
      return { status: 200, body: apiMessage(state, message) };
    },
    open,
  );

  router.add(
    'GET',
    '/webhooks/:applicationId/:token/messages/:messageId',
    (request) => {
      const record = webhookInteraction(state, request);
      return {
        status: 200,
        body: apiMessage(state, webhookMessage(state, record, param(request, 'messageId'))),
      };
    },
    open,
  );

  router.add(
    'PATCH',
    '/webhooks/:applicationId/:token/messages/:messageId',
    (request) => {
      const record = webhookInteraction(state, request);
      const message = webhookMessage(state, record, param(request, 'messageId'));
      const body = isObject(request.body) ? request.body : {};
      editMessage(state, events, message, { body, files: request.files });
      return { status: 200, body: apiMessage(state, message) };
    },
    open,
  );

  router.add(
    'DELETE',
    '/webhooks/:applicationId/:token/messages/:messageId',
    (request) => {
      const record = webhookInteraction(state, request);
      deleteMessage(state, events, webhookMessage(state, record, param(request, 'messageId')));
      return { status: 204 };
    },
    open,
  );
}

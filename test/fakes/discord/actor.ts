/**
 * A user acting in the guild. Each action dispatches a real INTERACTION_CREATE over the gateway and
 * resolves once the bot's initial callback was accepted. Actions a Discord client would not let a user
 * take (clicking a button that is not there, submitting a modal that was never shown) throw instead.
 */
import type { APIInteraction } from 'discord-api-types/v10';
import { apiAttachment } from './api-objects.ts';
import { resolveInvocation, type InvocationValue } from './command-options.ts';
import type { FakeGateway } from './gateway.ts';
import {
  autocompletePayload,
  buttonPayload,
  chatInputPayload,
  modalSubmitPayload,
  selectPayload,
  type InteractionIdentity,
} from './interactions.ts';
import { interactionToken } from './snowflake.ts';
import type { FakeState, InteractionRecord, ShownModal } from './state.ts';
import type {
  AutocompleteOptions,
  FakeActor,
  FakeAttachment,
  FakeChannel,
  FakeMessage,
  FakeUser,
  InteractionCallback,
  InteractionResult,
  ModalFieldValue,
  ModalSubmitOptions,
  SlashOptions,
  SlashOptionValue,
} from './types.ts';
import { acceptsFileType, prepareUpload, storeUploads } from './uploads.ts';
import { isObject, MessageFlag } from './validation.ts';

const DEFAULT_WAIT_MS = 5000;

function fail(message: string): never {
  throw new Error(`fake Discord: ${message}`);
}

class Result implements InteractionResult {
  readonly interactionId: string;
  readonly token: string;
  readonly callback: InteractionCallback;
  readonly latencyMs: number;

  constructor(
    private readonly state: FakeState,
    private readonly record: InteractionRecord,
    callback: InteractionCallback,
  ) {
    this.interactionId = record.id;
    this.token = record.token;
    this.callback = callback;
    this.latencyMs = record.latencyMs ?? 0;
  }

  followUps(): FakeMessage[] {
    return this.record.followUpIds
      .map((id) => this.state.messages.get(id))
      .filter((m): m is FakeMessage => m !== undefined && !m.deleted);
  }

  original(): FakeMessage | undefined {
    const id = this.record.originalMessageId;
    const message = id === null ? undefined : this.state.messages.get(id);
    return message && !message.deleted ? message : undefined;
  }

  waitForOriginal(
    predicate?: (m: FakeMessage) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<FakeMessage> {
    const callback = this.callback;
    const test =
      predicate ??
      ((m: FakeMessage): boolean => {
        if (callback.type === 5) return (m.flags & MessageFlag.Loading) === 0;
        if (callback.type === 6) return m.editedAt !== null && m.editedAt >= callback.at;
        return true;
      });
    return this.state.changes.wait(
      () => {
        const message = this.original();
        return message && test(message) ? message : undefined;
      },
      timeoutMs,
      () =>
        `the @original message of interaction ${this.interactionId} to match (now: ${describeMessage(this.original())})`,
    );
  }

  waitForFollowUp(
    predicate: (m: FakeMessage) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<FakeMessage> {
    return this.state.changes.wait(
      () => this.followUps().find(predicate),
      timeoutMs,
      () => `a follow-up of interaction ${this.interactionId} (${this.followUps().length} so far)`,
    );
  }
}

function describeMessage(message: FakeMessage | undefined): string {
  if (!message) return 'none';
  return JSON.stringify({ content: message.content, flags: message.flags, edits: message.history.length });
}

/** Walks message components (rows, containers, sections) to the one with this custom_id. */
function findComponent(components: unknown, customId: string): Record<string, unknown> | undefined {
  if (Array.isArray(components)) {
    for (const child of components) {
      const found = findComponent(child, customId);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(components)) return undefined;
  if (components['custom_id'] === customId) return components;
  return (
    findComponent(components['components'], customId) ?? findComponent(components['accessory'], customId)
  );
}

export class Actor implements FakeActor {
  constructor(
    private readonly state: FakeState,
    private readonly gateway: FakeGateway,
    readonly user: FakeUser,
  ) {}

  async slash(command: string, options: SlashOptions = {}): Promise<InteractionResult> {
    const { values, uploads } = await this.#readFiles(command, options);
    const resolved = resolveInvocation(this.state, {
      command,
      user: this.user,
      subcommand: options.subcommand,
      subcommandGroup: options.subcommandGroup,
      options: values,
    });
    return await this.#dispatch(`/${command}`, this.#channel(options.channelId), 2, null, (identity) => {
      storeUploads(this.state, uploads);
      return chatInputPayload(this.state, identity, command, resolved);
    });
  }

  async autocomplete(command: string, options: AutocompleteOptions): Promise<InteractionResult> {
    const { values, uploads } = await this.#readFiles(command, options);
    const resolved = resolveInvocation(this.state, {
      command,
      user: this.user,
      subcommand: options.subcommand,
      subcommandGroup: options.subcommandGroup,
      options: values,
      focused: options.focused,
    });
    return await this.#dispatch(
      `autocomplete /${command}`,
      this.#channel(options.channelId),
      4,
      null,
      (identity) => {
        storeUploads(this.state, uploads);
        return autocompletePayload(this.state, identity, command, resolved);
      },
    );
  }

  /** Reads the files of `{ file }` options as the client uploads them: over the limit is refused. */
  async #readFiles(
    command: string,
    options: SlashOptions,
  ): Promise<{ values: Record<string, InvocationValue>; uploads: FakeAttachment[] }> {
    const channelId = options.channelId ?? this.state.options.channelId;
    const values: Record<string, InvocationValue> = {};
    const uploads: FakeAttachment[] = [];
    const given: Record<string, SlashOptionValue> = options.options ?? {};
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== 'object') {
        values[name] = value;
        continue;
      }
      if (!isObject(value) || !('file' in value)) {
        fail(
          `/${command}: option "${name}" takes a string, number, boolean or { file: { name, data, contentType? } }`,
        );
      }
      const attachment = await prepareUpload(
        this.state,
        value.file,
        channelId,
        `/${command}: option "${name}"`,
      );
      uploads.push(attachment);
      values[name] = { attachment };
    }
    return { values, uploads };
  }

  async button(message: FakeMessage, customId: string): Promise<InteractionResult> {
    const live = this.#clickable(message);
    const button = findComponent(live.components, customId);
    if (!button || button['type'] !== 2)
      fail(`message ${live.id} has no button "${customId}" (has: ${listIds(live)})`);
    if (button['disabled'] === true) fail(`button "${customId}" is disabled`);
    return await this.#dispatch(`button ${customId}`, this.#channel(live.channelId), 3, live.id, (identity) =>
      buttonPayload(this.state, identity, live, customId),
    );
  }

  async select(message: FakeMessage, customId: string, values: string[]): Promise<InteractionResult> {
    const live = this.#clickable(message);
    const select = findComponent(live.components, customId);
    if (!select || select['type'] !== 3)
      fail(`message ${live.id} has no string select "${customId}" (has: ${listIds(live)})`);
    if (select['disabled'] === true) fail(`select "${customId}" is disabled`);
    const options = Array.isArray(select['options']) ? select['options'].filter(isObject) : [];
    const known = new Set(options.map((o) => o['value']));
    const unknown = values.filter((v) => !known.has(v));
    if (unknown.length > 0) fail(`select "${customId}" has no option ${JSON.stringify(unknown)}`);
    const min = typeof select['min_values'] === 'number' ? select['min_values'] : 1;
    const max = typeof select['max_values'] === 'number' ? select['max_values'] : 1;
    if (values.length < min || values.length > max)
      fail(`select "${customId}" takes ${min}–${max} values, got ${values.length}`);
    return await this.#dispatch(`select ${customId}`, this.#channel(live.channelId), 3, live.id, (identity) =>
      selectPayload(this.state, identity, live, customId, values),
    );
  }

  async modalSubmit(
    customId: string,
    fields: Record<string, ModalFieldValue>,
    options: ModalSubmitOptions = {},
  ): Promise<InteractionResult> {
    const modal = [...this.state.interactions.values()]
      .reverse()
      .map((r) => r.modal)
      .find(
        (m): m is ShownModal =>
          m !== null && m.customId === customId && m.userId === this.user.id && !m.submitted,
      );
    if (!modal)
      fail(
        `no modal "${customId}" is open for ${this.user.username}; the bot must show it first (callback type 9)`,
      );
    const files = new Map<string, FakeAttachment[]>();
    for (const [field, value] of Object.entries(fields)) {
      if (!Array.isArray(value) || value.every((item) => typeof item === 'string')) continue;
      const attachments: FakeAttachment[] = [];
      for (const item of value) {
        const what = `modal "${customId}": field "${field}"`;
        attachments.push(await prepareUpload(this.state, item, options.channelId ?? modal.channelId, what));
      }
      files.set(field, attachments);
    }
    // Reading files yields: a second submit of the same modal may have gone out meanwhile.
    if (modal.submitted) fail(`modal "${customId}" was submitted already`);
    const { components, resolved, uploads } = submittedComponents(
      modal,
      fields,
      files,
      options.ignoreLengthLimits === true,
    );
    const messageId = options.message?.id ?? modal.sourceMessageId;
    const message = messageId === null ? null : (this.state.messages.get(messageId) ?? null);
    modal.submitted = true;
    return await this.#dispatch(
      `modal ${customId}`,
      this.#channel(options.channelId ?? modal.channelId),
      5,
      message?.id ?? null,
      (identity) => {
        storeUploads(this.state, uploads);
        return modalSubmitPayload(this.state, identity, customId, components, message, resolved);
      },
    );
  }

  #channel(id: string | undefined): FakeChannel {
    const channelId = id ?? this.state.options.channelId;
    const channel = this.state.liveChannel(channelId);
    if (!channel) fail(`channel ${channelId} does not exist (or was deleted)`);
    return channel;
  }

  #clickable(message: FakeMessage): FakeMessage {
    const live = this.state.messages.get(message.id);
    if (!live || live.deleted) fail(`message ${message.id} does not exist (or was deleted)`);
    if ((live.flags & MessageFlag.Ephemeral) !== 0 && live.interactionUserId !== this.user.id) {
      fail(`message ${live.id} is ephemeral: only its user sees it`);
    }
    return live;
  }

  async #dispatch(
    what: string,
    channel: FakeChannel,
    type: number,
    sourceMessageId: string | null,
    build: (identity: InteractionIdentity) => APIInteraction,
  ): Promise<InteractionResult> {
    if (!this.gateway.hasSession()) fail(`no bot is logged in to the gateway to receive ${what}`);
    const id = this.state.ids.next();
    const token = interactionToken(id);
    const payload = build({ id, token, user: this.user, channel });
    const record: InteractionRecord = {
      id,
      token,
      type,
      userId: this.user.id,
      channelId: channel.id,
      payload,
      dispatchedAt: Date.now(),
      dispatchedHr: performance.now(),
      callback: null,
      latencyMs: null,
      attempts: [],
      sourceMessageId,
      originalMessageId: null,
      followUpIds: [],
      modal: null,
    };
    this.state.interactions.set(id, record);
    this.state.interactionsByToken.set(token, record);
    this.gateway.dispatchInteraction(payload);
    const deadline = this.state.options.initialResponseDeadlineMs;
    const callback = await this.state.changes.wait(
      () => {
        if (record.callback) return record.callback;
        if (record.attempts.some((a) => a.code === 10062)) {
          fail(`${what} (${id}) was answered after the ${deadline} ms deadline: 10062 Unknown interaction`);
        }
        return undefined;
      },
      deadline + 1000,
      () =>
        `an accepted initial response to ${what} (${id}) within ${deadline} ms; rejected attempts: ${
          JSON.stringify(record.attempts.map((a) => ({ type: a.type, status: a.status, code: a.code }))) ||
          '[]'
        }`,
    );
    return new Result(this.state, record, callback);
  }
}

function listIds(message: FakeMessage): string {
  const ids: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!isObject(value)) return;
    if (typeof value['custom_id'] === 'string') ids.push(value['custom_id']);
    walk(value['components']);
    walk(value['accessory']);
  };
  walk(message.components);
  return ids.join(', ') || 'none';
}

interface Submission {
  components: unknown[];
  /** `data.resolved` with the uploaded files, or null when no file was sent. */
  resolved: Record<string, Record<string, unknown>> | null;
  uploads: FakeAttachment[];
}

/**
 * The components of a MODAL_SUBMIT: Labels wrap their text input, select or File Upload (type 18
 * holding the child), legacy rows hold their text input, Text Displays come back bare; ids numbered as
 * Discord does. `files` are the read files by field; a File Upload sends their attachment ids.
 */
function submittedComponents(
  modal: ShownModal,
  fields: Record<string, ModalFieldValue>,
  files: ReadonlyMap<string, FakeAttachment[]>,
  ignoreLengthLimits = false,
): Submission {
  let nextId = 1;
  const used = new Set<string>();
  const uploads: FakeAttachment[] = [];
  const idOf = (component: Record<string, unknown>): number =>
    typeof component['id'] === 'number' ? component['id'] : nextId++;

  const input = (child: Record<string, unknown>, id: number): Record<string, unknown> => {
    const customId = child['custom_id'] as string;
    const given = fields[customId];
    used.add(customId);
    if (child['type'] === 4) {
      const value = Array.isArray(given) ? fail(`text input "${customId}" takes a string`) : (given ?? '');
      const required = child['required'] !== false;
      if (required && value === '') fail(`text input "${customId}" is required`);
      const min = typeof child['min_length'] === 'number' ? child['min_length'] : 0;
      const max = typeof child['max_length'] === 'number' ? child['max_length'] : 4000;
      if (!ignoreLengthLimits && value !== '' && (value.length < min || value.length > max)) {
        fail(`text input "${customId}" takes ${min}–${max} characters, got ${value.length}`);
      }
      return { type: 4, id, custom_id: customId, value };
    }
    if (child['type'] === 19) {
      const sent =
        files.get(customId) ??
        (given === undefined || (Array.isArray(given) && given.length === 0)
          ? []
          : fail(`file upload "${customId}" takes files ([{ name, data, contentType? }]), not text`));
      const required = child['required'] !== false;
      const min = typeof child['min_values'] === 'number' ? child['min_values'] : 1;
      const max = typeof child['max_values'] === 'number' ? child['max_values'] : 1;
      if (sent.length === 0 && required) fail(`file upload "${customId}" is required`);
      if (sent.length > 0 && (sent.length < min || sent.length > max)) {
        fail(`file upload "${customId}" takes ${min}–${max} files, got ${sent.length}`);
      }
      const refused = sent.find((file) => !acceptsFileType(child['file_types'], file));
      if (refused) {
        const types = Array.isArray(child['file_types']) ? child['file_types'].join(', ') : '';
        fail(
          `file upload "${customId}" only accepts file types ${types}; ` +
            `"${refused.filename}" (${refused.contentType}) is none of them`,
        );
      }
      uploads.push(...sent);
      return { type: 19, id, custom_id: customId, values: sent.map((file) => file.id) };
    }
    if (child['type'] === 3) {
      if (files.has(customId)) fail(`select "${customId}" takes option values, not files`);
      const values = given === undefined ? [] : Array.isArray(given) ? (given as string[]) : [given];
      const options = Array.isArray(child['options']) ? child['options'].filter(isObject) : [];
      const unknown = values.filter((v) => !options.some((o) => o['value'] === v));
      if (unknown.length > 0) fail(`select "${customId}" has no option ${JSON.stringify(unknown)}`);
      const required = child['required'] !== false;
      const min = typeof child['min_values'] === 'number' ? child['min_values'] : required ? 1 : 0;
      const max = typeof child['max_values'] === 'number' ? child['max_values'] : 1;
      if ((required || values.length > 0) && (values.length < min || values.length > max)) {
        fail(`select "${customId}" takes ${min}–${max} values, got ${values.length}`);
      }
      return { type: 3, id, custom_id: customId, values };
    }
    return fail(
      `modal component type ${String(child['type'])} ("${customId}") is not supported by the fake yet`,
    );
  };

  const out = modal.data.components.filter(isObject).map((component) => {
    const id = idOf(component);
    if (component['type'] === 18 && isObject(component['component'])) {
      const child = component['component'];
      return { type: 18, id, component: input(child, idOf(child)) };
    }
    if (component['type'] === 1 && Array.isArray(component['components'])) {
      const children = component['components'].filter(isObject);
      return { type: 1, id, components: children.map((child) => input(child, idOf(child))) };
    }
    return { type: component['type'], id };
  });
  const extra = Object.keys(fields).filter((key) => !used.has(key));
  if (extra.length > 0) fail(`modal "${modal.customId}" has no field ${JSON.stringify(extra)}`);
  const resolved =
    uploads.length > 0
      ? {
          attachments: Object.fromEntries(uploads.map((file) => [file.id, { ...apiAttachment(file) }])),
        }
      : null;
  return { components: out, resolved, uploads };
}

/**
 * A local Discord stand-in that the real discord.js Client logs into: REST under /api/v10 and a gateway
 * websocket on 127.0.0.1, one guild with one text channel, users acting through real INTERACTION_CREATE
 * dispatches. It keeps what the bot created and rejects what Discord rejects (see validation.ts).
 *
 *   const discord = await startFakeDiscord();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
 *   await client.login(discord.token);
 *   const result = await discord.user({ id: '1', username: 'ann' }).slash('project', { subcommand: 'create' });
 *
 * Users send files as attachment options (`options: { image: { file: { name, data, contentType } } }`)
 * or through a modal's File Upload (`modalSubmit('m', { photos: [{ name, data }] })`); see uploads.ts.
 * Rate limits (429 with retry_after per route and channel) are off unless asked for: the option
 * `rateLimits: {}` or `discord.rateLimits.configure({})`; see rate-limits.ts.
 */
import { addGuildRoutes } from './routes/guilds.ts';
import { apiCommand, apiRole } from './api-objects.ts';
import { Actor } from './actor.ts';
import { FakeGateway, GatewayIntent } from './gateway.ts';
import { addApplicationRoutes } from './routes/application.ts';
import { addChannelRoutes, deleteChannel } from './routes/channels.ts';
import { addInteractionRoutes } from './routes/interactions.ts';
import { FakeRateLimits } from './rate-limits.ts';
import { FakeHttpServer, Router } from './server.ts';
import { FakeState, resolveOptions } from './state.ts';
import type { FakeActor, FakeDiscord, FakeDiscordOptions, FakeUser, RecordedRequest } from './types.ts';

export type * from './types.ts';
export { allComponents, buttons, customIds, mediaUrls, selectValues, textOf } from './inspect.ts';
export type { ButtonView } from './inspect.ts';
export { DEFAULT_BOT_PERMISSIONS, DEFAULT_MEMBER_PERMISSIONS } from './state.ts';
export { LIMITS, MessageFlag, countComponents } from './validation.ts';
export { loginClient } from './login.ts';
export { DEFAULT_RATE_LIMIT_RULES } from './rate-limits.ts';
export type { RateLimitEvent, RateLimitOptions, RateLimitRule, RateLimitViolation } from './rate-limits.ts';

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const resolved = resolveOptions(options);
  const state = new FakeState(resolved, options.roles ?? []);
  const gateway = new FakeGateway(state);
  const router = new Router();
  addApplicationRoutes(router, state, gateway);
  addChannelRoutes(router, state, gateway);
  addInteractionRoutes(router, state, gateway);
  addGuildRoutes(router, state);
  const rateLimits = new FakeRateLimits(options.rateLimits);
  const server = new FakeHttpServer(state, router, gateway, rateLimits);
  state.baseUrl = await server.listen();

  const ensureMember = (user: FakeUser): void => {
    state.members.set(user.id, user);
    for (const roleId of user.roles ?? []) {
      if (state.roles.has(roleId)) continue;
      const role = { id: roleId, name: `role-${roleId}` };
      state.roles.set(roleId, role);
      gateway.dispatch(
        'GUILD_ROLE_CREATE',
        { guild_id: resolved.guildId, role: apiRole(role, state.roles.size - 1) },
        GatewayIntent.Guilds,
      );
    }
  };

  return {
    apiUrl: `${state.baseUrl}/api`,
    baseUrl: state.baseUrl,
    token: resolved.token,
    applicationId: resolved.applicationId,
    botUserId: state.botUser.id,
    guildId: resolved.guildId,
    channelId: resolved.channelId,
    requests: server.requests,
    rateLimits,
    removeMember(userId: string): void {
      state.members.delete(userId);
    },
    user(user: FakeUser): FakeActor {
      ensureMember(user);
      return new Actor(state, gateway, user);
    },
    channel: (id) => state.channels.get(id),
    threads: () => state.threads(),
    message(channelId, messageId) {
      const message = state.messages.get(messageId);
      return message?.channelId === channelId ? message : undefined;
    },
    attachment: (id) => state.findAttachment(id),
    deleteChannel(id) {
      const channel = state.channels.get(id);
      if (!channel) throw new Error(`fake Discord: no channel ${id} to delete`);
      deleteChannel(state, gateway, channel);
    },
    failNext: (match, response) => server.failNext(match, response),
    waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000) {
      return state.changes.wait(
        () => server.requests.find(predicate),
        timeoutMs,
        () => `a matching request (${server.requests.length} recorded)`,
      );
    },
    commands: () => [...state.globalCommands, ...state.guildCommands].map((c) => apiCommand(state, c)),
    disconnectAll: () => gateway.disconnectAll(),
    async close() {
      await gateway.close();
      await server.close();
    },
  };
}

/** Gateway discovery, the bot's own user and application, and application command registration. */
import { apiBotUser, apiCommand } from '../api-objects.ts';
import { apiErrors, throwIfIssues } from '../errors.ts';
import type { FakeGateway } from '../gateway.ts';
import type { ApiRequest, Router } from '../server.ts';
import type { FakeState, StoredCommand } from '../state.ts';
import { checkCommands } from '../validation.ts';

function param(request: ApiRequest, name: string): string {
  return request.params[name] ?? '';
}

function requireApplication(state: FakeState, request: ApiRequest): void {
  if (param(request, 'applicationId') !== state.options.applicationId) throw apiErrors.missingAccess();
}

function requireGuild(state: FakeState, request: ApiRequest): string {
  const guildId = param(request, 'guildId');
  if (guildId !== state.options.guildId) throw apiErrors.missingAccess();
  return guildId;
}

/** Bulk overwrite: commands keep their id when a command of the same type and name existed. */
function overwrite(
  state: FakeState,
  existing: StoredCommand[],
  body: unknown,
  guildId: string | null,
): StoredCommand[] {
  throwIfIssues(checkCommands(body));
  return (body as Record<string, unknown>[]).map((data) => {
    const type = typeof data['type'] === 'number' ? data['type'] : 1;
    const previous = existing.find((c) => c.data.name === data['name'] && (c.data.type ?? 1) === type);
    return {
      id: previous?.id ?? state.ids.next(),
      guildId,
      version: state.ids.next(),
      data: { ...data, type } as StoredCommand['data'],
    };
  });
}

function upsert(
  state: FakeState,
  existing: StoredCommand[],
  body: unknown,
  guildId: string | null,
): StoredCommand {
  throwIfIssues(checkCommands([body]));
  const data = body as Record<string, unknown>;
  const type = typeof data['type'] === 'number' ? data['type'] : 1;
  const previous = existing.find((c) => c.data.name === data['name'] && (c.data.type ?? 1) === type);
  const command: StoredCommand = {
    id: previous?.id ?? state.ids.next(),
    guildId,
    version: state.ids.next(),
    data: { ...data, type } as StoredCommand['data'],
  };
  if (previous) existing.splice(existing.indexOf(previous), 1, command);
  else existing.push(command);
  return command;
}

export function addApplicationRoutes(router: Router, state: FakeState, gateway: FakeGateway): void {
  const auth = { auth: true };
  const gatewayInfo = () => ({ url: gateway.url });

  router.add('GET', '/gateway', () => ({ status: 200, body: gatewayInfo() }), { auth: false });
  router.add(
    'GET',
    '/gateway/bot',
    () => ({
      status: 200,
      body: {
        ...gatewayInfo(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      },
    }),
    auth,
  );
  router.add('GET', '/users/@me', () => ({ status: 200, body: apiBotUser(state) }), auth);
  router.add(
    'GET',
    '/applications/@me',
    () => ({
      status: 200,
      body: {
        id: state.options.applicationId,
        name: state.botUser.username,
        icon: null,
        description: '',
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: '0'.repeat(64),
        flags: 0,
        team: null,
        bot: apiBotUser(state),
      },
    }),
    auth,
  );

  const scopes: {
    prefix: string;
    list: () => StoredCommand[];
    set: (c: StoredCommand[]) => void;
    guild: boolean;
  }[] = [
    {
      prefix: '/applications/:applicationId/commands',
      list: () => state.globalCommands,
      set: (commands) => (state.globalCommands = commands),
      guild: false,
    },
    {
      prefix: '/applications/:applicationId/guilds/:guildId/commands',
      list: () => state.guildCommands,
      set: (commands) => (state.guildCommands = commands),
      guild: true,
    },
  ];
  for (const scope of scopes) {
    const check = (request: ApiRequest): string | null => {
      requireApplication(state, request);
      return scope.guild ? requireGuild(state, request) : null;
    };
    router.add(
      'GET',
      scope.prefix,
      (request) => {
        check(request);
        return { status: 200, body: scope.list().map((c) => apiCommand(state, c)) };
      },
      auth,
    );
    router.add(
      'PUT',
      scope.prefix,
      (request) => {
        const guildId = check(request);
        scope.set(overwrite(state, scope.list(), request.body, guildId));
        state.touch();
        return { status: 200, body: scope.list().map((c) => apiCommand(state, c)) };
      },
      auth,
    );
    router.add(
      'POST',
      scope.prefix,
      (request) => {
        const guildId = check(request);
        const command = upsert(state, scope.list(), request.body, guildId);
        state.touch();
        return { status: 201, body: apiCommand(state, command) };
      },
      auth,
    );
    router.add(
      'DELETE',
      `${scope.prefix}/:commandId`,
      (request) => {
        check(request);
        const list = scope.list();
        const index = list.findIndex((c) => c.id === param(request, 'commandId'));
        if (index === -1) throw apiErrors.unknownCommand();
        list.splice(index, 1);
        state.touch();
        return { status: 204 };
      },
      auth,
    );
  }
}

/** Guild member lookups the bot makes over REST (the web editor's permission check). */
import { apiMember } from '../api-objects.ts';
import { DiscordApiError } from '../errors.ts';
import type { Router } from '../server.ts';
import type { FakeState } from '../state.ts';

export function addGuildRoutes(router: Router, state: FakeState): void {
  router.add(
    'GET',
    '/guilds/:guildId/members/:userId',
    (request) => {
      if (request.params['guildId'] !== state.options.guildId) {
        throw new DiscordApiError(404, 10004, 'Unknown Guild');
      }
      const user = state.members.get(request.params['userId'] ?? '');
      if (!user) throw new DiscordApiError(404, 10007, 'Unknown Member');
      return { status: 200, body: apiMember(state, user) };
    },
    { auth: true },
  );
}

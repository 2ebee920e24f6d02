import { DiscordAPIError, PermissionFlagsBits, type Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from './index.ts';
import { loginClient } from './login.ts';

const MANAGERS = '300000000000000055';

describe('guild members over REST', () => {
  let discord: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    discord = await startFakeDiscord({
      roles: [{ id: MANAGERS, name: 'managers', permissions: PermissionFlagsBits.ManageGuild }],
    });
    client = await loginClient(discord);
  });
  afterAll(async () => {
    await client?.destroy();
    await discord?.close();
  });

  it('answers GET member with its roles (permissions follow from them), and Unknown Member once it left', async () => {
    const user = { id: '400000000000000031', username: 'erin', roles: [MANAGERS] };
    discord.user(user);
    const guild = await client.guilds.fetch(discord.guildId);
    const member = await guild.members.fetch({ user: user.id, force: true, cache: false });
    expect([...member.roles.cache.keys()]).toContain(MANAGERS);
    expect(member.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(true);
    discord.removeMember(user.id);
    const gone = await guild.members
      .fetch({ user: user.id, force: true, cache: false })
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(DiscordAPIError);
    expect((gone as DiscordAPIError).code).toBe(10007);
  });
});

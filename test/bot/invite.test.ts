import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inviteUrl } from '../../src/bot/invite.ts';

describe('inviteUrl', () => {
  it('asks for the bot and applications.commands scopes and the permissions the README lists', () => {
    const url = new URL(inviteUrl('123456789012345678'));
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    const permissions = url.searchParams.get('permissions');
    expect(permissions).toBe('309237763072');
    expect(readFileSync('README.md', 'utf8')).toContain(`permissions=${permissions}`);
  });
});

import { describe, expect, it } from 'vitest';
import { canEditProject } from '../../../src/core/project/permissions.ts';

const base = { userId: 'b', ownerId: 'a', hasManageServer: false, memberRoleIds: ['r1'], editorRoleId: null };

describe('canEditProject', () => {
  it('lets the owner, a server manager and the editor role edit', () => {
    expect(canEditProject({ ...base, userId: 'a' })).toBe(true);
    expect(canEditProject({ ...base, hasManageServer: true })).toBe(true);
    expect(canEditProject({ ...base, editorRoleId: 'r1' })).toBe(true);
  });

  it('refuses everyone else', () => {
    expect(canEditProject(base)).toBe(false);
    expect(canEditProject({ ...base, editorRoleId: 'r2' })).toBe(false);
  });
});

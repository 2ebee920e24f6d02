/** Who may change a project: its owner, a server manager, or a member with the server's editor role. */
export interface EditorFacts {
  userId: string;
  ownerId: string;
  hasManageServer: boolean;
  memberRoleIds: readonly string[];
  editorRoleId: string | null;
}

export function canEditProject(facts: EditorFacts): boolean {
  if (facts.userId === facts.ownerId) return true;
  if (facts.hasManageServer) return true;
  return facts.editorRoleId !== null && facts.memberRoleIds.includes(facts.editorRoleId);
}

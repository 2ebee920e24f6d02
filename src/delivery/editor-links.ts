import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to the web editor, bound to one Discord user and one project. The signed text starts
 * with a purpose line that contains a `:`, which no download path may (see isSafeRelativePath), so a download
 * signature never opens the editor and an editor signature never fetches a file.
 */

export const EDITOR_PREFIX = '/edit/';
const PURPOSE = 'kiln-editor:v1';
/** A day: long enough for a cropping session, short enough that a leaked link dies soon. */
export const EDITOR_LINK_TTL_SECONDS = 24 * 3600;

export type EditorPage = 'crops' | 'tags';

export interface EditorGrant {
  projectId: number;
  userId: string;
  /** Unix seconds. */
  expires: number;
}

function editorSignature(secret: string, grant: EditorGrant): string {
  return createHmac('sha256', secret)
    .update(`${PURPOSE}\n${grant.projectId}\n${grant.userId}\n${grant.expires}`)
    .digest('base64url');
}

/** The query that carries a grant: project, user, expiry and signature. */
export function editorQuery(secret: string, grant: EditorGrant): URLSearchParams {
  return new URLSearchParams({
    p: String(grant.projectId),
    u: grant.userId,
    e: String(grant.expires),
    s: editorSignature(secret, grant),
  });
}

export interface EditorLinkSigner {
  sign(page: EditorPage, projectId: number, userId: string, now?: Date): { url: string; expiresAt: Date };
}

export function createEditorLinkSigner(options: {
  publicUrl: string;
  secret: string;
  ttlSeconds?: number;
}): EditorLinkSigner {
  const base = options.publicUrl.replace(/\/+$/, '');
  const ttl = options.ttlSeconds ?? EDITOR_LINK_TTL_SECONDS;
  return {
    sign(page, projectId, userId, now = new Date()) {
      const expires = Math.floor(now.getTime() / 1000) + ttl;
      const query = editorQuery(options.secret, { projectId, userId, expires });
      return {
        url: `${base}${EDITOR_PREFIX}${page}?${query.toString()}`,
        expiresAt: new Date(expires * 1000),
      };
    },
  };
}

export type EditorCheck = { ok: true; grant: EditorGrant } | { ok: false; status: 403 | 410; reason: string };

/** Checks a grant (query string of a page, or the X-Kiln-Link header of an API call) against secret and clock. */
export function verifyEditorGrant(
  secret: string,
  query: URLSearchParams,
  now: Date = new Date(),
): EditorCheck {
  const projectText = query.get('p') ?? '';
  const userId = query.get('u') ?? '';
  const expires = Number(query.get('e'));
  const signature = query.get('s') ?? '';
  if (!/^\d{1,9}$/.test(projectText) || !/^\d{1,20}$/.test(userId) || !Number.isSafeInteger(expires)) {
    return { ok: false, status: 403, reason: 'missing or malformed link' };
  }
  const grant = { projectId: Number(projectText), userId, expires };
  const expected = Buffer.from(editorSignature(secret, grant));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, status: 403, reason: 'bad signature' };
  }
  if (expires * 1000 < now.getTime()) return { ok: false, status: 410, reason: 'link expired' };
  return { ok: true, grant };
}

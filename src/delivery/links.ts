import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring download links for files too big for a Discord upload. A link names a file under the served
 * folder (`/files/<path>`), when it expires (unix seconds) and an HMAC-SHA256 of both with LINK_SECRET, so only
 * files Kiln chose to share can be fetched, and only until the link expires.
 */

/** Path segments the server accepts: no `..`, no hidden files, no separators inside a segment. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
export const FILES_PREFIX = '/files/';
/** A week: long enough for friends in other time zones, short enough that old links die. */
export const DEFAULT_LINK_TTL_SECONDS = 7 * 24 * 3600;

export interface LinkSigner {
  /** A URL for a file under the served folder (path relative to it, `/`-separated). */
  sign(path: string, now?: Date): { url: string; expiresAt: Date };
  readonly ttlSeconds: number;
}

/** True when every segment of a relative path is a plain file or folder name. */
export function isSafeRelativePath(path: string): boolean {
  const segments = path.split('/');
  return (
    segments.length > 0 &&
    segments.length <= 8 &&
    segments.every((segment) => SEGMENT.test(segment) && !segment.includes('..'))
  );
}

export function linkSignature(secret: string, path: string, expires: number): string {
  return createHmac('sha256', secret).update(`${path}\n${expires}`).digest('base64url');
}

export function createLinkSigner(options: {
  publicUrl: string;
  secret: string;
  ttlSeconds?: number;
}): LinkSigner {
  const base = options.publicUrl.replace(/\/+$/, '');
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_LINK_TTL_SECONDS;
  return {
    ttlSeconds,
    sign(path, now = new Date()) {
      if (!isSafeRelativePath(path)) throw new Error(`will not sign a link to ${JSON.stringify(path)}`);
      const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
      const signature = linkSignature(options.secret, path, expires);
      const encoded = path.split('/').map(encodeURIComponent).join('/');
      return {
        url: `${base}${FILES_PREFIX}${encoded}?expires=${expires}&sig=${signature}`,
        expiresAt: new Date(expires * 1000),
      };
    },
  };
}

export type LinkCheck = { ok: true; path: string } | { ok: false; status: 400 | 403 | 410; reason: string };

/** Checks a request path (after `/files/`) and its query against the secret and the clock. */
export function verifyLink(
  secret: string,
  path: string,
  query: URLSearchParams,
  now: Date = new Date(),
): LinkCheck {
  if (!isSafeRelativePath(path)) return { ok: false, status: 400, reason: 'bad path' };
  const expires = Number(query.get('expires'));
  const signature = query.get('sig') ?? '';
  if (!Number.isSafeInteger(expires) || signature === '') {
    return { ok: false, status: 403, reason: 'missing signature' };
  }
  const expected = Buffer.from(linkSignature(secret, path, expires));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, status: 403, reason: 'bad signature' };
  }
  if (expires * 1000 < now.getTime()) return { ok: false, status: 410, reason: 'link expired' };
  return { ok: true, path };
}

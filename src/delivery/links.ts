import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring download links for files too big for a Discord upload. A link names a file under the served
 * folder (`/files/<path>`, plain names only), when it expires (unix seconds), optionally the name the download is
 * saved under (any safe file name, e.g. `aurelia_(skyfall)-dataset.zip`, sent back in Content-Disposition), and an
 * HMAC-SHA256 of all three with LINK_SECRET, so only files Kiln chose to share can be fetched, under the name it
 * chose, and only until the link expires.
 */

/** Path segments the server accepts: no `..`, no hidden files, no separators inside a segment. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
export const FILES_PREFIX = '/files/';
/** A week: long enough for friends in other time zones, short enough that old links die. */
export const DEFAULT_LINK_TTL_SECONDS = 7 * 24 * 3600;

export interface SignOptions {
  /** The name the browser saves the file under (default: the path's last segment). */
  downloadName?: string;
  now?: Date;
}

export interface LinkSigner {
  /** A URL for a file under the served folder (path relative to it, `/`-separated). */
  sign(path: string, options?: SignOptions): { url: string; expiresAt: Date };
  readonly ttlSeconds: number;
}

/** A name to save a download under: one segment, no control characters, not hidden, at most 200 characters. */
export function isSafeDownloadName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 200 &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f/\\]/.test(name) &&
    !name.startsWith('.') &&
    name.trim() === name
  );
}

/**
 * Content-Disposition for a download (RFC 6266): an ASCII `filename` for old clients and the exact name as
 * `filename*` in RFC 5987's UTF-8 percent-encoding.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
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

export function linkSignature(secret: string, path: string, expires: number, downloadName = ''): string {
  const signed = downloadName === '' ? `${path}\n${expires}` : `${path}\n${expires}\n${downloadName}`;
  return createHmac('sha256', secret).update(signed).digest('base64url');
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
    sign(path, { downloadName = '', now = new Date() } = {}) {
      if (!isSafeRelativePath(path)) throw new Error(`will not sign a link to ${JSON.stringify(path)}`);
      if (downloadName !== '' && !isSafeDownloadName(downloadName)) {
        throw new Error(`will not sign a download named ${JSON.stringify(downloadName)}`);
      }
      const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
      const signature = linkSignature(options.secret, path, expires, downloadName);
      const encoded = path.split('/').map(encodeURIComponent).join('/');
      const query = new URLSearchParams({ expires: String(expires) });
      if (downloadName !== '') query.set('name', downloadName);
      query.set('sig', signature);
      return {
        url: `${base}${FILES_PREFIX}${encoded}?${query.toString()}`,
        expiresAt: new Date(expires * 1000),
      };
    },
  };
}

export type LinkCheck =
  | { ok: true; path: string; downloadName: string | null }
  | { ok: false; status: 400 | 403 | 410; reason: string };

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
  const downloadName = query.get('name') ?? '';
  if (downloadName !== '' && !isSafeDownloadName(downloadName)) {
    return { ok: false, status: 400, reason: 'bad name' };
  }
  if (!Number.isSafeInteger(expires) || signature === '') {
    return { ok: false, status: 403, reason: 'missing signature' };
  }
  const expected = Buffer.from(linkSignature(secret, path, expires, downloadName));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, status: 403, reason: 'bad signature' };
  }
  if (expires * 1000 < now.getTime()) return { ok: false, status: 410, reason: 'link expired' };
  return { ok: true, path, downloadName: downloadName === '' ? null : downloadName };
}

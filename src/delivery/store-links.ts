import type { ObjectStore } from '../storage/object-store.ts';

/** Where a run's delivered files live in the store: `models/lora/<run>/…` (the same path under DATA_DIR). */
export function runFilesKey(runId: number, ...names: string[]): string {
  return ['models', 'lora', String(runId), ...names].join('/');
}

/**
 * The store key of a file a worker recorded by its own absolute path (`…/models/lora/<run>/…`), so another
 * machine can find it; null when the path is not under a run's delivery folder.
 */
export function runFileKeyOf(runId: number, recordedPath: string): string | null {
  const marker = `/models/lora/${runId}/`;
  const at = recordedPath.split('\\').join('/').lastIndexOf(marker);
  if (at < 0) return null;
  return `models/lora/${runId}/${recordedPath
    .slice(at + marker.length)
    .split('\\')
    .join('/')}`;
}

/**
 * A presigned, expiring download link from the object store for a file too big to attach, or null when the
 * store has none of its own (the local folder: the bot's download server signs links instead).
 */
export async function storeDownloadLink(
  store: ObjectStore | null,
  key: string,
  fileName: string,
  ttlSeconds: number,
): Promise<{ url: string; expiresAt: Date } | null> {
  if (store === null) return null;
  const issuedAt = Date.now();
  const url = await store.downloadUrl(key, { expiresInSeconds: ttlSeconds, fileName });
  if (url === null) return null;
  // S3 caps a presigned URL at 7 days; the expiry shown is the one the URL carries.
  const signedFor = Number(new URL(url).searchParams.get('X-Amz-Expires') ?? ttlSeconds);
  return { url, expiresAt: new Date(issuedAt + Math.min(ttlSeconds, signedFor) * 1000) };
}

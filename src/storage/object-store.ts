import type { Readable } from 'node:stream';

/**
 * The one door to every file Kiln keeps (fetched images, delivered models, per-epoch files while a vote is
 * open, sample grids). Keys are relative POSIX paths such as `images/s768/ab/<md5>.jpg`; a process's own disk
 * is only a cache of what lives behind this interface.
 */

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface DownloadUrlOptions {
  /** How long the link works (a presigned S3 URL is capped at 7 days by the protocol). */
  expiresInSeconds: number;
  /** The name a browser saves the file under. */
  fileName?: string;
}

export interface ObjectStore {
  /** `local folder …` or `S3 bucket … at …`: for logs and error lines (never a secret). */
  readonly description: string;
  /** Proves the store answers and the bucket or folder is usable; throws a StorageError with one clear line. */
  check(): Promise<void>;
  /** Stores bytes under `key`; a reader sees the old object or the whole new one, never a part. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Streams a local file into the store under `key` (for big files: a model, an epoch file). */
  putFile(key: string, path: string): Promise<void>;
  /** The object's bytes; throws a StorageError coded `object-missing` when there is none. */
  get(key: string): Promise<Buffer>;
  /** The object as a stream, for big files. */
  getStream(key: string): Promise<Readable>;
  /** Copies the object into a local file (written under a temporary name, then renamed). */
  getToFile(key: string, path: string): Promise<void>;
  /** Size of the object, or null when it is not there. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix` (order not promised). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * A link that downloads the object without credentials and stops working after the expiry, or null when the
   * back end has none (the local folder: the bot's download server signs its own links).
   */
  downloadUrl(key: string, options: DownloadUrlOptions): Promise<string | null>;
}

/** A segment of a key: not empty, not hidden (`.`, `..`, `.part`), no backslash or control character. */
function isKeySegment(segment: string): boolean {
  if (segment === '' || segment.startsWith('.') || segment.includes('\\')) return false;
  return [...segment].every((character) => {
    const code = character.codePointAt(0) ?? 0;
    return code >= 0x20 && code !== 0x7f;
  });
}

/** Throws when `key` is not a clean relative path (no `..`, no empty or hidden segment, no backslash). */
export function assertObjectKey(key: string): void {
  if (key.length === 0 || key.length > 900 || !key.split('/').every(isKeySegment)) {
    throw new RangeError(`${JSON.stringify(key)} is not a storage key (relative path of plain names)`);
  }
}

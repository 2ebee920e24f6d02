import { createReadStream } from 'node:fs';
import { copyFile, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertWritable,
  createFolder,
  diskFullError,
  isDiskFull,
  partialPath,
  removeQuietly,
} from './disk.ts';
import { assertObjectKey, type ObjectInfo, type ObjectStore } from './object-store.ts';
import { StorageError } from './storage-error.ts';

/** Names `partialPath` gives files being written: never listed as objects. */
const PARTIAL_NAME = /\.[0-9a-f]{8}\.part$/;

/** The default back end: a folder on this machine (DATA_DIR), keys as relative paths under it. */
export class LocalStore implements ObjectStore {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `local folder ${this.root}`;
  }

  /** The file behind a key (what the bot's download server serves). */
  pathOf(key: string): string {
    assertObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  async check(): Promise<void> {
    try {
      await createFolder(this.root);
      await assertWritable(this.root);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new StorageError('store-unreachable', `The ${this.description} cannot be written (${reason}).`, {
        cause: error,
      });
    }
  }

  /** Writes through a temporary name in the same folder, then renames: a reader never sees half a file. */
  private async writeVia(key: string, write: (partial: string) => Promise<void>): Promise<void> {
    const path = this.pathOf(key);
    await createFolder(dirname(path));
    const partial = partialPath(path);
    try {
      await write(partial);
      await rename(partial, path);
    } catch (error) {
      await removeQuietly(partial);
      if (isDiskFull(error)) throw diskFullError(dirname(path), error);
      throw error;
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await this.writeVia(key, (partial) => writeFile(partial, data));
  }

  async putFile(key: string, path: string): Promise<void> {
    if (resolve(path) === this.pathOf(key)) return;
    await this.writeVia(key, (partial) => copyFile(path, partial));
  }

  private missing(key: string, error: unknown): never {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StorageError('object-missing', `${key} is not in the ${this.description}.`, { cause: error });
    }
    throw error;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      return this.missing(key, error);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch (error) {
      return this.missing(key, error);
    }
    return createReadStream(path);
  }

  async getToFile(key: string, path: string): Promise<void> {
    const source = this.pathOf(key);
    if (resolve(path) === source) return;
    await createFolder(dirname(path));
    const partial = partialPath(path);
    try {
      await copyFile(source, partial);
      await rename(partial, path);
    } catch (error) {
      await removeQuietly(partial);
      return this.missing(key, error);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk from the deepest folder the prefix names, then filter by the full prefix.
    const folderPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folderPart === '' ? this.root : this.pathOf(folderPart);
    for await (const key of this.walk(start, folderPart)) {
      if (!key.startsWith(prefix)) continue;
      const info = await this.stat(key);
      if (info) yield info;
    }
  }

  private async *walk(folder: string, keyPrefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
      if (entry.isDirectory()) yield* this.walk(join(folder, entry.name), key);
      else if (entry.isFile() && !PARTIAL_NAME.test(entry.name) && !entry.name.startsWith('.')) yield key;
    }
  }

  downloadUrl(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

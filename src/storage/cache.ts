import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import { isObjectMissing } from './storage-error.ts';

/**
 * A process's own disk (DATA_DIR) is a cache of the store: it may be wiped at any time and is refilled from
 * the store on the next read. With the local back end the cache is the store itself and both calls do nothing.
 */

/** The store, unless it is the local folder `cacheDir` itself (then the cache already is the store). */
function remoteStore(store: ObjectStore | null, cacheDir: string): ObjectStore | null {
  if (store === null) return null;
  if (store instanceof LocalStore && store.root === resolve(cacheDir)) return null;
  return store;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The cached file for `key`, fetched from the store when the cache lost it; null when neither has it. */
export async function materialize(
  store: ObjectStore | null,
  cacheDir: string,
  key: string,
): Promise<string | null> {
  const path = join(cacheDir, ...key.split('/'));
  if (await exists(path)) return path;
  const remote = remoteStore(store, cacheDir);
  if (remote === null) return null;
  try {
    await remote.getToFile(key, path);
  } catch (error) {
    if (isObjectMissing(error)) return null;
    throw error;
  }
  return path;
}

/** Stores the cached file `key` in the store, unless an object of the same size is there already. */
export async function publish(store: ObjectStore | null, cacheDir: string, key: string): Promise<void> {
  const remote = remoteStore(store, cacheDir);
  if (remote === null) return;
  const path = join(cacheDir, ...key.split('/'));
  const { size } = await stat(path);
  const there = await remote.stat(key);
  if (there && there.size === size) return;
  await remote.putFile(key, path);
}

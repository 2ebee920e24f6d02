import { access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { materialize } from './cache.ts';
import type { ObjectStore } from './object-store.ts';
import { processStore } from './process-store.ts';

/**
 * Where the pixels of a dataset image come from: an uploaded replacement (bytes from Postgres) wins
 * over the resized e621 file in the data folder. A file the cache (DATA_DIR) lost is fetched again from the
 * store (by default the process's).
 */
export async function imageInput(
  dataDir: string,
  image: { imagePath: string | null; postId: number },
  replacement: { data: Buffer } | null,
  store: ObjectStore | null = processStore(),
): Promise<string | Buffer> {
  if (replacement) return replacement.data;
  if (!image.imagePath) {
    throw new UserError('invalid-image', `The image of post ${image.postId} was never stored; fetch again.`);
  }
  const path = isAbsolute(image.imagePath)
    ? image.imagePath
    : await materialize(store, dataDir, image.imagePath).then(
        (found) => found ?? join(dataDir, image.imagePath!),
      );
  try {
    await access(path);
  } catch {
    throw new UserError(
      'invalid-image',
      // No path: this reaches Discord, and a server's folders are nobody's business there.
      `The image of post ${image.postId} is not in this machine's image cache (nor in the store); run \`/lora fetch\` again to restore it.`,
    );
  }
  return path;
}

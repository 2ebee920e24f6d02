import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, publish } from '../../src/storage/cache.ts';
import { imageInput } from '../../src/storage/image-source.ts';
import { LocalStore } from '../../src/storage/local-store.ts';
import type { S3Store } from '../../src/storage/s3-store.ts';
import { s3StandInMissing, startS3StandIn, type S3StandIn } from '../helpers/object-store.ts';

const missing = s3StandInMissing();
if (missing) console.warn(`[cache] S3 cases skipped: ${missing}`);

const folders: string[] = [];
async function folder(): Promise<string> {
  const made = await mkdtemp(join(tmpdir(), 'kiln-cache-'));
  folders.push(made);
  return made;
}

let standIn: S3StandIn | null = null;
let store: S3Store;
beforeAll(async () => {
  if (missing) return;
  standIn = await startS3StandIn();
  store = (await standIn.freshStore()).store;
});
afterAll(async () => {
  await standIn?.stop();
  await Promise.all(folders.map((made) => rm(made, { recursive: true, force: true })));
});

const KEY = 'images/s768/ab/ab0123456789abcdef0123456789abcd.png';

describe('a process disk as a cache of the store', () => {
  it.skipIf(missing !== null)(
    'publishes a cached file once and refills a wiped cache from the store',
    async () => {
      const fetcher = await folder();
      await materialize(null, fetcher, KEY); // nothing anywhere yet
      await new LocalStore(fetcher).put(KEY, Buffer.from('pixels'));
      await publish(store, fetcher, KEY);
      expect(await store.stat(KEY)).toEqual({ key: KEY, size: 6 });

      const trainer = await folder(); // another machine, its DATA_DIR empty
      const path = await imageInput(trainer, { imagePath: KEY, postId: 1 }, null, store);
      expect(path).toBe(join(trainer, KEY));
      expect(await readFile(path as string, 'utf8')).toBe('pixels');

      await rm(join(trainer, 'images'), { recursive: true }); // the cache wiped between two runs
      expect(
        await readFile(
          (await imageInput(trainer, { imagePath: KEY, postId: 1 }, null, store)) as string,
          'utf8',
        ),
      ).toBe('pixels');
    },
  );

  it.skipIf(missing !== null)(
    'says the image is gone when neither the cache nor the store has it',
    async () => {
      const empty = await folder();
      await expect(
        imageInput(
          empty,
          { imagePath: 'images/s768/cd/cd0123456789abcdef0123456789abcd.jpg', postId: 7 },
          null,
          store,
        ),
      ).rejects.toThrow("The image of post 7 is not in this machine's image cache (nor in the store)");
    },
  );

  it('does nothing extra when the local store is the cache itself', async () => {
    const dataDir = await folder();
    const local = new LocalStore(dataDir);
    await writeFile(join(dataDir, 'x.bin'), 'x');
    await publish(local, dataDir, 'x.bin');
    expect(await materialize(local, dataDir, 'x.bin')).toBe(join(dataDir, 'x.bin'));
    expect(await materialize(local, dataDir, 'y.bin')).toBeNull();
  });
});

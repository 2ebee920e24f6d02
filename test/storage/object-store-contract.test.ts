import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/storage/local-store.ts';
import type { ObjectStore } from '../../src/storage/object-store.ts';
import { S3Store } from '../../src/storage/s3-store.ts';
import { StorageError } from '../../src/storage/storage-error.ts';
import {
  s3StandInMissing,
  startS3StandIn,
  TEST_S3_CREDENTIALS,
  type S3StandIn,
} from '../helpers/object-store.ts';

const s3Missing = s3StandInMissing();
const strictMissing = s3StandInMissing({ requireAuth: true });
if (s3Missing) console.warn(`[storage contract] S3 back end skipped: ${s3Missing}`);
else if (strictMissing) console.warn(`[storage contract] wrong-credentials test skipped: ${strictMissing}`);

async function collect(store: ObjectStore, prefix: string) {
  const found = [];
  for await (const item of store.list(prefix)) found.push(item);
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

interface BackEnd {
  name: string;
  skip: boolean;
  open: () => Promise<ObjectStore>;
}

const scratch: string[] = [];
let standIn: S3StandIn | null = null;

const backEnds: BackEnd[] = [
  {
    name: 'local folder',
    skip: false,
    async open() {
      const root = await mkdtemp(join(tmpdir(), 'kiln-store-'));
      scratch.push(root);
      return new LocalStore(root);
    },
  },
  {
    name: 'S3 (moto stand-in)',
    skip: s3Missing !== null,
    async open() {
      standIn ??= await startS3StandIn();
      return (await standIn.freshStore()).store;
    },
  },
];

afterAll(async () => {
  await standIn?.stop();
  await Promise.all(scratch.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe.each(backEnds)('the $name back end', ({ skip, open, name }) => {
  let store: ObjectStore;
  beforeAll(async () => {
    if (!skip) store = await open();
  });

  it.skipIf(skip)('puts, gets, stats, lists and deletes by key', async () => {
    await store.check();
    await store.put('images/s768/ab/one.jpg', Buffer.from('first'));
    await store.put('images/s768/cd/two.png', Buffer.from('second!'));
    await store.put('models/other.bin', Buffer.from('x'));
    expect((await store.get('images/s768/ab/one.jpg')).toString()).toBe('first');
    expect(await store.stat('images/s768/cd/two.png')).toEqual({ key: 'images/s768/cd/two.png', size: 7 });
    expect(await collect(store, 'images/')).toEqual([
      { key: 'images/s768/ab/one.jpg', size: 5 },
      { key: 'images/s768/cd/two.png', size: 7 },
    ]);
    expect((await collect(store, 'images/s768/a')).map((item) => item.key)).toEqual([
      'images/s768/ab/one.jpg',
    ]);
    await store.delete('images/s768/ab/one.jpg');
    await store.delete('images/s768/ab/one.jpg');
    expect(await store.stat('images/s768/ab/one.jpg')).toBeNull();
    expect((await rejection(store.get('images/s768/ab/one.jpg'))).code).toBe('object-missing');
    expect((await rejection(store.getStream('nothing/here.bin'))).code).toBe('object-missing');
  });

  it.skipIf(skip)('streams big files in and out through temporary names', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kiln-store-files-'));
    scratch.push(folder);
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(folder, 'model.safetensors'), bytes);
    await store.putFile('models/lora/7/model.safetensors', join(folder, 'model.safetensors'));
    await store.getToFile('models/lora/7/model.safetensors', join(folder, 'copy', 'back.safetensors'));
    expect((await readFile(join(folder, 'copy', 'back.safetensors'))).equals(bytes)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.getStream('models/lora/7/model.safetensors'))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect((await rejection(store.getToFile('models/none', join(folder, 'none')))).code).toBe(
      'object-missing',
    );
  });

  it.skipIf(skip)('keeps one whole object when two writers store the same key at once', async () => {
    const a = randomBytes(2 * 1024 * 1024);
    const b = randomBytes(2 * 1024 * 1024);
    await Promise.all([store.put('race/same.bin', a), store.put('race/same.bin', b)]);
    const stored = await store.get('race/same.bin');
    expect(stored.equals(a) || stored.equals(b)).toBe(true);
    expect(await collect(store, 'race/')).toEqual([{ key: 'race/same.bin', size: a.length }]);
  });

  it.skipIf(skip)('refuses keys that are not clean relative paths', async () => {
    for (const key of ['../escape', '/absolute', 'a//b', 'a/./b', '.hidden', 'back\\slash', '']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(RangeError);
    }
  });

  if (name.startsWith('local')) {
    it('has no download URL of its own (the bot serves local files)', async () => {
      await store.put('models/a.bin', Buffer.from('a'));
      expect(await store.downloadUrl('models/a.bin', { expiresInSeconds: 60 })).toBeNull();
    });
    it('says in one line when its folder cannot be written', async () => {
      const folder = await mkdtemp(join(tmpdir(), 'kiln-store-bad-'));
      scratch.push(folder);
      await writeFile(join(folder, 'a-file'), 'not a folder');
      const error = await rejection(new LocalStore(join(folder, 'a-file')).check());
      expect(error.code).toBe('store-unreachable');
      expect(error.message).not.toContain('\n');
    });
  } else {
    it.skipIf(skip)('presigns a download URL that gives the right bytes and carries its expiry', async () => {
      const bytes = randomBytes(100_000);
      await store.put('models/lora/9/big.safetensors', bytes);
      const before = Date.now();
      const url = await store.downloadUrl('models/lora/9/big.safetensors', {
        expiresInSeconds: 3600,
        fileName: 'kiln-9.safetensors',
      });
      const response = await fetch(url ?? '');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toContain('kiln-9.safetensors');
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      // The store refuses the link once X-Amz-Date + X-Amz-Expires has passed. moto does not enforce that, so
      // the signed window is what is checked here: it starts now and lasts the hour asked for.
      const signed = new URL(url ?? '').searchParams;
      expect(signed.get('X-Amz-Expires')).toBe('3600');
      expect(signed.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const date = (signed.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      );
      expect(Math.abs(Date.parse(date) - before)).toBeLessThan(5_000);
    });

    it.skipIf(skip)('caps a link at the 7 days a presigned URL can live', async () => {
      await store.put('models/a.bin', Buffer.from('a'));
      const url = await store.downloadUrl('models/a.bin', { expiresInSeconds: 30 * 24 * 3600 });
      expect(new URL(url ?? '').searchParams.get('X-Amz-Expires')).toBe(String(7 * 24 * 3600));
    });

    it.skipIf(skip)('signs links for the public address when the store has one', async () => {
      standIn ??= await startS3StandIn();
      const { store: inside, options } = await standIn.freshStore({
        publicEndpoint: 'https://files.example.org',
      });
      await inside.put('models/a.bin', Buffer.from('a'));
      const url = new URL((await inside.downloadUrl('models/a.bin', { expiresInSeconds: 60 })) ?? '');
      expect(`${url.origin}${url.pathname}`).toBe(`https://files.example.org/${options.bucket}/models/a.bin`);
    });

    it.skipIf(skip)('names a missing bucket in one line', async () => {
      standIn ??= await startS3StandIn();
      const missing = new S3Store({
        bucket: 'kiln-no-such-bucket',
        region: 'us-east-1',
        endpoint: standIn.endpoint,
        forcePathStyle: true,
        ...TEST_S3_CREDENTIALS,
      });
      const error = await rejection(missing.check());
      expect(error.code).toBe('store-no-bucket');
      expect(error.message).toContain('kiln-no-such-bucket');
      expect(error.message).not.toContain('\n');
    });

    it.skipIf(skip)('says in one line when nothing answers at the endpoint', async () => {
      const nowhere = new S3Store({
        bucket: 'kiln-anything',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9',
        forcePathStyle: true,
        ...TEST_S3_CREDENTIALS,
      });
      const error = await rejection(nowhere.check());
      expect(error.code).toBe('store-unreachable');
      expect(error.message).toBe(
        'The S3 bucket kiln-anything at http://127.0.0.1:9 does not answer (ECONNREFUSED).',
      );
    });

    it.skipIf(skip || strictMissing !== null)(
      'says the credentials are wrong, without printing the secret',
      async () => {
        const strict = await startS3StandIn({ requireAuth: true });
        try {
          const refused = new S3Store({
            bucket: 'kiln-anything',
            region: 'us-east-1',
            endpoint: strict.endpoint,
            forcePathStyle: true,
            accessKeyId: 'AKIAWRONGWRONGWRONG1',
            secretAccessKey: 'wrong-secret-value',
          });
          const error = await rejection(refused.check());
          expect(error.code).toBe('store-credentials');
          expect(error.message).toContain('S3_ACCESS_KEY_ID');
          expect(error.message).not.toContain('wrong-secret-value');
          const put = await rejection(refused.put('a/b', Buffer.from('x')));
          expect(put.code).toBe('store-credentials');
        } finally {
          await strict.stop();
        }
      },
    );
  }
});

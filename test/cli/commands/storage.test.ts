import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/storage/local-store.ts';
import type { S3StoreOptions } from '../../../src/storage/s3-store.ts';
import { s3StandInMissing, startS3StandIn, type S3StandIn } from '../../helpers/object-store.ts';

const missing = s3StandInMissing();
if (missing) console.warn(`[kiln storage migrate] S3 cases skipped: ${missing}`);

function kiln(args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env, NO_COLOR: '1' },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
}

function s3Env(options: S3StoreOptions, dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    STORAGE: 's3',
    S3_ENDPOINT: options.endpoint ?? '',
    S3_BUCKET: options.bucket,
    S3_ACCESS_KEY_ID: options.accessKeyId,
    S3_SECRET_ACCESS_KEY: options.secretAccessKey,
  };
}

let root: string;
let standIn: S3StandIn | null = null;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-cli-storage-'));
  if (!missing) standIn = await startS3StandIn();
});
afterAll(async () => {
  await standIn?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('kiln storage migrate', () => {
  it('refuses when STORAGE is local, in one line', async () => {
    const result = await kiln(['storage', 'migrate'], { DATA_DIR: root });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(
      'kiln: STORAGE is local: set STORAGE=s3 and the S3_* variables of the object store to migrate into.',
    );
  });

  it.skipIf(missing !== null)(
    'copies the kept files, resumes after an interruption, and skips what is there',
    async () => {
      const dataDir = join(root, 'data');
      const local = new LocalStore(dataDir);
      const images = Array.from({ length: 5 }, (_, i) => `images/s768/0${i}/0${i}${'a'.repeat(30)}.png`);
      for (const key of images) await local.put(key, Buffer.from(`pixels of ${key}`));
      await local.put('models/lora/3/aurelia_(skyfall).safetensors', Buffer.alloc(70_000, 7));
      await local.put('runs/run-3/scratch.txt', Buffer.from('a cache, not kept'));
      await local.put('models/wd-tagger/model.onnx', Buffer.from('a per-machine download'));
      const { store, options } = await standIn!.freshStore();
      // An earlier migration stopped after two images, and a third reached the store only in part elsewhere.
      await store.put(images[0]!, await local.get(images[0]!));
      await store.put(images[1]!, await local.get(images[1]!));
      await store.put(images[2]!, Buffer.from('short'));

      const first = await kiln(['storage', 'migrate'], s3Env(options, dataDir));
      expect(first.stderr).toBe('');
      expect(first.exitCode).toBe(0);
      expect(first.stdout.trim().split('\n').at(-1)).toMatch(
        /^kiln: 6 files: 4 copied \(.+\), 2 already there; local folder .+ → S3 bucket kiln-test-\w+ at http:\/\/127\.0\.0\.1:\d+$/,
      );
      for (const key of [...images, 'models/lora/3/aurelia_(skyfall).safetensors']) {
        expect((await store.get(key)).equals(await local.get(key))).toBe(true);
      }
      expect(await store.stat('runs/run-3/scratch.txt')).toBeNull();
      expect(await store.stat('models/wd-tagger/model.onnx')).toBeNull();

      const again = await kiln(['storage', 'migrate'], s3Env(options, dataDir));
      expect(again.stdout).toContain('kiln: 6 files: 0 copied (0 B), 6 already there');
    },
    90_000,
  );

  it.skipIf(missing !== null)(
    'names a missing bucket and a store that does not answer',
    async () => {
      const noBucket = await kiln(['storage', 'migrate'], {
        DATA_DIR: root,
        STORAGE: 's3',
        S3_ENDPOINT: standIn!.endpoint,
        S3_BUCKET: 'kiln-missing-bucket',
        S3_ACCESS_KEY_ID: 'k',
        S3_SECRET_ACCESS_KEY: 's',
      });
      expect(noBucket.exitCode).toBe(1);
      expect(noBucket.stderr.trim()).toMatch(
        /^kiln: The bucket kiln-missing-bucket does not exist at .+; create it or fix S3_BUCKET\.$/,
      );
      const down = await kiln(['storage', 'migrate'], {
        DATA_DIR: root,
        STORAGE: 's3',
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_BUCKET: 'kiln',
        S3_ACCESS_KEY_ID: 'k',
        S3_SECRET_ACCESS_KEY: 's',
      });
      expect(down.stderr.trim()).toBe(
        'kiln: The S3 bucket kiln at http://127.0.0.1:9 does not answer (ECONNREFUSED).',
      );
    },
    90_000,
  );
});

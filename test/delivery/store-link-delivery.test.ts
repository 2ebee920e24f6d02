import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelDeliveryMessage } from '../../src/delivery/model-message.ts';
import { runFileKeyOf, runFilesKey, storeDownloadLink } from '../../src/delivery/store-links.ts';
import { publish } from '../../src/storage/cache.ts';
import type { S3Store } from '../../src/storage/s3-store.ts';
import { s3StandInMissing, startS3StandIn, type S3StandIn } from '../helpers/object-store.ts';

const missing = s3StandInMissing();
if (missing) console.warn(`[store link delivery] skipped: ${missing}`);

let standIn: S3StandIn | null = null;
let store: S3Store;
let gpuDataDir: string;
beforeAll(async () => {
  gpuDataDir = await mkdtemp(join(tmpdir(), 'kiln-gpu-'));
  if (missing) return;
  standIn = await startS3StandIn();
  store = (await standIn.freshStore()).store;
});
afterAll(async () => {
  await standIn?.stop();
  await rm(gpuDataDir, { recursive: true, force: true });
});

describe('a model over the upload limit, kept in the object store', () => {
  it('finds a run file by the path the worker recorded', () => {
    expect(runFileKeyOf(12, '/gpu/data/models/lora/12/epochs/kiln-000004.safetensors')).toBe(
      'models/lora/12/epochs/kiln-000004.safetensors',
    );
    expect(runFileKeyOf(12, '/gpu/data/models/lora/120/x.safetensors')).toBeNull();
    expect(runFilesKey(3, 'info.txt')).toBe('models/lora/3/info.txt');
  });

  it.skipIf(missing !== null)('is delivered by a presigned link that downloads the right bytes', async () => {
    const bytes = randomBytes(200_000);
    const key = runFilesKey(5, 'aurelia_(skyfall).safetensors');
    const path = join(gpuDataDir, ...key.split('/'));
    await mkdir(join(gpuDataDir, 'models', 'lora', '5'), { recursive: true });
    await writeFile(path, bytes);
    await publish(store, gpuDataDir, key);
    await rm(gpuDataDir, { recursive: true }); // the rented GPU is gone; the link still works
    const before = Date.now();
    const { message, note } = await modelDeliveryMessage({
      headline: 'trained',
      fileName: 'aurelia_(skyfall).safetensors',
      filePath: path,
      relativePath: 'lora/5/aurelia_(skyfall).safetensors',
      sizeBytes: bytes.length,
      infoText: 'info',
      uploadLimit: 100_000,
      links: null,
      storeLink: () => storeDownloadLink(store, key, 'aurelia_(skyfall).safetensors', 3600),
    });
    expect(note).toBe('The download link and info.txt are below.');
    const body = message.body as {
      content: string;
      components: Array<{ components: Array<{ url: string; label: string }> }>;
    };
    const button = body.components[0]!.components[0]!;
    expect(button.label).toBe('Download aurelia_(skyfall).safetensors');
    const until = Number(/<t:(\d+):f>/.exec(body.content)?.[1]) * 1000;
    expect(Math.abs(until - (before + 3600_000))).toBeLessThan(5_000);
    const response = await fetch(button.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect(message.files?.map((file) => file.name)).toEqual(['info.txt']);
  });
});

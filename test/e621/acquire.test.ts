import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import type { PostFacts } from '../../src/core/query/post.ts';
import { acquireImages, type AcquireResult, type AcquireTask } from '../../src/e621/acquire.ts';
import { E621Client } from '../../src/e621/client.ts';
import { createPacer } from '../../src/e621/pacer.ts';
import { given, startFakeE621, type FakeE621 } from '../fakes/e621/index.ts';

const cache = join(tmpdir(), 'kiln-fake-e621-test-images');
const pacer = createPacer({ minIntervalMs: 600 });
let fake: FakeE621;
let client: E621Client;
let posts: Map<number, PostFacts>;
let root: string;

function tasks(dir: string, ids: number[]): AcquireTask[] {
  return ids.map((id) => {
    const post = posts.get(id);
    if (!post) throw new Error(`no post ${id}`);
    return { post, destination: join(dir, `${post.id}.${post.ext}`) };
  });
}

function fileRequests(from: number, postId?: number): number {
  const md5 = postId === undefined ? undefined : posts.get(postId)?.md5;
  return fake.log
    .slice(from)
    .filter((entry) => entry.kind === 'file' && (md5 === undefined || entry.path.includes(md5))).length;
}

function byId(results: AcquireResult[]): Map<number, AcquireResult> {
  return new Map(results.map((result) => [result.post.id, result]));
}

async function freshDir(): Promise<string> {
  return mkdtemp(join(root, 'run-'));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-acquire-'));
  fake = await startFakeE621({
    imageCacheDir: cache,
    imageSize: { min: 300, max: 400 },
    fileDelayMs: 60,
    posts: [
      ...given.posts(12, { firstId: 100 }),
      given.post({ id: 200, loginBlocked: true }),
      given.post({ id: 201, image: { corrupt: true } }),
      given.post({ id: 202, ext: 'png', width: 20_000, height: 20_000, image: { bomb: true } }),
    ],
  });
  client = new E621Client({
    baseUrl: fake.url,
    user: 'kiln_tester',
    pacer,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
    timeoutMs: 2000,
  });
  posts = new Map((await client.searchPosts('krystal', 1)).map((post) => [post.id, post]));
  expect(posts.size).toBe(15);
});

afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

describe('downloading and storing images', () => {
  it('downloads with at most 4 at once, checks md5, resizes and hashes', async () => {
    const dir = await freshDir();
    const start = fake.log.length;
    const ids = Array.from({ length: 12 }, (_, i) => 100 + i);
    const results = await acquireImages(tasks(dir, ids), { client, maxShortSide: 256 });
    expect(fake.maxConcurrentFiles()).toBe(4);
    expect(fileRequests(start)).toBe(12);
    for (const result of results) {
      expect(result.status).toBe('stored');
      if (result.status !== 'stored') continue;
      expect(result.source).toBe('downloaded');
      expect(Math.min(result.image.width, result.image.height)).toBeLessThanOrEqual(256);
      expect(result.image.dhash).toMatch(/^[0-9a-f]{16}$/);
      const meta = await sharp(result.image.path).metadata();
      expect(meta.format).toBe(result.post.ext === 'jpg' ? 'jpeg' : 'png');
    }
    expect((await readdir(dir)).filter((file) => file.endsWith('.part'))).toEqual([]);
  });

  it('takes nothing twice: a second run finds every image and downloads nothing', async () => {
    const dir = await freshDir();
    const ids = [100, 101, 102];
    await acquireImages(tasks(dir, ids), { client, maxShortSide: 256 });
    const start = fake.log.length;
    const again = await acquireImages(tasks(dir, ids), { client, maxShortSide: 256 });
    expect(again.map((result) => (result.status === 'stored' ? result.source : result.status))).toEqual([
      'cached',
      'cached',
      'cached',
    ]);
    expect(fileRequests(start)).toBe(0);
  });

  it('retries 503, 5xx, timeouts, truncated and altered bodies, then stores the file', async () => {
    const dir = await freshDir();
    fake.failNext('file', { status: 503 }, { postId: 103 });
    fake.failNext('file', { status: 500, html: true }, { postId: 104 });
    fake.failNext('file', { truncate: true }, { postId: 105 });
    fake.failNext('file', { alter: true }, { postId: 106 });
    fake.failNext('file', { hang: true }, { postId: 107 });
    const start = fake.log.length;
    const results = byId(
      await acquireImages(tasks(dir, [103, 104, 105, 106, 107]), { client, maxShortSide: 256 }),
    );
    for (const id of [103, 104, 105, 106, 107]) {
      expect(results.get(id)?.status).toBe('stored');
      expect(fileRequests(start, id)).toBe(2);
    }
  });

  it('gives each file that keeps failing its own reason', async () => {
    const dir = await freshDir();
    fake.failNext('file', { truncate: true }, { postId: 108, times: 3 });
    fake.failNext('file', { status: 502 }, { postId: 109, times: 3 });
    fake.failNext('file', { alter: true }, { postId: 110, times: 3 });
    fake.failNext('file', { status: 404 }, { postId: 111 });
    const results = byId(
      await acquireImages(tasks(dir, [108, 109, 110, 111, 100]), { client, maxShortSide: 256 }),
    );
    expect(results.get(108)).toMatchObject({ status: 'skipped', code: 'truncated' });
    expect(results.get(108)).toHaveProperty('reason', expect.stringMatching(/after 3 tries/));
    expect(results.get(109)).toMatchObject({
      status: 'skipped',
      code: 'download-failed',
      reason: 'HTTP 502 (after 3 tries)',
    });
    expect(results.get(110)).toMatchObject({ status: 'skipped', code: 'md5-mismatch' });
    expect(results.get(111)).toMatchObject({
      status: 'skipped',
      code: 'download-failed',
      reason: 'HTTP 404',
    });
    expect(results.get(100)?.status).toBe('stored');
    const files = await readdir(dir);
    expect(files.sort()).toEqual(['100.png']);
  });

  it('skips login-blocked posts as "login required" without building a URL', async () => {
    const dir = await freshDir();
    const blocked = posts.get(200)!;
    expect(blocked.fileUrl).toBeNull();
    const start = fake.log.length;
    const [result] = await acquireImages(tasks(dir, [200]), { client, maxShortSide: 256 });
    expect(result).toMatchObject({ status: 'skipped', code: 'login-required', reason: 'login required' });
    expect(fileRequests(start)).toBe(0);
  });

  it('refuses e621 files that are corrupt or decompression bombs, with a reason', async () => {
    const dir = await freshDir();
    const results = byId(await acquireImages(tasks(dir, [201, 202]), { client, maxShortSide: 256 }));
    expect(results.get(201)).toMatchObject({ status: 'skipped', code: 'corrupt' });
    expect(results.get(202)).toMatchObject({ status: 'skipped', code: 'too-large' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops with a clear error when the disk is full, removing partial files', async () => {
    const dir = await freshDir();
    let opened = 0;
    const openWrite = (path: string): Writable => {
      opened += 1;
      const real = createWriteStream(path);
      if (opened < 3) return real;
      let written = 0;
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          written += chunk.length;
          if (written > 100) {
            const error = Object.assign(new Error('ENOSPC: no space left on device, write'), {
              code: 'ENOSPC',
            });
            real.destroy();
            callback(error);
          } else real.write(chunk, callback);
        },
        final(callback) {
          real.end(callback);
        },
      });
    };
    const ids = Array.from({ length: 8 }, (_, i) => 100 + i);
    let error: unknown;
    try {
      await acquireImages(tasks(dir, ids), { client, maxShortSide: 256, downloadConcurrency: 1, openWrite });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('disk-full');
    expect((error as UserError).message).toMatch(/is full\. Partial files were removed/);
    const files = await readdir(dir);
    expect(files.filter((file) => file.endsWith('.part'))).toEqual([]);
    expect(files.length).toBeLessThan(ids.length);
  });
});

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFetchCommand, type FetchCommandOptions } from '../../src/cli/commands/fetch.ts';
import { E621Client } from '../../src/e621/client.ts';
import type { FolderManifest } from '../../src/e621/folder.ts';
import { createPacer } from '../../src/e621/pacer.ts';
import { given, startFakeE621, type FakeE621 } from '../fakes/e621/index.ts';

const cache = join(tmpdir(), 'kiln-fake-e621-test-images');
const pacer = createPacer({ minIntervalMs: 600 });
let fake: FakeE621;
let root: string;

function client(): E621Client {
  return new E621Client({
    baseUrl: fake.url,
    user: 'kiln_tester',
    pacer,
    retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
  });
}

function fileRequests(from: number): number {
  return fake.log.slice(from).filter((entry) => entry.kind === 'file').length;
}

const baseArgs = [
  '--tags',
  'krystal, solo',
  '--min-area',
  '0',
  '--min-score',
  '0',
  '--max-short-side',
  '256',
];

function kiln(args: string[], env: Record<string, string>) {
  return execa('npx', ['tsx', 'src/cli/main.ts', ...args], {
    env: { ...env, NO_COLOR: '1' },
    reject: false,
    timeout: 60_000,
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-cli-fetch-'));
  fake = await startFakeE621({
    imageCacheDir: cache,
    imageSize: { min: 300, max: 400 },
    posts: [
      ...given.posts(6, { firstId: 100, topScore: 1000 }),
      given.post({ id: 150, score: 955, image: { nearDuplicateOf: 101 } }),
      given.post({ id: 160, score: 995, loginBlocked: true }),
    ],
  });
});

afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

describe('kiln fetch', () => {
  const out = () => join(root, 'dataset');

  it('writes images, pika-style captions and a manifest into the folder', async () => {
    const result = await kiln(['fetch', ...baseArgs, '--top', '8', '--out', out()], {
      E621_BASE_URL: fake.url,
      E621_USER: 'kiln_tester',
      PATH: process.env.PATH ?? '',
    });
    expect(result.stderr).toContain(
      `kiln fetch: 7 taken of 8 matching (1 skipped before download: 1 login required) → 7 stored ` +
        `(7 downloaded and resized, 0 already stored) → 6 images with captions in ${out()} (1 near-duplicate dropped)`,
    );
    expect(result.exitCode).toBe(0);
    const files = (await readdir(out())).sort();
    expect(files).toEqual([
      '100.png',
      '100.txt',
      '101.jpg',
      '101.txt',
      '102.png',
      '102.txt',
      '103.jpg',
      '103.txt',
      '104.png',
      '104.txt',
      '105.jpg',
      '105.txt',
      'manifest.json',
    ]);
    expect(await readFile(join(out(), '100.txt'), 'utf8')).toBe(
      'krystal, canid, canine, fox, mammal, artist 0, safe, anthro, blue eyes, smile, solo, digital media (artwork)\n',
    );
    const manifest = JSON.parse(await readFile(join(out(), 'manifest.json'), 'utf8')) as FolderManifest;
    expect(manifest.taken.map((entry) => entry.id)).toEqual([100, 101, 102, 103, 104, 105]);
    expect(manifest.taken[0]).toMatchObject({ file: '100.png', caption: '100.txt', rank: 1 });
    expect(manifest.skipped).toEqual([{ id: 160, code: 'login-required', reason: 'login required' }]);
    expect(manifest.duplicates).toEqual([
      expect.objectContaining({ id: 150, duplicateOf: 101, kind: 'near' }),
    ]);
    expect(manifest.counts).toMatchObject({ found: 7, downloaded: 7, kept: 6, duplicates: 1 });
  });

  it('downloads nothing when run again, and prints its progress', async () => {
    const start = fake.log.length;
    const lines: string[] = [];
    const options: FetchCommandOptions = {
      tags: 'krystal, solo',
      minArea: '0',
      minScore: '0',
      maxShortSide: '256',
      top: '8',
      out: out(),
    };
    const manifest = await runFetchCommand(options, { client: client(), write: (text) => lines.push(text) });
    expect(fileRequests(start)).toBe(0);
    expect(manifest.counts).toMatchObject({ downloaded: 0, cached: 6, kept: 6, duplicates: 1 });
    expect(lines.join('')).toMatch(/kiln fetch: \d+\/7 · 0 downloaded/);
    expect(lines.at(-1)).toContain(
      '7 taken of 8 matching (1 skipped before download: 1 login required) → 7 stored ' +
        `(0 downloaded and resized, 7 already stored) → 6 images with captions in ${out()} (1 near-duplicate dropped)`,
    );
  });

  it('removes the files of posts a narrower query no longer takes', async () => {
    const manifest = await runFetchCommand(
      {
        tags: 'krystal, solo',
        minArea: '0',
        minScore: '0',
        maxShortSide: '256',
        top: '3',
        out: out(),
        ratingWord: false,
      },
      { client: client(), write: () => undefined },
    );
    expect(manifest.taken.map((entry) => entry.id)).toEqual([100, 101, 102]);
    expect((await readdir(out())).sort()).toEqual([
      '100.png',
      '100.txt',
      '101.jpg',
      '101.txt',
      '102.png',
      '102.txt',
      'manifest.json',
    ]);
    expect(await readFile(join(out(), '100.txt'), 'utf8')).not.toContain('safe');
  });

  it('refuses to run without E621_USER and says why', async () => {
    const result = await kiln(['fetch', ...baseArgs, '--out', join(root, 'never')], {
      E621_BASE_URL: fake.url,
      E621_USER: '',
      PATH: process.env.PATH ?? '',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/E621_USER is required/);
  });

  it('names bad options', async () => {
    const result = await kiln(['fetch', '--tags', 'krystal', '--top', '0', '--out', join(root, 'never')], {
      E621_BASE_URL: fake.url,
      E621_USER: 'kiln_tester',
      PATH: process.env.PATH ?? '',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Top N must be between 1 and 5000, got 0.');
  });
});

import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPacer } from '../../../src/e621/pacer.ts';
import { given, startFakeE621, type FakeE621 } from './index.ts';

/** The stand-in must reject what e621 rejects, or tests against it prove nothing. */

const UA = 'KilnTest/1.0 (by kiln_tester on e621)';
const pacer = createPacer({ minIntervalMs: 600 });
const cache = join(tmpdir(), 'kiln-fake-e621-test-images');

let fake: FakeE621;

async function api(path: string, headers: Record<string, string> = { 'user-agent': UA }) {
  await pacer.wait();
  const response = await request(`${fake.url}${path}`, { headers });
  const text = await response.body.text();
  return { status: response.statusCode, text, json: () => JSON.parse(text) as unknown };
}

interface PostsBody {
  posts: Array<{
    id: number;
    score: { total: number };
    file: { url: string | null; md5: string; width: number };
  }>;
}

async function ids(tags: string): Promise<number[]> {
  const response = await api(`/posts.json?tags=${encodeURIComponent(tags)}&limit=320`);
  expect(response.status).toBe(200);
  return (response.json() as PostsBody).posts.map((post) => post.id);
}

beforeAll(async () => {
  fake = await startFakeE621({
    imageCacheDir: cache,
    imageSize: { min: 40, max: 60 },
    posts: [
      given.post({
        id: 1,
        score: 50,
        rating: 's',
        ext: 'png',
        tags: { character: ['krystal'], general: ['solo'] },
      }),
      given.post({
        id: 2,
        score: 80,
        rating: 'q',
        ext: 'jpg',
        tags: { character: ['krystal'], general: ['solo_focus'] },
      }),
      given.post({
        id: 3,
        score: 20,
        rating: 'e',
        ext: 'png',
        tags: { character: ['krystal'], general: ['solo', 'comic'] },
      }),
      given.post({
        id: 4,
        score: 90,
        rating: 'e',
        ext: 'gif',
        tags: { character: ['fox_mccloud'], general: ['solo', 'young'] },
      }),
      given.post({
        id: 5,
        score: 70,
        rating: 's',
        ext: 'png',
        deleted: true,
        tags: { character: ['krystal'] },
      }),
    ],
  });
});

afterAll(async () => {
  await fake.close();
});

describe('fake e621', () => {
  it('answers 403 without a User-Agent and for default library agents', async () => {
    expect((await api('/posts.json?tags=krystal', {})).status).toBe(403);
    expect((await api('/posts.json?tags=krystal', { 'user-agent': 'undici' })).status).toBe(403);
    expect((await api('/posts.json?tags=krystal', { 'user-agent': 'python-requests/2.31' })).status).toBe(
      403,
    );
  });

  it('answers 503 when the API is called faster than 2 requests per second', async () => {
    await pacer.wait();
    const [first, second] = await Promise.all([
      request(`${fake.url}/posts.json?tags=krystal`, { headers: { 'user-agent': UA } }),
      request(`${fake.url}/posts.json?tags=krystal`, { headers: { 'user-agent': UA } }),
    ]);
    await first.body.dump();
    await second.body.dump();
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 503]);
  });

  it('searches with AND, -, ~, rating:, type: and score:, hiding deleted posts', async () => {
    expect(await ids('krystal solo')).toEqual([3, 1]);
    expect(await ids('krystal -comic')).toEqual([2, 1]);
    expect(await ids('krystal ~solo ~solo_focus order:score')).toEqual([2, 1, 3]);
    expect(await ids('krystal rating:s')).toEqual([1]);
    expect(await ids('krystal -rating:e type:png')).toEqual([1]);
    expect(await ids('~krystal ~fox_mccloud score:>=50 order:score')).toEqual([4, 2, 1]);
    expect(await ids('krystal status:any order:score')).toEqual([2, 5, 1, 3]);
  });

  it('pages with numbered pages and limit, refusing limit over 320 and pages over 750', async () => {
    const page2 = await api('/posts.json?tags=krystal%20order:score&limit=1&page=2');
    expect((page2.json() as PostsBody).posts.map((p) => p.id)).toEqual([1]);
    expect((await api('/posts.json?tags=krystal&limit=321')).status).toBe(410);
    const beyond = await api('/posts.json?tags=krystal&limit=10&page=751');
    expect(beyond.status).toBe(410);
    expect(beyond.text).toContain('beyond page 750');
  });

  it('drops order:score with a b<id> cursor, as e621 does', async () => {
    const response = await api('/posts.json?tags=krystal%20order:score&limit=320&page=b3');
    expect((response.json() as PostsBody).posts.map((p) => p.id)).toEqual([2, 1]);
  });

  it('refuses more than 40 tags, not counting rating:', async () => {
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}`).join(' ');
    expect((await api(`/posts.json?tags=${encodeURIComponent(`${tags} rating:s`)}&limit=5`)).status).toBe(
      200,
    );
    const over = await api(`/posts.json?tags=${encodeURIComponent(`${tags} t40`)}&limit=5`);
    expect(over.status).toBe(422);
    expect(over.text).toContain('more than 40 tags');
  });

  it('hides file URLs of login-blocked posts unless Basic auth is sent, and rejects a wrong key', async () => {
    const anonymous = (await api('/posts.json?tags=fox_mccloud').then((r) => r.json())) as PostsBody;
    expect(anonymous.posts[0]?.file.url).toBeNull();
    expect(anonymous.posts[0]?.file.md5).toMatch(/^[0-9a-f]{32}$/);
    const auth = `Basic ${Buffer.from('kiln_tester:test-api-key').toString('base64')}`;
    const logged = (await api('/posts.json?tags=fox_mccloud', { 'user-agent': UA, authorization: auth }).then(
      (r) => r.json(),
    )) as PostsBody;
    expect(logged.posts[0]?.file.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/data\//);
    const wrong = `Basic ${Buffer.from('kiln_tester:nope').toString('base64')}`;
    expect(
      (await api('/posts.json?tags=fox_mccloud', { 'user-agent': UA, authorization: wrong })).status,
    ).toBe(401);
  });

  it('serves generated images whose md5 and size match the post', async () => {
    const body = (await api('/posts.json?tags=krystal%20solo_focus').then((r) => r.json())) as PostsBody;
    const post = body.posts[0]!;
    const file = await request(post.file.url!, { headers: { 'user-agent': UA } });
    const data = Buffer.from(await file.body.arrayBuffer());
    expect(createHash('md5').update(data).digest('hex')).toBe(post.file.md5);
    const meta = await sharp(data).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBe(post.file.width);
  });

  it('completes tag names and corrects misspellings', async () => {
    const response = await api('/tags/autocomplete.json?search%5Bname_matches%5D=krystla&expiry=7');
    const names = (response.json() as Array<{ name: string; category: number }>).map((tag) => tag.name);
    expect(names).toContain('krystal');
    const prefix = (await api('/tags/autocomplete.json?search%5Bname_matches%5D=kry').then((r) =>
      r.json(),
    )) as Array<{
      name: string;
      category: number;
    }>;
    expect(prefix[0]).toMatchObject({ name: 'krystal', category: 4 });
  });

  it('fails on request: HTML pages, then normal service', async () => {
    fake.failNext('posts', { html: true });
    const html = await api('/posts.json?tags=krystal');
    expect(html.text).toMatch(/^<!DOCTYPE html>/);
    expect((await api('/posts.json?tags=krystal')).status).toBe(200);
  });

  it('generates realistic sizes (2000–4000 px) unless told otherwise', async () => {
    const realistic = await startFakeE621({ imageCacheDir: cache, posts: [given.post({ id: 9 })] });
    try {
      const post = realistic.posts[0]!;
      expect(post.width).toBeGreaterThanOrEqual(2000);
      expect(post.width).toBeLessThanOrEqual(4000);
      expect(post.height).toBeGreaterThanOrEqual(2000);
    } finally {
      await realistic.close();
    }
  });

  it('generates ranked posts from a count', async () => {
    const counted = await startFakeE621({ imageCacheDir: cache, imageSize: { min: 8, max: 8 }, posts: 3 });
    try {
      expect(counted.posts.map((post) => [post.score, post.tags.character])).toEqual([
        [1000, ['krystal']],
        [990, ['krystal']],
        [980, ['krystal']],
      ]);
    } finally {
      await counted.close();
    }
  });

  it('logs every request with its time, status and agent', () => {
    expect(fake.log.length).toBeGreaterThan(10);
    expect(fake.log.every((entry) => typeof entry.at === 'number' && entry.status > 0)).toBe(true);
    expect(fake.log.some((entry) => entry.status === 503)).toBe(true);
  });
});

import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError } from '../../src/config/env.ts';
import { UserError } from '../../src/core/errors.ts';
import { E621Client, createE621Client } from '../../src/e621/client.ts';
import { createPacer, processPacer } from '../../src/e621/pacer.ts';
import { given, startFakeE621, type FakeE621, type RequestLogEntry } from '../fakes/e621/index.ts';

const cache = join(tmpdir(), 'kiln-fake-e621-test-images');
/** Faster than e621's recommended 1/s but never under the 0.5 s the fake (and e621) enforce. */
const testPacer = createPacer({ minIntervalMs: 600 });
let fake: FakeE621;

function client(overrides: Partial<ConstructorParameters<typeof E621Client>[0]> = {}): E621Client {
  return new E621Client({
    baseUrl: fake.url,
    user: 'kiln_tester',
    pacer: testPacer,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    ...overrides,
  });
}

function apiRequests(from: number): RequestLogEntry[] {
  return fake.log.slice(from).filter((entry) => entry.kind === 'api');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  fake = await startFakeE621({
    imageCacheDir: cache,
    imageSize: { min: 40, max: 60 },
    posts: given.posts(5, { character: 'krystal' }),
  });
});

afterAll(async () => {
  await fake.close();
});

describe('e621 client', () => {
  it("refuses to exist without the operator's e621 user name", () => {
    expect(() => new E621Client({ baseUrl: fake.url, user: undefined })).toThrow(ConfigError);
    expect(() => new E621Client({ baseUrl: fake.url, user: '  ' })).toThrow(/E621_USER is required/);
    expect(() =>
      createE621Client({ E621_BASE_URL: fake.url, E621_USER: undefined, E621_API_KEY: undefined }),
    ).toThrow(/E621_USER/);
  });

  it('sends a descriptive User-Agent with the user name, limit=320 and a numbered page with order:score', async () => {
    const start = fake.log.length;
    const posts = await client().searchPosts('krystal order:score', 1);
    expect(posts.map((post) => post.score)).toEqual([1000, 990, 980, 970, 960]);
    const [entry] = apiRequests(start);
    expect(entry?.userAgent).toBe(`Kiln/${packageJson.version} (by kiln_tester on e621)`);
    expect(entry?.params).toEqual({ tags: 'krystal order:score', limit: '320', page: '1' });
    expect(entry?.authorized).toBe(false);
    await expect(client().searchPosts('krystal', 751)).rejects.toThrow(/1\.\.750/);
  });

  it("reads the post JSON into Kiln's shape", async () => {
    const [post] = await client().searchPosts('krystal order:score', 1);
    expect(post).toMatchObject({
      id: 100,
      ext: 'png',
      score: 1000,
      rating: 's',
      deleted: false,
      tags: { character: ['krystal'], species: ['canid', 'canine', 'fox', 'mammal'] },
    });
    expect(post?.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(post?.fileUrl).toContain(`/data/${post?.md5.slice(0, 2)}/`);
    expect(post?.size).toBeGreaterThan(0);
  });

  it('uses Basic auth when an API key is configured', async () => {
    const start = fake.log.length;
    const logged = client({ apiKey: 'test-api-key' });
    expect(logged.loggedIn).toBe(true);
    await logged.searchPosts('krystal', 1);
    expect(apiRequests(start)[0]?.authorized).toBe(true);
    const error = await rejection(client({ apiKey: 'wrong' }).searchPosts('krystal', 1));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('e621-refused');
  });

  it('retries a 503, an HTML page, an empty body and a 502, then succeeds', async () => {
    for (const failure of [{ status: 503 }, { html: true }, { empty: true }, { status: 502, html: true }]) {
      fake.failNext('posts', failure);
      const start = fake.log.length;
      const posts = await client().searchPosts('krystal', 1);
      expect(posts).toHaveLength(5);
      expect(apiRequests(start).map((entry) => entry.status)).toEqual([failure.status ?? 200, 200]);
    }
  });

  it('retries a request that times out', async () => {
    fake.failNext('posts', { hang: true });
    const start = fake.log.length;
    const posts = await client({ timeoutMs: 1500 }).searchPosts('krystal', 1);
    expect(posts).toHaveLength(5);
    expect(apiRequests(start)).toHaveLength(2);
  });

  it('gives up with a clear error after its tries', async () => {
    fake.failNext('posts', { html: true }, { times: 3 });
    const error = await rejection(client().searchPosts('krystal', 1));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('service-unavailable');
    expect(error.message).toMatch(/after 3 tries \(last: an HTML page instead of JSON/);
  });

  it('turns e621 refusing a search into an invalid-query error with its message', async () => {
    const tags = Array.from({ length: 41 }, (_, i) => `t${i}`).join(' ');
    const error = await rejection(client().searchPosts(tags, 1));
    expect((error as UserError).code).toBe('invalid-query');
    expect(error.message).toContain('more than 40 tags');
  });

  it('completes tags through /tags/autocomplete.json and skips prefixes under 3 characters', async () => {
    const start = fake.log.length;
    expect(await client().autocomplete('kr')).toEqual([]);
    expect(apiRequests(start)).toHaveLength(0);
    const suggestions = await client().autocomplete('Krys');
    expect(suggestions[0]).toMatchObject({ name: 'krystal', category: 'character', postCount: 5 });
    expect(apiRequests(start)[0]?.params['search[name_matches]']).toBe('krys');
  });

  it('keeps autocomplete answers for a while instead of asking e621 again', async () => {
    const cached = client();
    const start = fake.log.length;
    const first = await cached.autocomplete('kryst');
    const second = await cached.autocomplete('Kryst ');
    expect(second).toEqual(first);
    expect(apiRequests(start)).toHaveLength(1);
  });

  it('paces every client of the process: never two requests under 0.5 s apart, at most 1/s', async () => {
    // The earlier tests used their own pacer; let its last request age first.
    await sleep(600);
    const start = fake.log.length;
    const a = new E621Client({ baseUrl: fake.url, user: 'kiln_tester' });
    const b = new E621Client({ baseUrl: fake.url, user: 'kiln_tester', apiKey: 'test-api-key' });
    expect(processPacer.minIntervalMs).toBe(1000);
    await Promise.all([
      a.searchPosts('krystal', 1),
      b.searchPosts('krystal', 1),
      a.autocomplete('krystal'),
      b.searchPosts('fox', 1),
      a.searchPosts('solo', 1),
    ]);
    const times = apiRequests(start).map((entry) => entry.at);
    expect(apiRequests(start).every((entry) => entry.status === 200)).toBe(true);
    expect(times).toHaveLength(5);
    const gaps = times.slice(1).map((time, i) => time - (times[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    // At most one request per second over any 10 s window (and over the whole run).
    for (const from of times)
      expect(times.filter((t) => t >= from && t < from + 10_000).length).toBeLessThanOrEqual(10);
    expect((times.at(-1)! - times[0]!) / (times.length - 1)).toBeGreaterThanOrEqual(950);
  });
});

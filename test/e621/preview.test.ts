import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { parseQuery } from '../../src/core/query/schema.ts';
import { E621Client } from '../../src/e621/client.ts';
import { createPacer } from '../../src/e621/pacer.ts';
import { preview } from '../../src/e621/preview.ts';
import { given, startFakeE621, type FakeE621 } from '../fakes/e621/index.ts';

const cache = join(tmpdir(), 'kiln-fake-e621-test-images');
const pacer = createPacer({ minIntervalMs: 600 });
let fake: FakeE621;

function client(apiKey?: string): E621Client {
  return new E621Client({
    baseUrl: fake.url,
    user: 'kiln_tester',
    apiKey,
    pacer,
    retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
  });
}

async function userError(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

beforeAll(async () => {
  fake = await startFakeE621({
    imageCacheDir: cache,
    imageSize: { min: 40, max: 60 },
    posts: [
      ...given.posts(8, { topScore: 1000, firstId: 100 }),
      ...given.posts(3, { topScore: 955, firstId: 200 }, () => ({
        tags: { character: ['krystal'], general: ['solo_focus'], artist: ['someone'] },
      })),
      given.post({
        id: 300,
        score: 995,
        width: 30,
        height: 30,
        tags: { character: ['krystal'], general: ['solo'] },
      }),
      given.post({
        id: 301,
        score: 985,
        loginBlocked: true,
        tags: { character: ['krystal'], general: ['solo'] },
      }),
      given.post({
        id: 400,
        score: 500,
        loginBlocked: true,
        tags: { character: ['fox_mccloud'], general: ['solo'] },
      }),
      given.post({
        id: 401,
        score: 400,
        loginBlocked: true,
        tags: { character: ['fox_mccloud'], general: ['solo'] },
      }),
    ],
  });
});

afterAll(async () => {
  await fake.close();
});

describe('query preview', () => {
  it('shows per-group matches, the count after filters, the score at rank N and the first and last posts', async () => {
    const query = parseQuery({
      required: 'krystal, solo | krystal, solo_focus',
      minArea: 1600,
      minScore: 0,
      topN: 6,
    });
    const result = await preview(client(), query, { show: 2 });
    expect(result.groups.map((g) => [g.group, g.matched, g.complete])).toEqual([
      [0, 10, true],
      [1, 3, true],
    ]);
    expect(result.groups[0]?.search).toContain('krystal solo order:score');
    expect(result.seen).toBe(13);
    expect(result.afterFilters).toBe(11);
    expect(result.taken).toBe(6);
    // 1000, 990, 980, 970, 960 from group 1, then 955 from group 2 (995 too small, 985 login-blocked).
    expect(result.scoreAtRankN).toBe(955);
    expect(result.skipped).toEqual({ 'too-small': 1, 'login-required': 1 });
    expect(result.first.map((p) => p.id)).toEqual([100, 101]);
    expect(result.last.map((p) => [p.rank, p.id])).toEqual([
      [5, 104],
      [6, 200],
    ]);
    expect(result.first[0]?.previewUrl).toMatch(/\/data\/preview\/.*\.jpg$/);
    expect(result.first[0]?.postUrl).toBe(`${fake.url}/posts/100`);
    expect(result.complete).toBe(true);
  });

  it('says which group found nothing and suggests close tags', async () => {
    const query = parseQuery({ required: 'krystla, solo', minArea: 0, minScore: 0 });
    const error = await userError(preview(client(), query));
    expect(error.code).toBe('invalid-query');
    expect(error.message).toContain('Group 1 ("krystla, solo") found nothing');
    expect(error.message).toContain('"krystla" is not an e621 tag (did you mean "krystal"?)');
  });

  it('warns about an empty group while the others still find posts', async () => {
    const query = parseQuery({
      required: 'krystal, solo | krystal, solo_focsu',
      minArea: 0,
      minScore: 0,
      topN: 3,
    });
    const result = await preview(client(), query);
    expect(result.taken).toBe(3);
    expect(result.groups[1]?.unknownTags).toEqual([{ tag: 'solo_focsu', suggestions: ['solo_focus'] }]);
    expect(result.warnings.join(' ')).toMatch(
      /Group 2 .*"solo_focsu" is not an e621 tag \(did you mean "solo_focus"\?\)/,
    );
  });

  it('refuses when every result is login-blocked, and takes them with an API key', async () => {
    const query = parseQuery({ required: 'fox_mccloud', minArea: 0, minScore: 0 });
    const error = await userError(preview(client(), query));
    expect(error.code).toBe('login-required');
    expect(error.message).toMatch(/All 2 posts .* login-blocked .* E621_API_KEY/);
    const logged = await preview(client('test-api-key'), query);
    expect(logged.taken).toBe(2);
  });

  it('explains when nothing passes the filters', async () => {
    const query = parseQuery({ required: 'krystal, solo_focus', minArea: 100_000, minScore: 0 });
    const error = await userError(preview(client(), query));
    expect(error.message).toMatch(/No post passes the filters: 3 below min area/);
  });
});

describe('paging through a large result', () => {
  let large: FakeE621;
  beforeAll(async () => {
    large = await startFakeE621({
      imageCacheDir: cache,
      imageSize: { min: 8, max: 8 },
      posts: given.posts(330, { topScore: 5000, firstId: 1000 }),
    });
  });
  afterAll(async () => {
    await large.close();
  });

  it('reads numbered pages of 320 with order:score, only as many as the top N needs', async () => {
    const largeClient = new E621Client({ baseUrl: large.url, user: 'kiln_tester', pacer });
    const few = await preview(
      largeClient,
      parseQuery({ required: 'krystal', minArea: 0, minScore: 0, topN: 5 }),
    );
    expect(few.groups[0]).toMatchObject({ matched: 320, complete: false, pages: 1 });
    expect(few.scoreAtRankN).toBe(4960);

    const start = large.log.length;
    const many = await preview(
      largeClient,
      parseQuery({ required: 'krystal', minArea: 0, minScore: 0, topN: 325 }),
    );
    expect(many.taken).toBe(325);
    expect(many.groups[0]).toMatchObject({ matched: 330, complete: true, pages: 2 });
    const requests = large.log.slice(start).filter((entry) => entry.kind === 'api');
    expect(requests.map((entry) => entry.params.page)).toEqual(['1', '2']);
    expect(
      requests.every((entry) => entry.params.limit === '320' && entry.params.tags?.includes('order:score')),
    ).toBe(true);
    expect(requests.some((entry) => /^[ab]/.test(entry.params.page ?? ''))).toBe(false);
  });
});

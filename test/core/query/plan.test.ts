import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import {
  DEFAULT_QUERY,
  E621_TAG_LIMIT,
  filterPost,
  groupMayContribute,
  parseQuery,
  planQuery,
  selectTopN,
  suggestTags,
  editDistance,
  tagIsKnown,
  type PostFacts,
  type ProjectQuery,
} from '../../../src/core/query/index.ts';

function post(id: number, overrides: Partial<PostFacts> = {}): PostFacts {
  return {
    id,
    md5: id.toString(16).padStart(32, '0'),
    ext: 'png',
    width: 1000,
    height: 1000,
    size: 1234,
    score: 100,
    favCount: 10,
    rating: 's',
    tags: { character: ['krystal'], general: ['solo'] },
    sources: [],
    fileUrl: `https://static1.e621.net/data/${id}.png`,
    previewUrl: null,
    sampleUrl: null,
    deleted: false,
    createdAt: null,
    ...overrides,
  };
}

const query = (input: Parameters<typeof parseQuery>[0]): ProjectQuery =>
  parseQuery({ minArea: 0, minScore: 0, ...input });

describe('planning e621 searches', () => {
  it('searches each group by score with min score, and excludes the blacklist', () => {
    const plan = planQuery(
      query({
        required: 'krystal, solo | krystal, solo_focus',
        blacklist: 'comic | monochrome',
        minScore: 50,
      }),
    );
    expect(plan.searches).toHaveLength(2);
    expect(plan.searches[0]?.search).toBe(
      'krystal solo order:score score:>=50 -comic -monochrome -type:gif -type:webm -type:swf',
    );
    expect(plan.searches[1]?.search).toContain('krystal solo_focus order:score');
  });

  it('uses rating: for one rating and -rating: for two, which are free of the 40-tag limit', () => {
    expect(planQuery(query({ required: 'fox', ratings: 's' })).searches[0]?.search).toContain('rating:s');
    const two = planQuery(query({ required: 'fox', ratings: 's,q' })).searches[0];
    expect(two?.search).toContain('-rating:e');
    expect(two?.tagCount).toBe(two?.search.split(' ').filter((t) => !t.includes('rating:')).length);
  });

  it('asks for one file type with type: and excludes the others otherwise', () => {
    expect(planQuery(query({ required: 'fox', fileTypes: 'png' })).searches[0]?.search).toMatch(/ type:png$/);
    const search = planQuery(query({ required: 'fox', fileTypes: 'png,jpg' })).searches[0]?.search;
    expect(search).toContain('-type:webp');
    expect(search).toContain('-type:gif');
  });

  it('never sends more than 40 tags; the rest of the blacklist stays local', () => {
    const blacklist = Array.from({ length: 60 }, (_, i) => `bad_tag_${i}`).join(' | ');
    const plan = planQuery(query({ required: 'krystal, solo', blacklist }));
    const search = plan.searches[0];
    expect(search?.tagCount).toBe(E621_TAG_LIMIT);
    const counted = search?.search
      .split(' ')
      .filter((token) => !token.startsWith('-rating:') && !token.startsWith('rating:'));
    expect(counted).toHaveLength(E621_TAG_LIMIT);
    expect(search?.excluded.length).toBeLessThan(60);
    expect(search?.blacklist).toHaveLength(60);
    const blocked = post(1, { tags: { general: ['solo', 'bad_tag_59'] } });
    expect(filterPost(blocked, search!, plan.query, { loggedIn: false })).toMatchObject({
      ok: false,
      code: 'blacklisted',
      reason: 'blacklisted (bad_tag_59)',
    });
  });

  it('refuses a group with more than 39 tags, naming it', () => {
    const tags = Array.from({ length: 40 }, (_, i) => `tag_${i}`).join(', ');
    try {
      planQuery(query({ required: `fox | ${tags}` }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/Required group 2 .* has 40 tags/);
    }
  });

  it('refuses a query without required tags', () => {
    expect(() => planQuery(DEFAULT_QUERY)).toThrow(/no required tags/);
  });

  it('ignores a blacklist group contained in the required group, as pika does', () => {
    const plan = planQuery(query({ required: 'krystal, comic', blacklist: 'comic | monochrome' }));
    expect(plan.searches[0]?.search).not.toContain('-comic');
    expect(plan.searches[0]?.blacklist).toEqual([['monochrome']]);
  });

  it('filters multi-tag blacklist groups only when every tag is present', () => {
    const plan = planQuery(query({ required: 'krystal', blacklist: 'feral, solo' }));
    const search = plan.searches[0]!;
    expect(search.search).not.toContain('-feral');
    expect(
      filterPost(post(1, { tags: { general: ['feral'] } }), search, plan.query, { loggedIn: false }).ok,
    ).toBe(true);
    expect(
      filterPost(post(2, { tags: { general: ['feral', 'solo'] } }), search, plan.query, { loggedIn: false })
        .ok,
    ).toBe(false);
  });
});

describe('the local filter', () => {
  const plan = planQuery(
    parseQuery({ required: 'krystal', minArea: 589_824, minScore: 30, ratings: 's,q', fileTypes: 'png,jpg' }),
  );
  const search = plan.searches[0]!;
  const verdict = (p: PostFacts, loggedIn = false) => filterPost(p, search, plan.query, { loggedIn });

  it('drops images below min area with their size', () => {
    expect(verdict(post(1, { width: 700, height: 700 }))).toMatchObject({
      code: 'too-small',
      reason: '700×700 = 490000 px < 589824',
    });
    expect(verdict(post(2, { width: 768, height: 768 })).ok).toBe(true);
  });

  it('drops animations, unwanted types, ratings and low scores', () => {
    expect(verdict(post(1, { ext: 'gif' }))).toMatchObject({ code: 'file-type' });
    expect(verdict(post(2, { ext: 'webp' }))).toMatchObject({ code: 'file-type' });
    expect(verdict(post(3, { rating: 'e' }))).toMatchObject({ code: 'rating' });
    expect(verdict(post(4, { score: 29 }))).toMatchObject({ code: 'low-score' });
  });

  it('skips posts without a file URL as "login required" unless logged in', () => {
    expect(verdict(post(1, { fileUrl: null }))).toEqual({
      ok: false,
      code: 'login-required',
      reason: 'login required',
    });
    expect(verdict(post(1, { fileUrl: null }), true)).toMatchObject({ code: 'file-unavailable' });
  });
});

describe('selecting the top N', () => {
  it('ranks the union of the groups by score and takes N that pass', () => {
    const plan = planQuery(
      query({ required: 'krystal, solo | krystal, solo_focus', topN: 3, blacklist: 'comic' }),
    );
    const groupA = [
      post(10, { score: 90 }),
      post(11, { score: 70, tags: { general: ['comic'] } }),
      post(12, { score: 50 }),
    ];
    const groupB = [post(20, { score: 80 }), post(10, { score: 90 }), post(21, { score: 40 })];
    const selection = selectTopN(
      plan,
      [
        { posts: groupA, exhausted: true },
        { posts: groupB, exhausted: true },
      ],
      { loggedIn: false },
    );
    expect(selection.taken.map((r) => [r.post.id, r.rank])).toEqual([
      [10, 1],
      [20, 2],
      [12, 3],
    ]);
    expect(selection.taken[0]?.groups).toEqual([0, 1]);
    expect(selection.skipped.map((s) => [s.post.id, s.code])).toEqual([[11, 'blacklisted']]);
    expect(selection.passing).toBe(4);
    expect(selection.seen).toBe(5);
  });

  it('breaks score ties by id, newest first, as e621 does', () => {
    const plan = planQuery(query({ required: 'fox', topN: 2 }));
    const selection = selectTopN(plan, [{ posts: [post(5), post(9), post(7)], exhausted: true }], {
      loggedIn: false,
    });
    expect(selection.taken.map((r) => r.post.id)).toEqual([9, 7]);
  });

  it('stops paging a group once its scores fall below rank N', () => {
    const plan = planQuery(query({ required: 'fox | wolf', topN: 2 }));
    const full = { posts: [post(1, { score: 90 }), post(2, { score: 80 })], exhausted: false };
    const trailing = { posts: [post(3, { score: 70 })], exhausted: false };
    const selection = selectTopN(plan, [full, trailing], { loggedIn: false });
    expect(groupMayContribute(full, selection, 2)).toBe(true);
    expect(groupMayContribute(trailing, selection, 2)).toBe(false);
    expect(groupMayContribute({ posts: [], exhausted: true }, selection, 2)).toBe(false);
  });
});

describe('tag suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('krystal', 'krystla')).toBe(2);
    expect(editDistance('fox', 'fox')).toBe(0);
  });

  it('suggests close, used tags for a misspelling and knows existing ones', () => {
    const candidates = [
      { name: 'krystal', postCount: 9000 },
      { name: 'krystal_(star_fox)', postCount: 10 },
      { name: 'kangaroo', postCount: 50_000 },
    ];
    expect(suggestTags('krystla', candidates)).toEqual(['krystal']);
    expect(suggestTags('krys', candidates)[0]).toBe('krystal');
    expect(tagIsKnown('krystal', candidates)).toBe(true);
    expect(tagIsKnown('krystla', candidates)).toBe(false);
    expect(tagIsKnown('kristal', [{ name: 'krystal', postCount: 5, antecedentName: 'kristal' }])).toBe(true);
  });
});

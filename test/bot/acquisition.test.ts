import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProject } from '../../src/db/repositories/projects.ts';
import { fetchRuns, posts, projectCandidates, type ProjectRow } from '../../src/db/schema/index.ts';
import { E621Client } from '../../src/e621/client.ts';
import { statusMessageOf } from '../../src/queue/job-progress.ts';
import { DEFAULT_STATUS_INTERVAL_MS } from '../../src/worker/fetch-reporter.ts';
import { createPacer, type Pacer } from '../../src/e621/pacer.ts';
import { mediaUrls, textOf, type FakeChannel, type FakeMessage } from '../fakes/discord/index.ts';
import { given as e621Posts, startFakeE621, type FakeE621 } from '../fakes/e621/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';
import { startWorkerHarness, type WorkerHarness } from '../helpers/worker-harness.ts';

const alice = { id: '400000000000000021', username: 'alice' };
const bob = { id: '400000000000000022', username: 'bob' };

/**
 * A pacer the test can hold shut: a fetch job then waits before its first e621 request, so a second
 * `/lora fetch` meets a fetch that is certainly running. Open, it keeps e621's pace like the real one.
 */
function gatedPacer(minIntervalMs: number): Pacer & { close(): void; open(): void } {
  const inner = createPacer({ minIntervalMs });
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  return {
    minIntervalMs,
    async wait(signal) {
      await gate;
      await inner.wait(signal);
    },
    close() {
      gate = new Promise((resolve) => (release = resolve));
    },
    open() {
      release();
    },
  };
}

describe('acquisition from Discord: /lora query, /lora preview, /lora fetch with a real worker', () => {
  let fake: FakeE621;
  let h: BotHarness;
  let worker: WorkerHarness | null = null;
  let project: ProjectRow;
  let thread: FakeChannel;
  const pacer = gatedPacer(600);
  let startWorker: () => void = () => undefined;

  const reply = async (
    user: typeof alice,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => {
    const result = await h.discord.user(user).slash('lora', { subcommand, channelId: thread.id, options });
    const message = await result.waitForOriginal((m) => textOf(m).length > 0, 30_000);
    expect(message.flags & 64).toBe(64);
    return message;
  };
  const storedQuery = async () => (await getProject(h.database.db, project.id))!.query;
  const fetchMessages = (title: string): FakeMessage[] =>
    thread.messages.filter((m) => m.authorId === h.discord.botUserId && textOf(m).includes(title));
  const fileRequests = () => fake.log.filter((entry) => entry.kind === 'file').length;

  beforeAll(async () => {
    fake = await startFakeE621({
      imageCacheDir: join(tmpdir(), 'kiln-fake-e621-test-images'),
      imageSize: { min: 900, max: 1100 },
      posts: [
        // krystal, solo: ids 100–109, scores 1000 … 910
        ...e621Posts.posts(10, { firstId: 100, topScore: 1000 }),
        e621Posts.post({
          id: 200,
          score: 985,
          tags: { character: ['krystal'], general: ['solo_focus', 'anthro'] },
        }),
        e621Posts.post({ id: 210, score: 975, loginBlocked: true }),
        e621Posts.post({ id: 220, score: 965, width: 600, height: 600 }),
        e621Posts.post({ id: 230, score: 955, image: { nearDuplicateOf: 100 } }),
        e621Posts.post({ id: 260, score: 40, tags: { character: ['krystal'], general: ['solo', 'sketch'] } }),
        // Another character whose every post is hidden from anonymous users.
        ...[300, 301].map((id) =>
          e621Posts.post({
            id,
            score: 500,
            loginBlocked: true,
            tags: { character: ['fox_mccloud'], general: ['solo'] },
          }),
        ),
      ],
    });
    const e621 = new E621Client({
      baseUrl: fake.url,
      user: 'kiln_tester',
      pacer,
      retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    });
    h = await startBotHarness({}, { e621 });
    ({ project, thread } = await given.project(h, alice));
    // Started later, so the first fetch waits in the queue; it shares the bot's client and pace.
    startWorker = () => {
      worker = startWorkerHarness(h, { e621, statusIntervalMs: DEFAULT_STATUS_INTERVAL_MS });
    };
  }, 60_000);

  afterAll(async () => {
    pacer.open();
    await worker?.close();
    await h?.close();
    await fake?.close();
  });

  it("shows an empty query with the guide's start, and lets only editors change it", async () => {
    const shown = await reply(bob, 'query');
    expect(textOf(shown)).toContain('No groups yet');
    expect(textOf(shown)).toContain('`krystal, solo | krystal, solo_focus`');
    expect(textOf(shown)).toContain('`animated | monochrome | comic');

    const refused = await reply(bob, 'query', { min_score: 50 });
    expect(refused.content).toContain('Only the project owner');
    expect((await storedQuery()).minScore).toBe(30);
  });

  it('completes the tag being typed from e621, and offers the blacklist for removal', async () => {
    const typed = await h.discord.user(alice).autocomplete('lora', {
      subcommand: 'query',
      channelId: thread.id,
      focused: 'groups',
      options: { groups: 'krystal, solo | krystal, sol' },
    });
    const values = typed.callback.data.choices?.map((c) => c.value);
    expect(values).toContain('krystal, solo | krystal, solo');
    expect(values).toContain('krystal, solo | krystal, solo_focus');
    expect(
      typed.callback.data.choices?.find((c) => c.value.toString().endsWith('solo_focus'))?.name,
    ).toContain('1 posts');

    const short = await h.discord.user(alice).autocomplete('lora', {
      subcommand: 'query',
      channelId: thread.id,
      focused: 'blacklist_add',
      options: { blacklist_add: 'sk' },
    });
    expect(short.callback.data.choices).toEqual([]);

    const removable = await h.discord.user(alice).autocomplete('lora', {
      subcommand: 'query',
      channelId: thread.id,
      focused: 'blacklist_remove',
      options: { blacklist_remove: 'hum' },
    });
    expect(removable.callback.data.choices).toEqual([{ name: 'humor', value: 'humor' }]);
  });

  it('refuses bad input, naming the value, and saves nothing', async () => {
    const cases: Array<[Record<string, string | number>, string]> = [
      [{ groups: 'krystal, solo |' }, 'group 2 of 2 is empty'],
      [
        { groups: ['krystal', ...Array.from({ length: 40 }, (_, i) => `tag_${i}`)].join(', ') },
        'has 41 tags; e621 searches at most 40 tags',
      ],
      [{ min_score: -5 }, 'Min score must be 0 or more, got -5'],
      [{ top_n: 0 }, 'Top N must be between 1 and 5000, got 0'],
      [{ top_n: 5001 }, 'Top N must be between 1 and 5000, got 5001'],
      [
        { groups: 'krystl, solo' },
        'Group 1 (`krystl, solo`): `krystl` is not an e621 tag — did you mean `krystal`?',
      ],
      [{ blacklist_remove: 'solo' }, '`solo` is not in the blacklist'],
    ];
    for (const [options, expected] of cases) {
      const refused = await reply(alice, 'query', options);
      expect(refused.content, JSON.stringify(options)).toContain(expected);
    }
    const query = await storedQuery();
    expect(query.required).toEqual([]);
    expect(query.topN).toBe(300);
    expect(query.minScore).toBe(30);
  }, 60_000);

  it('refuses a preview or a fetch before the query has groups, saying how to set them', async () => {
    const preview = await reply(alice, 'preview');
    expect(preview.content).toContain('has no tag groups yet');
    expect(preview.content).toContain('/lora query groups:krystal, solo | krystal, solo_focus');
    const fetch = await reply(alice, 'fetch');
    expect(fetch.content).toContain('has no tag groups yet');
  });

  it('saves the edited query, checks the new tags on e621 and shows the search it plans', async () => {
    const saved = await reply(alice, 'query', {
      groups: 'Krystal, solo | krystal, solo focus',
      top_n: 10,
      max_short_side: 512,
      blacklist_add: 'sketch',
      blacklist_remove: 'humor',
      ratings: 's,q,e',
    });
    const text = textOf(saved);
    expect(text).toContain(
      'Saved: groups changed; blacklist changed; top n 300 → 10; max short side 2048 px → 512 px',
    );
    expect(text).toContain('`krystal, solo | krystal, solo_focus`');
    // The answer stays short: a few blacklist groups and the searches' sizes; the rest is one click away.
    expect(text).not.toContain('e621 search 1:');
    expect(text).toMatch(/\*\*Blacklist:\*\* \d+ groups: `[^`]+` … and \d+ more/);
    expect(text).toMatch(/2 e621 searches \(\d+\/40, \d+\/40 tags\); \*\*Show full query\*\*/);
    expect(text.length).toBeLessThan(1200);
    const details = await (
      await h.discord.user(alice).button(saved, `querydetail@1:${project.id}`)
    ).waitForOriginal((m) => textOf(m).includes('Full e621 query'));
    expect(details.flags & 64).toBe(64);
    expect(textOf(details)).toMatch(
      /e621 search 1: `krystal solo order:score score:>=30 -animated[^`]* -sketch/,
    );
    expect(textOf(details)).toContain('e621 search 2: `krystal solo_focus');
    expect(textOf(details)).toMatch(/\*\*Blacklist\*\* \(\d+ groups\): `[^`]*\bsketch\b/);
    const query = await storedQuery();
    expect(query.required).toEqual([
      ['krystal', 'solo'],
      ['krystal', 'solo_focus'],
    ]);
    expect(query.blacklist).toContainEqual(['sketch']);
    expect(query.blacklist).not.toContainEqual(['humor']);
    expect(query).toMatchObject({ topN: 10, maxShortSide: 512, minScore: 30 });
    // Each new tag was looked up (e621 wants 3+ characters), paced like every request.
    const lookups = fake.log
      .filter((entry) => entry.path === '/tags/autocomplete.json')
      .map((e) => e.params['search[name_matches]']);
    expect(lookups).toEqual(expect.arrayContaining(['krystal', 'solo', 'solo_focus', 'sketch']));
  }, 60_000);

  it('previews per-group counts, the score at rank N and thumbnails of both ends without downloading', async () => {
    const shown = await reply(bob, 'preview');
    const text = textOf(shown);
    expect(text).toContain('Group 1 `krystal, solo`: **13** posts');
    expect(text).toContain('Group 2 `krystal, solo_focus`: **1** post\n');
    expect(text).toContain('**12** of 14 posts seen pass the filters; a fetch would take **10** (top N 10)');
    expect(text).toContain('Score at rank 10: **930**');
    expect(text).toContain(
      'Near-duplicates and exact copies among them are found after download and dropped',
    );
    expect(text).toContain('Left out among the top ranks: 1 login required, 1 below min area');
    const urls = mediaUrls(shown);
    expect(urls).toHaveLength(8);
    for (const url of urls) expect(url.startsWith(`${fake.url}/data/sample/`)).toBe(true);
    expect(text).toContain('ranks 7–10');
    expect(fileRequests()).toBe(0);
    expect(await h.database.db.select().from(posts)).toEqual([]);
  }, 60_000);

  it('queues one fetch per project and refuses a second while it waits or runs, pointing at it', async () => {
    const queued = await reply(alice, 'fetch');
    expect(queued.content).toContain('Queued a fetch of the top 10 for **Krystal**');
    expect(queued.content).toContain(`<#${thread.id}>`);

    const notOwner = await reply(bob, 'fetch');
    expect(notOwner.content).toContain('Only the project owner');
    const waiting = await reply(alice, 'fetch');
    expect(waiting.content).toContain('A fetch of **Krystal** is already queued (it is next in line');

    pacer.close();
    startWorker();
    const status = await eventually(() => {
      const [message] = fetchMessages('### Fetch · Krystal');
      expect(message).toBeDefined();
      return message!;
    }, 20_000);
    expect(textOf(status)).toContain('searching e621');
    await eventually(async () => {
      const job = await h.jobs.inspect('fetch', `fetch-${project.id}-1`);
      expect(statusMessageOf(job?.progress)).toEqual({ channelId: thread.id, messageId: status.id });
    });

    const running = await reply(alice, 'fetch');
    expect(running.content).toContain('A fetch of **Krystal** is already running (run #');
    expect(running.content).toContain(`/channels/${h.discord.guildId}/${thread.id}/${status.id}`);
    pacer.open();
  }, 60_000);

  it('keeps one progress message, edited every few seconds, then posts a summary with reasons and duplicate pairs', async () => {
    const summary = await eventually(() => {
      const [message] = fetchMessages('## Fetched · Krystal');
      expect(message).toBeDefined();
      return message!;
    }, 90_000);
    const [status, ...others] = fetchMessages('### Fetch · Krystal');
    expect(others).toEqual([]);
    expect(textOf(status!)).toContain('✅ done');
    expect(textOf(status!)).toContain(
      '**10** taken of 12 matching (2 skipped before download) · **10** downloaded · **10** stored · **1** duplicates',
    );
    expect(status!.history.length).toBeGreaterThanOrEqual(1);
    expect(textOf(status!.history[0]!)).toContain('searching e621');
    // Twenty-odd progress events (two per image), a handful of edits.
    const edits = h.discord.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith(`/messages/${status!.id}`),
    );
    expect(edits.length).toBe(status!.history.length);
    expect(edits.length).toBeLessThan(10);

    const text = textOf(summary);
    // Every number named, each step from the one before: 12 = 10 + 2, 10 = 10 + 0, 9 = 10 − 1.
    expect(text).toContain(
      '**10** taken of 12 matching (2 skipped before download: 1 login required, 1 below min area) → ' +
        '**10** stored (10 downloaded and resized, 0 already stored) → **9** ready for the vote (1 near-duplicate dropped)',
    );
    expect(text).toContain('`/lora prune` posts the 9 ready images for everyone to vote.');
    expect(text).toContain('Skipped (2): 1 login required, 1 below min area');
    expect(text).toContain(`[#210](<${fake.url}/posts/210>) login required`);
    expect(text).toContain('Duplicates (1)');
    expect(text).toMatch(
      /\[#230\]\(<[^>]+>\) looks like \[#100\]\(<[^>]+>\) \(perceptual hashes \d+ of 64 bits apart\): kept #100/,
    );
    expect(text).toContain(`requested by <@${alice.id}>`);
    expect(summary.flags & 64).toBe(0);
  }, 120_000);

  it('records posts, candidates and resized images in Postgres and on disk', async () => {
    const db = h.database.db;
    const stored = await db.select().from(posts);
    expect(stored.map((p) => p.id).sort((a, b) => a - b)).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107, 200, 210, 220, 230,
    ]);
    const focus = stored.find((p) => p.id === 200);
    expect(focus?.score).toBe(985);
    expect(focus?.tags.character).toEqual(['krystal']);
    const candidates = await db
      .select()
      .from(projectCandidates)
      .where(eq(projectCandidates.projectId, project.id));
    expect(candidates.filter((c) => c.status === 'candidate')).toHaveLength(9);
    expect(candidates.filter((c) => c.status === 'duplicate').map((c) => [c.postId, c.duplicateOf])).toEqual([
      [230, 100],
    ]);
    for (const candidate of candidates) {
      const path = join(h.dataDir, candidate.imagePath!);
      await access(path);
      const meta = await sharp(path).metadata();
      expect(Math.min(meta.width, meta.height)).toBeLessThanOrEqual(512);
    }
    const runs = await db.select().from(fetchRuns).where(eq(fetchRuns.projectId, project.id));
    expect(runs.map((run) => run.state)).toEqual(['succeeded']);
  });

  it('fetches again when asked, taking nothing twice', async () => {
    const files = fileRequests();
    const queued = await reply(alice, 'fetch');
    expect(queued.content).toContain('Queued a fetch');
    const second = await eventually(() => {
      const summaries = fetchMessages('## Fetched · Krystal');
      expect(summaries).toHaveLength(2);
      return summaries[1]!;
    }, 60_000);
    expect(textOf(second)).toContain(
      '→ **10** stored (0 downloaded and resized, 10 already stored) → **9** ready for the vote',
    );
    expect(fileRequests()).toBe(files);
    const runs = await h.database.db.select().from(fetchRuns).where(eq(fetchRuns.projectId, project.id));
    expect(runs.map((run) => [run.state, run.jobId])).toEqual([
      ['succeeded', `fetch-${project.id}-1`],
      ['succeeded', `fetch-${project.id}-2`],
    ]);
  }, 90_000);

  it('shows in the thread why a fetch stopped (every post login-blocked), and lets the next one start', async () => {
    const fox = await given.project(h, alice, 'fox_mccloud', 'Fox');
    const set = await h.discord
      .user(alice)
      .slash('lora', { subcommand: 'query', channelId: fox.thread.id, options: { reset: true } });
    expect(textOf(await set.waitForOriginal((m) => textOf(m).includes('Saved'), 30_000))).toContain(
      '`fox_mccloud, solo | fox_mccloud, solo_focus`',
    );
    const queued = await h.discord
      .user(alice)
      .slash('lora', { subcommand: 'fetch', channelId: fox.thread.id });
    expect((await queued.waitForOriginal((m) => m.content.length > 0)).content).toContain('Queued a fetch');
    const stopped = await eventually(() => {
      const message = fox.thread.messages.find((m) => textOf(m).includes('❌ stopped'));
      expect(message).toBeDefined();
      return message!;
    }, 60_000);
    expect(textOf(stopped)).toContain('All 2 posts that pass the filters are login-blocked on e621');
    expect(textOf(stopped)).toContain('E621_API_KEY');
    expect(fox.thread.messages.some((m) => textOf(m).includes('## Fetched'))).toBe(false);
    const runs = await h.database.db.select().from(fetchRuns).where(eq(fetchRuns.projectId, fox.project.id));
    expect(runs.map((run) => run.state)).toEqual(['failed']);
    await eventually(async () => {
      const job = await h.jobs.inspect('fetch', `fetch-${fox.project.id}-1`);
      expect(job?.state).toBe('failed');
    });

    const again = await h.discord
      .user(alice)
      .slash('lora', { subcommand: 'fetch', channelId: fox.thread.id });
    expect((await again.waitForOriginal((m) => m.content.length > 0)).content).toContain('Queued a fetch');
  }, 90_000);

  it('kept the bot and the worker together under e621’s rate limit: no 503, no two API requests within 0.5 s', () => {
    const api = fake.log.filter((entry) => entry.kind === 'api');
    expect(api.length).toBeGreaterThan(10);
    expect(api.filter((entry) => entry.status === 503)).toEqual([]);
    const gaps = api.slice(1).map((entry, i) => entry.at - api[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(api.every((entry) => entry.userAgent?.includes('(by kiln_tester on e621)'))).toBe(true);
  });
});

import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { QueueEvents } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { parseQuery, type ProjectQuery } from '../../../src/core/query/schema.ts';
import { fetchRuns } from '../../../src/db/schema/fetch-runs.ts';
import { guilds } from '../../../src/db/schema/guilds.ts';
import { posts } from '../../../src/db/schema/posts.ts';
import { projectCandidates } from '../../../src/db/schema/project-candidates.ts';
import { projects } from '../../../src/db/schema/projects.ts';
import { E621Client } from '../../../src/e621/client.ts';
import { createPacer } from '../../../src/e621/pacer.ts';
import { createLogger } from '../../../src/log.ts';
import { openRedis } from '../../../src/queue/connection.ts';
import { queueNameForRole } from '../../../src/queue/contracts.ts';
import { createProducer } from '../../../src/queue/producer.ts';
import { createFetchHandler, type FetchProgress, type FetchSummary } from '../../../src/worker/jobs/fetch.ts';
import {
  findLiveFetch,
  findRunningFetch,
  startOrResumeRun,
} from '../../../src/db/repositories/fetch-runs.ts';
import { startWorkerRuntime } from '../../../src/worker/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { freshQueuePrefix, TEST_REDIS_URL } from '../../helpers/redis.ts';
import { given, startFakeE621, type FakeE621 } from '../../fakes/e621/index.ts';

const cache = join(tmpdir(), 'kiln-fake-e621-test-images');
const pacer = createPacer({ minIntervalMs: 600 });
const log = createLogger('silent');
const GUILD = '100000000000000001';
const USER = '200000000000000002';

let database: TestDatabase;
let fake: FakeE621;
let client: E621Client;
let dataDir: string;

const krystalQuery: ProjectQuery = parseQuery({
  required: 'krystal, solo',
  minArea: 0,
  minScore: 0,
  topN: 20,
  maxShortSide: 256,
});

async function givenProject(
  query: ProjectQuery,
  mainTag = `krystal_${Math.random().toString(36).slice(2, 8)}`,
) {
  await database.db.insert(guilds).values({ id: GUILD }).onConflictDoNothing();
  const [project] = await database.db
    .insert(projects)
    .values({
      guildId: GUILD,
      channelId: '300000000000000003',
      ownerId: USER,
      characterName: 'Krystal',
      mainTag,
      query,
    })
    .returning();
  if (!project) throw new Error('no project');
  return project;
}

function context(jobId: string, signal = new AbortController().signal) {
  return { job: { id: jobId } as unknown as Job, log, signal };
}

function handler(reports: FetchProgress[] = [], dir = dataDir) {
  return createFetchHandler({
    db: database.db,
    e621: client,
    dataDir: dir,
    log,
    report: (p) => void reports.push(p),
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function fileRequests(from: number): number {
  return fake.log.slice(from).filter((entry) => entry.kind === 'file').length;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-fetch-job-'));
  fake = await startFakeE621({
    imageCacheDir: cache,
    imageSize: { min: 300, max: 400 },
    posts: [
      ...given.posts(10, { firstId: 100, topScore: 1000 }),
      given.post({ id: 150, score: 905, image: { nearDuplicateOf: 100 } }),
      given.post({ id: 160, score: 995, loginBlocked: true }),
      given.post({ id: 170, score: 990, tags: { character: ['krystal'], general: ['solo', 'comic'] } }),
    ],
  });
  client = new E621Client({
    baseUrl: fake.url,
    user: 'kiln_tester',
    pacer,
    retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
  });
});

afterAll(async () => {
  await fake.close();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the fetch job', () => {
  let projectId: number;
  let first: FetchSummary;
  const reports: FetchProgress[] = [];

  it('stores posts, candidates and resized images, marks duplicates and reports progress', async () => {
    const project = await givenProject(krystalQuery);
    projectId = project.id;
    first = (await handler(reports)({ projectId, requestedBy: USER }, context('job-1'))) as FetchSummary;

    expect(first).toMatchObject({
      phase: 'done',
      found: 11,
      downloaded: 11,
      resized: 11,
      cached: 0,
      skipped: 1,
      skipReasons: { 'login-required': 1 },
      duplicates: 1,
      kept: 10,
      scoreAtRankN: 905,
    });
    expect(
      first.duplicatePairs.map(({ postId, duplicateOf, kind }) => ({ postId, duplicateOf, kind })),
    ).toEqual([{ postId: 150, duplicateOf: 100, kind: 'near' }]);
    expect(first.duplicatePairs[0]?.distance).toBeLessThanOrEqual(4);
    expect(first.skippedPosts).toEqual([{ postId: 160, code: 'login-required', reason: 'login required' }]);
    expect(first.groups).toEqual([{ group: 0, tags: ['krystal', 'solo'], matched: 12, complete: true }]);

    const phases = [...new Set(reports.map((report) => report.phase))];
    expect(phases).toEqual(['searching', 'downloading', 'deduplicating', 'done']);
    const downloaded = reports.map((report) => report.downloaded);
    expect(downloaded).toEqual([...downloaded].sort((a, b) => a - b));

    const postRows = await database.db.select().from(posts);
    expect(postRows.map((row) => row.id).sort()).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 150, 160,
    ]);
    const krystal = postRows.find((row) => row.id === 100);
    expect(krystal).toMatchObject({
      score: 1000,
      rating: 's',
      fileExt: 'png',
      tags: { character: ['krystal'] },
    });
    expect(postRows.find((row) => row.id === 160)?.fileUrl).toBeNull();

    const candidates = await database.db
      .select()
      .from(projectCandidates)
      .where(eq(projectCandidates.projectId, projectId));
    expect(candidates).toHaveLength(11);
    expect(candidates.filter((row) => row.status === 'candidate')).toHaveLength(10);
    const duplicate = candidates.find((row) => row.postId === 150);
    expect(duplicate).toMatchObject({ status: 'duplicate', duplicateOf: 100, duplicateKind: 'near' });
    const top = candidates.find((row) => row.postId === 100)!;
    expect(top.rank).toBe(1);
    expect(top.imagePath).toMatch(/^images\/s256\/[0-9a-f]{2}\/[0-9a-f]{32}\.png$/);
    const meta = await sharp(join(dataDir, top.imagePath!)).metadata();
    expect(Math.min(meta.width, meta.height)).toBe(256);
    expect([top.width, top.height]).toEqual([meta.width, meta.height]);

    const [run] = await database.db.select().from(fetchRuns).where(eq(fetchRuns.projectId, projectId));
    expect(run).toMatchObject({ state: 'succeeded', jobId: 'job-1', requestedBy: USER, error: null });
    expect(run?.summary).toMatchObject({ kept: 10, duplicates: 1 });
    expect(await findRunningFetch(database.db, projectId)).toBeNull();
  });

  it('downloads nothing when fetched again', async () => {
    const start = fake.log.length;
    const again = (await handler()({ projectId, requestedBy: USER }, context('job-2'))) as FetchSummary;
    expect(again).toMatchObject({
      found: 11,
      downloaded: 0,
      resized: 0,
      cached: 11,
      duplicates: 1,
      kept: 10,
    });
    expect(fileRequests(start)).toBe(0);
    const rows = await database.db
      .select()
      .from(projectCandidates)
      .where(eq(projectCandidates.projectId, projectId));
    expect(rows).toHaveLength(11);
  });

  it('refuses a second fetch while one runs, naming the running one', async () => {
    const { run } = await startOrResumeRun(database.db, {
      projectId,
      jobId: 'job-elsewhere',
      requestedBy: USER,
      query: krystalQuery,
    });
    try {
      await handler()({ projectId, requestedBy: USER }, context('job-3'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('already-running');
      expect((error as UserError).message).toContain(`run #${run.id}`);
      expect((error as UserError).message).toContain(`<@${USER}>`);
    } finally {
      await database.db.update(fetchRuns).set({ state: 'failed' }).where(eq(fetchRuns.id, run.id));
    }
  });

  it('takes over a run whose worker stopped beating', async () => {
    const stale = new Date(Date.now() - 60 * 60 * 1000);
    const { run } = await startOrResumeRun(database.db, {
      projectId,
      jobId: 'job-dead',
      requestedBy: USER,
      query: krystalQuery,
      now: stale,
    });
    // The bot's /lora fetch and /lora query ask the same question the job does.
    expect(await findRunningFetch(database.db, projectId)).toMatchObject({ id: run.id });
    expect(await findLiveFetch(database.db, projectId)).toBeNull();
    const summary = (await handler()({ projectId, requestedBy: USER }, context('job-4'))) as FetchSummary;
    expect(summary.found).toBe(11);
    const [dead] = await database.db.select().from(fetchRuns).where(eq(fetchRuns.id, run.id));
    expect(dead).toMatchObject({ state: 'failed', error: 'abandoned: its worker stopped' });
  });

  it('continues its own run when the job is retried, fetching only what is missing', async () => {
    const project = await givenProject(krystalQuery);
    const { run } = await startOrResumeRun(database.db, {
      projectId: project.id,
      jobId: 'job-5',
      requestedBy: USER,
      query: krystalQuery,
    });
    // The first attempt died after storing some images: they are in the shared cache already.
    const [lost] = await database.db
      .select()
      .from(projectCandidates)
      .where(and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.postId, 105)));
    await rm(join(dataDir, lost!.imagePath!));
    const start = fake.log.length;
    const summary = (await handler()(
      { projectId: project.id, requestedBy: USER },
      context('job-5'),
    )) as FetchSummary;
    expect(summary.runId).toBe(run.id);
    expect(summary).toMatchObject({ downloaded: 1, cached: 10 });
    expect(fileRequests(start)).toBe(1);
    expect(await exists(join(dataDir, lost!.imagePath!))).toBe(true);
  });

  it('marks the run failed with the reason when the query finds nothing', async () => {
    const project = await givenProject(
      parseQuery({ required: 'krystal, nothing_has_this', minArea: 0, minScore: 0 }),
    );
    const reports: FetchProgress[] = [];
    await expect(
      handler(reports)({ projectId: project.id, requestedBy: USER }, context('job-6')),
    ).rejects.toThrow(/No post matches the query/);
    const [run] = await database.db.select().from(fetchRuns).where(eq(fetchRuns.projectId, project.id));
    expect(run?.state).toBe('failed');
    expect(run?.error).toMatch(/Group 1 \("krystal, nothing_has_this"\) found nothing/);
    expect(reports.at(-1)).toMatchObject({ phase: 'failed' });
  });

  it('runs as a BullMQ job on the worker runtime and returns its summary', async () => {
    const project = await givenProject(krystalQuery);
    const prefix = freshQueuePrefix();
    const connection = openRedis(TEST_REDIS_URL);
    const events = new QueueEvents(queueNameForRole('fetch'), {
      connection: openRedis(TEST_REDIS_URL),
      prefix,
    });
    const runtime = startWorkerRuntime({
      roles: ['fetch'],
      handlers: { fetch: handler() },
      connection,
      prefix,
      log,
    });
    const producer = createProducer(connection, prefix);
    try {
      await events.waitUntilReady();
      const jobId = await producer.enqueue('fetch', { projectId: project.id, requestedBy: USER });
      const result = await new Promise<unknown>((resolve, reject) => {
        events.on('completed', ({ jobId: done, returnvalue }) => {
          if (done === jobId) resolve(returnvalue);
        });
        events.on('failed', ({ jobId: failed, failedReason }) => {
          if (failed === jobId) reject(new Error(failedReason));
        });
      });
      expect(result).toMatchObject({ phase: 'done', found: 11, cached: 11, kept: 10 });
      const [run] = await database.db.select().from(fetchRuns).where(eq(fetchRuns.projectId, project.id));
      expect(run).toMatchObject({ state: 'succeeded', jobId });
    } finally {
      await producer.close();
      await runtime.close();
      await events.close();
      await connection.quit();
    }
  });
});

import { DiscordAPIError } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { DiscordPoster, OutgoingMessage } from '../../src/notify/discord-rest.ts';
import type { JobStatusProgress } from '../../src/queue/job-progress.ts';
import { fetchSummaryMessage } from '../../src/views/fetch-messages.ts';
import { createFetchReporter, type ReportingJob } from '../../src/worker/fetch-reporter.ts';
import type { FetchProgress, FetchSummary } from '../../src/worker/jobs/fetch.ts';
import { checkMessageBody, LIMITS, MessageFlag } from '../fakes/discord/validation.ts';

const THREAD = '500000000000000001';
const log = createLogger('silent');

interface Sent {
  kind: 'post' | 'edit';
  channelId: string;
  messageId: string;
  text: string;
}

function textOf(message: OutgoingMessage): string {
  return JSON.stringify(message.body.components);
}

function recordingPoster(options: { failEdits?: Error } = {}): DiscordPoster & { sent: Sent[] } {
  const sent: Sent[] = [];
  let next = 900000000000000000n;
  return {
    sent,
    post(channelId, message) {
      next += 1n;
      sent.push({ kind: 'post', channelId, messageId: String(next), text: textOf(message) });
      return Promise.resolve(String(next));
    },
    edit(channelId, messageId, message) {
      if (options.failEdits) return Promise.reject(options.failEdits);
      sent.push({ kind: 'edit', channelId, messageId, text: textOf(message) });
      return Promise.resolve();
    },
  };
}

function job(progress: unknown = 0): ReportingJob & { updates: JobStatusProgress[] } {
  const updates: JobStatusProgress[] = [];
  return {
    data: { requestedBy: '400000000000000001' },
    progress,
    updates,
    updateProgress(value) {
      updates.push(value);
      return Promise.resolve();
    },
  };
}

function progress(overrides: Partial<FetchProgress> = {}): FetchProgress {
  return {
    runId: 7,
    projectId: 3,
    phase: 'downloading',
    found: 300,
    downloaded: 0,
    resized: 0,
    cached: 0,
    skipped: 0,
    skipReasons: {},
    skippedBeforeDownload: {},
    notStored: {},
    duplicates: 0,
    ...overrides,
  };
}

function summary(overrides: Partial<FetchSummary> = {}): FetchSummary {
  return {
    ...progress(),
    phase: 'done',
    downloaded: 300,
    resized: 300,
    kept: 298,
    duplicates: 2,
    groups: [{ group: 0, tags: ['krystal', 'solo'], matched: 1200, complete: false }],
    scoreAtRankN: 87,
    duplicatePairs: [
      { postId: 11, duplicateOf: 10, kind: 'exact', distance: 0 },
      { postId: 13, duplicateOf: 12, kind: 'near', distance: 3 },
    ],
    skippedPosts: [],
    warnings: [],
    ...overrides,
  };
}

const findThread = () => Promise.resolve({ channelId: THREAD, characterName: 'Krystal' });
const postUrl = (id: number) => `https://e621.net/posts/${id}`;

describe('the fetch reporter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps one status message, edited at most once per interval however many events arrive, then posts a summary', async () => {
    const poster = recordingPoster();
    const theJob = job();
    const reporter = createFetchReporter({ poster, findThread, job: theJob, log, postUrl, intervalMs: 3000 });

    await reporter.report(progress({ phase: 'searching', found: 0 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(poster.sent.map((s) => s.kind)).toEqual(['post']);
    const statusId = poster.sent[0]!.messageId;
    expect(theJob.updates).toEqual([{ statusMessage: { channelId: THREAD, messageId: statusId }, runId: 7 }]);

    for (let i = 1; i <= 200; i++) {
      await reporter.report(progress({ downloaded: i, resized: i - 1 }));
      await vi.advanceTimersByTimeAsync(10);
    }
    // 200 events over 2 s: no edit yet, then one with the latest counts once 3 s have passed.
    expect(poster.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(poster.sent.map((s) => s.kind)).toEqual(['post', 'edit']);
    expect(poster.sent[1]!.text).toContain('**200** downloaded · **199** stored');

    await reporter.report(summary());
    expect(poster.sent.map((s) => [s.kind, s.messageId === statusId])).toEqual([
      ['post', true],
      ['edit', true],
      ['edit', true],
      ['post', false],
    ]);
    expect(poster.sent[2]!.text).toContain('✅ done');
    expect(poster.sent[3]!.text).toContain(
      '**300** taken of 300 matching → **300** stored (300 downloaded and resized, 0 already stored) → ' +
        '**298** ready for the vote (1 near-duplicate and 1 exact copy dropped)',
    );
    await reporter.close();
    expect(poster.sent).toHaveLength(4);
  });

  it('edits the message of an earlier attempt when the job is retried', async () => {
    const poster = recordingPoster();
    const earlier = { statusMessage: { channelId: THREAD, messageId: '800000000000000001' }, runId: 7 };
    const reporter = createFetchReporter({ poster, findThread, job: job(earlier), log, postUrl });
    await reporter.report(progress({ phase: 'searching' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(poster.sent).toEqual([expect.objectContaining({ kind: 'edit', messageId: '800000000000000001' })]);
    await reporter.close();
  });

  it('posts a new status message when a moderator deleted the old one', async () => {
    const deleted = new DiscordAPIError(
      { code: 10008, message: 'Unknown Message' },
      10008,
      404,
      'PATCH',
      'https://discord.com/api/v10/channels/x/messages/y',
      {},
    );
    const poster = recordingPoster({ failEdits: deleted });
    const theJob = job({ statusMessage: { channelId: THREAD, messageId: '800000000000000001' } });
    const reporter = createFetchReporter({ poster, findThread, job: theJob, log, postUrl });
    await reporter.report(progress({ phase: 'searching' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(poster.sent.map((s) => s.kind)).toEqual(['post']);
    expect(theJob.updates[0]!.statusMessage.messageId).toBe(poster.sent[0]!.messageId);
    await reporter.close();
  });

  it('shows why a fetch stopped, at once, without a summary', async () => {
    const poster = recordingPoster();
    const reporter = createFetchReporter({ poster, findThread, job: job(), log, postUrl });
    await reporter.report(progress({ phase: 'searching' }));
    await reporter.report(
      progress({ phase: 'failed', error: 'e621 did not answer GET /posts.json properly' }),
    );
    // The latest state wins: the searching state never got its turn.
    expect(poster.sent.map((s) => s.kind)).toEqual(['post']);
    expect(poster.sent[0]!.text).toContain('❌ stopped');
    expect(poster.sent[0]!.text).toContain('e621 did not answer');
    await reporter.report(progress({ phase: 'searching' }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(poster.sent).toHaveLength(1);
  });

  it('posts nothing for a project without a thread', async () => {
    const poster = recordingPoster();
    const reporter = createFetchReporter({
      poster,
      findThread: () => Promise.resolve(null),
      job: job(),
      log,
      postUrl,
    });
    await reporter.report(progress());
    await reporter.report(summary());
    await vi.advanceTimersByTimeAsync(5000);
    expect(poster.sent).toEqual([]);
  });
});

describe('the fetch summary', () => {
  it('stays within Discord’s limits with hundreds of skipped posts and duplicate pairs', () => {
    const many = summary({
      skipped: 700,
      skipReasons: { 'login-required': 400, 'too-small': 300 },
      skippedPosts: Array.from({ length: 700 }, (_, i) => ({
        postId: 100_000 + i,
        code: i < 400 ? ('login-required' as const) : ('too-small' as const),
        reason: i < 400 ? 'login required' : `${i}×${i} = ${i * i} px < 589824`,
      })),
      duplicatePairs: Array.from({ length: 300 }, (_, i) => ({
        postId: 200_000 + i,
        duplicateOf: 300_000 + i,
        kind: 'near' as const,
        distance: i % 9,
      })),
      warnings: ['Group 1 ("krystal, solo") has more than 750 pages; e621 serves no more with score order.'],
    });
    const body = fetchSummaryMessage(many, {
      characterName: 'Krystal',
      postUrl,
      requestedBy: '400000000000000001',
    });
    expect(
      checkMessageBody(body as Record<string, unknown>, {
        flags: MessageFlag.IsComponentsV2,
        attachmentNames: [],
      }),
    ).toEqual([]);
    const text = JSON.stringify(body.components);
    expect(text).toContain('Skipped (700): 400 login required, 300 below min area');
    expect(text).toContain('…and 690 more');
    expect(text).toContain('…and 290 more');
    expect(body.allowed_mentions).toEqual({ parse: [], users: ['400000000000000001'] });
    // Discord counts every Text Display of a V2 message toward one 4000-character budget.
    const texts = [...text.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map(
      (m) => JSON.parse(`"${m[1]}"`) as string,
    );
    expect(texts.join('').length).toBeLessThanOrEqual(LIMITS.textDisplayContent);
  });
});

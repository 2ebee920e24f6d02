import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import type { Logger } from '../log.ts';
import type { DiscordPoster } from '../notify/discord-rest.ts';
import { createThrottledStatus, type ThrottledStatus } from '../notify/throttled-status.ts';
import { jobStatusMessage, type StatusMessageSend } from '../notify/job-status-message.ts';
import type { JobStatusProgress } from '../queue/job-progress.ts';
import { fetchProgressMessage, fetchSummaryMessage } from '../views/fetch-messages.ts';
import type { FetchProgress, FetchSummary } from './jobs/fetch.ts';

/**
 * Turns the fetch job's progress callbacks into Discord messages in the project's thread: one status
 * message edited every few seconds (never per file), then a summary. The status message's id goes into the
 * job's progress, so a retry edits the same message and the bot can point at it.
 */

/** Discord rate-limits edits per channel; every few seconds is lively enough for a download. */
export const DEFAULT_STATUS_INTERVAL_MS = 3000;

/** The part of a BullMQ job the reporter uses. */
export interface ReportingJob {
  data: { requestedBy?: string | undefined };
  progress: unknown;
  updateProgress(progress: JobStatusProgress): Promise<void>;
}

/** Where a project's messages go, and the name they show. */
export interface ReportTarget {
  channelId: string;
  characterName: string;
}

export interface FetchReporterOptions {
  poster: DiscordPoster;
  /** The project's thread, or null when it has none (then nothing is posted). */
  findThread: (projectId: number) => Promise<ReportTarget | null>;
  job: ReportingJob;
  log: Logger;
  /** e621's page for a post, for links in the summary. */
  postUrl: (postId: number) => string;
  intervalMs?: number | undefined;
}

export interface FetchReporter {
  /** Pass as the fetch job's `report`: throttles progress, and posts the summary when the job is done. */
  report(progress: FetchProgress): Promise<void>;
  /** Sends the last state still waiting for its turn. */
  close(): Promise<void>;
}

function isSummary(progress: FetchProgress): progress is FetchSummary {
  return progress.phase === 'done' && 'kept' in progress;
}

export function createFetchReporter(options: FetchReporterOptions): FetchReporter {
  const { poster, log, job } = options;
  let target: ReportTarget | null | undefined;
  let status: ThrottledStatus<FetchProgress> | null = null;
  let latest: FetchProgress | null = null;
  let finished = false;

  let sending: FetchProgress | null = null;
  let sendStatus: StatusMessageSend | null = null;
  const send = (where: ReportTarget, state: FetchProgress, messageId: string | null): Promise<string> => {
    sending = state;
    sendStatus ??= jobStatusMessage({
      poster,
      channelId: where.channelId,
      job,
      progressExtra: () => (sending ? { runId: sending.runId } : {}),
    });
    return sendStatus({ body: fetchProgressMessage(where.characterName, state) }, messageId);
  };

  const statusFor = (where: ReportTarget): ThrottledStatus<FetchProgress> =>
    (status ??= createThrottledStatus<FetchProgress>({
      intervalMs: options.intervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
      send: (state, messageId) => send(where, state, messageId),
      onError: (error) => log.warn({ err: error }, 'could not update the fetch status message'),
    }));

  return {
    async report(progress) {
      if (target === undefined) {
        target = await options.findThread(progress.projectId);
        if (target === null)
          log.warn({ projectId: progress.projectId }, 'the project has no thread; progress is not posted');
      }
      if (target === null) return;
      const current = statusFor(target);
      latest = progress;
      if (progress.phase !== 'done' && progress.phase !== 'failed') {
        current.update(progress);
        return;
      }
      finished = true;
      await current.finish(progress);
      if (isSummary(progress)) {
        await poster.post(target.channelId, {
          body: fetchSummaryMessage(progress, {
            characterName: target.characterName,
            postUrl: options.postUrl,
            requestedBy: job.data.requestedBy,
          }),
        });
      }
    },
    async close() {
      if (status !== null && latest !== null && !finished) await status.finish(latest);
    },
  };
}

/** The project's thread and name from Postgres: what `findThread` needs in a worker. */
export function projectThreadFinder(db: Db): (projectId: number) => Promise<ReportTarget | null> {
  return async (projectId) => {
    const row = await getProject(db, projectId);
    return row?.threadId ? { channelId: row.threadId, characterName: row.characterName } : null;
  };
}

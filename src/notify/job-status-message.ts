import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import { statusMessageOf, type JobStatusProgress } from '../queue/job-progress.ts';
import type { DiscordPoster, OutgoingMessage } from './discord-rest.ts';

/** The part of a BullMQ job a status message uses: its progress remembers the message. */
export interface StatusMessageJob {
  progress: unknown;
  updateProgress(progress: JobStatusProgress): Promise<void>;
}

export type StatusMessageSend = (message: OutgoingMessage, messageId: string | null) => Promise<string>;

function isUnknownMessage(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage;
}

/**
 * The one status message of a job in a channel, as the `send` of a throttled status: it edits the message
 * (the one an earlier attempt of a retried job posted, too), posts a new one when there is none or a
 * moderator deleted it, and names a new message in the job's progress so the bot can point at it.
 */
export function jobStatusMessage(options: {
  poster: DiscordPoster;
  channelId: string;
  job: StatusMessageJob;
  /** Extra fields the job's progress carries beside the message (the fetch run's id). */
  progressExtra?: () => Omit<JobStatusProgress, 'statusMessage'>;
}): StatusMessageSend {
  const { poster, channelId, job } = options;
  const earlier = statusMessageOf(job.progress);
  return async (message, messageId) => {
    const existing = messageId ?? (earlier?.channelId === channelId ? earlier.messageId : null);
    if (existing !== null) {
      try {
        await poster.edit(channelId, existing, message);
        return existing;
      } catch (error) {
        if (!isUnknownMessage(error)) throw error;
      }
    }
    const created = await poster.post(channelId, message);
    await job.updateProgress({
      statusMessage: { channelId, messageId: created },
      ...options.progressExtra?.(),
    });
    return created;
  };
}

import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { DiscordPoster, OutgoingMessage } from '../../src/notify/discord-rest.ts';
import { jobStatusMessage } from '../../src/notify/job-status-message.ts';
import type { JobStatusProgress } from '../../src/queue/job-progress.ts';

const CHANNEL = '300000000000000001';
const EARLIER = '400000000000000001';

function recordingPoster(options: { deleted?: string[] } = {}) {
  const calls: string[] = [];
  let next = 500000000000000001n;
  const poster: DiscordPoster = {
    post(channelId: string, message: OutgoingMessage) {
      calls.push(`post ${channelId} ${message.body.content ?? ''}`);
      return Promise.resolve(String(next++));
    },
    edit(channelId: string, messageId: string, message: OutgoingMessage) {
      if (options.deleted?.includes(messageId)) {
        return Promise.reject(
          new DiscordAPIError(
            { code: RESTJSONErrorCodes.UnknownMessage, message: 'Unknown Message' },
            RESTJSONErrorCodes.UnknownMessage,
            404,
            'PATCH',
            `/channels/${channelId}/messages/${messageId}`,
            {},
          ),
        );
      }
      calls.push(`edit ${messageId} ${message.body.content ?? ''}`);
      return Promise.resolve();
    },
  };
  return { poster, calls };
}

function job(progress: unknown = {}) {
  const saved: JobStatusProgress[] = [];
  return { progress, saved, updateProgress: (p: JobStatusProgress) => Promise.resolve(void saved.push(p)) };
}

describe('a job status message', () => {
  it('is posted once, named in the job progress, then edited', async () => {
    const { poster, calls } = recordingPoster();
    const theJob = job();
    const send = jobStatusMessage({
      poster,
      channelId: CHANNEL,
      job: theJob,
      progressExtra: () => ({ runId: 7 }),
    });
    const id = await send({ body: { content: 'one' } }, null);
    expect(await send({ body: { content: 'two' } }, id)).toBe(id);
    expect(calls).toEqual([`post ${CHANNEL} one`, `edit ${id} two`]);
    expect(theJob.saved).toEqual([{ statusMessage: { channelId: CHANNEL, messageId: id }, runId: 7 }]);
  });

  it('edits the message an earlier attempt of a retried job posted', async () => {
    const { poster, calls } = recordingPoster();
    const send = jobStatusMessage({
      poster,
      channelId: CHANNEL,
      job: job({ statusMessage: { channelId: CHANNEL, messageId: EARLIER } }),
    });
    expect(await send({ body: { content: 'again' } }, null)).toBe(EARLIER);
    expect(calls).toEqual([`edit ${EARLIER} again`]);
  });

  it('posts a new one when a moderator deleted it', async () => {
    const { poster, calls } = recordingPoster({ deleted: [EARLIER] });
    const theJob = job({ statusMessage: { channelId: CHANNEL, messageId: EARLIER } });
    const send = jobStatusMessage({ poster, channelId: CHANNEL, job: theJob });
    const id = await send({ body: { content: 'back' } }, null);
    expect(id).not.toBe(EARLIER);
    expect(calls).toEqual([`post ${CHANNEL} back`]);
    expect(theJob.saved).toEqual([{ statusMessage: { channelId: CHANNEL, messageId: id } }]);
  });
});

import { z } from 'zod';

/**
 * What a worker reports through BullMQ's job progress, read by the bot to point at a job's status message
 * (e.g. when refusing a second fetch). Redis sits between two deploys, so it is parsed, never trusted.
 */
const snowflake = z.string().regex(/^\d{15,25}$/);

export const jobStatusProgress = z.object({
  statusMessage: z.object({ channelId: snowflake, messageId: snowflake }),
  runId: z.number().int().positive().optional(),
});

export type JobStatusProgress = z.output<typeof jobStatusProgress>;

/** The status message a job's progress names, or null (not posted yet, or another shape). */
export function statusMessageOf(progress: unknown): JobStatusProgress['statusMessage'] | null {
  const parsed = jobStatusProgress.safeParse(progress);
  return parsed.success ? parsed.data.statusMessage : null;
}

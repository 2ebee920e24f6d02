import { z } from 'zod';

/**
 * Typed job contracts shared by the bot (producer) and the worker (consumer). Redis sits between two
 * deploys, so every job is validated again when a worker takes it.
 */

const id = z.number().int().positive();
const snowflake = z.string().regex(/^\d{15,25}$/);

export const jobContracts = {
  /** Query e621 for a project, download, resize, caption and de-duplicate its candidates. */
  fetch: {
    role: 'fetch',
    data: z.object({ projectId: id, requestedBy: snowflake }),
  },
  /** Auto-tag every kept image and crop of a project with the configured ONNX taggers. */
  autotag: {
    role: 'autotag',
    data: z.object({ projectId: id, requestedBy: snowflake }),
  },
  /** Run one LoRA training (one base model) on a GPU worker and deliver the result. */
  train: {
    role: 'train',
    data: z.object({ runId: id, requestedBy: snowflake }),
  },
} as const;

export type JobName = keyof typeof jobContracts;
export type JobData<N extends JobName> = z.output<(typeof jobContracts)[N]['data']>;
export type WorkerRole = (typeof jobContracts)[JobName]['role'];
export const WORKER_ROLES = ['fetch', 'autotag', 'train'] as const satisfies readonly WorkerRole[];

export function jobNamesForRole(role: WorkerRole): JobName[] {
  return (Object.keys(jobContracts) as JobName[]).filter((name) => jobContracts[name].role === role);
}

/** One BullMQ queue per worker role: a machine subscribes to the roles it can serve. */
export function queueNameForRole(role: WorkerRole): string {
  return `kiln-${role}`;
}

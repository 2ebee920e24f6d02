import { z } from 'zod';
import { BASE_MODEL_KINDS } from '../core/training/base-model-kinds.ts';

/**
 * Typed job contracts shared by the bot (producer) and the worker (consumer). Redis sits between two
 * deploys, so every job is validated again when a worker takes it.
 */

const id = z.number().int().positive();
const snowflake = z.string().regex(/^\d{15,25}$/);
const bytes = z.number().int().positive();

/** A base model as the bot resolved it from its list (BASE_MODELS_FILE): an export writes its configs for it. */
const baseModel = z.object({
  name: z.string().min(1).max(100),
  file: z.string().min(1),
  family: z.enum(['sd1', 'sdxl']),
  tagStyle: z.enum(['anime', 'e621']),
  clipSkip: z.number().int().min(1).max(12).optional(),
  prediction: z.enum(['epsilon', 'v']).optional(),
  kind: z.enum(BASE_MODEL_KINDS).optional(),
  promptPrefix: z.string().max(300).optional(),
});

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
  /**
   * Build a finalized dataset's kohya folder zip (`/lora export`) and post it into `channelId`. On the autotag
   * role: that CPU worker reads the finalized dataset and holds the image cache, and zipping is CPU and disk
   * work that must not hold up a GPU (train) or the e621 pacing (fetch). The bot sends the base model it
   * resolved (null: a placeholder), so this worker needs no base-model list of its own.
   */
  export: {
    role: 'autotag',
    lane: 'side',
    data: z.object({
      projectId: id,
      requestedBy: snowflake,
      channelId: snowflake,
      baseModel: baseModel.nullable(),
      preset: z.enum(['full', 'trash']),
      gpuMemoryGb: z.number().positive().nullable(),
      uploadLimitBytes: bytes,
    }),
  },
  /**
   * Post the epoch the owner picked on the vote card (hash, info.txt, file or link) into `channelId`, then
   * close the card `cardMessageId`. On the train role: the GPU worker keeps the epoch files.
   */
  deliverEpoch: {
    role: 'train',
    lane: 'side',
    data: z.object({
      runId: id,
      epoch: z.number().int().positive(),
      deliveredBy: snowflake,
      deliveredByName: z.string().min(1).max(100),
      channelId: snowflake,
      cardMessageId: snowflake,
      uploadLimitBytes: bytes,
    }),
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

/**
 * The queue a job goes to: its role's, or for a `side` job its role's second queue, taken by a worker of its own,
 * so a delivery or an export does not wait behind the hours-long training or tagging that holds the role's slots.
 */
export function queueNameForJob(name: JobName): string {
  const contract: { role: WorkerRole; lane?: 'side' } = jobContracts[name];
  return contract.lane === 'side'
    ? `${queueNameForRole(contract.role)}-side`
    : queueNameForRole(contract.role);
}

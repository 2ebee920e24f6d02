import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobContracts, queueNameForRole, type JobData, type JobName, type WorkerRole } from './contracts.ts';

export interface EnqueueOptions {
  /** Deterministic id: BullMQ ignores a second job with the same id while the first exists. */
  jobId?: string;
  /**
   * When a finished (completed or failed) job still holds `jobId`, remove it first so the id can be used
   * again; BullMQ would otherwise return the old job and queue nothing.
   */
  replaceFinished?: boolean;
}

/** States in which a job still has work ahead of it. */
export const UNFINISHED_JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
] as const;

/** What the bot may learn about a queued job: where it is, and what its worker reported. */
export interface JobInfo {
  id: string;
  /** BullMQ's state: waiting, active, delayed, prioritized, waiting-children, completed, failed, unknown. */
  state: string;
  /** What the worker last passed to `job.updateProgress` (e.g. its status message). */
  progress: unknown;
  /** Date.now() when the job was queued. */
  queuedAt: number;
}

export interface JobProducer {
  enqueue<N extends JobName>(name: N, data: JobData<N>, options?: EnqueueOptions): Promise<string>;
  /** How many jobs wait before this one (0 = next). */
  position(name: JobName, jobId: string): Promise<number | null>;
  /** The job with this id, in whatever state, or null when there is none. */
  inspect(name: JobName, jobId: string): Promise<JobInfo | null>;
  cancel(name: JobName, jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createProducer(connection: Redis, prefix = 'kiln'): JobProducer {
  const queues = new Map<WorkerRole, Queue>();
  const queueFor = (name: JobName): Queue => {
    const role = jobContracts[name].role;
    let queue = queues.get(role);
    if (!queue) {
      queue = new Queue(queueNameForRole(role), { connection, prefix });
      queues.set(role, queue);
    }
    return queue;
  };
  return {
    async enqueue(name, data, options = {}) {
      const parsed = jobContracts[name].data.parse(data);
      const jobOptions: JobsOptions = {
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      };
      if (options.jobId) {
        jobOptions.jobId = options.jobId;
        if (options.replaceFinished) {
          const previous = await queueFor(name).getJob(options.jobId);
          const state = previous ? await previous.getState() : null;
          if (previous && (state === 'completed' || state === 'failed')) await previous.remove();
        }
      }
      const job = await queueFor(name).add(name, parsed, jobOptions);
      return job.id ?? '';
    },
    async position(name, jobId) {
      const queue = queueFor(name);
      // getWaiting lists the oldest first: the next job a worker takes is at index 0.
      const waiting = await queue.getWaiting();
      const index = waiting.findIndex((job) => job.id === jobId);
      return index === -1 ? null : index;
    },
    async inspect(name, jobId) {
      const job = await queueFor(name).getJob(jobId);
      if (!job) return null;
      return {
        id: job.id ?? jobId,
        state: await job.getState(),
        progress: job.progress,
        queuedAt: job.timestamp,
      };
    },
    async cancel(name, jobId) {
      const job = await queueFor(name).getJob(jobId);
      if (!job) return false;
      const state = await job.getState();
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        await job.remove();
        return true;
      }
      return false;
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}

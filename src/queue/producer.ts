import { UserError } from '../core/errors.ts';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobContracts, queueNameForJob, type JobData, type JobName } from './contracts.ts';

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

/** How long the bot waits for the queue before it tells the user to try again (Discord waits 15 minutes). */
export const QUEUE_ANSWER_TIMEOUT_MS = 3000;

/** Said when Redis is down: the job was not queued, and nothing starts later behind the user's back. */
export const QUEUE_UNAVAILABLE_MESSAGE =
  "Kiln's job queue is not answering right now, so nothing was queued and nothing will start later. Try again in a minute.";

export function queueUnavailable(): UserError {
  return new UserError('service-unavailable', QUEUE_UNAVAILABLE_MESSAGE);
}

/** Errors ioredis raises when Redis is unreachable or a command was not answered in time. */
const CONNECTION_FAILURE =
  /timed out|writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i;

/**
 * The job producer, bounded: each call first waits (briefly) for a ready connection and otherwise refuses,
 * so no command is buffered to run when Redis returns. Give it a connection opened with
 * `openProducerRedis` (no offline queue, a command timeout) so a call that was sent cannot hang either.
 */
export function createProducer(
  connection: Redis,
  prefix = 'kiln',
  timeoutMs = QUEUE_ANSWER_TIMEOUT_MS,
): JobProducer {
  const direct = createDirectProducer(connection, prefix);
  const bounded = async <R>(call: () => Promise<R>): Promise<R> => {
    await waitUntilReady(connection, timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(queueUnavailable()), timeoutMs);
        }),
      ]);
    } catch (error) {
      if (error instanceof Error && !(error instanceof UserError) && CONNECTION_FAILURE.test(error.message)) {
        throw queueUnavailable();
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    enqueue: (name, data, options) => bounded(() => direct.enqueue(name, data, options)),
    position: (name, jobId) => bounded(() => direct.position(name, jobId)),
    inspect: (name, jobId) => bounded(() => direct.inspect(name, jobId)),
    cancel: (name, jobId) => bounded(() => direct.cancel(name, jobId)),
    close: () => direct.close(),
  };
}

/** Resolves once `connection` is ready; refuses at once while it reconnects, or after `timeoutMs`. */
async function waitUntilReady(connection: Redis, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return;
  // A connection still making its first attempt may be ready in a moment; a lost one is not.
  if (connection.status !== 'connecting' && connection.status !== 'connect' && connection.status !== 'wait') {
    throw queueUnavailable();
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      reject(queueUnavailable());
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    connection.once('ready', onReady);
  });
}

function createDirectProducer(connection: Redis, prefix: string): JobProducer {
  const queues = new Map<string, Queue>();
  const queueFor = (name: JobName): Queue => {
    const queueName = queueNameForJob(name);
    let queue = queues.get(queueName);
    if (!queue) {
      queue = new Queue(queueName, { connection, prefix });
      queues.set(queueName, queue);
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

import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobContracts, queueNameForRole, type JobData, type JobName, type WorkerRole } from './contracts.ts';

export interface EnqueueOptions {
  /** Deterministic id: BullMQ ignores a second job with the same id while the first exists. */
  jobId?: string;
}

export interface JobProducer {
  enqueue<N extends JobName>(name: N, data: JobData<N>, options?: EnqueueOptions): Promise<string>;
  /** How many jobs wait before this one (0 = next). */
  position(name: JobName, jobId: string): Promise<number | null>;
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
      if (options.jobId) jobOptions.jobId = options.jobId;
      const job = await queueFor(name).add(name, parsed, jobOptions);
      return job.id ?? '';
    },
    async position(name, jobId) {
      const queue = queueFor(name);
      const waiting = await queue.getWaiting();
      const index = waiting.reverse().findIndex((job) => job.id === jobId);
      return index === -1 ? null : index;
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

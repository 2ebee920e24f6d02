import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import {
  jobContracts,
  jobNamesForRole,
  queueNameForJob,
  queueNameForRole,
  type JobData,
  type JobName,
  type WorkerRole,
} from '../queue/contracts.ts';
import { isUserError } from '../core/errors.ts';

export interface JobContext {
  job: Job;
  log: Logger;
  /** Aborted when the worker shuts down or the job is cancelled. */
  signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (data: JobData<N>, context: JobContext) => Promise<unknown>;
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

export interface WorkerRuntimeOptions {
  roles: readonly WorkerRole[];
  handlers: JobHandlers;
  connection: Redis;
  prefix?: string;
  log: Logger;
  /** Concurrency per role; training is always one at a time per GPU. */
  concurrency?: Partial<Record<WorkerRole, number>>;
}

export interface WorkerRuntime {
  close(): Promise<void>;
}

export class MissingHandlerError extends Error {
  constructor(readonly missing: string[]) {
    super(`No handler registered for job(s): ${missing.join(', ')}`);
  }
}

/** Starts one BullMQ worker per configured role; refuses to start when a job of a role has no handler. */
export function startWorkerRuntime(options: WorkerRuntimeOptions): WorkerRuntime {
  const missing = options.roles.flatMap((role) =>
    jobNamesForRole(role).filter((name) => options.handlers[name] === undefined),
  );
  if (missing.length > 0) throw new MissingHandlerError(missing);

  const controllers = new Set<AbortController>();
  // A role's main queue, plus its side queue when it has side jobs (queueNameForJob).
  const queues = options.roles.flatMap((role) =>
    [...new Set([queueNameForRole(role), ...jobNamesForRole(role).map(queueNameForJob)])].map((name) => ({
      role,
      name,
      side: name !== queueNameForRole(role),
    })),
  );
  const workers = queues.map(({ role, name: queueName, side }) => {
    const worker = new Worker(
      queueName,
      async (job) => {
        const name = job.name as JobName;
        const log = options.log.child({ job: job.id, jobName: name, attempt: job.attemptsMade + 1 });
        const contract = jobContracts[name] as (typeof jobContracts)[JobName] | undefined;
        const handler = options.handlers[name] as JobHandler<JobName> | undefined;
        if (!contract || !handler) throw new UnrecoverableError(`Unknown job "${job.name}" on ${role}`);
        const parsed = contract.data.safeParse(job.data);
        if (!parsed.success) {
          log.error({ issues: parsed.error.issues }, 'job data does not match its contract');
          throw new UnrecoverableError(`Invalid data for job ${name}: ${parsed.error.message}`);
        }
        const controller = new AbortController();
        controllers.add(controller);
        try {
          log.info('job started');
          const result = await handler(parsed.data, { job, log, signal: controller.signal });
          log.info('job finished');
          return result;
        } catch (error) {
          // The one error boundary per job: a user-level failure will not get better with a retry.
          if (isUserError(error)) {
            log.warn({ code: error.code }, error.message);
            throw new UnrecoverableError(error.message);
          }
          log.error({ err: error }, 'job failed');
          throw error;
        } finally {
          controllers.delete(controller);
        }
      },
      {
        connection: options.connection,
        prefix: options.prefix ?? 'kiln',
        // Side jobs (a delivery, an export) one at a time beside the role's own slots.
        concurrency: side ? 1 : (options.concurrency?.[role] ?? (role === 'train' ? 1 : 2)),
      },
    );
    worker.on('error', (error) => options.log.error({ err: error, role }, 'worker error'));
    return worker;
  });

  return {
    async close() {
      for (const controller of controllers) controller.abort();
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

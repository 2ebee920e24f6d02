import { setTimeout as sleep } from 'node:timers/promises';

/**
 * e621 asks for at most one request per second over any sustained period (its hard limit is 2/s, answered
 * with 503). A pacer hands out request slots at least `minIntervalMs` apart, in call order.
 */
export interface Pacer {
  /** Resolves when the caller may send its request. Rejects if the signal aborts while waiting. */
  wait(signal?: AbortSignal): Promise<void>;
  readonly minIntervalMs: number;
}

export function createPacer(options: { minIntervalMs: number }): Pacer {
  let queue: Promise<void> = Promise.resolve();
  let lastStart = -Infinity;
  return {
    minIntervalMs: options.minIntervalMs,
    wait(signal) {
      // Turns run one after another, each measured from when the previous one really started, so a late
      // timer (a busy process) can never squeeze two requests closer together.
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      const turn = queue.then(async () => {
        // Timers may fire a fraction of a millisecond early: check again until the interval has passed.
        for (;;) {
          const delay = lastStart + options.minIntervalMs - performance.now();
          if (delay <= 0) break;
          await sleep(Math.ceil(delay));
        }
        lastStart = performance.now();
      });
      queue = turn;
      return untilAborted(turn, signal);
    },
  };
}

/**
 * A caller's turn, given up when its signal aborts: the turn itself stays in the queue (the schedule is shared),
 * only this caller stops waiting for it.
 */
export function untilAborted(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn;
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    turn.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => reject(error as Error),
    );
  });
}

/** One second between requests: e621's recommended sustained rate. */
export const E621_MIN_INTERVAL_MS = 1000;

/**
 * The pacer every e621 client in this process shares unless told otherwise (`kiln bot`, `kiln worker` and
 * `kiln start` use the Redis-shared one of shared-pacer.ts instead, so processes take turns too): autocomplete,
 * previews and fetch jobs together stay under the limit.
 */
export const processPacer: Pacer = createPacer({ minIntervalMs: E621_MIN_INTERVAL_MS });

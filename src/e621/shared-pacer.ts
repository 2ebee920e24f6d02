import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { createPacer, E621_MIN_INTERVAL_MS, untilAborted, type Pacer } from './pacer.ts';

/**
 * e621 counts requests per account and address, not per process: the bot (previews, autocomplete, tag
 * checks) and the worker (fetches) must share one schedule. This pacer claims request slots in Redis
 * under `kiln:e621:<user>`, so every Kiln process of one E621_USER takes turns on one clock (Redis's).
 * Without Redis it falls back to pacing alone at half the rate, with a warning: slower, never faster.
 */

/**
 * Takes the slot if the interval since the last start (by any process) has passed, answering 0; otherwise
 * answers how many ms are left. A slot is taken only at the moment it is used: reserving ahead would let
 * a process that wakes late (a busy event loop) start close to the next one's turn. Redis's clock is the
 * one clock every process agrees on. The key expires once the interval is over.
 */
const CLAIM_SLOT = `
local interval = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[1]))
if last and now < last + interval then return last + interval - now end
redis.call('SET', KEYS[1], string.format('%d', now), 'PX', string.format('%d', interval))
return 0
`;

/**
 * Slots are spaced a little over e621's one second: a start can shift by a few ms between processes
 * (timers, the hop to Redis), and without the margin eleven requests could land inside ten seconds.
 */
export const E621_SHARED_INTERVAL_MS = E621_MIN_INTERVAL_MS + 25;

/** How long a claim may take before Redis counts as unreachable for this request. */
const DEFAULT_REDIS_TIMEOUT_MS = 1000;

export interface SharedPacerOptions {
  redis: Redis;
  /** The e621 account (E621_USER) whose requests share the schedule. */
  user: string;
  minIntervalMs?: number;
  /**
   * Pacing while Redis is unreachable. Each process then paces alone, so the default is twice the
   * interval: a bot and a worker together stay within e621's one request per second on average.
   */
  fallbackIntervalMs?: number;
  redisTimeoutMs?: number;
  log?: Logger | undefined;
}

export function sharedPacerKey(user: string): string {
  return `kiln:e621:${user}`;
}

export function createSharedPacer(options: SharedPacerOptions): Pacer {
  const minIntervalMs = options.minIntervalMs ?? E621_SHARED_INTERVAL_MS;
  const fallback = createPacer({ minIntervalMs: options.fallbackIntervalMs ?? minIntervalMs * 2 });
  const timeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const key = sharedPacerKey(options.user);
  let degraded = false;

  /** Ms to wait before asking again, or 0 once this process holds the slot. */
  async function claim(): Promise<number> {
    const timeout = new AbortController();
    try {
      const answer = await Promise.race([
        options.redis.eval(CLAIM_SLOT, 1, key, String(minIntervalMs)),
        sleep(timeoutMs, undefined, { signal: timeout.signal }).then(() => {
          throw new Error(`no answer from Redis within ${timeoutMs} ms`);
        }),
      ]);
      const waitMs = Number(answer);
      if (!Number.isFinite(waitMs)) throw new Error(`Redis answered ${String(answer)} for a slot`);
      return waitMs;
    } finally {
      timeout.abort();
    }
  }

  /** One turn: ask Redis until the slot is ours; without Redis, take the local pacer's turn instead. */
  async function takeTurn(): Promise<void> {
    for (;;) {
      let waitMs: number;
      try {
        waitMs = await claim();
      } catch (error) {
        if (!degraded) {
          degraded = true;
          options.log?.warn(
            { err: error, key, fallbackIntervalMs: fallback.minIntervalMs },
            'Redis is unreachable: e621 requests are paced by this process alone, at half the rate, until it answers again',
          );
        }
        return fallback.wait();
      }
      if (degraded) {
        degraded = false;
        options.log?.info({ key }, 'Redis answers again: e621 requests share one schedule again');
      }
      if (waitMs <= 0) return;
      await sleep(Math.max(1, Math.ceil(waitMs)));
    }
  }

  // Callers of this process take turns in call order; only the one at the head asks Redis.
  let queue: Promise<void> = Promise.resolve();
  return {
    minIntervalMs,
    wait(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      const turn = queue.then(takeTurn);
      queue = turn.catch(() => undefined);
      return untilAborted(turn, signal);
    },
  };
}

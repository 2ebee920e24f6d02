import { Redis } from 'ioredis';

/** BullMQ workers block on Redis, so retries per request must be unlimited (null). */
export function openRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
}

/** Longest a queue command of the bot may wait for Redis's answer. */
export const PRODUCER_COMMAND_TIMEOUT_MS = 2000;

/**
 * The bot's producer connection: with Redis down a command fails at once instead of waiting in an offline
 * queue (which would run it, unannounced, when Redis returns), and an unanswered one times out.
 */
export function openProducerRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
  });
}

/** Fails fast with a clear message when Redis is not answering at start-up. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } finally {
    probe.disconnect();
  }
}

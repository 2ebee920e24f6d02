import type { Redis } from 'ioredis';
import { openDatabase, type Database } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log.ts';
import { openProducerRedis, openRedis } from '../queue/connection.ts';
import { createProducer, type JobProducer } from '../queue/producer.ts';
import { connectDatabaseOrExplain, connectRedisOrExplain } from '../cli/startup.ts';

export interface Services {
  database: Database;
  redis: Redis;
  jobs: JobProducer;
  log: Logger;
  close(): Promise<void>;
}

/**
 * Connects to Postgres and Redis (one clear error when either is down), migrates under the advisory
 * lock, and opens the job producer. Shared by `kiln bot`, `kiln worker` and `kiln start`.
 */
export async function openServices(config: {
  DATABASE_URL: string;
  REDIS_URL: string;
  LOG_LEVEL: string;
}): Promise<Services> {
  const log = createLogger(config.LOG_LEVEL);
  const database = openDatabase(config.DATABASE_URL);
  try {
    await connectDatabaseOrExplain(database, config.DATABASE_URL);
    await connectRedisOrExplain(config.REDIS_URL);
    await migrateDatabase(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const redis = openRedis(config.REDIS_URL);
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection problem'));
  const producerRedis = openProducerRedis(config.REDIS_URL);
  producerRedis.on('error', (error) => log.warn({ err: error }, 'redis connection problem (job producer)'));
  const jobs = createProducer(producerRedis);
  return {
    database,
    redis,
    jobs,
    log,
    async close() {
      await jobs.close();
      producerRedis.disconnect();
      redis.disconnect();
      await database.close();
    },
  };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}

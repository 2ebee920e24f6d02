import pg from 'pg';
import { Redis } from 'ioredis';
import { TEST_PG_ADMIN_URL } from './helpers/database.ts';
import { TEST_REDIS_URL } from './helpers/redis.ts';

/**
 * Before any test file starts: the suite runs on real PostgreSQL and Redis, so when either is missing the run
 * stops with one line naming it (and how to start it) instead of hundreds of connection failures.
 */
export default async function checkServices(): Promise<void> {
  process.stdout.write(`Kiln tests on Node ${process.version}\n`);
  const missing = (await Promise.all([postgresProblem(), redisProblem()])).filter((line) => line !== null);
  if (missing.length === 0) return;
  process.stderr.write(
    `kiln tests: ${missing.join('; ')}. Start them (bash .ci/run starts both) and run the tests again.\n`,
  );
  process.exit(1);
}

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL is not answering at 127.0.0.1:5432 as user postgres with trust auth (${reason(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblem(): Promise<string | null> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis is not answering at 127.0.0.1:6379 (${reason(error)})`;
  } finally {
    redis.disconnect();
  }
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors[0] instanceof Error) return error.errors[0].message;
  return error instanceof Error ? error.message : String(error);
}

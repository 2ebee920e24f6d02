import { existsSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { CHROMIUM } from './helpers/browser.ts';
import { TEST_PG_ADMIN_URL } from './helpers/database.ts';
import { TEST_REDIS_URL } from './helpers/redis.ts';

/**
 * Before any test file starts: the suite runs on real PostgreSQL, Redis and Chromium, so when one is missing the
 * run stops with one line naming it (and how to get it) instead of hundreds of failures.
 */
export default async function checkServices(): Promise<void> {
  process.stdout.write(`Kiln tests on Node ${process.version}\n`);
  const problem =
    (await missingServices(TEST_PG_ADMIN_URL, TEST_REDIS_URL)) ??
    (existsSync(CHROMIUM)
      ? null
      : `kiln tests: Chromium is not installed at ${CHROMIUM} (the web editor's browser test drives it). Install it (apt-get install -y chromium; bash .ci/run does) and run the tests again.`);
  if (problem === null) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

/** One line naming each service that does not answer, or null when both do. */
export async function missingServices(postgresUrl: string, redisUrl: string): Promise<string | null> {
  const missing = (await Promise.all([postgresProblem(postgresUrl), redisProblem(redisUrl)])).filter(
    (line) => line !== null,
  );
  if (missing.length === 0) return null;
  return `kiln tests: ${missing.join('; ')}. Start them (bash .ci/run starts both) and run the tests again.`;
}

async function postgresProblem(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    const { hostname, port, username } = new URL(url);
    return `PostgreSQL is not answering at ${hostname}:${port} as user ${username} with trust auth (${reason(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblem(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed"; the socket's own error says why.
  let socketError: unknown = null;
  redis.on('error', (error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis is not answering at ${new URL(url).host} (${reason(socketError ?? error)})`;
  } finally {
    redis.disconnect();
  }
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors[0] instanceof Error) return error.errors[0].message;
  return error instanceof Error ? error.message : String(error);
}

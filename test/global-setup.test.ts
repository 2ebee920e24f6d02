import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { missingServices } from './global-setup.ts';
import { TEST_PG_ADMIN_URL } from './helpers/database.ts';
import { TEST_REDIS_URL } from './helpers/redis.ts';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the test run without its services', () => {
  it('says nothing when PostgreSQL and Redis answer', async () => {
    expect(await missingServices(TEST_PG_ADMIN_URL, TEST_REDIS_URL)).toBeNull();
  });

  it('names each missing service in one line', async () => {
    const pgPort = await closedPort();
    const redisPort = await closedPort();
    const line = await missingServices(
      `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      `redis://127.0.0.1:${redisPort}`,
    );
    expect(line).toBe(
      `kiln tests: PostgreSQL is not answering at 127.0.0.1:${pgPort} as user postgres with trust auth ` +
        `(connect ECONNREFUSED 127.0.0.1:${pgPort}); Redis is not answering at 127.0.0.1:${redisPort} ` +
        `(connect ECONNREFUSED 127.0.0.1:${redisPort}). Start them (bash .ci/run starts both) and run the tests again.`,
    );
  });
});

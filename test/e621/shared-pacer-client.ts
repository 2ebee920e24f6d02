import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { readConfig } from '../../src/config/env.ts';
import { createProcessE621Client } from '../../src/e621/process-client.ts';
import { createLogger } from '../../src/log.ts';

/**
 * One "Kiln process" for the shared-pacing test: builds the e621 client the way `kiln bot` and
 * `kiln worker` do (E621_* and REDIS_URL from the environment), says `ready`, waits for `go` on stdin,
 * then makes REQUESTS API requests (searches and autocompletes in turn) against E621_BASE_URL.
 */
const redis = new Redis(readConfig(['redis']).REDIS_URL, { maxRetriesPerRequest: null });
const client = createProcessE621Client(readConfig(['e621']), redis, createLogger('warn'));
if (client === null) throw new Error('E621_USER is not set');
const requests = Number(process.env.REQUESTS ?? '6');
const name = process.env.PROCESS_NAME ?? 'process';

process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'go') {
      lines.close();
      resolve();
    }
  });
});
process.stdin.destroy();
for (let i = 0; i < requests; i++) {
  if (i % 2 === 0) await client.searchPosts(`krystal ${name}_${i}`, 1);
  else await client.autocomplete(`${name}_${i}`);
}
redis.disconnect();

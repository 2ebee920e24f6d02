import type { Redis } from 'ioredis';
import type { ConfigFor } from '../config/env.ts';
import type { Logger } from '../log.ts';
import { createE621Client, type E621Client } from './client.ts';
import { createSharedPacer } from './shared-pacer.ts';

/**
 * The e621 client of a Kiln process (`kiln bot`, `kiln worker`, `kiln start`): its requests take turns
 * with every other process of the same E621_USER through Redis. Null without E621_USER.
 */
export function createProcessE621Client(
  config: ConfigFor<'e621'>,
  redis: Redis,
  log: Logger,
): E621Client | null {
  const user = config.E621_USER?.trim();
  if (!user) return null;
  return createE621Client(config, { log, pacer: createSharedPacer({ redis, user, log }) });
}

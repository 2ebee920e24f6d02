import type { Client } from 'discord.js';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { JobProducer } from '../queue/producer.ts';
import type { PruneRefresher } from './prune-refresher.ts';

/** What every command and component handler may use; passed explicitly, never looked up globally. */
export interface BotContext {
  db: Db;
  jobs: JobProducer;
  log: Logger;
  client: Client;
  /** The data folder shared with the fetch worker (image cache). */
  dataDir: string;
  /** Re-renders gallery and board messages after votes, a few seconds apart. */
  pruneRefresher: PruneRefresher;
}

import type { Client } from 'discord.js';
import type { BaseModel } from '../core/training/plan.ts';
import type { EditorLinkSigner } from '../delivery/editor-links.ts';
import type { LinkSigner } from '../delivery/links.ts';
import type { Db } from '../db/client.ts';
import type { E621Client } from '../e621/client.ts';
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
  /**
   * e621 for tag autocomplete, tag checks and previews (paced with every other e621 request of the
   * process); null when E621_USER is not configured, since e621 wants it in every User-Agent.
   */
  e621: E621Client | null;
  training: BotTrainingOptions;
}

/** What `/lora train` and `/lora export` need besides the database and the queue. */
export interface BotTrainingOptions {
  /** The base models offered on plan cards (BASE_MODELS_FILE); the GPU worker has the same list. */
  baseModels: readonly BaseModel[];
  /** GPU_MEMORY_GB of the training worker, for the batch size on the card (the guide's 24 GB when unset). */
  gpuMemoryGb?: number | undefined;
  /** TRAIN_EPOCH_SAMPLES of the training worker: whether each epoch is sampled (default on), for the estimate. */
  epochSamples?: boolean;
  /** Signs download links to files under `filesDir`; null without PUBLIC_URL and LINK_SECRET. */
  links: LinkSigner | null;
  /** Signs links to the web editor (crops, tags); null without PUBLIC_URL and LINK_SECRET. */
  editorLinks?: EditorLinkSigner | null;
  /** The folder the link server serves: DATA_DIR/models. */
  filesDir: string;
  /** How long a presigned object-store link works (LINK_TTL_HOURS). */
  linkTtlSeconds?: number;
}

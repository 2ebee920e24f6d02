import type { Database } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { JobHandlers } from './runtime.ts';

export interface WorkerDeps {
  database: Database;
  log: Logger;
  env: Record<string, string | undefined>;
}

/** Builds the handler of every job this build of Kiln knows; the runtime refuses roles left without one. */
export function createJobHandlers(_deps: WorkerDeps): JobHandlers {
  return {};
}

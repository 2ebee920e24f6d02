import { ConfigError, readConfig, type ConfigFor } from '../config/env.ts';
import type { WorkerRole } from '../queue/contracts.ts';

/** What a worker's roles need from the environment: read once when the process starts, then handed down. */
export interface WorkerConfig {
  runtime: ConfigFor<'runtime'>;
  tagger: ConfigFor<'tagger'>;
  trainer: ConfigFor<'trainer'>;
  /** Null when E621_USER is not set: a worker that serves the fetch role then refuses to start. */
  e621: ConfigFor<'e621'> | null;
}

export function readWorkerConfig(
  roles: readonly WorkerRole[],
  env: Record<string, string | undefined>,
): WorkerConfig {
  const wantsE621 = roles.includes('fetch') && Boolean(env.E621_USER?.trim());
  // Once over every section first, so one ConfigError names every problem.
  readConfig(wantsE621 ? ['runtime', 'tagger', 'trainer', 'e621'] : ['runtime', 'tagger', 'trainer'], env);
  return {
    runtime: readConfig(['runtime'], env),
    tagger: readConfig(['tagger'], env),
    trainer: readConfig(['trainer'], env),
    e621: wantsE621 ? readConfig(['e621'], env) : null,
  };
}

/** The e621 settings of the fetch role; a ConfigError naming E621_USER when it is missing. */
export function e621ConfigOf(config: WorkerConfig): ConfigFor<'e621'> {
  if (config.e621 === null) {
    throw new ConfigError([
      'E621_USER is required for the fetch role: e621 wants your e621 user name in the User-Agent of every request',
    ]);
  }
  return config.e621;
}

import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config/env.ts';
import type { Database } from '../../src/db/client.ts';
import { createLogger } from '../../src/log.ts';
import type { DiscordPoster } from '../../src/notify/discord-rest.ts';
import { jobNamesForRole } from '../../src/queue/contracts.ts';
import { readWorkerConfig } from '../../src/worker/config.ts';
import { createJobHandlers, workerConfigProblems } from '../../src/worker/handlers.ts';

const log = createLogger('silent');
const poster: DiscordPoster = {
  post: () => Promise.reject(new Error('not in this test')),
  edit: () => Promise.reject(new Error('not in this test')),
};
const database = { db: {}, close: () => Promise.resolve() } as unknown as Database;

describe('the worker configuration', () => {
  it('requires E621_USER only when the worker serves the fetch role', () => {
    const trainer = { SD_SCRIPTS_DIR: '/opt/sd-scripts', BASE_MODELS_FILE: './base-models.json' };
    expect(workerConfigProblems({ WORKER_ROLES: 'fetch,train', ...trainer })).toEqual([
      expect.stringContaining('E621_USER is required for the fetch role'),
    ]);
    expect(workerConfigProblems(trainer)).toEqual([expect.stringContaining('E621_USER is required')]);
    expect(workerConfigProblems({ WORKER_ROLES: 'autotag,train', ...trainer })).toEqual([]);
    expect(workerConfigProblems({ WORKER_ROLES: 'fetch', E621_USER: 'someone' })).toEqual([]);
  });

  it('refuses the train role without SD_SCRIPTS_DIR and BASE_MODELS_FILE, and any role with an unwritable DATA_DIR', () => {
    expect(workerConfigProblems({ WORKER_ROLES: 'train' })).toEqual([
      expect.stringMatching(
        /^SD_SCRIPTS_DIR is required for the train role: .*or leave train out of WORKER_ROLES$/,
      ),
      expect.stringMatching(
        /^BASE_MODELS_FILE is required for the train role: .*or leave train out of WORKER_ROLES$/,
      ),
    ]);
    expect(workerConfigProblems({ WORKER_ROLES: 'autotag', DATA_DIR: '/proc/kiln-data' })).toEqual([
      expect.stringMatching(/^DATA_DIR "\/proc\/kiln-data" cannot be written \(\/proc: /),
    ]);
  });

  it('requires the bot token for posting progress, saying why', () => {
    expect(() => readConfig(['notify'], {})).toThrow(
      /DISCORD_TOKEN is required: the worker posts job progress and results into the project threads/,
    );
    expect(readConfig(['notify'], { DISCORD_TOKEN: 'x', DISCORD_API_URL: 'http://127.0.0.1:9/api' })).toEqual(
      {
        DISCORD_TOKEN: 'x',
        DISCORD_API_URL: 'http://127.0.0.1:9/api',
      },
    );
  });

  it("reads the roles' configuration once, naming what is wrong before any handler is built", () => {
    expect(() =>
      readWorkerConfig(['fetch'], {
        E621_USER: 'someone',
        E621_BASE_URL: 'not a url',
        GPU_MEMORY_GB: 'lots',
      }),
    ).toThrow(/E621_BASE_URL[\s\S]*GPU_MEMORY_GB|GPU_MEMORY_GB[\s\S]*E621_BASE_URL/);
    const config = readWorkerConfig(['autotag', 'train'], { DATA_DIR: '/srv/kiln', GPU_MEMORY_GB: '12' });
    expect(config).toMatchObject({
      runtime: { DATA_DIR: '/srv/kiln' },
      trainer: { GPU_MEMORY_GB: 12 },
      e621: null,
    });
  });

  it('refuses to build the fetch handler without an e621 user name, and builds only the roles served', () => {
    expect(() =>
      createJobHandlers({
        database,
        log,
        config: readWorkerConfig(['fetch'], {}),
        roles: ['fetch'],
        discord: poster,
      }),
    ).toThrow(ConfigError);
    expect(() =>
      createJobHandlers({
        database,
        log,
        config: readWorkerConfig(['fetch'], {}),
        roles: ['fetch'],
        discord: poster,
      }),
    ).toThrow(/E621_USER is required/);
    expect(
      Object.keys(
        createJobHandlers({ database, log, config: readWorkerConfig([], {}), roles: [], discord: poster }),
      ),
    ).toEqual([]);
    expect(
      Object.keys(
        createJobHandlers({
          database,
          log,
          config: readWorkerConfig(['fetch'], { E621_USER: 'someone' }),
          roles: ['fetch'],
          discord: poster,
        }),
      ),
    ).toEqual(['fetch']);
  });

  it('serves the export job with the autotag role and epoch delivery with the train role', () => {
    expect(jobNamesForRole('autotag')).toEqual(['autotag', 'export']);
    expect(jobNamesForRole('train')).toEqual(['train', 'deliverEpoch']);
    const env = {
      DATA_DIR: '.tmp/kiln-handlers',
      SD_SCRIPTS_DIR: 'sd-scripts',
      BASE_MODELS_FILE: 'models.toml',
    };
    expect(
      Object.keys(
        createJobHandlers({
          database,
          log,
          config: readWorkerConfig(['autotag', 'train'], env),
          roles: ['autotag', 'train'],
          discord: poster,
        }),
      ).sort(),
    ).toEqual(['autotag', 'deliverEpoch', 'export', 'train']);
  });
});

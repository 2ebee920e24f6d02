import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config/env.ts';

describe('readConfig', () => {
  it('names every missing or invalid variable in one error', () => {
    try {
      readConfig(['database', 'redis', 'discord'], {
        DATABASE_URL: 'mysql://x',
        DISCORD_APPLICATION_ID: 'abc',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DATABASE_URL must be a postgres/);
      expect(problems).not.toMatch(/REDIS_URL/);
      expect(problems).toMatch(/DISCORD_TOKEN is required/);
      expect(problems).toMatch(/DISCORD_APPLICATION_ID must be the numeric application id/);
    }
  });

  it('applies defaults and parses worker roles', () => {
    const config = readConfig(['database', 'redis', 'runtime', 'worker'], {
      DATABASE_URL: 'postgres://localhost/kiln',
      REDIS_URL: 'redis://localhost:6379',
      WORKER_ROLES: 'fetch, train',
    });
    expect(config.DATA_DIR).toBe('./data');
    expect(config.WORKER_ROLES).toEqual(['fetch', 'train']);
  });

  it('rejects an unknown worker role', () => {
    expect(() =>
      readConfig(['database', 'redis', 'runtime', 'worker'], {
        DATABASE_URL: 'postgres://localhost/kiln',
        REDIS_URL: 'redis://localhost:6379',
        WORKER_ROLES: 'fetch,gpu',
      }),
    ).toThrow(/WORKER_ROLES/);
  });
});

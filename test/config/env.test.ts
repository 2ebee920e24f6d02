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

  it('keeps files under DATA_DIR unless STORAGE=s3, which needs a bucket and its keys', () => {
    expect(readConfig(['storage'], {}).STORAGE).toBe('local');
    try {
      readConfig(['storage'], { STORAGE: 's3', S3_SECRET_ACCESS_KEY: 'hush-hush', S3_BUCKET: 'Bad_Name' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems).toContain('S3_ACCESS_KEY_ID is required when STORAGE=s3');
      expect(problems.join('\n')).toMatch(/S3_BUCKET must be a bucket name .*; got "Bad_Name"/);
      expect(problems.join('\n')).not.toContain('hush-hush');
    }
    const s3 = readConfig(['storage'], {
      STORAGE: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'kiln',
      S3_ACCESS_KEY_ID: 'key',
      S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(s3).toMatchObject({ STORAGE: 's3', S3_REGION: 'us-east-1', S3_BUCKET: 'kiln' });
    expect(() => readConfig(['storage'], { STORAGE: 'ftp' })).toThrow(
      /STORAGE must be local or s3; got "ftp"/,
    );
  });
});

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const kiln = (args: string[], env: Record<string, string>) =>
  execa('node_modules/.bin/tsx', ['src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    extendEnv: false,
    reject: false,
    timeout: 30_000,
  });

describe('kiln start', () => {
  it('without a Discord token names what is missing and exits non-zero, without a stack trace', async () => {
    const result = await kiln(['start'], {});
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('DISCORD_TOKEN is required');
    expect(result.stderr).toContain('DISCORD_APPLICATION_ID is required');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('with PostgreSQL down says so in one line and exits non-zero', async () => {
    const result = await kiln(['start'], {
      DISCORD_TOKEN: 'secret-token-value',
      DISCORD_APPLICATION_ID: '100000000000000001',
      DATABASE_URL: 'postgres://kiln:hunter2@127.0.0.1:1/kiln',
      E621_USER: 'kiln_tester',
      WORKER_ROLES: 'fetch,autotag',
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PostgreSQL is not answering at postgres://kiln:***@127.0.0.1:1/kiln');
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toContain('secret-token-value');
  });

  it('with the object store down says so in one line, without the secret key', async () => {
    const result = await kiln(['worker'], {
      DISCORD_TOKEN: 'secret-token-value',
      WORKER_ROLES: 'autotag',
      STORAGE: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_BUCKET: 'kiln',
      S3_ACCESS_KEY_ID: 'kiln-key',
      S3_SECRET_ACCESS_KEY: 'very-secret-key-value',
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      'kiln: The S3 bucket kiln at http://127.0.0.1:9 does not answer (ECONNREFUSED).',
    );
    expect(result.stderr + result.stdout).not.toContain('very-secret-key-value');
  }, 60_000);

  it('kiln worker without a bot token or an e621 user name names both and starts nothing', async () => {
    const result = await kiln(['worker'], { WORKER_ROLES: 'fetch' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(
      'DISCORD_TOKEN is required: the worker posts job progress and results into the project threads',
    );
    expect(result.stderr).toContain('E621_USER is required for the fetch role');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('with Redis down says so in one line and exits non-zero', async () => {
    const result = await kiln(['worker'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      REDIS_URL: 'redis://127.0.0.1:1',
      DISCORD_TOKEN: 'secret-token-value',
      E621_USER: 'kiln_tester',
      WORKER_ROLES: 'fetch,autotag',
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Redis is not answering at redis://127.0.0.1:1');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('kiln worker with the train role but no SD_SCRIPTS_DIR or BASE_MODELS_FILE refuses to start', async () => {
    const result = await kiln(['worker'], {
      WORKER_ROLES: 'train',
      DISCORD_TOKEN: 'secret-token-value',
      DATA_DIR: '/proc/kiln-data',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('SD_SCRIPTS_DIR is required for the train role');
    expect(result.stderr).toContain('BASE_MODELS_FILE is required for the train role');
    expect(result.stderr).toContain('DATA_DIR "/proc/kiln-data" cannot be written');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("kiln worker refuses the train role with kiln doctor's lines when the box cannot train", async () => {
    const result = await kiln(['worker'], {
      WORKER_ROLES: 'train',
      DISCORD_TOKEN: 'secret-token-value',
      SD_SCRIPTS_DIR: 'test/fakes/sd-scripts',
      // A JSON array: the checkout's path may hold spaces (CI's does).
      SD_SCRIPTS_LAUNCHER: JSON.stringify([
        process.execPath,
        `${process.cwd()}/test/fakes/sd-scripts/python.js`,
      ]),
      KILN_FAKE_PROBE: JSON.stringify({ cuda: { available: false } }),
      BASE_MODELS_FILE: 'test/no-such-models.toml',
      DATA_DIR: 'data-test-doctor',
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('kiln: This worker refuses the train role (kiln doctor):');
    expect(result.stderr).toContain('FAIL cuda: torch 2.5.1+cu124 sees no CUDA GPU Fix: ');
    expect(result.stderr).toContain('set TRAIN_DEVICE=cpu');
    expect(result.stderr).toContain('FAIL base models: ');
    expect(result.stderr).not.toContain('ok   ');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints help for every command', async () => {
    const result = await kiln(['--help'], {});
    expect(result.exitCode).toBe(0);
    for (const command of ['start', 'bot', 'worker', 'migrate', 'deploy-commands']) {
      expect(result.stdout).toContain(command);
    }
  });
});

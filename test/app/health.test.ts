import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEALTH_MAX_AGE_MS, checkHealth, startHeartbeat } from '../../src/app/health.ts';
import { eventually } from '../helpers/eventually.ts';

const KILN = join(import.meta.dirname, '../../bin/kiln.js');

describe('the health report', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-health-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is healthy while every probe answers', async () => {
    const file = join(dir, 'kiln-health.json');
    const stop = startHeartbeat('worker', { redis: () => Promise.resolve() }, file);
    try {
      await eventually(async () => expect((await checkHealth(file)).healthy).toBe(true));
      expect((await checkHealth(file)).line).toMatch(/^worker is healthy/);
    } finally {
      stop();
    }
  });

  it('names the probe that fails', async () => {
    const file = join(dir, 'kiln-health.json');
    const stop = startHeartbeat(
      'bot',
      { postgres: () => Promise.reject(new Error('connection refused')) },
      file,
    );
    try {
      await eventually(async () =>
        expect((await checkHealth(file)).line).toContain('postgres: connection refused'),
      );
      expect((await checkHealth(file)).healthy).toBe(false);
    } finally {
      stop();
    }
  });

  it('counts a report older than the limit as a hung process', async () => {
    const file = join(dir, 'kiln-health.json');
    const stop = startHeartbeat('bot', {}, file);
    stop();
    await eventually(async () => expect((await checkHealth(file)).healthy).toBe(true));
    const later = await checkHealth(file, Date.now() + HEALTH_MAX_AGE_MS + 5_000);
    expect(later).toMatchObject({ healthy: false });
    expect(later.line).toMatch(/last reported \d+ s ago: it is hung or gone/);
  });

  it('makes `kiln healthcheck` exit 1 with one line when no process has reported', async () => {
    const result = await execa('node', [KILN, 'healthcheck'], { reject: false, env: { TMPDIR: dir } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `kiln: no health report at ${join(dir, 'kiln-health.json')}: the Kiln process has not started (yet)`,
    );
  });
});

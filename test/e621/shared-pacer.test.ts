import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedPacer, sharedPacerKey } from '../../src/e621/shared-pacer.ts';
import { createLogger } from '../../src/log.ts';
import { given, startFakeE621, type FakeE621 } from '../fakes/e621/index.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';

let fake: FakeE621;
let redis: Redis;

beforeAll(async () => {
  fake = await startFakeE621({ posts: given.posts(3) });
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  await fake.close();
  redis.disconnect();
});

function freshUser(): string {
  return `kiln_pacer_${randomBytes(4).toString('hex')}`;
}

/** A child Kiln process with the real client; resolves once it has built the client and said `ready`. */
async function startProcess(name: string, user: string, requests: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e621/shared-pacer-client.ts'], {
    env: {
      PATH: process.env.PATH,
      E621_BASE_URL: fake.url,
      E621_USER: user,
      REDIS_URL: TEST_REDIS_URL,
      REQUESTS: String(requests),
      PROCESS_NAME: name,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
  return child;
}

describe('one e621 schedule for every process of one E621_USER', () => {
  it('two processes making requests at once stay ≥ 0.5 s apart and ≤ 1 request/s over any 10 s', async () => {
    const user = freshUser();
    const requestsEach = 6;
    const [bot, worker] = await Promise.all([
      startProcess('bot', user, requestsEach),
      startProcess('worker', user, requestsEach),
    ]);
    const from = fake.log.length;
    const exits = [once(bot, 'exit'), once(worker, 'exit')];
    bot.stdin!.end('go\n');
    worker.stdin!.end('go\n');
    const codes = (await Promise.all(exits)).map(([code]) => code as number);
    expect(codes).toEqual([0, 0]);

    // What the stand-in saw arrive (its own clock), across both processes.
    const api = fake.log.slice(from).filter((entry) => entry.kind === 'api');
    expect(api).toHaveLength(2 * requestsEach);
    expect(api.every((entry) => entry.status === 200)).toBe(true);
    expect(
      new Set(api.map((entry) => entry.params.tags ?? entry.params['search[name_matches]'])),
    ).toHaveProperty('size', 2 * requestsEach);
    // They really ran at the same time: each process's requests are spread among the other's.
    const owners = api.map((entry) =>
      (entry.params.tags ?? entry.params['search[name_matches]'] ?? '').includes('bot') ? 'bot' : 'worker',
    );
    expect(owners.slice(0, requestsEach)).toContain('bot');
    expect(owners.slice(0, requestsEach)).toContain('worker');
    const arrivals = api.map((entry) => entry.at);
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    for (const start of arrivals) {
      const inWindow = arrivals.filter((at) => at >= start && at < start + 10_000).length;
      expect(inWindow).toBeLessThanOrEqual(10);
    }
  }, 45_000);

  it('two pacers on one key (two processes) never hand out slots closer than the interval', async () => {
    const user = freshUser();
    const a = createSharedPacer({ redis, user, minIntervalMs: 200 });
    const b = createSharedPacer({ redis, user, minIntervalMs: 200 });
    const starts: number[] = [];
    await Promise.all(
      [a, b, a, b, a, b].map((pacer) => pacer.wait().then(() => starts.push(performance.now()))),
    );
    starts.sort((x, y) => x - y);
    // Redis hands out slots 200 ms apart on its clock; a start is seen here after the reply's trip through a
    // busy event loop, which on a loaded test machine can shift it by tens of ms (not paced: ~0 ms apart).
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(150);
    expect(await redis.pttl(sharedPacerKey(user))).toBeGreaterThan(0);
  });

  it('paces alone at half the rate, with one warning, while Redis is unreachable', async () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    // Nothing listens on port 1: commands queue up unanswered, as they do when Redis goes away.
    const unreachable = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: null, lazyConnect: true });
    unreachable.on('error', () => undefined);
    const pacer = createSharedPacer({
      redis: unreachable,
      user: freshUser(),
      minIntervalMs: 100,
      redisTimeoutMs: 150,
      log,
    });
    expect(pacer.minIntervalMs).toBe(100);
    const starts: number[] = [];
    await Promise.all([0, 1, 2].map(() => pacer.wait().then(() => starts.push(performance.now()))));
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(200);
    const warnings = lines.filter((line) => line.includes('Redis is unreachable'));
    expect(warnings).toHaveLength(1);
    unreachable.disconnect();
  });
});

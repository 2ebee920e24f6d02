import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJobId } from '../../src/bot/commands/lora/fetch.ts';
import { autotagJobId } from '../../src/bot/tagging.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { freezeDataset, setOverride } from '../../src/db/repositories/pruning.ts';
import { QUEUE_UNAVAILABLE_MESSAGE } from '../../src/queue/producer.ts';
import { customIds, type FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';
import { press } from '../helpers/press.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const alice = { id: '400000000000000081', username: 'alice' };
const UNAVAILABLE = `${QUEUE_UNAVAILABLE_MESSAGE}\n-# service-unavailable`;

describe('with Redis unreachable the bot answers at once, and nothing starts when it returns', () => {
  let proxy: TcpProxy;
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  const board = () => thread.messages.find((m) => customIds(m).some((id) => id.startsWith('board@1:')))!;

  beforeAll(async () => {
    proxy = await startTcpProxy(6379);
    h = await startBotHarness({}, { producerRedisUrl: proxy.url });
    let project;
    ({ project, thread } = await given.project(h, alice));
    projectId = project.id;
    for (const image of await given.images(h.database.db, h.dataDir, projectId, 2)) {
      await setOverride(h.database.db, {
        candidateId: image.candidateId,
        userId: alice.id,
        decision: 'kept',
      });
    }
    await (
      await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id })
    ).waitForOriginal((m) => m.content.includes('Posted'));
    await (
      await h.discord
        .user(alice)
        .slash('lora', { subcommand: 'query', channelId: thread.id, options: { reset: true } })
    ).waitForOriginal((m) => m.content.length > 0 || m.components.length > 0);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  it('says "try again" to /lora fetch and Finalize within seconds, and queues nothing late', async () => {
    await proxy.cut();
    const started = Date.now();
    const fetch = await h.discord.user(alice).slash('lora', { subcommand: 'fetch', channelId: thread.id });
    const answer = await fetch.waitForOriginal((m) => m.content.length > 0, 8000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toBe(UNAVAILABLE);

    expect(await press(h, alice, board(), `board@1:${projectId}:finalize:0`)).toBe(UNAVAILABLE);
    expect((await getProject(h.database.db, projectId))!.datasetFrozenAt).toBeNull();

    // Redis is back: nothing the user was told failed starts behind their back.
    await proxy.restore();
    await eventually(async () => {
      expect(await h.jobs.inspect('fetch', fetchJobId(projectId, 1))).toBeNull();
    }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await h.jobs.inspect('fetch', fetchJobId(projectId, 1))).toBeNull();
    expect(await h.jobs.inspect('autotag', autotagJobId(projectId))).toBeNull();

    // And the same commands work again.
    const again = await h.discord.user(alice).slash('lora', { subcommand: 'fetch', channelId: thread.id });
    expect((await again.waitForOriginal((m) => m.content.length > 0, 8000)).content).toContain(
      'Queued a fetch',
    );
  });

  it('says "try again" to /lora export within seconds instead of building the zip', async () => {
    await freezeDataset(h.database.db, projectId, alice.id);
    await proxy.cut();
    try {
      const started = Date.now();
      const result = await h.discord
        .user(alice)
        .slash('lora', { subcommand: 'export', channelId: thread.id, options: {} });
      const answer = await result.waitForFollowUp((m) => m.content.length > 0, 8000);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(answer.content).toBe(UNAVAILABLE);
      expect(
        thread.messages.some((m) => m.attachments.some((a) => a.filename.endsWith('-dataset.zip'))),
      ).toBe(false);
    } finally {
      await proxy.restore();
    }
  });
});

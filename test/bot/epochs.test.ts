import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseModel } from '../../src/core/training/plan.ts';
import { listEpochs } from '../../src/db/repositories/epochs.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { freezeDataset, setOverride } from '../../src/db/repositories/pruning.ts';
import { getTrainingRun, requestRunCancel, runsOfPlan } from '../../src/db/repositories/training.ts';
import type { ProjectRow } from '../../src/db/schema/index.ts';
import type { EpochCheckProject } from '../../src/training/epoch-check.ts';
import { createTaggerPool, type TaggerPool } from '../../src/tagger/pool.ts';
import { customIds, textOf, type FakeChannel, type FakeMessage } from '../fakes/discord/index.ts';
import { generateTinyTagger } from '../fakes/tagger/index.ts';
import { press } from '../helpers/press.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { QUEUE_UNAVAILABLE_MESSAGE } from '../../src/queue/producer.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';
import { startWorkerHarness, type WorkerHarness } from '../helpers/worker-harness.ts';

const alice = { id: '400000000000000071', username: 'alice' };
const bob = { id: '400000000000000072', username: 'bob' };
const carol = { id: '400000000000000073', username: 'carol' };

const MODELS: Array<Omit<BaseModel, 'file'>> = [{ name: 'yiffymix', family: 'sd1', tagStyle: 'e621' }];
const BOT_MODELS: BaseModel[] = MODELS.map((model) => ({
  ...model,
  file: `/models/${model.name}.safetensors`,
}));

/** What the tagging step decided for krystal (traits folded, one outfit, the dataset's tag counts out of 10). */
const KRYSTAL: EpochCheckProject = {
  traits: ['blue_eyes', 'facial_markings'],
  outfits: [{ tag: 'krysshirt', components: ['red_shirt'] }],
  datasetTags: new Map(
    Object.entries({
      blue_eyes: 10,
      facial_markings: 9,
      red_shirt: 5,
      simple_background: 8,
      standing: 9,
      side_view: 3,
    }).map(([tag, count]) => [tag, { count, category: 'general' as const }]),
  ),
  imageCount: 10,
};

/**
 * The prompts Kiln builds for KRYSTAL (e621 tags, spelled as the captions are: spaces) and the colour the fake sd-scripts paints per epoch, i.e. the one
 * tag the tiny e621 tagger sees: azure simple_background, blue blue_eyes, maroon red_shirt, rose sitting, grey none.
 */
const LIKENESS = 'krystal';
const OUTFIT = 'krystal, krysshirt';
const FLEX = 'krystal, sitting, rear view, outside';
const GREY = '#808080';
const COLOURS = {
  [LIKENESS]: { '1': '#0080ff', '2': '#0000ff', '3': '#800000' },
  [OUTFIT]: { '1': GREY, '2': '#800000', '3': '#800000' },
  [FLEX]: { '1': GREY, '2': '#ff0080', '3': '#0080ff' },
};

const TABLES = [
  [
    '**Epoch 1 — likeness check**',
    'Trait recall (main tag alone): 0% (0/4) — not seen: `blue_eyes`, `facial_markings`',
    'Outfit `krysshirt`: when prompted 0% (0/2) · when not prompted 0% (0/4)',
    'Flexibility: 0% (0/6) — pose `sitting` 0/2, view `rear_view` 0/2, background `outside` 0/2',
    'Overfitting signs: `simple_background` unprompted 2/6 (in 80% of the dataset)',
  ],
  [
    '**Epoch 2 — likeness check**',
    'Trait recall (main tag alone): 50% (2/4) — not seen: `facial_markings`',
    'Outfit `krysshirt`: when prompted 100% (2/2) · when not prompted 0% (0/4)',
    'Flexibility: 33% (2/6) — pose `sitting` 2/2, view `rear_view` 0/2, background `outside` 0/2',
    'Overfitting signs: none',
  ],
  [
    '**Epoch 3 — likeness check**',
    'Trait recall (main tag alone): 0% (0/4) — not seen: `blue_eyes`, `facial_markings`',
    'Outfit `krysshirt`: when prompted 100% (2/2) · when not prompted 50% (2/4)',
    'Flexibility: 0% (0/6) — pose `sitting` 0/2, view `rear_view` 0/2, background `outside` 0/2',
    'Overfitting signs: `simple_background` unprompted 2/6 (in 80% of the dataset)',
  ],
].map((lines) => lines.join('\n'));

async function finalizedProject(
  h: BotHarness,
  mainTag: string,
  count: number,
): Promise<{ project: ProjectRow; thread: FakeChannel }> {
  const name = mainTag[0]!.toUpperCase() + mainTag.slice(1);
  const { project, thread } = await given.project(h, alice, mainTag, name);
  const images = await given.images(h.database.db, h.dataDir, project.id, count);
  for (const image of images) {
    await setOverride(h.database.db, { candidateId: image.candidateId, userId: alice.id, decision: 'kept' });
  }
  await freezeDataset(h.database.db, project.id, alice.id);
  return { project: (await getProject(h.database.db, project.id))!, thread };
}

/** `/lora train`, Start on the plan card, and the run it queued. */
async function train(h: BotHarness, thread: FakeChannel): Promise<number> {
  const result = await h.discord
    .user(alice)
    .slash('lora', { subcommand: 'train', channelId: thread.id, options: {} });
  await result.waitForOriginal((m) => textOf(m).length > 0, 20_000);
  const card = [...thread.messages]
    .reverse()
    .find((m) => customIds(m).some((id) => id.startsWith('plan@1:')))!;
  const planId = Number(/plan@1:(\d+):start/.exec(customIds(card).join(' '))![1]);
  expect(await press(h, alice, h.discord.message(thread.id, card.id)!, `plan@1:${planId}:start`)).toContain(
    'Queued the training',
  );
  return eventually(async () => {
    const runs = await runsOfPlan(h.database.db, planId);
    expect(runs.length).toBeGreaterThan(0);
    return runs[runs.length - 1]!.id;
  });
}

async function voteCard(h: BotHarness, thread: FakeChannel, runId: number): Promise<FakeMessage> {
  return eventually(() => {
    const found = thread.messages.find((m) => customIds(m).includes(`epoch@1:${runId}:deliver`));
    expect(found).toBeDefined();
    return h.discord.message(thread.id, found!.id)!;
  }, 30_000);
}

describe('epoch check: sample grids, likeness tables and the epoch vote, through Discord and sd-scripts stand-ins', () => {
  let h: BotHarness;
  let worker: WorkerHarness;
  let taggers: TaggerPool;
  let scratch: string;
  let proxy: TcpProxy;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kiln-epochs-'));
    await generateTinyTagger({ kind: 'e621', dir: join(scratch, 'models', 'e621') });
    const colours = join(scratch, 'colours.json');
    await writeFile(colours, JSON.stringify(COLOURS));
    // The bot's job producer goes through a proxy, so one test can cut it off from Redis.
    proxy = await startTcpProxy(6379);
    h = await startBotHarness(
      { uploadLimitBytes: 10 * 1024 * 1024 },
      { training: { baseModels: BOT_MODELS }, producerRedisUrl: proxy.url },
    );
    worker = startWorkerHarness(h, {
      roles: ['train'],
      train: {
        baseModels: MODELS,
        trainerEnv: { KILN_FAKE_SDS_STEP_MS: '0', KILN_FAKE_SDS_SAMPLE_COLORS: colours },
      },
    });
    taggers = createTaggerPool({ modelsDir: join(scratch, 'models'), providers: ['cpu'], log: h.log });
    Object.assign(worker.train!, {
      taggers,
      epochs: 3,
      epochInputs: () => Promise.resolve(KRYSTAL),
    });
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await taggers?.close();
    await h?.close();
    await proxy?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('posts a grid and the exact likeness table per epoch, and delivers the epoch friends voted for', async () => {
    const { thread } = await finalizedProject(h, 'krystal', 4);
    const runId = await train(h, thread);
    const card = await voteCard(h, thread, runId);

    const grids = thread.messages.filter((m) => textOf(m).includes('**Samples after epoch'));
    expect(grids).toHaveLength(3);
    for (const [index, grid] of grids.entries()) {
      expect(textOf(grid)).toContain(`**Samples after epoch ${index + 1}/3** of yiffymix`);
      expect(textOf(grid)).toContain(TABLES[index]);
      const image = await sharp(grid.attachments[0]!.data).metadata();
      // Three prompts as rows, two seeds as columns, 192 px cells with 4 px gaps, labels on the left.
      expect([image.format, image.width, image.height]).toEqual(['png', 220 + 2 * 196 + 4, 48 + 3 * 196 + 4]);
    }
    const stored = await listEpochs(h.database.db, runId);
    expect(
      stored.map((row) => [row.epoch, row.scores?.traitRecall.hits, row.scores?.flexibility.hits]),
    ).toEqual([
      [1, 0, 0],
      [2, 2, 2],
      [3, 0, 0],
    ]);

    expect(textOf(card)).toContain(
      '**Epoch 2**: likeness 50% (2/4) · flexibility 33% (2/6) · no overfitting signs',
    );
    const chart = await sharp(card.attachments[0]!.data).metadata();
    expect([card.attachments[0]!.filename, chart.width, chart.height]).toEqual([
      `likeness-run${runId}.png`,
      640,
      260,
    ]);
    expect(await press(h, bob, card, `epoch@1:${runId}:2`)).toContain('Your vote: epoch 2');
    expect(await press(h, carol, card, `epoch@1:${runId}:2`)).toContain('Your vote: epoch 2');
    expect(await press(h, alice, card, `epoch@1:${runId}:3`)).toContain('Your vote: epoch 3');
    expect(await press(h, bob, card, `epoch@1:${runId}:deliver`)).toContain('Only the project owner');
    expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toContain(
      'Delivering epoch 2 on the worker',
    );

    const delivered = await eventually(() => {
      const found = thread.messages.find((m) => m.content.includes('chosen by vote'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(delivered.content).toContain('epoch **2/3**');
    expect(delivered.attachments.map((a) => a.filename)).toEqual([
      'krystal-yiffymix-000002.safetensors',
      'info.txt',
    ]);
    const model = delivered.attachments[0]!.data;
    const sha256 = createHash('sha256').update(model).digest('hex');
    expect(delivered.content).toContain(sha256);
    const info = delivered.attachments[1]!.data.toString('utf8');
    expect(info).toContain(`SHA-256: ${sha256}`);
    expect(info).toMatch(/Outfit tags: +krysshirt/);
    expect(info).toContain("Chosen epoch: 2 of 3 (friends' vote (2 of 3), delivered by alice)");
    expect(info).toContain('  Trait recall (main tag alone): 50% (2/4)');
    expect(info).toContain('  Outfit krysshirt: prompted 100% (2/2), unprompted 0% (0/4)');
    expect(info).toContain('  Flexibility (pose, view, background): 33% (2/6)');
    expect(info).toContain(`Sample prompts:\n  ${LIKENESS}\n  ${OUTFIT}\n  ${FLEX}`);

    // The worker redraws the card: who delivered which epoch, and its buttons are gone: the vote is closed.
    const closed = await eventually(() => {
      const current = h.discord.message(thread.id, card.id)!;
      expect(customIds(current)).toEqual([]);
      return current;
    });
    expect(textOf(closed)).toContain(`✅ Epoch 2 was delivered by <@${alice.id}>.`);
    expect(thread.messages.filter((m) => m.content.includes('chosen by vote'))).toHaveLength(1);
  }, 120_000);

  it('only queues the delivery; when the epoch file vanished meanwhile the worker says why and the vote reopens', async () => {
    const { thread } = await finalizedProject(h, 'peppy', 4);
    const runId = await train(h, thread);
    const card = await voteCard(h, thread, runId);
    expect(await press(h, bob, card, `epoch@1:${runId}:1`)).toContain('Your vote: epoch 1');

    // No worker takes jobs: the bot answers at once, closes the vote to a second click, and delivers nothing.
    await worker.runtime.close();
    try {
      expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toContain(
        'Delivering epoch 1 on the worker',
      );
      expect(await press(h, carol, card, `epoch@1:${runId}:2`)).toContain('the vote is closed');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(thread.messages.some((m) => m.content.includes('chosen by vote'))).toBe(false);
      const epochOne = (await listEpochs(h.database.db, runId)).find((row) => row.epoch === 1)!;
      await rm(epochOne.filePath!);
    } finally {
      await worker.restart();
    }

    const failed = await eventually(() => {
      const found = thread.messages.find((m) => m.content.includes('could not be delivered'));
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect(failed.content).toContain(
      "⚠️ Epoch 1 of **Peppy** on **yiffymix** could not be delivered: Epoch 1's file is no longer on the worker",
    );
    expect(failed.content).toContain('The vote is open again.');
    expect(failed.content).not.toContain(h.dataDir);
    expect(thread.messages.some((m) => m.content.includes('chosen by vote'))).toBe(false);
    expect((await listEpochs(h.database.db, runId)).every((row) => row.deliveredAt === null)).toBe(true);
    // Open again: friends vote for an epoch that is still there, and the owner delivers it.
    expect(await press(h, carol, card, `epoch@1:${runId}:3`)).toContain('Your vote: epoch 3');
    expect(await press(h, alice, card, `epoch@1:${runId}:3`)).toContain('Your vote: epoch 3');
    expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toContain('Delivering epoch 3');
    const delivered = await eventually(() => {
      const found = thread.messages.find((m) => m.content.includes('chosen by vote'));
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect(delivered.content).toContain('epoch **3/3**');
  }, 120_000);

  it('says "try again" within seconds when the queue is down, and leaves the vote open', async () => {
    const { thread } = await finalizedProject(h, 'rob', 4);
    const runId = await train(h, thread);
    const card = await voteCard(h, thread, runId);
    expect(await press(h, bob, card, `epoch@1:${runId}:1`)).toContain('Your vote: epoch 1');
    await proxy.cut();
    try {
      const started = Date.now();
      expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toBe(
        `${QUEUE_UNAVAILABLE_MESSAGE}\n-# service-unavailable`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await listEpochs(h.database.db, runId)).every((row) => row.deliveredAt === null)).toBe(true);
    } finally {
      await proxy.restore();
    }
    // Once the producer has reconnected, the owner delivers after all.
    await eventually(async () => {
      expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toContain('Delivering epoch 1');
    }, 15_000);
    await eventually(() => {
      expect(thread.messages.some((m) => m.content.includes('chosen by vote'))).toBe(true);
    }, 30_000);
  }, 120_000);

  it('delivers a voted epoch while the GPU worker is busy with another training', async () => {
    const { thread } = await finalizedProject(h, 'slippy', 4);
    const runId = await train(h, thread);
    const card = await voteCard(h, thread, runId);
    expect(await press(h, bob, card, `epoch@1:${runId}:2`)).toContain('Your vote: epoch 2');

    // A slow training takes the train role's one slot; the delivery goes on the role's side queue.
    Object.assign(worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '300' });
    const busy = await finalizedProject(h, 'bill', 4);
    let busyRun = 0;
    try {
      busyRun = await train(h, busy.thread);
      await eventually(async () => {
        expect((await getTrainingRun(h.database.db, busyRun))!.state).toBe('running');
      }, 20_000);
      expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toContain('Delivering epoch 2');
      await eventually(() => {
        expect(thread.messages.some((m) => m.content.includes('chosen by vote'))).toBe(true);
      }, 20_000);
      expect((await getTrainingRun(h.database.db, busyRun))!.state).toBe('running');
    } finally {
      Object.assign(worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '0' });
      if (busyRun) await requestRunCancel(h.database.db, busyRun, alice.id).catch(() => undefined);
    }
    await eventually(async () => {
      expect((await getTrainingRun(h.database.db, busyRun))!.state).not.toBe('running');
    }, 20_000);
  }, 120_000);

  it('offers the files alone when sampling is off, and answers clearly once the files are cleaned up', async () => {
    Object.assign(worker.train!, { epochSamples: false });
    try {
      const { thread } = await finalizedProject(h, 'falco', 4);
      const runId = await train(h, thread);
      const card = await voteCard(h, thread, runId);
      expect(thread.messages.filter((m) => textOf(m).includes('**Samples after epoch'))).toHaveLength(0);
      expect(textOf(card)).toContain('The likeness check is unavailable for this training');
      expect(textOf(card)).toContain('**Epoch 1**: no scores');
      expect(await press(h, bob, card, `epoch@1:${runId}:1`)).toContain('Your vote: epoch 1');

      await rm(join(h.dataDir, 'models', 'lora', String(runId)), { recursive: true, force: true });
      expect(await press(h, carol, card, `epoch@1:${runId}:1`)).toContain(
        "Epoch 1's file is no longer on the worker (this training's files were cleaned up)",
      );
      expect(await press(h, alice, card, `epoch@1:${runId}:deliver`)).toContain('cleaned up');
    } finally {
      Object.assign(worker.train!, { epochSamples: true });
    }
  }, 120_000);

  it('says the likeness check is unavailable when the tagger model is missing, and still trains and offers the vote', async () => {
    const empty = createTaggerPool({ modelsDir: join(scratch, 'no-models'), providers: ['cpu'], log: h.log });
    Object.assign(worker.train!, { taggers: empty });
    try {
      const { thread } = await finalizedProject(h, 'wolf', 4);
      const runId = await train(h, thread);
      const card = await voteCard(h, thread, runId);
      const grids = thread.messages.filter((m) => textOf(m).includes('**Samples after epoch'));
      expect(grids).toHaveLength(3);
      for (const grid of grids) {
        expect(textOf(grid)).toContain('Likeness check unavailable: The e621 tagger');
        expect(textOf(grid)).toContain('is not installed on this worker');
        expect(grid.attachments).toHaveLength(1);
      }
      expect(textOf(card)).toContain('The likeness check is unavailable for this training');
      expect(thread.messages.some((m) => m.content.includes('is trained'))).toBe(true);
    } finally {
      Object.assign(worker.train!, { taggers });
      await empty.close();
    }
  }, 120_000);

  it('warns when an owner prompt passes the 225-token budget, saying the count is an estimate', async () => {
    const { thread } = await finalizedProject(h, 'fox', 4);
    const result = await h.discord
      .user(alice)
      .slash('lora', { subcommand: 'train', channelId: thread.id, options: {} });
    await result.waitForOriginal((m) => textOf(m).length > 0, 20_000);
    const card = [...thread.messages]
      .reverse()
      .find((m) => customIds(m).some((id) => id.startsWith('plan@1:')))!;
    const planId = Number(/plan@1:(\d+):start/.exec(customIds(card).join(' '))![1]);
    const long = Array.from({ length: 120 }, () => 'tag').join(', ');
    await h.discord.user(alice).button(h.discord.message(thread.id, card.id)!, `plan@1:${planId}:edit`);
    const edited = await h.discord.user(alice).modalSubmit(
      `planedit@1:${planId}`,
      {
        strength: '1',
        preset: ['full'],
        locon: ['off'],
        base_models: ['yiffymix'],
        sample_prompts: `fox\n${long}`,
      },
      { channelId: thread.id },
    );
    const answer = await edited.waitForOriginal((m) => m.content.includes('Updated the plan'));
    expect(answer.content).toContain(
      'is about 239 tokens (an estimate, not the real tokenizer); the base model reads 225',
    );
    expect(answer.content.match(/⚠️/g)).toHaveLength(1);
  }, 60_000);
});

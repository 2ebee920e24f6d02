import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseModel } from '../../src/core/training/plan.ts';
import { startLinkServer, type LinkServer } from '../../src/delivery/link-server.ts';
import { createLinkSigner, type LinkSigner } from '../../src/delivery/links.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { freezeDataset, setOverride } from '../../src/db/repositories/pruning.ts';
import { loadTrainingDataset } from '../../src/training/dataset.ts';
import { claimRun, getTrainingRun, runsOfPlan } from '../../src/db/repositories/training.ts';
import type { ProjectRow } from '../../src/db/schema/index.ts';
import { buttons, customIds, textOf, type FakeChannel, type FakeMessage } from '../fakes/discord/index.ts';
import { press } from '../helpers/press.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';
import { startWorkerHarness, type WorkerHarness } from '../helpers/worker-harness.ts';

const alice = { id: '400000000000000031', username: 'alice' };
const bob = { id: '400000000000000032', username: 'bob' };
const SECRET = 'test-link-secret-0123456789';

const MODELS: Array<Omit<BaseModel, 'file'>> = [
  { name: 'yiffymix', family: 'sd1', tagStyle: 'e621' },
  { name: 'ponyxl', family: 'sdxl', tagStyle: 'e621' },
];
/** The bot only needs names and families; the worker has the files. */
const BOT_MODELS: BaseModel[] = MODELS.map((model) => ({
  ...model,
  file: `/models/${model.name}.safetensors`,
}));

/** Reads a zip's central directory: name → bytes (stored or deflated). */
function readZip(zip: Buffer): Map<string, Buffer> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const skip = nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    entries.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    offset += 46 + skip;
  }
  return entries;
}

interface Setup {
  h: BotHarness;
  worker: WorkerHarness;
  server: LinkServer;
  signer: { current: LinkSigner | null };
}

/** Bot, GPU worker (fake sd-scripts) and the bot's download server, all on one data folder. */
async function setUp(uploadLimitBytes: number): Promise<Setup> {
  const signer: { current: LinkSigner | null } = { current: null };
  const late: LinkSigner = {
    ttlSeconds: 3600,
    sign: (path, now) => {
      if (!signer.current) throw new Error('no link server yet');
      return signer.current.sign(path, now);
    },
  };
  const h = await startBotHarness(
    { uploadLimitBytes },
    { training: { baseModels: BOT_MODELS, links: late } },
  );
  const server = await startLinkServer({
    root: join(h.dataDir, 'models'),
    secret: SECRET,
    port: 0,
    host: '127.0.0.1',
  });
  signer.current = createLinkSigner({ publicUrl: server.url, secret: SECRET, ttlSeconds: 3600 });
  const worker = startWorkerHarness(h, {
    roles: ['train', 'autotag'],
    train: { baseModels: MODELS, links: signer.current, trainerEnv: { KILN_FAKE_SDS_STEP_MS: '0' } },
    export: { links: late },
  });
  // The worker starts stopped: the first test looks at the queue before anyone takes from it.
  await worker.runtime.close();
  return { h, worker, server, signer };
}

/** A project whose dataset of `count` images was kept and finalized. */
async function finalizedProject(
  h: BotHarness,
  mainTag: string,
  count: number,
  finalize = true,
): Promise<{ project: ProjectRow; thread: FakeChannel }> {
  const { project, thread } = await given.project(
    h,
    alice,
    mainTag,
    mainTag[0]!.toUpperCase() + mainTag.slice(1),
  );
  const images = await given.images(h.database.db, h.dataDir, project.id, count);
  for (const image of images) {
    await setOverride(h.database.db, { candidateId: image.candidateId, userId: alice.id, decision: 'kept' });
  }
  if (finalize) await freezeDataset(h.database.db, project.id, alice.id);
  return { project: (await getProject(h.database.db, project.id))!, thread };
}

async function reply(
  h: BotHarness,
  user: typeof alice,
  thread: FakeChannel,
  subcommand: string,
  options: Record<string, string | number | boolean> = {},
): Promise<FakeMessage> {
  const result = await h.discord.user(user).slash('lora', { subcommand, channelId: thread.id, options });
  return result.waitForOriginal((m) => textOf(m).length > 0 || m.attachments.length > 0, 20_000);
}

/** `/lora export`: the bot answers at once; the zip (or the reason it failed) is what the worker posts later. */
async function exported(
  h: BotHarness,
  user: typeof alice,
  thread: FakeChannel,
  options: Record<string, string> = {},
): Promise<FakeMessage> {
  const before = thread.messages.length;
  const answer = await reply(h, user, thread, 'export', options);
  expect(answer.content).toContain('on the worker; it will be posted here.');
  return eventually(() => {
    const posted = thread.messages
      .slice(before)
      .find((m) => m.content.includes('`dataset.toml`') || m.content.includes('The export of'));
    expect(posted).toBeDefined();
    return posted!;
  }, 30_000);
}

function planCard(h: BotHarness, thread: FakeChannel): FakeMessage {
  const found = [...thread.messages]
    .reverse()
    .find((m) => customIds(m).some((id) => id.startsWith('plan@1:')));
  if (!found) throw new Error('no plan card in the thread');
  return h.discord.message(thread.id, found.id)!;
}

function planIdOf(card: FakeMessage): number {
  return Number(/plan@1:(\d+):start/.exec(customIds(card).join(' '))![1]);
}

/** Start on the plan card once it offers it (the worker redraws the card just after a run ends). */
async function start(h: BotHarness, thread: FakeChannel, planId: number): Promise<string> {
  const card = await eventually(() => {
    const current = planCard(h, thread);
    expect(buttons(current).find((b) => b.customId === `plan@1:${planId}:start`)?.disabled).toBe(false);
    return current;
  }, 10_000);
  return press(h, alice, card, `plan@1:${planId}:start`);
}

function statusMessages(h: BotHarness, thread: FakeChannel, runId: number): FakeMessage[] {
  return thread.messages
    .filter((m) => customIds(m).includes(`run@1:${runId}:cancel`) || textOf(m).includes(`run #${runId}`))
    .map((m) => h.discord.message(thread.id, m.id)!);
}

async function finalStatus(
  h: BotHarness,
  thread: FakeChannel,
  runId: number,
  heading: string,
): Promise<FakeMessage> {
  return eventually(() => {
    const [status] = statusMessages(h, thread, runId);
    expect(status && textOf(status)).toContain(heading);
    return status!;
  }, 30_000);
}

async function latestRunId(h: BotHarness, planId: number): Promise<number> {
  return eventually(async () => {
    const runs = await runsOfPlan(h.database.db, planId);
    expect(runs.length).toBeGreaterThan(0);
    return runs[runs.length - 1]!.id;
  });
}

describe('training from Discord: plan card, queue, GPU worker with the fake sd-scripts, delivery', () => {
  let s: Setup;
  let h: BotHarness;
  beforeAll(async () => {
    s = await setUp(10 * 1024 * 1024);
    h = s.h;
  }, 60_000);
  afterAll(async () => {
    await s?.worker.close();
    await s?.server.close();
    await h?.close();
  });

  let krystal: FakeChannel;

  it("shows the guide's plan for 81 images with every number and its reason, and refuses what cannot train", async () => {
    const { project, thread } = await finalizedProject(h, 'krystal', 81, false);
    krystal = thread;
    const early = await reply(h, alice, thread, 'train');
    expect(early.content).toContain('is not finalized yet');
    await freezeDataset(h.database.db, project.id, alice.id);

    expect((await reply(h, bob, thread, 'train')).content).toContain('Only the project owner');
    expect((await reply(h, alice, thread, 'train', { base_model: 'sd15-vanilla' })).content).toContain(
      'Unknown base model "sd15-vanilla"',
    );
    expect((await reply(h, alice, thread, 'train', { strength: 4 })).content).toContain(
      'Strength must be a number above 0 and at most 3',
    );
    const answer = await reply(h, alice, thread, 'train');
    expect(answer.content).toContain(`The training plan for **Krystal** is in <#${thread.id}>`);

    const card = planCard(h, thread);
    const text = textOf(card);
    expect(text).toContain('**Images (I):** 81');
    expect(text).toContain('**Strength (S):** 1.1');
    expect(text).toContain('**Learning rate (L):** 1.358e-4');
    expect(text).toContain('L = S / (R·E·I) = 1.1 / (10 · 10 · 81)');
    expect(text).toContain('**Text encoder LR:** 6.79e-5');
    expect(text).toContain('**Repeats (R):** 10');
    expect(text).toContain('**Epochs (E):** 10');
    expect(text).toContain('**Resolution:** 768');
    expect(text).toContain('**Buckets:** 448–1472 (step 64)');
    expect(text).toContain('**Batch size:** 5');
    expect(text).toContain('**Total steps:** 1620');
    expect(text).toContain('**Network:** dim 128, alpha 64');
    expect(text).toContain('**LoCon:** off');
    expect(text).toContain('keep_tokens 1');
    expect(text).toContain('**yiffymix** (SD 1.x, e621 tags)');
    // The base model is named once, and the public card never shows where its file is on the worker.
    expect(text).not.toContain('(sd1, e621 tags)');
    expect(text).not.toContain('/models/');
    expect(text).not.toContain('.safetensors');
    // The worker samples every epoch by default: 2 prompts (likeness, flexibility) × 2 seeds × 10 epochs.
    expect(text).toContain('**Epoch samples:** 4 per epoch, ≈ 4 min of the estimate');
    expect(text).toContain('per-epoch samples: 4 images (2 prompts × 2 seeds) × 10 epochs ≈ 4 min');
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(buttons(card).map((b) => b.label)).toEqual(['Start', 'Edit', 'Cancel']);
  });

  it('edits the plan in a modal, refusing a strength out of range', async () => {
    const thread = krystal;
    const card = planCard(h, thread);
    const planId = planIdOf(card);
    const denied = await press(h, bob, card, `plan@1:${planId}:edit`);
    expect(denied).toContain('Only the project owner');

    const submit = async (strength: string, extra: Record<string, string | string[]> = {}) => {
      const opened = await h.discord.user(alice).button(card, `plan@1:${planId}:edit`);
      expect(opened.callback.type).toBe(9);
      const result = await h.discord.user(alice).modalSubmit(
        `planedit@1:${planId}`,
        {
          strength,
          preset: ['full'],
          locon: ['off'],
          base_models: ['yiffymix'],
          sample_prompts: '',
          ...extra,
        },
        { channelId: thread.id },
      );
      return (await result.waitForOriginal((m) => m.content.length > 0, 10_000)).content;
    };
    expect(await submit('0')).toContain('Strength must be a number above 0');
    expect(await submit('3.5')).toContain('Strength must be a number above 0 and at most 3');
    expect(await submit('1.2', { sample_prompts: 'krystal --n bad' })).toContain('must not contain " --"');
    expect(
      await submit('1.2', { preset: ['trash'], locon: ['on'], base_models: ['yiffymix', 'ponyxl'] }),
    ).toContain('Updated the plan');

    const text = await eventually(() => {
      const updated = textOf(planCard(h, thread));
      expect(updated).toContain('**Learning rate (L):** 1.481e-4');
      return updated;
    });
    expect(text).toContain('L = S / (R·E·I) = 1.2 / (10 · 10 · 81)');
    expect(text).toContain('**Resolution:** 512');
    expect(text).toContain('**Batch size:** 12');
    expect(text).toContain('**LoCon:** conv dim 32, conv alpha 32');
    expect(text).toContain('**ponyxl** (SDXL, e621 tags) → one LoRA each');
    expect(text).toContain('**Also ponyxl:**');
    expect(text).toContain('⚠️ SDXL: the guide');
    expect(text.length).toBeLessThanOrEqual(4000);
  });

  it('queues one training per base model, shows the queue position, refuses a second start, and cancels queued runs', async () => {
    const thread = krystal;
    const card = planCard(h, thread);
    const planId = planIdOf(card);
    expect(await press(h, bob, card, `plan@1:${planId}:start`)).toContain('Only the project owner');

    // Two clicks at once (a double click, or two owners): exactly one queues the plan.
    const [first, second] = await Promise.all([
      press(h, alice, card, `plan@1:${planId}:start`),
      press(h, alice, card, `plan@1:${planId}:start`),
    ]);
    const started = [first, second].find((answer) => answer.startsWith('Queued'))!;
    expect([first, second].filter((answer) => answer.includes('already queued or training'))).toHaveLength(1);
    expect(started).toContain('Queued 2 trainings');
    expect(started).toContain('**yiffymix**: queued, next in line');
    expect(started).toContain('**ponyxl**: queued, #2 in the queue (1 ahead)');
    expect((await runsOfPlan(h.database.db, planId)).length).toBe(2);
    const queuedCard = await eventually(() => {
      const current = planCard(h, thread);
      expect(textOf(current)).toContain('#2 in the queue');
      return current;
    });
    expect(buttons(queuedCard).find((b) => b.label === 'Start')?.disabled).toBe(true);

    expect(await press(h, bob, queuedCard, `plan@1:${planId}:cancel`)).toContain('Only the project owner');
    const cancelled = await press(h, alice, queuedCard, `plan@1:${planId}:cancel`);
    expect(cancelled).toContain('took 2 waiting trainings out of the queue');
    const runs = await runsOfPlan(h.database.db, planId);
    expect(runs.map((run) => run.state)).toEqual(['cancelled', 'cancelled']);
    await eventually(() => expect(textOf(planCard(h, thread))).toContain('⛔ **ponyxl**: cancelled by <@'));
  });

  it('exports the dataset as a kohya folder zip with config.toml and dataset.toml, built by the worker', async () => {
    const thread = krystal;
    const zips = () =>
      thread.messages.filter((m) => m.attachments.some((a) => a.filename === 'krystal-dataset.zip'));
    // No worker takes jobs yet (the GPU worker is stopped): the bot answers at once and zips nothing itself.
    const started = Date.now();
    const result = await h.discord
      .user(bob)
      .slash('lora', { subcommand: 'export', channelId: thread.id, options: { base_model: 'yiffymix' } });
    const answer = await result.waitForOriginal((m) => m.content.length > 0, 10_000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.content).toBe('Building the export of **Krystal** on the worker; it will be posted here.');
    expect(answer.attachments).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(zips()).toHaveLength(0);

    // A CPU worker starts: it takes the queued export and posts the zip into the thread.
    const exporter = startWorkerHarness(h, { roles: ['autotag'] });
    let message: FakeMessage;
    try {
      message = await eventually(() => {
        expect(zips()).toHaveLength(1);
        return zips()[0]!;
      }, 30_000);
    } finally {
      await exporter.close();
    }
    expect(message.content).toContain('81 images (81 kept + 0 crops) in `10_krystal/`');
    const zip = readZip(message.attachments[0]!.data);
    expect(message.attachments[0]!.filename).toBe('krystal-dataset.zip');
    const names = [...zip.keys()];
    expect(names.filter((name) => name.startsWith('10_krystal/') && name.endsWith('.png'))).toHaveLength(81);
    expect(names.filter((name) => name.startsWith('10_krystal/') && name.endsWith('.txt'))).toHaveLength(81);
    expect(names).toEqual(expect.arrayContaining(['config.toml', 'dataset.toml', 'README.txt']));
    const caption = zip.get(names.find((name) => name.endsWith('.txt') && name.startsWith('10_krystal/'))!)!;
    expect(caption.toString('utf8')).toMatch(/^krystal, /);
    const config = zip.get('config.toml')!.toString('utf8');
    expect(Number(/\nlearning_rate = (\S+)/.exec(config)?.[1])).toBeCloseTo(1.1 / 8100, 12);
    expect(config).toContain('caption_extension = ".txt"');
    expect(config).toContain('resolution = "768"');
    expect(zip.get('dataset.toml')!.toString('utf8')).toContain('image_dir = "10_krystal"');
  });

  let retsuko: { project: ProjectRow; thread: FakeChannel };
  let retsukoPlan: number;

  it('trains on the GPU worker: progress edits, a loss curve per epoch, then the model and info.txt', async () => {
    retsuko = await finalizedProject(h, 'retsuko', 4);
    const { thread } = retsuko;
    await reply(h, alice, thread, 'train');
    const card = planCard(h, thread);
    retsukoPlan = planIdOf(card);
    await h.discord.user(alice).button(card, `plan@1:${retsukoPlan}:edit`);
    const edited = await h.discord.user(alice).modalSubmit(
      `planedit@1:${retsukoPlan}`,
      {
        strength: '1.1',
        preset: ['full'],
        locon: ['off'],
        base_models: ['yiffymix'],
        sample_prompts: 'retsuko, smiling',
      },
      { channelId: thread.id },
    );
    await edited.waitForOriginal((m) => m.content.includes('Updated the plan'));
    Object.assign(s.worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '15', KILN_FAKE_SDS_FAIL: '' });
    await s.worker.restart();
    expect(await press(h, alice, card, `plan@1:${retsukoPlan}:start`)).toContain('Queued the training');
    const runId = await latestRunId(h, retsukoPlan);

    const status = await finalStatus(h, thread, runId, '✅ Finished');
    const versions = [...status.history.map((version) => textOf(version)), textOf(status)];
    const progressed = versions.filter((version) => /Step \*\*\d+\*\* \/ 80/.test(version));
    expect(progressed.length).toBeGreaterThanOrEqual(2);
    expect(progressed.some((version) => version.includes('█'))).toBe(true);
    expect(
      versions.some((version) => /epoch \*\*\d+\*\* \/ 10 · average loss \*\*0\.\d{4}\*\*/.test(version)),
    ).toBe(true);
    expect(versions.some((version) => /steps\/s|s\/step/.test(version))).toBe(true);
    expect(versions.some((version) => version.includes('ETA'))).toBe(true);
    expect(buttons(status)).toEqual([]);

    const losses = thread.messages.filter((m) => textOf(m).includes('of yiffymix · average loss'));
    expect(losses).toHaveLength(10);
    expect(textOf(losses[0]!)).toContain('**Epoch 1/10**');
    const chart = await sharp(losses[9]!.attachments[0]!.data).metadata();
    expect([chart.format, chart.width, chart.height]).toEqual(['png', 640, 280]);

    // One grid per epoch: the main tag, the flexibility probe and the owner's prompt as rows, two seeds as columns.
    const samples = thread.messages.filter((m) => textOf(m).includes('**Samples after epoch'));
    expect(samples).toHaveLength(10);
    const grid = await sharp(samples[0]!.attachments[0]!.data).metadata();
    expect([grid.format, grid.width, grid.height]).toEqual(['png', 220 + 2 * 196 + 4, 48 + 3 * 196 + 4]);

    const delivered = thread.messages.find((m) => m.content.includes('is trained'))!;
    expect(delivered.attachments.map((a) => a.filename)).toEqual([
      'retsuko-yiffymix.safetensors',
      'info.txt',
    ]);
    const model = delivered.attachments[0]!.data;
    const sha256 = createHash('sha256').update(model).digest('hex');
    expect(delivered.content).toContain(`SHA-256 \`${sha256}\``);
    const info = delivered.attachments[1]!.data.toString('utf8');
    expect(info).toContain('Retsuko — LoRA');
    expect(info).toContain('Main tag: retsuko');
    expect(info).toContain(`SHA-256: ${sha256}`);
    expect(info).toContain('Base model: yiffymix (SD 1.x, e621 tags)');
    expect(info).toContain('= S / (R·E·I) = 1.1 / (10 · 10 · 4)');
    expect(info).toContain('--learning_rate 0.00275');
    const run = (await getTrainingRun(h.database.db, runId))!;
    expect(run).toMatchObject({ state: 'succeeded', outputSha256: sha256, outputBytes: model.length });
    const finished = await eventually(() => {
      const current = planCard(h, thread);
      expect(textOf(current)).toContain('✅ **yiffymix**: finished');
      return current;
    });
    // Start on a finished plan trains another copy, and the card says so.
    expect(buttons(finished).map((b) => b.label)).toEqual(['Train another copy', 'Edit', 'Cancel']);
    expect(textOf(finished)).toContain(
      '**Train another copy** trains this plan again as a new run (a new file; the finished LoRA stays as it is)',
    );
    // info.txt names the options' files, never the worker's folders.
    expect(info).not.toContain(h.dataDir);
    expect(info).not.toContain(s.worker.baseModels[0]!.file);
  });

  it('cancels a running training from its status message, for the owner only', async () => {
    const { thread } = retsuko;
    Object.assign(s.worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '40', KILN_FAKE_SDS_FAIL: '' });
    expect(await start(h, thread, retsukoPlan)).toContain('Queued the training');
    const runId = await latestRunId(h, retsukoPlan);
    const running = await eventually(() => {
      const [status] = statusMessages(h, thread, runId);
      expect(status && textOf(status)).toMatch(/Step \*\*[1-9]\d*\*\* \/ 80/);
      return status!;
    }, 20_000);
    expect(await press(h, bob, running, `run@1:${runId}:cancel`)).toContain('Only the project owner');
    expect(await press(h, alice, running, `run@1:${runId}:cancel`)).toContain('asked the GPU worker to stop');

    const status = await finalStatus(h, thread, runId, '⛔ Cancelled');
    expect(textOf(status)).toMatch(
      new RegExp(`Training cancelled by <@${alice.id}> at step \\d+/80; partial files removed`),
    );
    expect((await getTrainingRun(h.database.db, runId))!.state).toBe('cancelled');
    const output = join(h.dataDir, 'runs', `run-${runId}`, 'output');
    const left = existsSync(output)
      ? readdirSync(output).filter((name) => name.endsWith('.safetensors'))
      : [];
    expect(left).toEqual([]);
  });

  it('stops a run whose loss turns NaN and says why', async () => {
    const { thread } = retsuko;
    Object.assign(s.worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '0', KILN_FAKE_SDS_FAIL: 'nan' });
    expect(await start(h, thread, retsukoPlan)).toContain('Queued');
    const runId = await latestRunId(h, retsukoPlan);
    const status = await finalStatus(h, thread, runId, '❌ Failed');
    expect(textOf(status)).toContain('the average loss became NaN');
    expect(textOf(status)).toContain('Lower the strength');
    expect((await getTrainingRun(h.database.db, runId))!).toMatchObject({
      state: 'failed',
      errorCode: 'nan-loss',
    });
    await eventually(() =>
      expect(textOf(planCard(h, thread))).toContain('❌ **yiffymix**: failed: Training diverged'),
    );
  });

  it('reports sd-scripts finding no images ("No data found") instead of a silent success', async () => {
    const { thread } = retsuko;
    Object.assign(s.worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '0', KILN_FAKE_SDS_FAIL: 'nodata' });
    expect(await start(h, thread, retsukoPlan)).toContain('Queued');
    const runId = await latestRunId(h, retsukoPlan);
    const status = await finalStatus(h, thread, runId, '❌ Failed');
    expect(textOf(status)).toContain('No data found');
    expect((await getTrainingRun(h.database.db, runId))!).toMatchObject({
      state: 'failed',
      errorCode: 'no-data',
    });
  });

  it('fails a run left running by a worker that died, and starts it again', async () => {
    const { thread } = retsuko;
    Object.assign(s.worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '0', KILN_FAKE_SDS_FAIL: '' });
    await s.worker.runtime.close();
    expect(await start(h, thread, retsukoPlan)).toContain('Queued');
    const runId = await latestRunId(h, retsukoPlan);
    // What a worker killed mid-run leaves behind: the row running on this host, no process, its folder.
    expect(await claimRun(h.database.db, runId, 'test-gpu-host')).not.toBeNull();
    const runDir = join(h.dataDir, 'runs', `run-${runId}`);
    await mkdir(join(runDir, 'img', '10_retsuko'), { recursive: true });
    await writeFile(join(runDir, 'img', '10_retsuko', '1.png'), 'half written');
    await s.worker.restart();
    const status = await finalStatus(h, thread, runId, '❌ Failed');
    expect(textOf(status)).toContain('The GPU worker stopped in the middle of this training');
    // Nothing else would ever remove a lost run's files.
    expect(existsSync(runDir)).toBe(false);
    expect((await getTrainingRun(h.database.db, runId))!).toMatchObject({
      state: 'failed',
      errorCode: 'worker-stopped',
    });

    const again = await eventually(() => {
      const card = planCard(h, thread);
      expect(buttons(card).find((b) => b.label === 'Start again')?.disabled).toBe(false);
      return card;
    });
    expect(await press(h, alice, again, `plan@1:${retsukoPlan}:start`)).toContain('Queued');
    const retried = await latestRunId(h, retsukoPlan);
    expect(retried).not.toBe(runId);
    await finalStatus(h, thread, retried, '✅ Finished');
  });

  it('a broken image fails the run naming its post, with no path, no ENOTEMPTY and no half-built folder', async () => {
    Object.assign(s.worker.trainerEnv, { KILN_FAKE_SDS_STEP_MS: '0', KILN_FAKE_SDS_FAIL: '' });
    await s.worker.restart();
    const { project, thread } = await finalizedProject(h, 'nibbles', 6);
    const dataset = await loadTrainingDataset(h.database.db, project);
    const broken = dataset.entries[2]!;
    await writeFile(join(h.dataDir, broken.imagePath!), 'not a picture any more');
    await reply(h, alice, thread, 'train');
    const planId = planIdOf(planCard(h, thread));
    expect(await start(h, thread, planId)).toContain('Queued');
    const runId = await latestRunId(h, planId);
    const status = textOf(await finalStatus(h, thread, runId, '❌ Failed'));
    expect(status).toContain(`Cannot read image ${broken.name} (e621 post #${broken.postId})`);
    expect(status).not.toContain(h.dataDir);
    expect(status).not.toContain('ENOTEMPTY');
    const card = await eventually(() => {
      const text = textOf(planCard(h, thread));
      expect(text).toContain('❌ **yiffymix**: failed: Cannot read image');
      return text;
    });
    expect(card).not.toContain(h.dataDir);
    const runDir = join(h.dataDir, 'runs', `run-${runId}`);
    const left = existsSync(runDir) ? readdirSync(runDir) : [];
    expect(left.filter((name) => name.startsWith('img'))).toEqual([]);
  });

  it('Cancel on a run whose worker died says nothing was training, and its files go when a worker starts', async () => {
    const { thread } = retsuko;
    await s.worker.runtime.close();
    expect(await start(h, thread, retsukoPlan)).toContain('Queued');
    const runId = await latestRunId(h, retsukoPlan);
    // Running on another host that stopped beating ten minutes ago.
    expect(await claimRun(h.database.db, runId, 'gone-gpu-host')).not.toBeNull();
    await h.database.pool.query(
      "UPDATE training_runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1",
      [runId],
    );
    const runDir = join(h.dataDir, 'runs', `run-${runId}`);
    await mkdir(join(runDir, 'output'), { recursive: true });
    await writeFile(join(runDir, 'output', 'partial.safetensors'), 'half');
    const card = await eventually(() => {
      const current = planCard(h, thread);
      expect(buttons(current).find((b) => b.label === 'Cancel training')?.disabled).toBe(false);
      return current;
    });
    const answer = await press(h, alice, card, `plan@1:${retsukoPlan}:cancel`);
    expect(answer).toContain('whose GPU worker is no longer running (it stopped), so nothing was training');
    expect(answer).not.toContain('partial files are removed');
    expect((await getTrainingRun(h.database.db, runId))!.state).toBe('cancelled');
    await s.worker.restart();
    await eventually(() => expect(existsSync(runDir)).toBe(false), 10_000);
  });
});

describe('delivery over the upload limit', () => {
  let s: Setup;
  let h: BotHarness;
  const LIMIT = 6000;
  beforeAll(async () => {
    s = await setUp(LIMIT);
    h = s.h;
    await s.worker.restart();
  }, 60_000);
  afterAll(async () => {
    await s?.worker.close();
    await s?.server.close();
    await h?.close();
  });

  it('posts a signed download link served by the bot, with info.txt attached', async () => {
    const { thread } = await finalizedProject(h, 'lucario', 12);
    await reply(h, alice, thread, 'train');
    const card = planCard(h, thread);
    const planId = planIdOf(card);
    await press(h, alice, card, `plan@1:${planId}:start`);
    const runId = await latestRunId(h, planId);
    await finalStatus(h, thread, runId, '✅ Finished');
    const delivered = thread.messages.find((m) => m.content.includes('is trained'))!;
    expect(delivered.content).toContain("larger than this server's upload limit (5.9 KiB)");
    expect(delivered.attachments.map((a) => a.filename)).toEqual(['info.txt']);
    const link = buttons(delivered).find((b) => b.url !== null)!;
    expect(link.label).toBe('Download lucario-yiffymix.safetensors');
    const response = await fetch(link.url!);
    expect(response.status).toBe(200);
    const model = Buffer.from(await response.arrayBuffer());
    expect(model.length).toBeGreaterThan(LIMIT);
    const sha256 = createHash('sha256').update(model).digest('hex');
    expect(delivered.attachments[0]!.data.toString('utf8')).toContain(`SHA-256: ${sha256}`);
    const tampered = link.url!.replace(/sig=./, (match) => (match.endsWith('A') ? 'sig=B' : 'sig=A'));
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('says so when no download address is configured, and still posts info.txt with the hash', async () => {
    const thread = h.discord.threads().find((t) => t.name.includes('Lucario'))!;
    const planId = planIdOf(planCard(h, thread));
    s.worker.train!.links = null;
    await start(h, thread, planId);
    const runId = await latestRunId(h, planId);
    await finalStatus(h, thread, runId, '✅ Finished');
    const delivered = [...thread.messages].reverse().find((m) => m.content.includes('is trained'))!;
    expect(delivered.content).toContain(
      'no public download address (the operator sets PUBLIC_URL and LINK_SECRET)',
    );
    // Where the file lies on the worker is not for a public thread: its name under the models folder only.
    expect(delivered.content).not.toContain(h.dataDir);
    expect(delivered.content).toContain('`lucario-yiffymix.safetensors`');
    expect(delivered.attachments.map((a) => a.filename)).toEqual(['info.txt']);
    expect(delivered.attachments[0]!.data.toString('utf8')).toMatch(/SHA-256: [0-9a-f]{64}/);
  });

  it('fails clearly when the base model file is missing on the worker', async () => {
    const thread = h.discord.threads().find((t) => t.name.includes('Lucario'))!;
    const planId = planIdOf(planCard(h, thread));
    await rm(s.worker.baseModels[0]!.file);
    await start(h, thread, planId);
    const runId = await latestRunId(h, planId);
    const status = await finalStatus(h, thread, runId, '❌ Failed');
    expect(textOf(status)).toContain('The file of base model "yiffymix" is missing on this worker');
    expect((await getTrainingRun(h.database.db, runId))!).toMatchObject({
      state: 'failed',
      errorCode: 'model-missing',
    });
  });

  it('exports a zip over the limit as a download link', async () => {
    const thread = h.discord.threads().find((t) => t.name.includes('Lucario'))!;
    const message = await exported(h, bob, thread);
    const url = /\]\((http[^)]+)\)/.exec(message.content)?.[1];
    expect(message.content).toContain("over this server's upload limit");
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    const zip = readZip(Buffer.from(await response.arrayBuffer()));
    expect([...zip.keys()].filter((name) => name.startsWith('10_lucario/'))).toHaveLength(24);
  });

  it('links an export over the limit when the main tag has parentheses, and leaves no zip when it cannot', async () => {
    const { thread } = await finalizedProject(h, 'aurelia_(skyfall)', 3);
    const exportsDir = join(h.dataDir, 'models', 'exports');
    const before = existsSync(exportsDir) ? readdirSync(exportsDir).length : 0;
    const message = await exported(h, bob, thread);
    expect(message.content).toContain("over this server's upload limit");
    expect(message.content).toContain('[download aurelia_(skyfall)-dataset.zip](');
    const url = /\]\((http[^)]+)\)/.exec(message.content)?.[1];
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    const disposition = response.headers.get('content-disposition')!;
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(disposition)![1]!)).toBe(
      'aurelia_(skyfall)-dataset.zip',
    );
    const zip = readZip(Buffer.from(await response.arrayBuffer()));
    expect([...zip.keys()].filter((name) => name.startsWith('10_aurelia_(skyfall)/'))).toHaveLength(6);
    expect(readdirSync(exportsDir)).toHaveLength(before + 1);

    // A link that cannot be made (here: no signer) leaves no copy behind.
    const working = s.signer.current;
    s.signer.current = null;
    try {
      // The worker says so in the thread, without a server path.
      const failed = await exported(h, bob, thread);
      expect(failed.content).toContain(
        '⚠️ The export of **Aurelia_(skyfall)** failed: Kiln hit an internal error (no link server yet)',
      );
      expect(failed.content).not.toContain(h.dataDir);
    } finally {
      s.signer.current = working;
    }
    expect(readdirSync(exportsDir)).toHaveLength(before + 1);
  });
});

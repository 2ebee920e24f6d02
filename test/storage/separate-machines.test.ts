import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseModel } from '../../src/core/training/plan.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { freezeDataset, setOverride } from '../../src/db/repositories/pruning.ts';
import { runsOfPlan } from '../../src/db/repositories/training.ts';
import { publish } from '../../src/storage/cache.ts';
import { LocalStore } from '../../src/storage/local-store.ts';
import { useProcessStore } from '../../src/storage/process-store.ts';
import type { S3Store } from '../../src/storage/s3-store.ts';
import { buttons, customIds, textOf, type FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';
import { s3StandInMissing, startS3StandIn, type S3StandIn } from '../helpers/object-store.ts';
import { press } from '../helpers/press.ts';
import { startWorkerHarness, type WorkerHarness } from '../helpers/worker-harness.ts';

/**
 * The bot, the fetch worker and the training worker on three machines: three DATA_DIRs that start empty, one
 * object store, no shared disk. (The fetch worker's part is its publishing of the stored images; the e621 side
 * of a fetch is covered in test/worker/jobs/fetch.test.ts.)
 */

const missing = s3StandInMissing();
if (missing) console.warn(`[separate machines] skipped: ${missing}`);

const alice = { id: '400000000000000061', username: 'alice' };
const MODEL: Omit<BaseModel, 'file'> = { name: 'yiffymix', family: 'sd1', tagStyle: 'e621' };
const LIMIT = 6 * 1024;

describe.skipIf(missing !== null)('bot, fetch worker and GPU worker without a shared disk', () => {
  let standIn: S3StandIn;
  let store: S3Store;
  let h: BotHarness;
  let gpu: WorkerHarness;
  let cpu: WorkerHarness;
  let fetchDataDir: string;
  let gpuDataDir: string;
  let cpuDataDir: string;

  beforeAll(async () => {
    standIn = await startS3StandIn();
    store = (await standIn.freshStore()).store;
    useProcessStore(store);
    fetchDataDir = await mkdtemp(join(tmpdir(), 'kiln-fetch-machine-'));
    gpuDataDir = await mkdtemp(join(tmpdir(), 'kiln-gpu-machine-'));
    cpuDataDir = await mkdtemp(join(tmpdir(), 'kiln-cpu-machine-'));
    h = await startBotHarness(
      { uploadLimitBytes: LIMIT },
      { training: { baseModels: [{ ...MODEL, file: '/models/yiffymix.safetensors' }], links: null } },
    );
    gpu = startWorkerHarness(h, {
      roles: ['train'],
      dataDir: gpuDataDir,
      train: { baseModels: [MODEL], links: null, trainerEnv: { KILN_FAKE_SDS_STEP_MS: '0' } },
    });
    // The CPU worker that builds exports: a disk of its own, empty, the images read from the store.
    cpu = startWorkerHarness(h, { roles: ['autotag'], dataDir: cpuDataDir, export: { links: null } });
  });
  afterAll(async () => {
    useProcessStore(null);
    await gpu?.close();
    await cpu?.close();
    await h?.close();
    await standIn?.stop();
    await rm(fetchDataDir, { recursive: true, force: true });
    await rm(gpuDataDir, { recursive: true, force: true });
    await rm(cpuDataDir, { recursive: true, force: true });
  });

  async function finalized(mainTag: string, count: number): Promise<FakeChannel> {
    const { project, thread } = await given.project(h, alice, mainTag, mainTag.toUpperCase());
    // The fetch worker stores the images on its own disk and publishes them to the store.
    const images = await given.images(h.database.db, fetchDataDir, project.id, count);
    for await (const item of new LocalStore(fetchDataDir).list('images/')) {
      await publish(store, fetchDataDir, item.key);
    }
    for (const image of images) {
      await setOverride(h.database.db, {
        candidateId: image.candidateId,
        userId: alice.id,
        decision: 'kept',
      });
    }
    await freezeDataset(h.database.db, project.id, alice.id);
    expect(await getProject(h.database.db, project.id)).toBeTruthy();
    return thread;
  }

  async function trainAndDeliver(thread: FakeChannel) {
    const train = await h.discord.user(alice).slash('lora', { subcommand: 'train', channelId: thread.id });
    await train.waitForOriginal((m) => textOf(m).length > 0, 20_000);
    const card = [...thread.messages]
      .reverse()
      .find((m) => customIds(m).some((id) => id.startsWith('plan@1:')))!;
    const planId = Number(/plan@1:(\d+):start/.exec(customIds(card).join(' '))![1]);
    await press(h, alice, h.discord.message(thread.id, card.id)!, `plan@1:${planId}:start`);
    return eventually(async () => {
      const runs = await runsOfPlan(h.database.db, planId);
      expect(runs.at(-1)?.state).toBe('succeeded');
      const delivered = thread.messages.find((m) => m.content.includes('is trained'));
      expect(delivered).toBeTruthy();
      return { delivered: delivered!, run: runs.at(-1)! };
    }, 60_000);
  }

  it('trains from an empty GPU DATA_DIR and delivers by a presigned link over the upload limit', async () => {
    expect(await readdir(gpuDataDir)).toEqual([]);
    expect(await readdir(h.dataDir)).toEqual([]);
    const thread = await finalized('lucario', 6);
    const { delivered, run } = await trainAndDeliver(thread);
    expect(delivered.content).toContain("larger than this server's upload limit");
    const link = buttons(delivered).find((b) => b.url !== null)!;
    expect(link.url).toContain(standIn.endpoint);
    const response = await fetch(link.url!);
    expect(response.status).toBe(200);
    const model = Buffer.from(await response.arrayBuffer());
    expect(model.length).toBeGreaterThan(LIMIT);
    expect(createHash('sha256').update(model).digest('hex')).toBe(run.outputSha256);
    // The bot's disk never held a model or an image: the store did.
    expect(await readdir(h.dataDir)).toEqual([]);
    expect((await store.stat(`models/lora/${run.id}/info.txt`))?.size).toBeGreaterThan(0);

    // The epoch vote: an epoch file that only the GPU worker's disk and the store ever held is delivered after the
    // GPU worker's disk is wiped (the worker takes it back from the store).
    const card = await eventually(() => {
      const found = thread.messages.find((m) => customIds(m).includes(`epoch@1:${run.id}:deliver`));
      expect(found).toBeDefined();
      return h.discord.message(thread.id, found!.id)!;
    }, 30_000);
    await rm(join(gpuDataDir, 'models'), { recursive: true }); // the rented GPU is gone
    expect(await press(h, alice, card, `epoch@1:${run.id}:2`)).toContain('Your vote: epoch 2');
    expect(await press(h, alice, card, `epoch@1:${run.id}:deliver`)).toContain(
      'Delivering epoch 2 on the worker',
    );
    const chosen = await eventually(() => {
      const found = thread.messages.find((m) => m.content.includes('chosen by vote'));
      expect(found).toBeDefined();
      return found!;
    });
    const epochLink = buttons(chosen).find((b) => b.url !== null)!;
    const epochFile = Buffer.from(await (await fetch(epochLink.url!)).arrayBuffer());
    const stored = await store.get(
      `models/lora/${run.id}/epochs/${(epochLink.label ?? '').replace(/^Download /, '')}`,
    );
    expect(epochFile.equals(stored)).toBe(true);
    expect(chosen.content).toContain(createHash('sha256').update(stored).digest('hex'));
  }, 120_000);

  it('exports a dataset over the upload limit as a presigned link, the images read from the store', async () => {
    const thread = h.discord.threads().find((t) => t.name.includes('LUCARIO'))!;
    const result = await h.discord.user(alice).slash('lora', { subcommand: 'export', channelId: thread.id });
    await result.waitForOriginal((m) => m.content.includes('on the worker'), 10_000);
    const message = await eventually(() => {
      const found = thread.messages.find((m) => m.content.includes("over this server's upload limit"));
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    const url = /\]\((http[^)]+)\)/.exec(message.content)?.[1];
    expect(url).toContain(standIn.endpoint);
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    const zip = Buffer.from(await response.arrayBuffer());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(response.headers.get('content-disposition')).toContain('lucario-dataset.zip');
  }, 60_000);
});

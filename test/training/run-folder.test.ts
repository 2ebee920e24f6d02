import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuild, getProject, insertProject } from '../../src/db/repositories/projects.ts';
import { freezeDataset, setOverride } from '../../src/db/repositories/pruning.ts';
import { addCrop, ensureHeadCrop, saveReplacement, setCropBox } from '../../src/db/repositories/crops.ts';
import type { ProjectRow } from '../../src/db/schema/index.ts';
import { captionStyleFor } from '../../src/core/tags/spelling.ts';
import { captionMainTag } from '../../src/training/captions.ts';
import { loadTrainingDataset } from '../../src/training/dataset.ts';
import { NO_EPOCH_SAMPLES, planForRun } from '../../src/training/plan.ts';
import { buildRunFolder } from '../../src/training/run-folder.ts';
import { publish } from '../../src/storage/cache.ts';
import { LocalStore } from '../../src/storage/local-store.ts';
import { useProcessStore } from '../../src/storage/process-store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { s3StandInMissing, startS3StandIn } from '../helpers/object-store.ts';
import { given } from '../helpers/given.ts';

const OWNER = '400000000000000041';

describe('the run folder rebuilt from Postgres', () => {
  let database: TestDatabase;
  let dataDir: string;
  let project: ProjectRow;
  let images: Array<{ candidateId: number; postId: number }>;
  let headCropId: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'kiln-run-folder-'));
    const { db } = database;
    await ensureGuild(db, '200000000000000041');
    const created = await insertProject(db, {
      guildId: '200000000000000041',
      channelId: '300000000000000041',
      ownerId: OWNER,
      characterName: 'Krystal',
      mainTag: 'krystal_(star_fox)',
    });
    images = await given.images(db, dataDir, created.id, 4);
    for (const image of images.slice(0, 3)) {
      await setOverride(db, { candidateId: image.candidateId, userId: OWNER, decision: 'kept' });
    }
    await setOverride(db, { candidateId: images[3]!.candidateId, userId: OWNER, decision: 'pruned' });
    headCropId = await ensureHeadCrop(db, images[0]!.candidateId, OWNER);
    await setCropBox(db, headCropId, { left: 100, top: 0, width: 300, height: 320 }, true);
    // An unconfirmed crop is not part of the dataset.
    const draft = await addCrop(db, { candidateId: images[1]!.candidateId, kind: 'split', createdBy: OWNER });
    await setCropBox(db, draft, { left: 0, top: 0, width: 200, height: 200 }, false);
    const transparent = await sharp({
      create: { width: 400, height: 500, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    await saveReplacement(db, {
      candidateId: images[2]!.candidateId,
      md5: 'f'.repeat(32),
      format: 'png',
      width: 400,
      height: 500,
      data: transparent,
      uploadedBy: OWNER,
    });
    await freezeDataset(db, created.id, OWNER);
    project = (await getProject(db, created.id))!;
  });
  afterAll(async () => {
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('holds kept images and confirmed crops, sized as they will train', async () => {
    const dataset = await loadTrainingDataset(database.db, project);
    expect(dataset.entries.map((entry) => [entry.name, entry.width, entry.height])).toEqual([
      [String(images[0]!.postId), 600, 800],
      [`${images[0]!.postId}-headshot-${headCropId}`, 300, 320],
      [String(images[1]!.postId), 600, 800],
      [String(images[2]!.postId), 400, 500],
    ]);
    expect([dataset.keptCount, dataset.cropCount, dataset.headshotCount]).toEqual([3, 1, 1]);
    const plan = planForRun({
      dataset,
      settings: { preset: 'full', strength: 1.1, locon: false, samplePrompts: [] },
      sampling: NO_EPOCH_SAMPLES,
      baseModel: { name: 'm', file: '/m.safetensors', family: 'sd1', tagStyle: 'e621' },
    });
    expect(plan.images.value).toBe(4);
    expect(plan.headshots.value.count).toBe(1);
    expect(plan.totalSteps.value.exact).toBe(true);
  });

  it('applies crops, uses the replacement flattened onto white, and starts every caption with the main tag', async () => {
    const dataset = await loadTrainingDataset(database.db, project);
    const runDir = join(dataDir, 'runs', 'run-1');
    const folder = await buildRunFolder({
      db: database.db,
      dataDir,
      project,
      dataset,
      runDir,
      repeats: 10,
      tagStyle: 'e621',
    });
    expect(folder.mainTag).toBe('krystal (star fox)');
    expect(folder.folderName).toBe('10_krystal_(star_fox)');
    const files = (await readdir(folder.imageDir)).sort();
    expect(files).toHaveLength(8);
    const crop = folder.images.find((image) => image.name.includes('headshot'))!;
    expect([crop.width, crop.height]).toEqual([300, 320]);
    const replaced = folder.images.find((image) => image.name === String(images[2]!.postId))!;
    const { data, info } = await sharp(replaced.imagePath).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([400, 500, 3]);
    expect([...data.subarray(0, 3)]).toEqual([255, 255, 255]);
    for (const image of folder.images) {
      expect(await readFile(image.captionPath, 'utf8')).toMatch(/^krystal \(star fox\), /);
    }
    expect(await readFile(crop.captionPath, 'utf8')).toMatch(/, headshot portrait$/);
    // The replacement's bytes were only staged for the build.
    expect((await readdir(runDir)).sort()).toEqual(['img']);
  });

  it.skipIf(s3StandInMissing() !== null)(
    'on a training worker whose DATA_DIR starts empty, fetches the images from the object store, again after a wipe',
    async () => {
      const standIn = await startS3StandIn();
      const gpuDataDir = await mkdtemp(join(tmpdir(), 'kiln-gpu-data-'));
      try {
        const { store } = await standIn.freshStore();
        // The fetch worker published what it stored; its disk is not the training worker's.
        for await (const item of new LocalStore(dataDir).list('images/'))
          await publish(store, dataDir, item.key);
        useProcessStore(store);
        const dataset = await loadTrainingDataset(database.db, project);
        for (const run of ['run-1', 'run-2']) {
          expect(await readdir(gpuDataDir)).toEqual([]);
          const folder = await buildRunFolder({
            db: database.db,
            dataDir: gpuDataDir,
            project,
            dataset,
            runDir: join(gpuDataDir, 'runs', run),
            repeats: 10,
            tagStyle: 'e621',
          });
          expect(await readdir(folder.imageDir)).toHaveLength(8);
          expect((await readdir(gpuDataDir)).sort()).toEqual(['images', 'runs']);
          // The cache wiped between two runs (a rented GPU started fresh).
          await rm(gpuDataDir, { recursive: true });
          await mkdir(gpuDataDir);
        }
      } finally {
        useProcessStore(null);
        await standIn.stop();
        await rm(gpuDataDir, { recursive: true, force: true });
      }
    },
  );

  it('writes the main tag in caption form', () => {
    expect(captionMainTag('krystal_(star_fox)', captionStyleFor('e621'))).toBe('krystal (star fox)');
    expect(captionMainTag('^_^', captionStyleFor('anime'))).toBe('^_^');
  });
});

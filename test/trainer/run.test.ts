import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseProgressLine,
  runTraining,
  type ProgressEvent,
  type TrainerEvent,
} from '../../src/trainer/run.ts';
import { checkMetadata, readSafetensorsHeader } from '../../src/trainer/safetensors.ts';
import { FAKE_LAUNCHER, FAKE_SD_SCRIPTS_DIR, givenRun, temporaryDir, type GivenRun } from './helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let counter = 0;

beforeAll(async () => {
  tmp = await temporaryDir('kiln-run-');
});
afterAll(async () => {
  await tmp.remove();
});

async function freshRun(options: Parameters<typeof givenRun>[1] = {}): Promise<GivenRun> {
  counter++;
  return givenRun(join(tmp.dir, `run${counter}`), options);
}

function start(
  run: GivenRun,
  env: Record<string, string> = {},
  extra: Partial<Parameters<typeof runTraining>[0]> = {},
) {
  const events: TrainerEvent[] = [];
  const result = runTraining({
    sdScriptsDir: FAKE_SD_SCRIPTS_DIR,
    script: run.config.script,
    configPath: run.written.configPath,
    datasetPath: run.written.datasetPath,
    outputDir: run.outputDir,
    outputName: run.outputName,
    launcher: FAKE_LAUNCHER,
    env,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { events, result };
}

describe('parseProgressLine', () => {
  it('reads step, total, times, rate and avr_loss from a tqdm redraw', () => {
    expect(
      parseProgressLine('steps:  12%|█▏        | 83/690 [01:23<10:12,  1.01s/it, avr_loss=0.0912]'),
    ).toEqual({
      percent: 12,
      step: 83,
      totalSteps: 690,
      elapsedSeconds: 83,
      remainingSeconds: 612,
      secondsPerStep: 1.01,
      avrLoss: 0.0912,
    });
  });

  it('reads it/s rates, the first redraw without loss, and nan', () => {
    expect(
      parseProgressLine('steps:  50%|█████     | 5/10 [00:01<00:01,  4.00it/s, avr_loss=1.2e-5]'),
    ).toMatchObject({
      secondsPerStep: 0.25,
      avrLoss: 1.2e-5,
    });
    expect(parseProgressLine('steps:   0%|          | 0/690 [00:00<?, ?it/s]')).toMatchObject({
      step: 0,
      remainingSeconds: null,
      secondsPerStep: null,
      avrLoss: null,
    });
    expect(
      Number.isNaN(parseProgressLine('steps: 3%|▎| 3/100 [00:03<01:40, 1.00s/it, avr_loss=nan]')?.avrLoss),
    ).toBe(true);
  });

  it('ignores other bars and log lines', () => {
    expect(parseProgressLine('caching latents: 100%|██████████| 81/81 [00:10<00:00, 8.0it/s]')).toBeNull();
    expect(parseProgressLine('epoch 1/10')).toBeNull();
  });
});

describe('runTraining against the fake sd-scripts', () => {
  it('succeeds with every epoch file, samples per epoch, progress and metadata matching the plan', async () => {
    const run = await freshRun({
      count: 4,
      samplePrompts: [
        { prompt: 'krystal', seeds: [11, 12] },
        { prompt: 'krystal, red shirt', seeds: [11] },
      ],
    });
    const { events, result } = start(run);
    const outcome = await result;
    expect(outcome.status).toBe('succeeded');
    if (outcome.status !== 'succeeded') return;
    expect(outcome.modelPath).toBe(join(run.outputDir, 'krystal.safetensors'));
    expect(outcome.checkpoints.map((c) => [c.epoch, c.final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(outcome.checkpoints[0]?.path).toBe(join(run.outputDir, 'krystal-000001.safetensors'));
    expect(outcome.totalSteps).toBe(run.plan.totalSteps.value.steps);
    expect(outcome.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(outcome.epochs.every((e) => typeof e.averageLoss === 'number' && e.averageLoss > 0)).toBe(true);

    // Samples: 3 prompt lines × 3 epochs, named by epoch and line index, with the line's seed.
    expect(outcome.samples).toHaveLength(9);
    expect(outcome.samples.filter((s) => s.epoch === 2).map((s) => [s.promptIndex, s.seed])).toEqual([
      [0, 11],
      [1, 12],
      [2, 11],
    ]);
    const ready = events.filter((e) => e.type === 'samplesReady');
    expect(ready.map((e) => (e.type === 'samplesReady' ? [e.epoch, e.paths.length] : null))).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);

    // Events arrive in training order.
    const kinds = events
      .filter((e) => e.type !== 'log' && e.type !== 'progress' && e.type !== 'sampleImage')
      .map((e) => {
        switch (e.type) {
          case 'epochStart':
          case 'epochEnd':
            return `${e.type}:${e.epoch}`;
          case 'checkpointSaved':
            return `saved:${e.epoch}`;
          case 'samplesReady':
            return `samples:${e.epoch}`;
          case 'started':
            return e.type;
        }
      });
    expect(kinds).toEqual([
      'started',
      'epochStart:1',
      'epochEnd:1',
      'saved:1',
      'samples:1',
      'epochStart:2',
      'epochEnd:2',
      'saved:2',
      'samples:2',
      'epochStart:3',
      'epochEnd:3',
      'samples:3',
      'saved:3',
    ]);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({
      step: outcome.totalSteps,
      totalSteps: outcome.totalSteps,
      epoch: 3,
      totalEpochs: 3,
    });

    // The file's ss_* metadata matches the plan.
    const header = await readSafetensorsHeader(outcome.modelPath);
    expect(
      checkMetadata(header.metadata, {
        plan: run.plan,
        epoch: 3,
        baseModelPath: run.baseModel.file,
        outputName: 'krystal',
      }),
    ).toEqual([]);
    const epochTwo = await readSafetensorsHeader(join(run.outputDir, 'krystal-000002.safetensors'));
    expect(checkMetadata(epochTwo.metadata, { plan: run.plan, epoch: 2 })).toEqual([]);
  });

  it('gets epochs, losses, checkpoints and samples right when stdout arrives long after stderr', async () => {
    const run = await freshRun({ count: 4, samplePrompts: [{ prompt: 'krystal', seeds: [1, 2] }] });
    const [node, , ...launchArgs] = FAKE_LAUNCHER;
    const { events, result } = start(
      run,
      {},
      {
        launcher: [node!, join(FAKE_SD_SCRIPTS_DIR, 'lagging-accelerate.js'), ...launchArgs],
      },
    );
    const outcome = await result;
    if (outcome.status !== 'succeeded') throw new Error(`${outcome.status}: ${JSON.stringify(outcome)}`);
    expect(outcome.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const ready = events.flatMap((e) => (e.type === 'samplesReady' ? [[e.epoch, e.paths.length]] : []));
    expect(ready).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
    // Each epoch's loss is avr_loss at that epoch's last step, not whatever stderr had reached.
    const perEpoch = outcome.totalSteps! / 3;
    const lossAt = (step: number): number | null | undefined =>
      events.find((e): e is ProgressEvent => e.type === 'progress' && e.step === step)?.avrLoss;
    expect(outcome.epochs).toEqual(
      [1, 2, 3].map((epoch) => ({ epoch, averageLoss: lossAt(epoch * perEpoch) })),
    );
    expect(new Set(outcome.epochs.map((e) => e.averageLoss)).size).toBe(3);
  });

  it('keeps events in order with each epoch’s loss when stderr arrives long after stdout', async () => {
    const run = await freshRun({ count: 4, samplePrompts: [{ prompt: 'krystal', seeds: [1, 2] }] });
    const [node, , ...launchArgs] = FAKE_LAUNCHER;
    const { events, result } = start(
      run,
      { KILN_FAKE_LAG_STREAM: 'stderr' },
      { launcher: [node!, join(FAKE_SD_SCRIPTS_DIR, 'lagging-accelerate.js'), ...launchArgs] },
    );
    const outcome = await result;
    if (outcome.status !== 'succeeded') throw new Error(`${outcome.status}: ${JSON.stringify(outcome)}`);
    const perEpoch = outcome.totalSteps! / 3;
    const lossAt = (step: number): number | null | undefined =>
      events.find((e): e is ProgressEvent => e.type === 'progress' && e.step === step)?.avrLoss;
    expect(outcome.epochs).toEqual(
      [1, 2, 3].map((epoch) => ({ epoch, averageLoss: lossAt(epoch * perEpoch) })),
    );
    expect(outcome.epochs.every((e) => typeof e.averageLoss === 'number')).toBe(true);
    const order = events.flatMap((e) =>
      e.type === 'epochEnd' ? [`end:${e.epoch}`] : e.type === 'checkpointSaved' ? [`saved:${e.epoch}`] : [],
    );
    expect(order).toEqual(['end:1', 'saved:1', 'end:2', 'saved:2', 'end:3', 'saved:3']);
  });

  it('colours each sample by its prompt text (the fake colour rule)', async () => {
    const run = await freshRun({ samplePrompts: [{ prompt: 'krystal', seeds: [1] }] });
    const outcome = await start(run).result;
    if (outcome.status !== 'succeeded') throw new Error(outcome.status);
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update('krystal').digest();
    const { data } = await sharp(outcome.samples[0]!.path).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([digest[0], digest[1], digest[2]]);
  });

  it('aborts on avr_loss=nan, kills the process and removes what it wrote', async () => {
    const run = await freshRun({ count: 6 });
    const { events, result } = start(run, {
      KILN_FAKE_SDS_FAIL: 'nan',
      KILN_FAKE_SDS_NAN_STEP: '4',
      KILN_FAKE_SDS_STEP_MS: '20',
    });
    const outcome = await result;
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.reason).toBe('nan-loss');
    expect(outcome.message).toMatch(/NaN at step 4\/\d+, epoch 1/);
    expect(events.some((e) => e.type === 'progress' && e.avrLoss !== null && Number.isNaN(e.avrLoss))).toBe(
      true,
    );
    expect(existsSync(run.outputDir)).toBe(false);
  });

  it('fails with the traceback reason when sd-scripts exits 1', async () => {
    const run = await freshRun();
    const outcome = await start(run, { KILN_FAKE_SDS_FAIL: 'exit1' }).result;
    expect(outcome).toMatchObject({ status: 'failed', reason: 'out-of-memory', exitCode: 1 });
    if (outcome.status === 'failed') {
      expect(outcome.message).toMatch(/ran out of GPU memory/);
      expect(outcome.logTail.some((line) => line.includes('CUDA out of memory'))).toBe(true);
    }
  });

  it('treats "No data found" with exit code 0 as a failure', async () => {
    const run = await freshRun();
    const outcome = await start(run, { KILN_FAKE_SDS_FAIL: 'nodata' }).result;
    expect(outcome).toMatchObject({ status: 'failed', reason: 'no-data', exitCode: 0 });
    if (outcome.status === 'failed') expect(outcome.message).toMatch(/No data found/);
  });

  it('catches "No data found" for real when the image folder is empty', async () => {
    const run = await freshRun();
    for (const name of await readdir(run.imageDir)) {
      const { rm } = await import('node:fs/promises');
      await rm(join(run.imageDir, name));
    }
    const outcome = await start(run).result;
    expect(outcome).toMatchObject({ status: 'failed', reason: 'no-data' });
  });

  it('cancels with SIGINT mid-run and removes the partial files', async () => {
    const run = await freshRun({ count: 6, samplePrompts: [{ prompt: 'krystal', seeds: [1] }] });
    const controller = new AbortController();
    const seen: string[] = [];
    const outcome = await start(
      run,
      { KILN_FAKE_SDS_STEP_MS: '40' },
      {
        signal: controller.signal,
        cancelGraceMs: 5_000,
        onEvent: (event) => {
          if (event.type === 'checkpointSaved') {
            seen.push(event.path);
            controller.abort();
          }
        },
      },
    ).result;
    expect(outcome.status).toBe('cancelled');
    if (outcome.status !== 'cancelled') return;
    expect(seen).toEqual([join(run.outputDir, 'krystal-000001.safetensors')]);
    expect(outcome.removedFiles).toContain(join(run.outputDir, 'krystal-000001.safetensors'));
    expect(existsSync(run.outputDir)).toBe(false);
  });

  it('escalates to SIGKILL when the trainer ignores SIGINT', async () => {
    const run = await freshRun({ count: 6 });
    const controller = new AbortController();
    const outcome = await start(
      run,
      { KILN_FAKE_SDS_STEP_MS: '40', KILN_FAKE_SDS_IGNORE_SIGINT: '1' },
      {
        signal: controller.signal,
        cancelGraceMs: 300,
        onEvent: (event) => {
          if (event.type === 'progress' && event.step === 3) controller.abort();
        },
      },
    ).result;
    expect(outcome.status).toBe('cancelled');
    expect(existsSync(join(run.outputDir, 'krystal.safetensors'))).toBe(false);
    // Nothing of the group is left writing: the folder stays gone.
    await new Promise((done) => setTimeout(done, 300));
    expect(existsSync(run.outputDir)).toBe(false);
  });

  it('reports an option sd-scripts rejects', async () => {
    const run = await freshRun();
    const bad = await start(run, {}, { extraArgs: ['--no_such_option', '1'] }).result;
    expect(bad).toMatchObject({ status: 'failed', reason: 'bad-arguments' });
    if (bad.status === 'failed')
      expect(bad.message).toBe(
        'sd-scripts rejected its arguments: unrecognized arguments: --no_such_option 1',
      );
  });

  it('reports a dataset config that sd-scripts refuses', async () => {
    const run = await freshRun();
    await writeFile(
      run.written.datasetPath,
      `[general]\nkeep_token = 1\n[[datasets]]\nresolution = 512\n[[datasets.subsets]]\nimage_dir = "${run.imageDir}"\n`,
    );
    const outcome = await start(run).result;
    expect(outcome).toMatchObject({ status: 'failed', reason: 'exit-code', exitCode: 1 });
    const tail = outcome.status === 'failed' ? outcome.logTail.join('\n') : '';
    expect(tail).toContain("extra keys not allowed @ data['general']['keep_token']");
  });

  it('fails clearly when the launcher cannot be started', async () => {
    const run = await freshRun();
    const outcome = await start(run, {}, { launcher: ['/nonexistent/accelerate', 'launch'] }).result;
    expect(outcome).toMatchObject({ status: 'failed', reason: 'launch-failed' });
    if (outcome.status === 'failed') expect(outcome.message).toMatch(/could not start/);
  });

  it('returns cancelled at once when the signal is already aborted', async () => {
    const run = await freshRun();
    const outcome = await start(run, {}, { signal: AbortSignal.abort() }).result;
    expect(outcome.status).toBe('cancelled');
  });
});

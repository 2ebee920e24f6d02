import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraining, type TrainerEvent } from '../../src/trainer/run.ts';
import { FAKE_SD_SCRIPTS_DIR, REPO_ROOT, temporaryDir } from './helpers.ts';

/**
 * Kiln's parser against output recorded from the real sd-scripts (test/fixtures/sd-scripts/README.md): two
 * redraws per step (the first still showing the previous step's avr_loss), \r endings, the validation bars, and
 * stdout and stderr in the order they came. Replayed in order and with either pipe lagging behind the other.
 */
const FIXTURES = join(REPO_ROOT, 'test/fixtures/sd-scripts');
const REPLAY = [process.execPath, join(FAKE_SD_SCRIPTS_DIR, 'replay.js')];

interface Chunk {
  stream: 'stdout' | 'stderr';
  data: string;
}
function chunks(name: string): Chunk[] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Chunk);
}

/** What sd-scripts showed: the avr_loss of each step's last redraw of the "steps" bar. */
function printedLosses(name: string): Map<number, string> {
  const losses = new Map<number, string>();
  const stderr = chunks(name)
    .filter((chunk) => chunk.stream === 'stderr')
    .map((chunk) => chunk.data)
    .join('');
  for (const redraw of stderr.split(/[\r\n]/)) {
    const match = /^steps:.*?\| (\d+)\/\d+ \[.*avr_loss=([^\]\s]+)/.exec(redraw);
    if (match?.[1] && match[2]) losses.set(Number(match[1]), match[2]);
  }
  return losses;
}

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let counter = 0;
beforeAll(async () => {
  tmp = await temporaryDir('kiln-real-output-');
});
afterAll(async () => {
  await tmp.remove();
});

async function replay(fixture: string, lag: '' | 'stdout' | 'stderr' = '') {
  counter++;
  const outputDir = join(tmp.dir, `run${counter}`, 'output');
  const events: TrainerEvent[] = [];
  const result = await runTraining({
    sdScriptsDir: FAKE_SD_SCRIPTS_DIR,
    script: 'train_network.py',
    configPath: 'config.toml',
    datasetPath: 'dataset.toml',
    outputDir,
    outputName: 'tinychar',
    launcher: [...REPLAY, join(FIXTURES, fixture)],
    env: { KILN_REPLAY_OUTPUT_DIR: outputDir, KILN_REPLAY_LAG: lag },
    onEvent: (event) => events.push(event),
    keepFilesOnFailure: true,
  });
  return { result, events };
}

const asNumber = (text: string): number => (text === 'nan' ? Number.NaN : Number(text));

describe.each(['', 'stdout', 'stderr'] as const)('a real sd-scripts run replayed (lagging: %s)', (lag) => {
  it("gives each epoch the avr_loss sd-scripts showed at the epoch's last step", async () => {
    const printed = printedLosses('kiln-train-sd1.jsonl');
    const { result, events } = await replay('kiln-train-sd1.jsonl', lag);
    const ends = events.flatMap((event) => (event.type === 'epochEnd' ? [event] : []));
    expect(ends.map((end) => [end.epoch, end.step, end.averageLoss])).toEqual([
      [1, 4, asNumber(printed.get(4) ?? '?')],
      [2, 8, asNumber(printed.get(8) ?? '?')],
    ]);
    expect(result).toMatchObject({ status: 'succeeded' });
    if (result.status === 'succeeded') {
      expect(result.epochs).toEqual([
        { epoch: 1, averageLoss: asNumber(printed.get(4) ?? '?') },
        { epoch: 2, averageLoss: asNumber(printed.get(8) ?? '?') },
      ]);
    }
    // One progress event per step, with that step's own loss (never the previous step's stale redraw).
    const progress = events.flatMap((event) => (event.type === 'progress' && event.step > 0 ? [event] : []));
    expect(progress.map((event) => [event.step, event.avrLoss])).toEqual(
      [...printed].map(([step, loss]) => [step, asNumber(loss)]),
    );
  });

  it('stops a run at the step where avr_loss first shows nan, and ignores the validation bars', async () => {
    const printed = printedLosses('nan-with-validation.jsonl');
    const firstNan = [...printed].find(([, loss]) => loss === 'nan')?.[0];
    expect(firstNan).toBe(2);
    const { result, events } = await replay('nan-with-validation.jsonl', lag);
    expect(result).toMatchObject({ status: 'failed', reason: 'nan-loss' });
    if (result.status === 'failed') {
      expect(result.message).toContain('the average loss became NaN at step 2/4');
    }
    const progress = events.flatMap((event) => (event.type === 'progress' ? [event] : []));
    // The validation bars (1/8 … 8/8) never count as training steps.
    expect(progress.every((event) => event.totalSteps === 4)).toBe(true);
    expect(progress.map((event) => event.step)).toEqual([0, 1, 2]);
    const logged = events.flatMap((event) => (event.type === 'log' ? [event.line] : []));
    expect(logged.some((line) => line.includes('validation steps'))).toBe(false);
  });
});

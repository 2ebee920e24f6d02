import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { lossChartSvg, renderLossChart, thinPoints } from '../../src/training/loss-chart.ts';
import { formatSpeed, progressBar, runStatusMessage, statusLines } from '../../src/views/run-status.ts';
import { assertFolderSafeMainTag, parseSamplePrompts, parseStrength } from '../../src/training/plan.ts';
import { serverUploadLimit, effectiveUploadLimit } from '../../src/delivery/upload-limit.ts';

const progress = {
  phase: 'training' as const,
  step: 40,
  totalSteps: 80,
  epoch: 5,
  totalEpochs: 10,
  averageLoss: 0.08123,
  secondsPerStep: 0.25,
  remainingSeconds: 10,
  epochLosses: [],
};

describe('the training status message', () => {
  it('shows a bar, step/total, epoch, average loss, speed and ETA while training', () => {
    expect(progressBar(40, 80, 10)).toBe('█████░░░░░ 50%');
    expect(progressBar(0, 0, 4)).toBe('░░░░ 0%');
    expect(formatSpeed(0.25)).toBe('4.00 steps/s');
    expect(formatSpeed(2)).toBe('2.00 s/step');
    const lines = statusLines({
      runId: 3,
      characterName: 'Krystal',
      baseModelName: 'yiffymix',
      state: 'training',
      progress,
    });
    expect(lines.join('\n')).toContain(
      'Step **40** / 80 · epoch **5** / 10 · average loss **0.0812** · 4.00 steps/s · ETA 10 s',
    );
    const body = runStatusMessage({
      runId: 3,
      characterName: 'Krystal',
      baseModelName: 'yiffymix',
      state: 'training',
      progress,
    });
    expect(JSON.stringify(body)).toContain('run@1:3:cancel');
    const done = runStatusMessage({
      runId: 3,
      characterName: 'K',
      baseModelName: 'y',
      state: 'succeeded',
      progress,
    });
    expect(JSON.stringify(done)).not.toContain('run@1:3:cancel');
  });

  it('draws the loss curve as a PNG, thinning long runs', async () => {
    const points = Array.from({ length: 5000 }, (_, i) => ({
      step: i + 1,
      loss: 0.1 + 0.05 * Math.exp(-i / 500),
    }));
    expect(thinPoints(points, 100)).toHaveLength(100);
    expect(thinPoints(points, 100).at(-1)).toEqual(points.at(-1));
    const svg = lossChartSvg({ points, totalSteps: 5000, epochEnds: [500, 1000], title: 'K & <y>' });
    expect(svg).toContain('K &#38; &#60;y&#62;');
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    const meta = await sharp(
      await renderLossChart({ points, totalSteps: 5000, epochEnds: [], title: 't' }),
    ).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 640, 280]);
  });
});

describe('plan inputs from Discord', () => {
  it('takes a strength above 0 and at most 3, and names a bad one', () => {
    expect(parseStrength(' 1,2 ')).toBe(1.2);
    for (const bad of ['0', '-1', '3.01', 'abc', '']) {
      expect(() => parseStrength(bad)).toThrow('Strength must be a number above 0 and at most 3');
    }
  });

  it('refuses a main tag that would make the folder name a path', () => {
    expect(() => assertFolderSafeMainTag('ac/dc')).toThrow('contains `/`');
    expect(() => assertFolderSafeMainTag('a..b')).toThrow('contains `..`');
    expect(() => assertFolderSafeMainTag('krystal_(star_fox)')).not.toThrow();
  });

  it('takes one sample prompt per line, at most ten', () => {
    expect(parseSamplePrompts('a, b\n\n c \n')).toEqual(['a, b', 'c']);
    expect(() => parseSamplePrompts(Array.from({ length: 11 }, (_, i) => `p${i}`).join('\n'))).toThrow(
      'At most 10',
    );
    expect(() => parseSamplePrompts('# comment')).toThrow('must not start with "#"');
  });

  it("caps the remembered upload limit at what a bot's post gets, and assumes 10 MiB when unknown", () => {
    expect(serverUploadLimit(500 * 1024 * 1024, 0)).toBe(10 * 1024 * 1024);
    expect(serverUploadLimit(500 * 1024 * 1024, 2)).toBe(50 * 1024 * 1024);
    expect(serverUploadLimit(8 * 1024 * 1024, 3)).toBe(8 * 1024 * 1024);
    expect(effectiveUploadLimit(null)).toBe(10 * 1024 * 1024);
  });
});

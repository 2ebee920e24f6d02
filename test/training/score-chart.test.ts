import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { scoreEpoch, type EpochScores } from '../../src/core/epochs/index.ts';
import { renderScoreChart, scoreChartSvg, SCORE_CHART_SIZE } from '../../src/training/score-chart.ts';

const prompt = { kind: 'likeness' as const, prompt: 'rox', tags: ['rox'] };
const epoch = (n: number, seen: boolean): EpochScores =>
  scoreEpoch(n, [{ promptIndex: 0, seed: 1, tags: seen ? ['blue_eyes'] : [] }], {
    prompts: [prompt],
    traits: ['blue_eyes'],
    outfits: [],
    overfitTags: [],
  });

describe('score chart', () => {
  it('draws a 640 × 260 PNG with one point per measured epoch', async () => {
    const epochs = [epoch(1, false), epoch(2, true), epoch(3, true)];
    const png = await renderScoreChart(epochs, 'Rox: likeness across epochs');
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual([
      'png',
      SCORE_CHART_SIZE.width,
      SCORE_CHART_SIZE.height,
    ]);
    // Trait recall is measured (3 points); flexibility was not prompted, so it has none.
    expect(scoreChartSvg(epochs, 't').match(/<circle/g)).toHaveLength(3);
  });
});

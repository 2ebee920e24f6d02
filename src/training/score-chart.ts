import sharp from 'sharp';
import { share, type EpochScores } from '../core/epochs/scores.ts';

/**
 * The likeness check across epochs as a small PNG: trait recall and flexibility (0–100 %) per epoch, one line each,
 * so friends see where likeness peaks before flexibility drops (the guide's overtraining sign). SVG by sharp.
 */

const SERIES = [
  { name: 'trait recall', colour: '#e8743b', value: (s: EpochScores) => share(s.traitRecall) },
  { name: 'flexibility', colour: '#3b82e8', value: (s: EpochScores) => share(s.flexibility) },
] as const;

export const SCORE_CHART_SIZE = { width: 640, height: 260 } as const;

export function scoreChartSvg(epochs: readonly EpochScores[], title: string): string {
  const { width, height } = SCORE_CHART_SIZE;
  const margin = { left: 48, right: 16, top: 30, bottom: 34 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch);
  const first = sorted[0]?.epoch ?? 1;
  const last = sorted[sorted.length - 1]?.epoch ?? 1;
  const x = (epoch: number): number =>
    margin.left + (last === first ? plotWidth / 2 : ((epoch - first) / (last - first)) * plotWidth);
  const y = (value: number): number => margin.top + (1 - value) * plotHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="20" font-family="sans-serif" font-size="13" fill="#222">${title.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`).slice(0, 80)}</text>`,
  ];
  for (const tick of [0, 0.5, 1]) {
    parts.push(
      `<line x1="${margin.left}" y1="${y(tick)}" x2="${margin.left + plotWidth}" y2="${y(tick)}" stroke="#eef0f3"/>`,
      `<text x="${margin.left - 6}" y="${y(tick) + 4}" font-family="sans-serif" font-size="11" fill="#555" text-anchor="end">${tick * 100}%</text>`,
    );
  }
  for (const scores of sorted) {
    parts.push(
      `<text x="${x(scores.epoch)}" y="${height - 14}" font-family="sans-serif" font-size="11" fill="#555" text-anchor="middle">${scores.epoch}</text>`,
    );
  }
  SERIES.forEach((series, index) => {
    const points = sorted.flatMap((scores) => {
      const value = series.value(scores);
      return value === null ? [] : [`${x(scores.epoch).toFixed(1)},${y(value).toFixed(1)}`];
    });
    if (points.length > 0) {
      parts.push(
        `<polyline points="${points.join(' ')}" fill="none" stroke="${series.colour}" stroke-width="2"/>`,
        ...points.map((p) => {
          const [cx, cy] = p.split(',');
          return `<circle cx="${cx}" cy="${cy}" r="3" fill="${series.colour}"/>`;
        }),
      );
    }
    parts.push(
      `<text x="${width - margin.right - 200 + index * 100}" y="20" font-family="sans-serif" font-size="11" fill="${series.colour}">■ ${series.name}</text>`,
    );
  });
  parts.push(
    `<text x="${margin.left + plotWidth}" y="${height - 2}" font-family="sans-serif" font-size="11" fill="#555" text-anchor="end">epoch</text>`,
    '</svg>',
  );
  return parts.join('');
}

export async function renderScoreChart(epochs: readonly EpochScores[], title: string): Promise<Buffer> {
  return sharp(Buffer.from(scoreChartSvg(epochs, title)))
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
}

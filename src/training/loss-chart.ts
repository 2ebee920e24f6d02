import sharp from 'sharp';

/**
 * The loss curve of a run as a small PNG: sd-scripts' `avr_loss` (a moving average over about one epoch of steps)
 * against the step, with a line at each epoch end. Drawn as SVG and rasterised by sharp, so no chart library and
 * no browser are needed.
 */

export interface LossPoint {
  step: number;
  loss: number;
}

export interface LossChartInput {
  points: readonly LossPoint[];
  totalSteps: number;
  /** Steps at which epochs ended. */
  epochEnds: readonly number[];
  title: string;
  width?: number;
  height?: number;
}

/** At most this many points are drawn; more only cost bytes. */
const MAX_POINTS = 400;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Evenly thinned points, always keeping the last one. */
export function thinPoints(points: readonly LossPoint[], max = MAX_POINTS): LossPoint[] {
  if (points.length <= max) return [...points];
  const result: LossPoint[] = [];
  const stride = points.length / max;
  for (let i = 0; i < max - 1; i++) {
    const point = points[Math.floor(i * stride)];
    if (point) result.push(point);
  }
  const last = points[points.length - 1];
  if (last) result.push(last);
  return result;
}

function niceNumber(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 0.01 && magnitude < 1000
    ? value.toFixed(magnitude < 0.1 ? 3 : 2)
    : value.toExponential(1);
}

export function lossChartSvg(input: LossChartInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? 280;
  const margin = { left: 56, right: 16, top: 30, bottom: 30 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const points = thinPoints(input.points.filter((point) => Number.isFinite(point.loss)));
  const losses = points.map((point) => point.loss);
  let low = losses.length > 0 ? Math.min(...losses) : 0;
  let high = losses.length > 0 ? Math.max(...losses) : 1;
  if (high - low < 1e-9) {
    low -= 0.01;
    high += 0.01;
  }
  const pad = (high - low) * 0.08;
  low = Math.max(0, low - pad);
  high += pad;
  const steps = Math.max(1, input.totalSteps);
  const x = (step: number): number => margin.left + (Math.min(step, steps) / steps) * plotWidth;
  const y = (loss: number): number => margin.top + (1 - (loss - low) / (high - low)) * plotHeight;
  const path = points
    .map(
      (point, index) => `${index === 0 ? 'M' : 'L'}${x(point.step).toFixed(1)},${y(point.loss).toFixed(1)}`,
    )
    .join(' ');
  const epochLines = input.epochEnds
    .filter((step) => step > 0 && step < steps)
    .map(
      (step) =>
        `<line x1="${x(step).toFixed(1)}" y1="${margin.top}" x2="${x(step).toFixed(1)}" y2="${margin.top + plotHeight}" stroke="#d0d4da" stroke-dasharray="3,3"/>`,
    )
    .join('');
  const ticks = [0, 0.5, 1]
    .map((fraction) => {
      const value = low + (high - low) * fraction;
      const ty = y(value);
      return `<text x="${margin.left - 6}" y="${(ty + 4).toFixed(1)}" font-family="sans-serif" font-size="11" fill="#555" text-anchor="end">${niceNumber(value)}</text><line x1="${margin.left}" y1="${ty.toFixed(1)}" x2="${margin.left + plotWidth}" y2="${ty.toFixed(1)}" stroke="#eef0f3"/>`;
    })
    .join('');
  const last = points[points.length - 1];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ticks,
    epochLines,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#9aa0a6"/>`,
    path === '' ? '' : `<path d="${path}" fill="none" stroke="#e8743b" stroke-width="2"/>`,
    `<text x="${margin.left}" y="20" font-family="sans-serif" font-size="13" fill="#222">${escapeXml(input.title.slice(0, 80))}</text>`,
    `<text x="${margin.left + plotWidth}" y="${height - 10}" font-family="sans-serif" font-size="11" fill="#555" text-anchor="end">step ${last?.step ?? 0} / ${steps}</text>`,
    `<text x="${margin.left}" y="${height - 10}" font-family="sans-serif" font-size="11" fill="#555">avr_loss</text>`,
    '</svg>',
  ].join('');
}

export async function renderLossChart(input: LossChartInput): Promise<Buffer> {
  return sharp(Buffer.from(lossChartSvg(input)))
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
}

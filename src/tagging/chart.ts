import sharp from 'sharp';

/**
 * A horizontal bar chart of tag frequencies, drawn as SVG and rendered to PNG with sharp: what a caption set
 * says most often, so friends spot a tag that is everywhere (it will stick to the main tag) at a glance.
 */

export interface ChartBar {
  label: string;
  count: number;
}

const WIDTH = 760;
const ROW = 22;
const LABEL_WIDTH = 250;
const TOP = 44;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function renderTagChart(
  title: string,
  bars: readonly ChartBar[],
  total: number,
): Promise<Buffer> {
  const height = TOP + Math.max(1, bars.length) * ROW + 16;
  const barSpace = WIDTH - LABEL_WIDTH - 70;
  const parts: string[] = [
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="26" font-family="sans-serif" font-size="16" font-weight="bold" fill="#222">${escapeXml(title.slice(0, 80))}</text>`,
  ];
  bars.forEach((bar, index) => {
    const y = TOP + index * ROW;
    const share = total > 0 ? bar.count / total : 0;
    const width = Math.max(1, Math.round(share * barSpace));
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" font-family="sans-serif" font-size="13" fill="#222">${escapeXml(bar.label.slice(0, 34))}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width}" height="${ROW - 6}" fill="${share >= 0.75 ? '#e8743b' : '#4a90d9'}"/>`,
      `<text x="${LABEL_WIDTH + width + 6}" y="${y + 15}" font-family="sans-serif" font-size="12" fill="#444">${bar.count} (${Math.round(share * 100)}%)</text>`,
    );
  });
  if (bars.length === 0) {
    parts.push(
      `<text x="12" y="${TOP + 15}" font-family="sans-serif" font-size="13" fill="#666">No tags besides the main tag.</text>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}">${parts.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

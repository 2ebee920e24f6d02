import sharp, { type OverlayOptions } from 'sharp';

/**
 * One epoch's samples as one labelled grid PNG (prompts as rows, seeds as columns), so friends compare epochs like
 * for like in the thread. Labels are SVG text rasterised by sharp; a missing sample is a grey cell.
 */

export interface SampleGridInput {
  title: string;
  /** Column headers: the fixed seeds. */
  seeds: readonly number[];
  /** One row per prompt; `cells[i]` is the sample for `seeds[i]` (a file path or PNG bytes), null when missing. */
  rows: ReadonlyArray<{ label: string; cells: ReadonlyArray<string | Buffer | null> }>;
  /** Side of one cell in pixels (default 192). */
  cellSize?: number;
}

export const GRID_LABEL_WIDTH = 220;
export const GRID_HEADER_HEIGHT = 48;
const GAP = 4;
const MAX_LABEL_CHARS = 34;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Splits a label into up to 4 lines of at most MAX_LABEL_CHARS, breaking after commas or spaces. */
export function wrapLabel(label: string, width = MAX_LABEL_CHARS, maxLines = 4): string[] {
  const lines: string[] = [];
  let rest = label.trim();
  while (rest !== '' && lines.length < maxLines) {
    if (rest.length <= width) {
      lines.push(rest);
      rest = '';
      break;
    }
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= 0) cut = width;
    lines.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest !== '' && lines.length > 0)
    lines[lines.length - 1] = `${lines[lines.length - 1]!.slice(0, width - 1)}…`;
  return lines;
}

/** Pixel size of the grid for a number of rows and columns. */
export function sampleGridSize(
  rows: number,
  columns: number,
  cellSize = 192,
): { width: number; height: number } {
  return {
    width: GRID_LABEL_WIDTH + columns * (cellSize + GAP) + GAP,
    height: GRID_HEADER_HEIGHT + rows * (cellSize + GAP) + GAP,
  };
}

export async function renderSampleGrid(input: SampleGridInput): Promise<Buffer> {
  const cell = input.cellSize ?? 192;
  if (input.rows.length === 0 || input.seeds.length === 0) throw new Error('A sample grid needs samples');
  const { width, height } = sampleGridSize(input.rows.length, input.seeds.length, cell);
  const text: string[] = [
    `<text x="8" y="20" font-family="sans-serif" font-size="15" font-weight="bold" fill="#222">${escapeXml(input.title.slice(0, 90))}</text>`,
  ];
  input.seeds.forEach((seed, column) => {
    const x = GRID_LABEL_WIDTH + GAP + column * (cell + GAP) + cell / 2;
    text.push(
      `<text x="${x}" y="${GRID_HEADER_HEIGHT - 8}" font-family="sans-serif" font-size="12" fill="#555" text-anchor="middle">seed ${seed}</text>`,
    );
  });
  const overlays: OverlayOptions[] = [];
  for (const [rowIndex, row] of input.rows.entries()) {
    const top = GRID_HEADER_HEIGHT + GAP + rowIndex * (cell + GAP);
    wrapLabel(row.label).forEach((line, lineIndex) => {
      text.push(
        `<text x="8" y="${top + 18 + lineIndex * 16}" font-family="sans-serif" font-size="12" fill="#222">${escapeXml(line)}</text>`,
      );
    });
    for (let column = 0; column < input.seeds.length; column++) {
      const left = GRID_LABEL_WIDTH + GAP + column * (cell + GAP);
      const source = row.cells[column] ?? null;
      const image =
        source === null
          ? await sharp({
              create: { width: cell, height: cell, channels: 3, background: '#c8ccd2' },
            })
              .png()
              .toBuffer()
          : await sharp(source)
              .resize(cell, cell, { fit: 'contain', background: '#ffffff' })
              .png()
              .toBuffer();
      overlays.push({ input: image, left, top });
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`;
  overlays.unshift({ input: Buffer.from(svg), left: 0, top: 0 });
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(overlays)
    .png({ compressionLevel: 9 })
    .toBuffer();
}

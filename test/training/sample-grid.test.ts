import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderSampleGrid, sampleGridSize, wrapLabel } from '../../src/training/sample-grid.ts';

const solid = (colour: string, size = 64): Promise<Buffer> =>
  sharp({ create: { width: size, height: size, channels: 3, background: colour } })
    .png()
    .toBuffer();

describe('renderSampleGrid', () => {
  it('lays prompts out as rows and seeds as columns at the computed size, samples in their cells', async () => {
    const red = await solid('#ff0000');
    const blue = await solid('#0000ff', 100);
    const png = await renderSampleGrid({
      title: 'Epoch 2',
      seeds: [1000, 1001],
      rows: [
        { label: 'rox', cells: [red, null] },
        { label: 'rox, roxshirt', cells: [blue, red] },
      ],
      cellSize: 96,
    });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect({ width: meta.width, height: meta.height }).toEqual(sampleGridSize(2, 2, 96));
    expect(sampleGridSize(2, 2, 96)).toEqual({ width: 220 + 2 * 100 + 4, height: 48 + 2 * 100 + 4 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number): number[] => {
      const offset = (y * info.width + x) * info.channels;
      return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
    };
    // Row 0, column 0: red; row 0, column 1: grey (missing); row 1, column 0: blue.
    expect(pixel(220 + 4 + 48, 48 + 4 + 48)).toEqual([255, 0, 0]);
    expect(pixel(220 + 4 + 100 + 48, 48 + 4 + 48)).toEqual([200, 204, 210]);
    expect(pixel(220 + 4 + 48, 48 + 4 + 100 + 48)).toEqual([0, 0, 255]);
  });

  it('refuses an empty grid', async () => {
    await expect(renderSampleGrid({ title: 'x', seeds: [], rows: [] })).rejects.toThrow(/needs samples/);
  });

  it('wraps long labels into at most four lines, ending in an ellipsis when cut', () => {
    const lines = wrapLabel('a'.repeat(10) + ' ' + 'b'.repeat(30) + ' ' + 'c'.repeat(200));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('aaaaaaaaaa');
    expect(lines[3]?.endsWith('…')).toBe(true);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderContactSheet, sheetLayout } from '../../src/storage/contact-sheet.ts';

describe('contact sheet', () => {
  let dir: string;
  const paths: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-sheet-'));
    for (let i = 0; i < 7; i++) {
      const path = join(dir, `${i}.png`);
      await sharp({
        create: {
          width: 300 + i * 50,
          height: 400,
          channels: 4,
          background: { r: 200, g: 30 * i, b: 10, alpha: 0.5 },
        },
      })
        .png()
        .toFile(path);
      paths.push(path);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is a real PNG whose size matches the grid', async () => {
    const { png, layout } = await renderContactSheet(
      paths.map((path, i) => ({
        input: path,
        label: `#${i}`,
        ...(i === 0 ? { crop: { left: 0, top: 0, width: 100, height: 100 } } : {}),
      })),
      { tile: 128 },
    );
    expect(layout).toMatchObject({ columns: 3, rows: 3 });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(3 * 128);
    expect(meta.height).toBe(3 * (128 + layout.labelHeight));
  });

  it('lays out at most ten columns', () => {
    expect(sheetLayout(150)).toMatchObject({ columns: 10, rows: 15 });
    expect(sheetLayout(1)).toMatchObject({ columns: 1, rows: 1 });
  });
});

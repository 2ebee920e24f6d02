import sharp, { type OverlayOptions } from 'sharp';

export interface SheetTile {
  /** A file path or the image bytes (an uploaded replacement). */
  input: string | Buffer;
  /** Optional crop applied before the tile is fitted (a headshot or composition crop). */
  crop?: { left: number; top: number; width: number; height: number } | undefined;
  label?: string | undefined;
}

export interface SheetLayout {
  columns: number;
  rows: number;
  tile: number;
  labelHeight: number;
  width: number;
  height: number;
}

/** Square-ish grid: as many columns as the square root needs, at most `maxColumns`. */
export function sheetLayout(count: number, tile = 192, maxColumns = 10, labelHeight = 22): SheetLayout {
  const columns = Math.max(1, Math.min(maxColumns, Math.ceil(Math.sqrt(count))));
  const rows = Math.max(1, Math.ceil(count / columns));
  return { columns, rows, tile, labelHeight, width: columns * tile, height: rows * (tile + labelHeight) };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A PNG grid of the dataset (sharp), each tile letterboxed on white with a small label under it. */
export async function renderContactSheet(
  tiles: readonly SheetTile[],
  options: { tile?: number } = {},
): Promise<{
  png: Buffer;
  layout: SheetLayout;
}> {
  const layout = sheetLayout(tiles.length, options.tile);
  const composites = await Promise.all(
    tiles.map(async (tile, index) => {
      let image = sharp(tile.input, { limitInputPixels: 268_402_689 }).rotate();
      if (tile.crop) image = image.extract(tile.crop);
      const input = await image
        .resize(layout.tile, layout.tile, { fit: 'contain', background: '#ffffff' })
        .flatten({ background: '#ffffff' })
        .png()
        .toBuffer();
      const column = index % layout.columns;
      const row = Math.floor(index / layout.columns);
      const left = column * layout.tile;
      const top = row * (layout.tile + layout.labelHeight);
      const parts: OverlayOptions[] = [{ input, left, top }];
      if (tile.label) {
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.tile}" height="${layout.labelHeight}"><text x="4" y="${layout.labelHeight - 6}" font-family="sans-serif" font-size="13" fill="#222">${escapeXml(tile.label.slice(0, 28))}</text></svg>`;
        parts.push({ input: Buffer.from(svg), left, top: top + layout.tile });
      }
      return parts;
    }),
  );
  const png = await sharp({
    create: { width: layout.width, height: layout.height, channels: 3, background: '#f4f4f4' },
  })
    .composite(composites.flat())
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { png, layout };
}

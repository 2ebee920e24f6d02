import type { CropBox } from './crops.ts';

export interface Size {
  width: number;
  height: number;
}

/** Aspect ratios this close (1%) are the same picture resized; anything else was cut or padded. */
export const SAME_ASPECT_TOLERANCE = 0.01;

/**
 * A crop box carried over to a replacement picture: scaled when the new picture is the old one resized
 * (same aspect ratio within the tolerance), kept when the size is unchanged, null when the box no longer
 * refers to the same pixels and must be set again.
 */
export function rescaleCropBox(box: CropBox, from: Size, to: Size): CropBox | null {
  if (from.width === to.width && from.height === to.height) return box;
  const before = from.width / from.height;
  const after = to.width / to.height;
  if (Math.abs(after - before) / before > SAME_ASPECT_TOLERANCE) return null;
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const left = Math.min(Math.max(0, Math.round(box.left * sx)), to.width - 1);
  const top = Math.min(Math.max(0, Math.round(box.top * sy)), to.height - 1);
  const width = Math.max(1, Math.min(Math.round(box.width * sx), to.width - left));
  const height = Math.max(1, Math.min(Math.round(box.height * sy), to.height - top));
  return { left, top, width, height };
}

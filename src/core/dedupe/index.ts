/**
 * Duplicate detection: exact (same md5) and near (a 64-bit difference hash within a small Hamming
 * distance — the same picture at another size, format or compression). Training on two copies of one
 * picture weights it twice, so only one stays.
 */

/** dHash grid: 9 columns × 8 rows of grey levels give 8 × 8 left-right comparisons. */
export const DHASH_WIDTH = 9;
export const DHASH_HEIGHT = 8;

/**
 * A 64-bit difference hash, as 16 hex digits, from a 9×8 grayscale thumbnail (row-major, one byte per
 * pixel): each bit says whether a pixel is brighter than its right neighbour.
 */
export function dhashFromGrid(grid: Uint8Array): string {
  if (grid.length !== DHASH_WIDTH * DHASH_HEIGHT) {
    throw new RangeError(`dHash needs ${DHASH_WIDTH * DHASH_HEIGHT} grey values, got ${grid.length}`);
  }
  let hex = '';
  for (let row = 0; row < DHASH_HEIGHT; row++) {
    let byte = 0;
    for (let col = 0; col < DHASH_WIDTH - 1; col++) {
      const left = grid[row * DHASH_WIDTH + col] ?? 0;
      const right = grid[row * DHASH_WIDTH + col + 1] ?? 0;
      byte = (byte << 1) | (left > right ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/**
 * The dHash of a decoded picture (row-major bytes, 1–4 channels: grey, grey+alpha, RGB, RGBA): luminance,
 * with transparency flattened onto white, averaged into 9×8 cells. `step` samples every n-th pixel each way,
 * which changes nothing at this resolution and saves time on large images.
 */
export function dhashFromPixels(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  step = 1,
): string {
  if (width < 1 || height < 1 || channels < 1 || channels > 4 || data.length < width * height * channels) {
    throw new RangeError(`dHash needs ${width}×${height}×${channels} bytes, got ${data.length}`);
  }
  const sums = new Float64Array(DHASH_WIDTH * DHASH_HEIGHT);
  const counts = new Float64Array(DHASH_WIDTH * DHASH_HEIGHT);
  const colour = channels >= 3;
  const alphaIndex = channels === 2 ? 1 : channels === 4 ? 3 : -1;
  const cellOfColumn = new Int32Array(width);
  for (let x = 0; x < width; x++) cellOfColumn[x] = Math.floor((x * DHASH_WIDTH) / width);
  for (let y = 0; y < height; y += step) {
    const rowCell = Math.floor((y * DHASH_HEIGHT) / height) * DHASH_WIDTH;
    let index = y * width * channels;
    const advance = step * channels;
    for (let x = 0; x < width; x += step, index += advance) {
      let grey = colour
        ? 0.299 * (data[index] ?? 0) + 0.587 * (data[index + 1] ?? 0) + 0.114 * (data[index + 2] ?? 0)
        : (data[index] ?? 0);
      if (alphaIndex >= 0) {
        const alpha = (data[index + alphaIndex] ?? 255) / 255;
        grey = grey * alpha + 255 * (1 - alpha);
      }
      const cell = rowCell + (cellOfColumn[x] ?? 0);
      sums[cell] = (sums[cell] ?? 0) + grey;
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
  }
  const grid = new Uint8Array(DHASH_WIDTH * DHASH_HEIGHT);
  for (let cell = 0; cell < grid.length; cell++) {
    grid[cell] = Math.round((sums[cell] ?? 0) / Math.max(1, counts[cell] ?? 0));
  }
  return dhashFromGrid(grid);
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function halves(hash: string): [number, number] {
  if (!/^[0-9a-f]{16}$/i.test(hash)) throw new RangeError(`"${hash}" is not a 64-bit hex dHash`);
  return [parseInt(hash.slice(0, 8), 16), parseInt(hash.slice(8), 16)];
}

/** Number of differing bits between two 64-bit hex hashes. */
export function hammingDistance(a: string, b: string): number {
  const [a1, a2] = halves(a);
  const [b1, b2] = halves(b);
  return popcount32((a1 ^ b1) >>> 0) + popcount32((a2 ^ b2) >>> 0);
}

/**
 * Near-duplicate threshold: resized or recompressed copies land within a few bits; different pictures
 * sit around 32. Kept low so variants with real differences (alternate outfits) are not dropped.
 */
export const DEFAULT_NEAR_DUPLICATE_DISTANCE = 4;

export interface DedupeItem {
  postId: number;
  /** md5 of the e621 file. */
  md5: string;
  /** md5 of the stored (resized) image, when known. */
  imageMd5?: string | null | undefined;
  dhash: string | null;
  score: number;
  width: number;
  height: number;
}

export interface DuplicateDecision {
  postId: number;
  duplicateOf: number;
  kind: 'exact' | 'near';
  /** Hamming distance of the dHashes (0 for exact duplicates). */
  distance: number;
}

/** Which of two copies to keep: the higher score, then the larger image, then the older post. */
export function preferredFirst(a: DedupeItem, b: DedupeItem): number {
  return b.score - a.score || b.width * b.height - a.width * a.height || a.postId - b.postId;
}

/**
 * Decides which items are duplicates of a kept one. Items are visited best first, so each duplicate
 * points at the copy that stays.
 */
export function findDuplicates(
  items: readonly DedupeItem[],
  options: { nearDistance?: number } = {},
): DuplicateDecision[] {
  const nearDistance = options.nearDistance ?? DEFAULT_NEAR_DUPLICATE_DISTANCE;
  const kept: DedupeItem[] = [];
  const byMd5 = new Map<string, DedupeItem>();
  const decisions: DuplicateDecision[] = [];
  for (const item of [...items].sort(preferredFirst)) {
    const exact = byMd5.get(item.md5) ?? (item.imageMd5 ? byMd5.get(`image:${item.imageMd5}`) : undefined);
    if (exact !== undefined) {
      decisions.push({ postId: item.postId, duplicateOf: exact.postId, kind: 'exact', distance: 0 });
      continue;
    }
    let near: { item: DedupeItem; distance: number } | null = null;
    if (item.dhash !== null) {
      for (const other of kept) {
        if (other.dhash === null) continue;
        const distance = hammingDistance(item.dhash, other.dhash);
        if (distance <= nearDistance && (near === null || distance < near.distance))
          near = { item: other, distance };
      }
    }
    if (near !== null) {
      decisions.push({
        postId: item.postId,
        duplicateOf: near.item.postId,
        kind: 'near',
        distance: near.distance,
      });
      continue;
    }
    kept.push(item);
    byMd5.set(item.md5, item);
    if (item.imageMd5) byMd5.set(`image:${item.imageMd5}`, item);
  }
  return decisions;
}

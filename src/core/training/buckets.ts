/**
 * sd-scripts' aspect-ratio buckets, computed the way `train_network.py` does (reference §5), so Kiln can say
 * which bucket each image lands in and how many steps an epoch really takes.
 */

export interface Size {
  width: number;
  height: number;
}

export interface BucketRange {
  min: number;
  max: number;
  /** `bucket_reso_steps`: SD1.x asserts a multiple of 64, SDXL a multiple of 32. */
  steps: number;
}

/** sd-scripts snaps min down and max up to multiples of bucket_reso_steps (with a warning), so we write what it will use. */
export function snapBucketRange(min: number, max: number, steps: number): BucketRange {
  return { min: Math.floor(min / steps) * steps, max: Math.ceil(max / steps) * steps, steps };
}

/**
 * The predefined buckets for a square training resolution: the square one, then for every width from min to max
 * the tallest height (a multiple of steps, at most max) that keeps the area within resolution², both ways round.
 * Sorted by width then height, as sd-scripts sorts them (ties in aspect ratio go to the first).
 */
export function bucketResolutions(resolution: number, range: BucketRange): Size[] {
  const { min, max, steps } = range;
  const area = resolution * resolution;
  const keys = new Set<string>();
  const add = (width: number, height: number): void => {
    keys.add(`${width}x${height}`);
  };
  const square = Math.floor(Math.floor(Math.sqrt(area)) / steps) * steps;
  add(square, square);
  for (let width = min; width <= max; width += steps) {
    const height = Math.min(max, Math.floor(Math.floor(area / width) / steps) * steps);
    if (height >= min) {
      add(width, height);
      add(height, width);
    }
  }
  return [...keys]
    .map((key) => {
      const [width, height] = key.split('x').map(Number) as [number, number];
      return { width, height };
    })
    .sort((a, b) => a.width - b.width || a.height - b.height);
}

/** Each image goes to the bucket with the closest aspect ratio (width / height); it is then scaled to cover it and cropped. */
export function assignBucket(size: Size, buckets: readonly Size[]): Size {
  const ratio = size.width / size.height;
  let best: Size | undefined;
  let bestError = Infinity;
  for (const bucket of buckets) {
    const error = Math.abs(bucket.width / bucket.height - ratio);
    if (error < bestError) {
      best = bucket;
      bestError = error;
    }
  }
  if (!best) throw new Error('assignBucket needs at least one bucket');
  return best;
}

/**
 * Share of the image lost to the centre crop once it is scaled to cover its bucket: a very tall or wide image lands
 * in the most extreme bucket and loses part of its long side (the guide's "might be excluded" in practice).
 */
export function cropLoss(size: Size, bucket: Size): number {
  const scale = Math.max(bucket.width / size.width, bucket.height / size.height);
  const kept = (bucket.width * bucket.height) / (size.width * scale * (size.height * scale));
  return 1 - kept;
}

/** Steps per epoch = Σ over buckets of ceil(images in bucket × repeats / batch): a partial batch costs a whole step. */
export function stepsPerEpochForSizes(
  sizes: readonly Size[],
  buckets: readonly Size[],
  repeats: number,
  batchSize: number,
): number {
  const counts = new Map<Size, number>();
  for (const size of sizes) {
    const bucket = assignBucket(size, buckets);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  let steps = 0;
  for (const count of counts.values()) steps += Math.ceil((count * repeats) / batchSize);
  return steps;
}

import { describe, expect, it } from 'vitest';
import {
  assignBucket,
  bucketResolutions,
  cropLoss,
  snapBucketRange,
  stepsPerEpochForSizes,
} from '../../../src/core/training/buckets.ts';

const names = (sizes: { width: number; height: number }[]) => sizes.map((s) => `${s.width}x${s.height}`);

describe('sd-scripts buckets', () => {
  it('makes the 9 buckets the reference lists for 512 with 320–960', () => {
    const buckets = bucketResolutions(512, snapBucketRange(320, 960, 64));
    expect(names(buckets)).toEqual([
      '320x704',
      '320x768',
      '384x640',
      '448x576',
      '512x512',
      '576x448',
      '640x384',
      '704x320',
      '768x320',
    ]);
  });

  it('snaps 480–1440 to 448–1472 and makes 17 buckets from 448×1216 to 1280×448 for 768', () => {
    const range = snapBucketRange(480, 1440, 64);
    expect(range).toEqual({ min: 448, max: 1472, steps: 64 });
    const buckets = names(bucketResolutions(768, range));
    expect(buckets).toHaveLength(17);
    expect(buckets).toContain('448x1216');
    expect(buckets).toContain('448x1280');
    expect(buckets).toContain('768x768');
    expect(buckets).toContain('1280x448');
  });

  it('puts an image in the bucket with the closest aspect ratio', () => {
    const buckets = bucketResolutions(512, snapBucketRange(320, 960, 64));
    expect(assignBucket({ width: 1000, height: 4000 }, buckets)).toEqual({ width: 320, height: 768 });
    expect(assignBucket({ width: 1500, height: 1500 }, buckets)).toEqual({ width: 512, height: 512 });
  });

  it('says how much of a 1:4 image the 320×768 bucket crops away (the reference: 40%)', () => {
    expect(cropLoss({ width: 1000, height: 4000 }, { width: 320, height: 768 })).toBeCloseTo(0.4, 5);
  });

  it('counts a partial batch in every bucket as a whole step', () => {
    const buckets = bucketResolutions(512, snapBucketRange(320, 960, 64));
    const sizes = [
      { width: 512, height: 512 },
      { width: 600, height: 800 },
    ];
    // Each bucket: ceil(1 × 10 / 12) = 1 step.
    expect(stepsPerEpochForSizes(sizes, buckets, 10, 12)).toBe(2);
  });
});

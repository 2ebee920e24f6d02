import { describe, expect, it } from 'vitest';
import { planAtResolution, parseResolution } from '../../../src/cli/commands/train.ts';
import { planTraining } from '../../../src/core/training/plan.ts';

describe('kiln train --resolution', () => {
  it('takes a multiple of 64 from 64 to 2048 and names a bad value', () => {
    expect(parseResolution('64')).toBe(64);
    expect(parseResolution('1024')).toBe(1024);
    for (const bad of ['0', '100', '4096', 'big', '64.0', '']) {
      expect(() => parseResolution(bad)).toThrow(
        `--resolution must be a multiple of 64 from 64 to 2048, got ${JSON.stringify(bad)}.`,
      );
    }
  });

  it('replans the resolution and buckets (half to twice it), keeping everything else', () => {
    const plan = planTraining({ imageCount: 4, headshotCount: 1, gpuMemoryGb: 24 });
    const tiny = planAtResolution(plan, 64);
    expect(tiny.resolution.value).toBe(64);
    expect(tiny.buckets.value).toMatchObject({ min: 64, max: 128, steps: 64 });
    expect(tiny.learningRate).toEqual(plan.learningRate);
    expect(tiny.epochs).toEqual(plan.epochs);
  });
});

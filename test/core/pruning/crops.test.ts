import { describe, expect, it } from 'vitest';
import {
  headshotShapeProblem,
  parseCropText,
  suggestTopCentredSquare,
  validateCrop,
} from '../../../src/core/pruning/crops.ts';

const image = { width: 2000, height: 3000 };

describe('crops', () => {
  it('reads pixel and percent boxes', () => {
    expect(parseCropText('100, 200, 800, 900', image)).toEqual({
      left: 100,
      top: 200,
      width: 800,
      height: 900,
    });
    expect(parseCropText('10% 10% 50% 25%', image)).toEqual({
      left: 200,
      top: 300,
      width: 1000,
      height: 750,
    });
  });

  it('refuses boxes outside the image, naming the image size', () => {
    expect(() => parseCropText('1500, 0, 800, 800', image)).toThrow(/outside the 2000×3000 image/);
    expect(() => validateCrop({ left: -1, top: 0, width: 100, height: 100 }, image)).toThrow(/outside/);
  });

  it('refuses crops smaller than 64 px', () => {
    expect(() => parseCropText('0, 0, 63, 500', image)).toThrow(/too small/);
  });

  it('refuses malformed text and mixed units', () => {
    expect(() => parseCropText('1, 2, 3', image)).toThrow(/four values/);
    expect(() => parseCropText('10%, 2, 300, 300', image)).toThrow(/percent for all/);
    expect(() => parseCropText('a, 2, 300, 300', image)).toThrow(/`a` is not a number/);
  });

  it('suggests a top-centred square inside the image', () => {
    const box = suggestTopCentredSquare(image);
    expect(box.width).toBe(1000);
    expect(box.left).toBe(500);
    expect(() => validateCrop(box, image)).not.toThrow();
  });

  it('tells a box that looks like a headshot from one that does not (the trimmed 96% of issue 12)', () => {
    const image = { width: 1800, height: 2600 };
    expect(headshotShapeProblem({ left: 20, top: 30, width: 1760, height: 2540 }, image)).toBe(
      'it covers 96% of the 1800×2600 image',
    );
    expect(headshotShapeProblem(suggestTopCentredSquare(image), image)).toBeNull();
    expect(headshotShapeProblem({ left: 0, top: 0, width: 1200, height: 400 }, image)).toBe(
      'it is 1200×400, far from square',
    );
    expect(headshotShapeProblem({ left: 400, top: 1800, width: 600, height: 600 }, image)).toBe(
      'it starts in the lower half of the image',
    );
  });
});

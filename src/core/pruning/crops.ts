import { UserError } from '../errors.ts';

/** A crop box in source pixels. Crops are non-destructive: the original stays, the box is applied later. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const CROP_KINDS = ['headshot', 'composition', 'split'] as const;
export type CropKind = (typeof CROP_KINDS)[number];

/** Smaller than this a crop carries too little detail to train on, even at 512. */
export const MIN_CROP_SIDE = 64;

export function validateCrop(box: CropBox, image: { width: number; height: number }): CropBox {
  const values = [box.left, box.top, box.width, box.height];
  if (values.some((value) => !Number.isFinite(value))) {
    throw new UserError('invalid-crop', 'The crop box needs four numbers: left, top, width and height.');
  }
  const rounded = {
    left: Math.round(box.left),
    top: Math.round(box.top),
    width: Math.round(box.width),
    height: Math.round(box.height),
  };
  if (rounded.width < MIN_CROP_SIDE || rounded.height < MIN_CROP_SIDE) {
    throw new UserError(
      'invalid-crop',
      `A crop of ${rounded.width}×${rounded.height} px is too small; each side needs at least ${MIN_CROP_SIDE} px.`,
    );
  }
  if (
    rounded.left < 0 ||
    rounded.top < 0 ||
    rounded.left + rounded.width > image.width ||
    rounded.top + rounded.height > image.height
  ) {
    throw new UserError(
      'invalid-crop',
      `The crop ${rounded.left},${rounded.top} ${rounded.width}×${rounded.height} reaches outside the ${image.width}×${image.height} image.`,
    );
  }
  return rounded;
}

/**
 * Reads a crop typed by a person: four numbers "left, top, width, height", in pixels or, when each ends
 * with %, in percent of the image.
 */
export function parseCropText(text: string, image: { width: number; height: number }): CropBox {
  const parts = text
    .split(/[\s,;x×]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length !== 4) {
    throw new UserError(
      'invalid-crop',
      `Give four values (left, top, width, height), e.g. \`10%, 5%, 50%, 50%\` or \`120, 40, 800, 800\`; got \`${text.slice(0, 60)}\`.`,
    );
  }
  const percent = parts.every((part) => part.endsWith('%'));
  if (!percent && parts.some((part) => part.endsWith('%'))) {
    throw new UserError('invalid-crop', 'Use percent for all four values or for none.');
  }
  const numbers = parts.map((part) => Number(part.replace(/%$/, '')));
  const bad = parts.find((_, index) => !Number.isFinite(numbers[index]));
  if (bad !== undefined) throw new UserError('invalid-crop', `\`${bad}\` is not a number.`);
  const [left, top, width, height] = numbers as [number, number, number, number];
  const box = percent
    ? {
        left: (left / 100) * image.width,
        top: (top / 100) * image.height,
        width: (width / 100) * image.width,
        height: (height / 100) * image.height,
      }
    : { left, top, width, height };
  return validateCrop(box, image);
}

/**
 * The head is usually in the top middle of a character image: a square as wide as the shorter side's
 * half, centred horizontally, starting near the top. A first guess the group then adjusts.
 */
export function suggestTopCentredSquare(image: { width: number; height: number }): CropBox {
  const side = Math.max(MIN_CROP_SIDE, Math.round(Math.min(image.width, image.height) / 2));
  const clamped = Math.min(side, image.width, image.height);
  return {
    left: Math.round((image.width - clamped) / 2),
    top: Math.round(Math.min(image.height - clamped, image.height * 0.04)),
    width: clamped,
    height: clamped,
  };
}

/** A head crop frames the face: at most half the picture, roughly square, starting in its upper half. */
export const HEADSHOT_SHAPE = { maxAreaShare: 0.5, minAspect: 0.6, maxAspect: 1 / 0.6, maxTopShare: 0.5 };

/**
 * Why a box does not look like a headshot, or null when it does. Only suggestions are held to this: a
 * person drawing the box by hand knows where the face is.
 */
export function headshotShapeProblem(box: CropBox, image: { width: number; height: number }): string | null {
  const share = (box.width * box.height) / (image.width * image.height);
  if (share > HEADSHOT_SHAPE.maxAreaShare) {
    return `it covers ${Math.round(share * 100)}% of the ${image.width}×${image.height} image`;
  }
  const aspect = box.width / box.height;
  if (aspect < HEADSHOT_SHAPE.minAspect || aspect > HEADSHOT_SHAPE.maxAspect) {
    return `it is ${box.width}×${box.height}, far from square`;
  }
  if (box.top > image.height * HEADSHOT_SHAPE.maxTopShare) return 'it starts in the lower half of the image';
  return null;
}

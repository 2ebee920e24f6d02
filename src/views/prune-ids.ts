import { VOTE_CHOICES, type VoteChoice } from '../core/pruning/votes.ts';
import { defineCustomId, oneOf, positiveInt } from './custom-id.ts';

/** A vote button under an image in a gallery message. */
export const voteId = defineCustomId<{ candidateId: number; choice: VoteChoice }>('vote', 1, {
  toParts: ({ candidateId, choice }) => [candidateId, choice],
  fromParts: ([id, choice]) => {
    const candidateId = positiveInt(id);
    const parsed = oneOf(choice, VOTE_CHOICES);
    return candidateId && parsed ? { candidateId, choice: parsed } : null;
  },
});

export const REVIEW_ACTIONS = [...VOTE_CHOICES, 'skip', 'back'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** The personal "review next" pager: the image on screen and what was clicked. */
export const reviewId = defineCustomId<{ candidateId: number; action: ReviewAction }>('review', 1, {
  toParts: ({ candidateId, action }) => [candidateId, action],
  fromParts: ([id, action]) => {
    const candidateId = positiveInt(id);
    const parsed = oneOf(action, REVIEW_ACTIONS);
    return candidateId && parsed ? { candidateId, action: parsed } : null;
  },
});

export const BOARD_ACTIONS = ['review', 'kept', 'crops', 'finalize', 'web'] as const;
export type BoardAction = (typeof BOARD_ACTIONS)[number];

/** Buttons of the pruning board at the top of the thread; `page` for "show kept". */
export const boardId = defineCustomId<{ projectId: number; action: BoardAction; page: number }>('board', 1, {
  toParts: ({ projectId, action, page }) => [projectId, action, page],
  fromParts: ([id, action, page]) => {
    const projectId = positiveInt(id);
    const parsed = oneOf(action, BOARD_ACTIONS);
    const pageNumber = page === '0' ? 0 : positiveInt(page);
    return projectId && parsed && pageNumber !== null
      ? { projectId, action: parsed, page: pageNumber }
      : null;
  },
});

export const IMAGE_ACTIONS = ['open', 'keep', 'prune', 'clear', 'headcrop', 'split'] as const;
export type ImageAction = (typeof IMAGE_ACTIONS)[number];

/** The detail panel of one image: owner overrides and crops. */
export const imageId = defineCustomId<{ candidateId: number; action: ImageAction }>('image', 1, {
  toParts: ({ candidateId, action }) => [candidateId, action],
  fromParts: ([id, action]) => {
    const candidateId = positiveInt(id);
    const parsed = oneOf(action, IMAGE_ACTIONS);
    return candidateId && parsed ? { candidateId, action: parsed } : null;
  },
});

export const CROP_ACTIONS = ['edit', 'square', 'trim', 'save'] as const;
export type CropAction = (typeof CROP_ACTIONS)[number];

export const cropId = defineCustomId<{ cropId: number; action: CropAction }>('crop', 1, {
  toParts: ({ cropId: id, action }) => [id, action],
  fromParts: ([id, action]) => {
    const parsedId = positiveInt(id);
    const parsed = oneOf(action, CROP_ACTIONS);
    return parsedId && parsed ? { cropId: parsedId, action: parsed } : null;
  },
});

/** The crop-box modal of one crop. */
export const cropModalId = defineCustomId<{ cropId: number }>('cropbox', 1, {
  toParts: ({ cropId: id }) => [id],
  fromParts: ([id]) => {
    const parsedId = positiveInt(id);
    return parsedId ? { cropId: parsedId } : null;
  },
});

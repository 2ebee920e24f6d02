import { FOLD_CHOICES, OUTFIT_CHOICES } from '../core/tags/decision-votes.ts';
import { defineCustomId, oneOf, positiveInt } from './custom-id.ts';

/**
 * The tagging step's component families. Every id carries only row ids: the proposals, votes, outfits and
 * edits live in Postgres, so cards posted by the worker keep working after any restart.
 */

export const FOLD_CARD_ACTIONS = [...FOLD_CHOICES, 'owner'] as const;
export type FoldCardAction = (typeof FOLD_CARD_ACTIONS)[number];

/** A vote on a fold card (fold / keep / drop), or `owner` to open the owner's panel. */
export const foldVoteId = defineCustomId<{ decisionId: number; action: FoldCardAction }>('tagvote', 1, {
  toParts: ({ decisionId, action }) => [decisionId, action],
  fromParts: ([id, action]) => {
    const decisionId = positiveInt(id);
    const parsed = oneOf(action, FOLD_CARD_ACTIONS);
    return decisionId && parsed ? { decisionId, action: parsed } : null;
  },
});

export const OWNER_FOLD_ACTIONS = [...FOLD_CHOICES, 'clear'] as const;
export type OwnerFoldAction = (typeof OWNER_FOLD_ACTIONS)[number];

/** The owner's override of a fold card, from the private panel. */
export const foldOwnerId = defineCustomId<{ decisionId: number; action: OwnerFoldAction }>('tagown', 1, {
  toParts: ({ decisionId, action }) => [decisionId, action],
  fromParts: ([id, action]) => {
    const decisionId = positiveInt(id);
    const parsed = oneOf(action, OWNER_FOLD_ACTIONS);
    return decisionId && parsed ? { decisionId, action: parsed } : null;
  },
});

export const OUTFIT_CARD_ACTIONS = [...OUTFIT_CHOICES, 'owner'] as const;
export type OutfitCardAction = (typeof OUTFIT_CARD_ACTIONS)[number];

export const outfitVoteId = defineCustomId<{ outfitId: number; action: OutfitCardAction }>('outvote', 1, {
  toParts: ({ outfitId, action }) => [outfitId, action],
  fromParts: ([id, action]) => {
    const outfitId = positiveInt(id);
    const parsed = oneOf(action, OUTFIT_CARD_ACTIONS);
    return outfitId && parsed ? { outfitId, action: parsed } : null;
  },
});

export const OWNER_OUTFIT_ACTIONS = [...OUTFIT_CHOICES, 'clear'] as const;
export type OwnerOutfitAction = (typeof OWNER_OUTFIT_ACTIONS)[number];

export const outfitOwnerId = defineCustomId<{ outfitId: number; action: OwnerOutfitAction }>('outown', 1, {
  toParts: ({ outfitId, action }) => [outfitId, action],
  fromParts: ([id, action]) => {
    const outfitId = positiveInt(id);
    const parsed = oneOf(action, OWNER_OUTFIT_ACTIONS);
    return outfitId && parsed ? { outfitId, action: parsed } : null;
  },
});

/** "Make this an outfit…" under a suggestion: opens the outfit modal prefilled with its tags. */
export const outfitSuggestionId = defineCustomId<{ projectId: number; index: number }>('outnew', 1, {
  toParts: ({ projectId, index }) => [projectId, index],
  fromParts: ([id, index]) => {
    const projectId = positiveInt(id);
    const parsed = index === '0' ? 0 : positiveInt(index);
    return projectId && parsed !== null ? { projectId, index: parsed } : null;
  },
});

/** The outfit modal (name + component tags). */
export const outfitModalId = defineCustomId<{ projectId: number }>('outfit', 1, {
  toParts: ({ projectId }) => [projectId],
  fromParts: ([id]) => {
    const projectId = positiveInt(id);
    return projectId ? { projectId } : null;
  },
});

export const TAGGING_ACTIONS = ['doubtful', 'web'] as const;
export type TaggingAction = (typeof TAGGING_ACTIONS)[number];

/** Buttons on the auto-tagging summary: open your doubtful-tag pager. */
export const taggingId = defineCustomId<{ projectId: number; action: TaggingAction }>('tagging', 1, {
  toParts: ({ projectId, action }) => [projectId, action],
  fromParts: ([id, action]) => {
    const projectId = positiveInt(id);
    const parsed = oneOf(action, TAGGING_ACTIONS);
    return projectId && parsed ? { projectId, action: parsed } : null;
  },
});

export const DOUBT_ACTIONS = ['drop', 'add', 'next', 'back'] as const;
export type DoubtAction = (typeof DOUBT_ACTIONS)[number];

/** The doubtful-tag pager on one tagged image: drop (select), add (modal), next, back. */
export const doubtId = defineCustomId<{ imageId: number; action: DoubtAction }>('doubt', 1, {
  toParts: ({ imageId, action }) => [imageId, action],
  fromParts: ([id, action]) => {
    const imageId = positiveInt(id);
    const parsed = oneOf(action, DOUBT_ACTIONS);
    return imageId && parsed ? { imageId, action: parsed } : null;
  },
});

/** The "add missing tags" modal of one tagged image. */
export const doubtModalId = defineCustomId<{ imageId: number }>('doubtadd', 1, {
  toParts: ({ imageId }) => [imageId],
  fromParts: ([id]) => {
    const imageId = positiveInt(id);
    return imageId ? { imageId } : null;
  },
});

/** Drops an image the taggers could not read from a finalized dataset (the owner's way out of a broken file). */
export const dropImageId = defineCustomId<{ candidateId: number }>('dropimg', 1, {
  toParts: ({ candidateId }) => [candidateId],
  fromParts: ([id]) => {
    const candidateId = positiveInt(id);
    return candidateId ? { candidateId } : null;
  },
});

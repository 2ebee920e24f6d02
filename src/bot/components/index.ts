import type { AnyComponentHandler, AnyModalHandler } from '../handler-types.ts';
import { cardButtons } from './card.ts';
import { notesModalSubmit } from './notes-modal.ts';
import { pruneBoard } from './board.ts';
import { cropButtons } from './crop.ts';
import { cropModalSubmit } from './crop-modal.ts';
import { imageDetail } from './image.ts';
import { pruneVote } from './prune-vote.ts';
import { reviewPager } from './review.ts';
import { planButtons, planModalSubmit, runButtons } from './train.ts';
import { epochVote } from './epoch-vote.ts';
import { foldOwner, foldVote } from './tag-votes.ts';
import { outfitModalSubmit, outfitOwner, outfitSuggestion, outfitVote } from './outfit-votes.ts';
import { doubtModalSubmit, doubtPager, taggingButtons } from './doubtful.ts';
import { queryDetails } from './query-details.ts';
import { dropImage } from './drop-image.ts';

/** Component families, tried in order by the router; each claims only the custom_ids its codec decodes. */
export const componentHandlers: readonly AnyComponentHandler[] = [
  cardButtons,
  pruneVote,
  reviewPager,
  pruneBoard,
  imageDetail,
  cropButtons,
  planButtons,
  runButtons,
  epochVote,
  foldVote,
  foldOwner,
  outfitVote,
  outfitOwner,
  outfitSuggestion,
  taggingButtons,
  doubtPager,
  queryDetails,
  dropImage,
];
export const modalHandlers: readonly AnyModalHandler[] = [
  notesModalSubmit,
  cropModalSubmit,
  planModalSubmit,
  outfitModalSubmit,
  doubtModalSubmit,
];

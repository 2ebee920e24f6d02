import { isUserError, UserError } from '../core/errors.ts';
import type { Logger } from '../log.ts';

export const VOTE_NOT_SAVED =
  'Your vote was not saved: Kiln could not write it down. The count above does not include it; click again in a moment.';

/**
 * The order of a vote: the click is acknowledged first (a silent deferUpdate, because Discord allows 3 s and a
 * slow database must not make the click fail), then written, then the tally edit shows it. Nothing tells the
 * voter "accepted" before the write: the tally only moves once the row exists. A write that fails answers
 * privately that the vote was not saved; a crash between acknowledgement and write loses that one click, and
 * the unchanged tally shows it.
 */
export async function writeVote<T>(log: Logger, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUserError(error)) throw error;
    log.error({ err: error }, 'a vote could not be written');
    throw new UserError('service-unavailable', VOTE_NOT_SAVED);
  }
}

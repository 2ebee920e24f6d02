import { defineCustomId, positiveInt } from './custom-id.ts';

/** A button of the epoch vote card: a vote for one epoch, or the owner's "deliver the leading epoch". */
export type EpochAction = { runId: number; epoch: number } | { runId: number; deliver: true };

export const epochVoteId = defineCustomId<EpochAction>('epoch', 1, {
  toParts: (data) => ['deliver' in data ? [data.runId, 'deliver'] : [data.runId, data.epoch]].flat(),
  fromParts: ([id, what]) => {
    const runId = positiveInt(id);
    if (!runId) return null;
    if (what === 'deliver') return { runId, deliver: true };
    const epoch = positiveInt(what);
    return epoch ? { runId, epoch } : null;
  },
});

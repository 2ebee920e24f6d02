import { scoreSummary, type EpochScores } from '../core/epochs/scores.ts';
import type { EpochTally } from '../core/epochs/vote.ts';
import { epochVoteId } from './epoch-vote-ids.ts';

/**
 * The epoch vote card posted when a training ends: one line and one button per epoch with its scores; friends vote,
 * the owner delivers the leading epoch. Plain API JSON, so the worker (REST) and the bot (gateway) draw the same.
 */

export interface EpochVoteCardInput {
  runId: number;
  characterName: string;
  baseModelName: string;
  ownerId: string;
  epochs: ReadonlyArray<{ epoch: number; scores: EpochScores | null }>;
  tally: readonly EpochTally[];
  leading: number | null;
  /** Set once the owner delivered an epoch: the card says so and its buttons go. */
  delivered?: { epoch: number; by: string } | null;
  /** True when sampling was off or the taggers were missing: no scores, the vote is on the files alone. */
  checkUnavailable: boolean;
}

/** Discord allows 5 rows of 5 buttons; one row is the owner's. */
export const MAX_VOTE_EPOCHS = 20;

export interface ApiMessageBody {
  content: string;
  components: Array<{ type: 1; components: Array<Record<string, unknown>> }>;
  allowed_mentions: { parse: [] };
}

export function epochVoteCard(input: EpochVoteCardInput): ApiMessageBody {
  const offered = input.epochs.slice(-MAX_VOTE_EPOCHS);
  const votes = new Map(input.tally.map((t) => [t.epoch, t.votes]));
  const lines = [
    `🗳️ **Pick the best epoch** of ${input.characterName} on ${input.baseModelName} (run #${input.runId})`,
  ];
  if (input.checkUnavailable) {
    lines.push(
      'The likeness check is unavailable for this training (no samples or no tagger on the worker); vote on the files alone.',
    );
  }
  for (const { epoch, scores } of offered) {
    const count = votes.get(epoch) ?? 0;
    lines.push(
      `**Epoch ${epoch}**: ${scores ? scoreSummary(scores) : 'no scores'} — ${count} vote${count === 1 ? '' : 's'}`,
    );
  }
  if (input.delivered) {
    lines.push(`✅ Epoch ${input.delivered.epoch} was delivered by <@${input.delivered.by}>.`);
    return { content: clip(lines), components: [], allowed_mentions: { parse: [] } };
  }
  lines.push(
    input.leading === null
      ? `Friends vote below; the owner <@${input.ownerId}> then delivers the chosen epoch.`
      : `Leading: **epoch ${input.leading}**. The owner <@${input.ownerId}> delivers it with the last button.`,
  );
  const buttons = offered.map(({ epoch }) => ({
    type: 2,
    style: epoch === input.leading ? 3 : 2,
    label: `Epoch ${epoch} (${votes.get(epoch) ?? 0})`,
    custom_id: epochVoteId.encode({ runId: input.runId, epoch }),
  }));
  const rows: ApiMessageBody['components'] = [];
  for (let i = 0; i < buttons.length; i += 5) rows.push({ type: 1, components: buttons.slice(i, i + 5) });
  rows.push({
    type: 1,
    components: [
      {
        type: 2,
        style: 1,
        label:
          input.leading === null
            ? 'Deliver the chosen epoch (owner)'
            : `Deliver epoch ${input.leading} (owner)`,
        custom_id: epochVoteId.encode({ runId: input.runId, deliver: true }),
        disabled: input.leading === null,
      },
    ],
  });
  return { content: clip(lines), components: rows, allowed_mentions: { parse: [] } };
}

/** Discord's 2000-character limit; with many epochs the middle lines go first, never the header or the ending. */
function clip(lines: string[]): string {
  const text = lines.join('\n');
  if (text.length <= 2000) return text;
  const head = lines.slice(0, 2);
  const tail = lines.slice(-1);
  const middle = lines.slice(2, -1);
  while (middle.length > 0 && [...head, '…', ...middle, ...tail].join('\n').length > 2000) middle.shift();
  return [...head, '…', ...middle, ...tail].join('\n').slice(0, 2000);
}

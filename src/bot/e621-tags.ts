import type { AutocompleteInteraction } from 'discord.js';
import { UserError } from '../core/errors.ts';
import { normalizeTag } from '../core/query/tags.ts';
import { suggestTags, tagIsKnown } from '../core/query/suggest.ts';
import { isTransientNetworkError, type E621Client } from '../e621/client.ts';
import type { Logger } from '../log.ts';

/**
 * e621 tag help for the query options: completion of the tag being typed in a tag-group list, and a check
 * that newly typed tags exist (with close suggestions), both through e621's tag autocomplete.
 */

/** Discord drops an autocomplete answer after 3 s; e621 is paced at 1 request/s, so give up early. */
export const AUTOCOMPLETE_BUDGET_MS = 2000;
/** Discord's limits on autocomplete choices. */
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/** Splits `krystal, solo | krystal, sol` into the finished part and the tag being typed. */
export function splitTyped(typed: string): { head: string; partial: string } {
  const cut = Math.max(typed.lastIndexOf(','), typed.lastIndexOf('|'));
  return { head: typed.slice(0, cut + 1), partial: typed.slice(cut + 1) };
}

function withTag(head: string, tag: string): string {
  const trimmed = head.trimEnd();
  return trimmed === '' ? tag : `${trimmed} ${tag}`;
}

function clipStart(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

/**
 * Answers autocomplete for a tag-list option: the list as typed, with its last tag completed by e621.
 * Without an e621 client (no E621_USER) or when e621 is slow, it answers nothing; the user can still send
 * what they typed.
 */
export async function autocompleteTagList(
  interaction: AutocompleteInteraction<'cached'>,
  e621: E621Client | null,
  log: Logger,
): Promise<void> {
  const typed = String(interaction.options.getFocused());
  const { head, partial } = splitTyped(typed);
  const prefix = normalizeTag(partial);
  if (e621 === null || prefix.length < 3) {
    await interaction.respond([]);
    return;
  }
  let suggestions;
  try {
    suggestions = await e621.autocomplete(prefix, AbortSignal.timeout(AUTOCOMPLETE_BUDGET_MS));
  } catch (error) {
    log.debug({ err: error, prefix }, 'e621 tag autocomplete gave no answer in time');
    await interaction.respond([]);
    return;
  }
  const choices = suggestions
    .map((tag) => ({ tag, value: withTag(head, tag.name) }))
    .filter(({ value }) => value.length <= MAX_CHOICE_LENGTH)
    .slice(0, MAX_CHOICES)
    .map(({ tag, value }) => ({
      name: clipStart(`${value} · ${tag.postCount.toLocaleString('en-US')} posts`, MAX_CHOICE_LENGTH),
      value,
    }));
  await interaction.respond(choices);
}

export interface TagToCheck {
  tag: string;
  /** Where it was typed, for the error: `Group 2 ("krystl, solo")`, `Blacklist`. */
  where: string;
}

export interface TagCheck {
  /** Tags e621 confirmed. */
  checked: number;
  /** Why some tags were not checked (no e621 client, e621 not answering, too many); null when all were. */
  skipped: string | null;
}

/** e621's autocomplete wants 3+ characters; shorter tags (`m`, `ok`) cannot be checked this way. */
const MIN_CHECKABLE = 3;

/**
 * Checks new tags against e621 and throws a UserError naming the first unknown one, with close tags.
 * e621 being unreachable is not the user's fault: the tags are then left unchecked and the reason returned.
 */
export async function checkTagsExist(
  e621: E621Client | null,
  tags: readonly TagToCheck[],
  options: { limit?: number; timeoutMs?: number } = {},
): Promise<TagCheck> {
  const checkable = tags.filter(({ tag }) => tag.length >= MIN_CHECKABLE);
  if (checkable.length === 0) return { checked: 0, skipped: null };
  if (e621 === null) {
    return { checked: 0, skipped: 'Kiln has no e621 access here (E621_USER is not configured)' };
  }
  const limit = options.limit ?? 12;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  let checked = 0;
  for (const { tag, where } of checkable.slice(0, limit)) {
    let candidates;
    try {
      candidates = await e621.autocomplete(tag, signal);
    } catch (error) {
      const unanswered =
        signal.aborted ||
        isTransientNetworkError(error) ||
        (error instanceof UserError && error.code === 'service-unavailable');
      if (!unanswered) throw error;
      return { checked, skipped: 'e621 did not answer in time' };
    }
    if (!tagIsKnown(tag, candidates)) {
      const close = suggestTags(tag, candidates);
      throw new UserError(
        'invalid-tag',
        `${where}: \`${tag}\` is not an e621 tag${
          close.length > 0 ? ` — did you mean ${close.map((s) => `\`${s}\``).join(', ')}?` : '.'
        } Nothing was changed.`,
      );
    }
    checked += 1;
  }
  return {
    checked,
    skipped: checkable.length > limit ? `only the first ${limit} new tags were checked` : null,
  };
}

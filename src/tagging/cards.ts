import { matchOutfit } from '../core/tags/outfits.ts';
import type { Db } from '../db/client.ts';
import { decisionsOnMessage, decisionTallies, setDecisionMessage } from '../db/repositories/tag-decisions.ts';
import { outfitTally, setOutfitMessage } from '../db/repositories/outfits.ts';
import type { OutfitRow, TagDecisionRow } from '../db/schema/index.ts';
import type { DiscordPoster } from '../notify/discord-rest.ts';
import { DECISIONS_PER_CARD, foldCard, outfitCard } from '../views/tag-cards.ts';
import { asRest, type TaggingView } from '../views/tagging-view.ts';
import type { ProjectTagging } from './project-tags.ts';

/**
 * Vote cards are rendered from the rows every time (by the worker when it posts them, by the bot after each
 * click), so a card always shows what Postgres holds.
 */

export async function foldCardView(
  db: Db,
  mainTag: string,
  decisions: readonly TagDecisionRow[],
): Promise<TaggingView> {
  const tallies = await decisionTallies(db, decisions);
  return foldCard(
    mainTag,
    decisions.map((decision) => {
      const tally = tallies.get(decision.id);
      if (!tally) throw new Error(`no tally for decision ${decision.id}`);
      return { decision, tally };
    }),
  );
}

/** The card a fold proposal sits on, with every proposal sharing it; null when it was never posted. */
export async function foldCardOfMessage(
  db: Db,
  mainTag: string,
  messageId: string | null,
): Promise<TaggingView | null> {
  if (messageId === null) return null;
  const decisions = await decisionsOnMessage(db, messageId);
  return decisions.length === 0 ? null : foldCardView(db, mainTag, decisions);
}

/** Posts proposals as cards of up to five and remembers which message holds each. */
export async function postFoldCards(
  db: Db,
  poster: DiscordPoster,
  channelId: string,
  mainTag: string,
  decisions: readonly TagDecisionRow[],
): Promise<number> {
  let posted = 0;
  for (let start = 0; start < decisions.length; start += DECISIONS_PER_CARD) {
    const chunk = decisions.slice(start, start + DECISIONS_PER_CARD);
    const messageId = await poster.post(channelId, asRest(await foldCardView(db, mainTag, chunk)));
    await setDecisionMessage(
      db,
      chunk.map((decision) => decision.id),
      channelId,
      messageId,
    );
    posted += 1;
  }
  return posted;
}

export async function outfitCardView(
  db: Db,
  tagging: Pick<ProjectTagging, 'project' | 'images'>,
  outfit: OutfitRow,
): Promise<TaggingView> {
  const match = matchOutfit(tagging.images, { tag: outfit.tag, components: outfit.components });
  return outfitCard(
    tagging.project.mainTag,
    outfit,
    await outfitTally(db, outfit),
    match,
    tagging.images.length,
  );
}

export async function postOutfitCard(
  db: Db,
  poster: DiscordPoster,
  channelId: string,
  tagging: Pick<ProjectTagging, 'project' | 'images'>,
  outfit: OutfitRow,
): Promise<string> {
  const messageId = await poster.post(channelId, asRest(await outfitCardView(db, tagging, outfit)));
  await setOutfitMessage(db, outfit.id, channelId, messageId);
  return messageId;
}

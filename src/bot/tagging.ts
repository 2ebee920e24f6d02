import { Routes, type Client } from 'discord.js';
import { UserError } from '../core/errors.ts';
import { tagCounts } from '../core/tags/dataset.ts';
import { canonicalTag } from '../core/tags/names.ts';
import { matchOutfit, validateOutfit } from '../core/tags/outfits.ts';
import type { Db } from '../db/client.ts';
import { proposeOutfit } from '../db/repositories/outfits.ts';
import type { OutfitRow, ProjectRow } from '../db/schema/index.ts';
import type { Logger } from '../log.ts';
import { withinLimit } from '../core/text-limits.ts';
import { withSafeMentions, type DiscordPoster, type OutgoingMessage } from '../notify/discord-rest.ts';
import { UNFINISHED_JOB_STATES, type JobProducer } from '../queue/producer.ts';
import { postOutfitCard } from '../tagging/cards.ts';
import { liveOutfits, loadProjectTagging, type ProjectTagging } from '../tagging/project-tags.ts';
import { ensureProjectThread } from './project-thread.ts';

/** What the tagging commands and components share. */

/** `autotag-12`: one autotag job per project at a time (BullMQ keeps the first of two with one id). */
export function autotagJobId(projectId: number): string {
  return `autotag-${projectId}`;
}

/**
 * Queues the autotag job of a finalized project; `queued` is false when one already waits or runs (its
 * progress shows in the thread). The worker tags every kept image and crop and posts the results.
 */
export async function enqueueAutotag(
  jobs: JobProducer,
  project: Pick<ProjectRow, 'id'>,
  requestedBy: string,
): Promise<{ queued: boolean; jobId: string }> {
  const jobId = autotagJobId(project.id);
  const existing = await jobs.inspect('autotag', jobId);
  if (existing && (UNFINISHED_JOB_STATES as readonly string[]).includes(existing.state)) {
    return { queued: false, jobId };
  }
  await jobs.enqueue('autotag', { projectId: project.id, requestedBy }, { jobId, replaceFinished: true });
  return { queued: true, jobId };
}

export function assertFinalizedForTagging(project: ProjectRow): void {
  if (project.datasetFrozenAt === null) {
    throw new UserError(
      'not-finalized',
      `The dataset of **${project.characterName}** is not finalized yet. Finish pruning and press **Finalize** on the pruning board; auto-tagging starts then.`,
    );
  }
}

/** The project's tagging state, refusing a project the worker has not tagged yet. */
export async function loadTaggedProject(db: Db, project: ProjectRow): Promise<ProjectTagging> {
  assertFinalizedForTagging(project);
  const tagging = await loadProjectTagging(db, project);
  if (tagging.images.length === 0) {
    throw new UserError(
      'not-tagged',
      `**${project.characterName}** has no tags yet: auto-tagging runs after Finalize (or start it with \`/lora autotag\`); its progress shows in the thread.`,
    );
  }
  return tagging;
}

/** A comma-separated list of tags as typed (spaces or underscores). */
export function parseTagList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** The bot's REST client as a poster, so the bot posts the same messages the worker does. */
export function restPoster(client: Client): DiscordPoster {
  const files = (message: OutgoingMessage) => (message.files ? { files: message.files } : {});
  return {
    async post(channelId, message) {
      const created = (await client.rest.post(Routes.channelMessages(channelId), {
        body: withSafeMentions(message.body),
        ...files(message),
      })) as { id: string };
      return created.id;
    },
    async edit(channelId, messageId, message) {
      await client.rest.patch(Routes.channelMessage(channelId, messageId), {
        body: withSafeMentions(message.body),
        ...files(message),
      });
    },
  };
}

/** The outfit's name and tag list, as /lora outfit and the outfit modal both limit them. */
export const OUTFIT_LIMITS = {
  name: { label: 'The outfit tag', max: 64 },
  tags: { label: 'The tags it replaces', max: 1000 },
} as const;

/**
 * Validates an outfit a friend proposed (name and component tags), stores it and posts its vote card in the
 * thread. Proposing an existing outfit tag again redefines it and restarts its vote.
 */
export async function proposeOutfitFromInput(
  context: { db: Db; client: Client; log: Logger },
  project: ProjectRow,
  input: { name: string; tags: string; userId: string },
): Promise<{ outfit: OutfitRow; messageId: string; threadId: string; applied: number }> {
  const { db, client } = context;
  withinLimit(input.name, OUTFIT_LIMITS.name);
  withinLimit(input.tags, OUTFIT_LIMITS.tags);
  const tagging = await loadTaggedProject(db, project);
  const components = parseTagList(input.tags);
  const live = liveOutfits(tagging.outfitRows);
  const definition = validateOutfit(
    { tag: input.name, components },
    {
      mainTag: project.mainTag,
      outfits: live.map((outfit) => ({ tag: outfit.tag, components: outfit.components })),
      folded: tagging.decisions.fold ?? [],
      datasetTags: new Set(tagCounts(tagging.images).keys()),
    },
  );
  const present = new Set(tagCounts(tagging.images).keys());
  const unknown = definition.components.filter((tag) => !present.has(canonicalTag(tag)));
  if (unknown.length === definition.components.length) {
    throw new UserError(
      'invalid-tag',
      `None of ${definition.components.map((t) => `\`${t}\``).join(', ')} is on any image of **${project.characterName}**, so the outfit \`${definition.tag}\` would replace nothing. Check the spelling (\`/lora coverage\` lists the clothing tags).`,
    );
  }
  const outfit = await proposeOutfit(db, {
    projectId: project.id,
    tag: definition.tag,
    components: [...definition.components],
    proposedBy: input.userId,
  });
  const { thread } = await ensureProjectThread(client, db, project);
  const messageId = await postOutfitCard(db, restPoster(client), thread.id, tagging, outfit);
  const { applied } = matchOutfit(tagging.images, definition);
  return { outfit, messageId, threadId: thread.id, applied: applied.length };
}

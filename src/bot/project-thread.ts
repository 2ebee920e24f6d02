import {
  ChannelType,
  DiscordAPIError,
  RESTJSONErrorCodes,
  ThreadAutoArchiveDuration,
  type Client,
  type ThreadChannel,
} from 'discord.js';
import { UserError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { setProjectThread } from '../db/repositories/projects.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { projectCardMessage } from '../views/project-card.ts';

async function fetchThread(client: Client, threadId: string): Promise<ThreadChannel | null> {
  try {
    const channel = await client.channels.fetch(threadId);
    return channel?.isThread() ? channel : null;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownChannel) return null;
    throw error;
  }
}

/**
 * The project's thread, unarchived; when a moderator deleted it, a new one is opened in the project's
 * channel with a fresh card, and the project points at it. `recreated` tells the caller to say so.
 */
export async function ensureProjectThread(
  client: Client,
  db: Db,
  project: ProjectRow,
): Promise<{ thread: ThreadChannel; recreated: boolean }> {
  const existing = project.threadId ? await fetchThread(client, project.threadId) : null;
  if (existing) {
    if (existing.archived) await existing.setArchived(false, 'Kiln posts here');
    return { thread: existing, recreated: false };
  }
  const parent = await client.channels.fetch(project.channelId).catch(() => null);
  if (parent?.type !== ChannelType.GuildText) {
    throw new UserError(
      'thread-missing',
      `The thread and the channel of **${project.characterName}** are gone. Ask a server manager to restore the channel, or start a new project with \`/lora new\`.`,
    );
  }
  const thread = await parent.threads.create({
    name: `LoRA · ${project.characterName}`.slice(0, 100),
    type: ChannelType.PublicThread,
    autoArchiveDuration: ThreadAutoArchiveDuration.OneWeek,
    reason: 'The previous project thread was deleted',
  });
  const card = await thread.send(projectCardMessage({ ...project, threadId: thread.id }));
  await setProjectThread(db, project.id, thread.id, card.id);
  return { thread, recreated: true };
}

/** Re-renders the card in the thread after the project changed; a missing card or thread is not an error. */
export async function refreshProjectCard(client: Client, project: ProjectRow): Promise<boolean> {
  if (!project.threadId || !project.cardMessageId) return false;
  const thread = await fetchThread(client, project.threadId);
  if (!thread) return false;
  try {
    const message = await thread.messages.fetch(project.cardMessageId);
    await message.edit(projectCardMessage(project));
    return true;
  } catch (error) {
    if (error instanceof DiscordAPIError) return false;
    throw error;
  }
}

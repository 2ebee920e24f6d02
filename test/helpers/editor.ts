import { saveTaggedImages } from '../../src/db/repositories/tagging.ts';
import { autotagStatusView } from '../../src/views/tagging-reports.ts';
import { asReply } from '../../src/views/tagging-view.ts';
import {
  buttons,
  customIds,
  type FakeChannel,
  type FakeMessage,
  type FakeUser,
} from '../fakes/discord/index.ts';
import type { BotHarness } from './bot-harness.ts';

/** The pruning board in a project thread (posted by `/lora prune`). */
export function boardOf(thread: FakeChannel): FakeMessage {
  const board = thread.messages.find((m) => customIds(m).some((id) => id.startsWith('board@1:')));
  if (!board) throw new Error('no pruning board in the thread');
  return board;
}

/** Presses **Crop in browser** as `user` and returns the link of the private answer. */
export async function cropEditorLink(
  h: BotHarness,
  user: FakeUser,
  thread: FakeChannel,
  projectId: number,
): Promise<string> {
  const result = await h.discord.user(user).button(boardOf(thread), `board@1:${projectId}:web:0`);
  const answer = await result.waitForOriginal((m) => buttons(m).some((b) => b.url !== null), 20_000);
  const url = buttons(answer).find((b) => b.url !== null)?.url;
  if (!url) throw new Error('the answer carries no link');
  return url;
}

/** The grant of an editor link, as the page sends it in X-Kiln-Link. */
export function grantOf(link: string): string {
  return new URL(link).searchParams.toString();
}

/** Tagged dataset images as an auto-tagging run leaves them: each whole image with the post's own tags. */
export async function seedTaggedImages(
  h: BotHarness,
  projectId: number,
  images: ReadonlyArray<{ candidateId: number; postId: number; rank: number }>,
  tagsOf: (index: number) => string[],
): Promise<void> {
  await saveTaggedImages(
    h.database.db,
    projectId,
    images.map((image, index) => ({
      source: {
        key: `i${image.candidateId}`,
        candidateId: image.candidateId,
        cropId: null,
        kind: 'image' as const,
        name: String(image.postId),
        postId: image.postId,
        rank: image.rank,
        imagePath: null,
        replaced: false,
        crop: null,
        postTags: { general: tagsOf(index) },
        rating: 's' as const,
      },
      evidence: { post: tagsOf(index).map((tag) => ({ tag, category: 'general' as const })) },
      known: { wd: tagsOf(index), e621: tagsOf(index) },
      tags: tagsOf(index).map((tag) => ({
        tag,
        category: 'general' as const,
        sources: ['post' as const],
        scores: {},
        confidence: 1,
        accepted: true,
      })),
    })),
  );
}

/** The auto-tagging report the worker posts when a run is done, sent by the bot into the thread. */
export async function postAutotagReport(
  h: BotHarness,
  thread: FakeChannel,
  project: { id: number; characterName: string },
  images: number,
): Promise<FakeMessage> {
  const channel = await h.bot.client.channels.fetch(thread.id);
  if (!channel?.isSendable()) throw new Error('the thread cannot be posted to');
  const sent = await channel.send(
    asReply(
      autotagStatusView({
        projectId: project.id,
        characterName: project.characterName,
        phase: 'done',
        tagged: images,
        total: images,
        summary: { images, crops: 0, tags: 3, doubtfulImages: 0, proposals: 0, cleanupFlags: 0 },
      }),
    ),
  );
  const message = h.discord.message(thread.id, sent.id);
  if (!message) throw new Error('the report did not arrive');
  return message;
}

/** Presses **Edit tags** on the auto-tagging report as `user` and returns the link of the private answer. */
export async function tagEditorLink(
  h: BotHarness,
  user: FakeUser,
  report: FakeMessage,
  projectId: number,
): Promise<string> {
  const result = await h.discord.user(user).button(report, `tagging@1:${projectId}:web`);
  const answer = await result.waitForOriginal((m) => buttons(m).some((b) => b.url !== null), 20_000);
  const url = buttons(answer).find((b) => b.url !== null)?.url;
  if (!url) throw new Error('the answer carries no link');
  return url;
}

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

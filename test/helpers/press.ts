import type { FakeMessage, FakeUser } from '../fakes/discord/index.ts';
import type { BotHarness } from './bot-harness.ts';

/** Clicks a button as `user` and returns the text of the private answer once the bot has written it. */
export async function press(
  h: BotHarness,
  user: FakeUser,
  message: FakeMessage,
  customId: string,
): Promise<string> {
  const result = await h.discord.user(user).button(message, customId);
  const answer = await result.waitForOriginal((m) => m.content.length > 0, 20_000);
  return answer.content;
}

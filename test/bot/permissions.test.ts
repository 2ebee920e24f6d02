import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHeadCrop, setCropBox } from '../../src/db/repositories/crops.ts';
import { setEditorRole } from '../../src/db/repositories/projects.ts';
import { replacements } from '../../src/db/schema/index.ts';
import { customIds, textOf, type FakeChannel, type FakeMessage } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000111', username: 'alice' };
const bob = { id: '400000000000000112', username: 'bob' };
const EDITOR_ROLE = '500000000000000111';
const dora = { id: '400000000000000113', username: 'dora', roles: [EDITOR_ROLE] };
const refusal = (action: string) =>
  `Only the project owner <@${alice.id}>, server managers or the server's editor role can ${action}.`;

/** The README's "Who may do what" rows for training images, as a member without edit rights clicks them. */
describe('who may change training images', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  let image: { candidateId: number; postId: number };
  let cropId: number;
  const gallery = () =>
    thread.messages.find((m) => customIds(m).includes(`vote@1:${image.candidateId}:keep`))!;
  const panelFor = async (user: typeof bob): Promise<FakeMessage> =>
    (await h.discord.user(user).button(gallery(), `image@1:${image.candidateId}:open`)).waitForOriginal((m) =>
      customIds(m).some((id) => id.endsWith(':headcrop')),
    );
  const cropListFor = async (user: typeof bob): Promise<FakeMessage> => {
    const board = thread.messages.find((m) => customIds(m).some((id) => id.startsWith('board@1:')))!;
    return (await h.discord.user(user).button(board, `board@1:${projectId}:crops:0`)).waitForOriginal((m) =>
      textOf(m).includes('Crops'),
    );
  };

  beforeAll(async () => {
    h = await startBotHarness();
    let project;
    ({ project, thread } = await given.project(h, alice));
    projectId = project.id;
    image = (await given.images(h.database.db, h.dataDir, projectId, 1))[0]!;
    await (
      await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id })
    ).waitForOriginal((m) => m.content.includes('Posted'));
    cropId = await ensureHeadCrop(h.database.db, image.candidateId, alice.id);
    await setCropBox(h.database.db, cropId, { left: 0, top: 0, width: 300, height: 300 }, false);
    await setEditorRole(h.database.db, h.discord.guildId, EDITOR_ROLE);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['headcrop', 'add a crop'],
    ['split', 'add a crop'],
  ])('refuses a member who presses More → %s', async (action, what) => {
    const panel = await panelFor(bob);
    const result = await h.discord.user(bob).button(panel, `image@1:${image.candidateId}:${action}`);
    expect(result.callback.type).toBe(4);
    expect(result.callback.data.flags & 64).toBe(64);
    expect(result.callback.data.content).toContain(refusal(what));
  });

  it('refuses a member who presses edit on a crop', async () => {
    const list = await cropListFor(bob);
    const result = await h.discord.user(bob).button(list, `crop@1:${cropId}:edit`);
    expect(result.callback.type).toBe(4);
    expect(result.callback.data.content).toContain(refusal('change a crop'));
  });

  // A head crop's preview offers no Trim (a trimmed box is never a headshot), so there is nothing to press.
  it.each(['square', 'save'])(
    'checks on each click: %s on a crop preview is refused once the editor role is gone',
    async (action) => {
      await setEditorRole(h.database.db, h.discord.guildId, EDITOR_ROLE);
      const list = await cropListFor(dora);
      await h.discord.user(dora).button(list, `crop@1:${cropId}:edit`);
      const submitted = await h.discord
        .user(dora)
        .modalSubmit(`cropbox@1:${cropId}`, { box: '0, 0, 300, 300' }, { channelId: thread.id });
      const preview = await submitted.waitForOriginal((m) => m.attachments.length > 0);
      await setEditorRole(h.database.db, h.discord.guildId, null);
      try {
        const result = await h.discord.user(dora).button(preview, `crop@1:${cropId}:${action}`);
        const answer = await result.waitForFollowUp((m) => m.content.length > 0);
        expect(answer.flags & 64).toBe(64);
        expect(answer.content).toContain(refusal('change a crop'));
      } finally {
        await setEditorRole(h.database.db, h.discord.guildId, EDITOR_ROLE);
      }
    },
  );

  it("lets the server's editor role replace an image and add a crop", async () => {
    const data = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#224466' } })
      .png()
      .toBuffer();
    const result = await h.discord.user(dora).slash('lora', {
      subcommand: 'replace',
      channelId: thread.id,
      options: { post: image.postId, image: { file: { name: 'clean.png', data, contentType: 'image/png' } } },
    });
    expect((await result.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      'Stored your 600×800',
    );
    const stored = await h.database.db
      .select()
      .from(replacements)
      .where(eq(replacements.candidateId, image.candidateId));
    expect(stored[0]!.uploadedBy).toBe(dora.id);

    const panel = await panelFor(dora);
    const split = await h.discord.user(dora).button(panel, `image@1:${image.candidateId}:split`);
    expect(split.callback.type).toBe(9);
  });

  it("refuses the server's settings to anyone without Manage Server, the editor role included", async () => {
    for (const user of [bob, dora]) {
      const result = await h.discord
        .user(user)
        .slash('lora', { subcommand: 'settings', options: { clear_editor_role: true } });
      expect((await result.waitForOriginal((m) => m.content.length > 0)).content).toBe(
        'Only members with Manage Server can change Kiln settings.\n-# not-allowed',
      );
    }
  });
});

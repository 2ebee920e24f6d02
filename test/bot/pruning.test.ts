import { PermissionFlagsBits } from 'discord.js';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crops, projectCandidates, pruneVotes, replacements } from '../../src/db/schema/index.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { loadImageStates } from '../../src/db/repositories/pruning.ts';
import { customIds, textOf, type FakeChannel, type FakeMessage } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000011', username: 'alice' };
const bob = { id: '400000000000000012', username: 'bob' };
const carol = { id: '400000000000000013', username: 'carol' };

describe('pruning with friends', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  let images: Array<{ candidateId: number; postId: number; rank: number }>;
  const gallery = () => thread.messages.filter((m) => customIds(m).some((id) => id.startsWith('vote@1:')));
  const board = () => thread.messages.find((m) => customIds(m).some((id) => id.startsWith('board@1:')))!;
  const messageWith = (candidateId: number): FakeMessage =>
    h.discord.message(
      thread.id,
      gallery().find((m) => customIds(m).includes(`vote@1:${candidateId}:keep`))!.id,
    )!;
  const vote = async (user: typeof alice, candidateId: number, choice: string) => {
    const result = await h.discord
      .user(user)
      .button(messageWith(candidateId), `vote@1:${candidateId}:${choice}`);
    expect(result.callback.type).toBe(6);
    return result;
  };
  const pagerImage = (m: FakeMessage) => Number(/review@1:(\d+):keep/.exec(customIds(m).join(' '))?.[1]);

  beforeAll(async () => {
    h = await startBotHarness();
    ({ thread } = await given.project(h, alice));
    const project = (await getProject(
      h.database.db,
      Number(/card@1:notes:(\d+)/.exec(customIds(thread.messages[0]!).join(' '))![1]),
    ))!;
    projectId = project.id;
    images = await given.images(h.database.db, h.dataDir, projectId, 12);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts a board and galleries of four images within Discord’s limits', async () => {
    const denied = await h.discord.user(bob).slash('lora', { subcommand: 'prune', channelId: thread.id });
    expect((await denied.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      'Only the project owner',
    );

    const started = await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id });
    expect((await started.waitForOriginal((m) => m.content.includes('Posted'))).content).toContain(
      'Posted 12 images',
    );
    expect(
      gallery().map(
        (m) => customIds(m).filter((id) => id.startsWith('vote@1:') && id.endsWith(':keep')).length,
      ),
    ).toEqual([4, 4, 4]);
    expect(textOf(board())).toContain('0 kept, 50 short of the guide');
    expect(textOf(gallery()[0]!)).toContain('score 500 · artist_0 · 600×800');

    const again = await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id });
    expect((await again.waitForOriginal((m) => m.content.length > 0)).content).toContain('already in');
    expect(gallery()).toHaveLength(3);
  });

  it('counts one vote per friend, replaces a changed vote, and decides by quorum', async () => {
    const first = images[0]!.candidateId;
    await vote(alice, first, 'keep');
    await vote(bob, first, 'keep');
    // Two votes ahead: decided. A third vote cannot tip a 2–1 majority.
    await vote(carol, first, 'prune');
    await vote(bob, first, 'keep'); // the same click again changes nothing
    const edited = await h.discord.waitForRequest(
      (r) =>
        r.method === 'PATCH' &&
        r.path.endsWith(`/messages/${messageWith(first).id}`) &&
        JSON.stringify(r.body).includes('keep 2 · prune 1'),
      8000,
    );
    expect(JSON.stringify(edited.body)).toContain('✅ kept');
    const rows = await h.database.db.select().from(pruneVotes).where(eq(pruneVotes.candidateId, first));
    expect(rows.map((row) => [row.userId, row.choice]).sort()).toEqual([
      [alice.id, 'keep'],
      [bob.id, 'keep'],
      [carol.id, 'prune'],
    ]);

    await vote(bob, first, 'prune'); // changed mind: 1 keep, 2 prune
    await h.discord.waitForRequest(
      (r) =>
        r.method === 'PATCH' &&
        JSON.stringify(r.body).includes('keep 1 · prune 2 · headshot 0 · edit 0 → 🗑️ pruned'),
      8000,
    );
    const [state] = await loadImageStates(h.database.db, (await getProject(h.database.db, projectId))!, [
      first,
    ]);
    expect(state!.verdict.decision).toBe('pruned');
  });

  it('lets only the owner override an image', async () => {
    const target = images[0]!.candidateId;
    const opened = await h.discord.user(bob).button(messageWith(target), `image@1:${target}:open`);
    const panel = await opened.waitForOriginal((m) => textOf(m).includes('#1'));
    const refused = await h.discord.user(bob).button(panel, `image@1:${target}:keep`);
    await refused.waitForFollowUp((m) => m.content.includes('Only the project owner'));

    const ownerPanel = await (
      await h.discord.user(alice).button(messageWith(target), `image@1:${target}:open`)
    ).waitForOriginal((m) => textOf(m).includes('#1'));
    const overridden = await h.discord.user(alice).button(ownerPanel, `image@1:${target}:keep`);
    const updated = await overridden.waitForOriginal((m) => textOf(m).includes('(owner)'));
    expect(textOf(updated)).toContain('✅ kept (owner)');
  });

  it('walks each friend through the images they have not voted on, in rank order', async () => {
    const pager = await h.discord.user(bob).button(board(), `board@1:${projectId}:review:0`);
    let page = await pager.waitForOriginal((m) => customIds(m).some((id) => id.startsWith('review@1:')));
    expect(textOf(page)).toContain('character likeness');
    expect(pagerImage(page)).toBe(images[1]!.candidateId); // bob voted on #1 already

    const next = await h.discord.user(bob).button(page, `review@1:${images[1]!.candidateId}:keep`);
    page = await next.waitForOriginal((m) => pagerImage(m) === images[2]!.candidateId);
    const skipped = await h.discord.user(bob).button(page, `review@1:${images[2]!.candidateId}:skip`);
    page = await skipped.waitForOriginal((m) => pagerImage(m) === images[3]!.candidateId);
    const back = await h.discord.user(bob).button(page, `review@1:${images[3]!.candidateId}:back`);
    page = await back.waitForOriginal((m) => pagerImage(m) === images[2]!.candidateId);
    expect(textOf(page)).toContain('You have not voted on this one');

    const carolsPager = await h.discord.user(carol).button(board(), `board@1:${projectId}:review:0`);
    const carolsPage = await carolsPager.waitForOriginal((m) =>
      customIds(m).some((id) => id.startsWith('review@1:')),
    );
    expect(pagerImage(carolsPage)).toBe(images[1]!.candidateId);
    expect(carolsPage.flags & 64).toBe(64);
  });

  it('turns a headshot vote into a head crop whose box is set in a modal and previewed before saving, by the owner', async () => {
    const target = images[2]!.candidateId;
    const alicesVote = await vote(alice, target, 'headshot');
    // The one who voted learns that the vote alone adds no image, and where the crop step is.
    const hint = await alicesVote.waitForFollowUp((m) => m.content.includes('Headshot vote counted'));
    expect(hint.content).toContain('once someone saves its crop box');
    expect(hint.content).toContain('**More → Head crop**');
    expect(hint.flags & 64).toBe(64);
    await vote(carol, target, 'headshot');
    const crop = await eventually(async () => {
      const rows = await h.database.db.select().from(crops).where(eq(crops.candidateId, target));
      expect(rows).toEqual([expect.objectContaining({ kind: 'headshot', box: null, confirmed: false })]);
      return rows[0]!;
    });
    // The board tells votes from saved crops, and says what to press.
    await eventually(() => {
      const text = textOf(h.discord.message(thread.id, board().id)!);
      expect(text).toMatch(
        /Headshots: \*\*\d+\*\* images? voted headshot · \*\*0\*\* headshot crops saved · \*\*1\*\* crops waiting for a box: press \*\*Crops\*\*/,
      );
    });

    const list = await (
      await h.discord.user(alice).button(board(), `board@1:${projectId}:crops:0`)
    ).waitForOriginal((m) => textOf(m).includes('Crops'));
    expect(textOf(list)).toContain('headshot crop of image #3 · no box yet');
    // Carol voted for the crop, but setting its box changes a training image: the owner's or an editor's.
    const carolsList = await (
      await h.discord.user(carol).button(board(), `board@1:${projectId}:crops:0`)
    ).waitForOriginal((m) => textOf(m).includes('Crops'));
    const refused = await h.discord.user(carol).button(carolsList, `crop@1:${crop.id}:edit`);
    expect(refused.callback.type).toBe(4);
    expect(refused.callback.data.content).toContain(
      "Only the project owner <@400000000000000011>, server managers or the server's editor role can change a crop.",
    );
    const opened = await h.discord.user(alice).button(list, `crop@1:${crop.id}:edit`);
    expect(opened.callback.type).toBe(9);

    const outside = await h.discord
      .user(alice)
      .modalSubmit(`cropbox@1:${crop.id}`, { box: '500, 0, 300, 300' }, { channelId: thread.id });
    expect((await outside.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      'outside the 600×800 image',
    );

    const reopened = await h.discord.user(alice).button(list, `crop@1:${crop.id}:edit`);
    expect(reopened.callback.type).toBe(9);
    const submitted = await h.discord
      .user(alice)
      .modalSubmit(`cropbox@1:${crop.id}`, { box: '25%, 0%, 50%, 40%' }, { channelId: thread.id });
    const preview = await submitted.waitForOriginal((m) => m.attachments.length > 0);
    expect(textOf(preview)).toContain('150,0 300×320');
    // Trimming borders keeps nearly the whole picture: never offered for a head crop.
    expect(customIds(preview)).toContain(`crop@1:${crop.id}:square`);
    expect(customIds(preview)).not.toContain(`crop@1:${crop.id}:trim`);
    const previewMeta = await sharp(preview.attachments[0]!.data).metadata();
    expect([previewMeta.width, previewMeta.height]).toEqual([300, 320]);
    expect((await h.database.db.select().from(crops).where(eq(crops.id, crop.id)))[0]!.confirmed).toBe(false);

    const saved = await h.discord.user(alice).button(preview, `crop@1:${crop.id}:save`);
    await saved.waitForOriginal((m) => textOf(m).includes('Saved the headshot crop'));
    expect((await h.database.db.select().from(crops).where(eq(crops.id, crop.id)))[0]).toMatchObject({
      confirmed: true,
      box: { left: 150, top: 0, width: 300, height: 320 },
    });
  });

  it('stores a replacement the owner uploads, refusing other members and files that are not images', async () => {
    const post = images[4]!.postId;
    const edited = await sharp({ create: { width: 500, height: 700, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const refused = await h.discord.user(bob).slash('lora', {
      subcommand: 'replace',
      channelId: thread.id,
      options: { post, image: { file: { name: 'cleaned.png', data: edited, contentType: 'image/png' } } },
    });
    expect((await refused.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      "Only the project owner <@400000000000000011>, server managers or the server's editor role can replace a training image.",
    );
    const uploaded = await h.discord.user(alice).slash('lora', {
      subcommand: 'replace',
      channelId: thread.id,
      options: { post, image: { file: { name: 'cleaned.png', data: edited, contentType: 'image/png' } } },
    });
    expect((await uploaded.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      'Stored your 500×700 png',
    );
    const [stored] = await h.database.db
      .select()
      .from(replacements)
      .where(eq(replacements.candidateId, images[4]!.candidateId));
    expect(stored!.data.equals(edited)).toBe(true);

    const text = await h.discord.user(alice).slash('lora', {
      subcommand: 'replace',
      channelId: thread.id,
      options: {
        post,
        image: { file: { name: 'notes.txt', data: Buffer.from('not an image'), contentType: 'text/plain' } },
      },
    });
    expect((await text.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      '`notes.txt` is not an image',
    );
  });

  it('keeps working on old messages after a bot restart', async () => {
    await h.restartBot();
    await vote(bob, images[5]!.candidateId, 'keep');
    await vote(carol, images[5]!.candidateId, 'keep');
    await h.discord.waitForRequest(
      (r) =>
        r.method === 'PATCH' &&
        JSON.stringify(r.body).includes('keep 2 · prune 0 · headshot 0 · edit 0 → ✅ kept'),
      8000,
    );
    await eventually(async () => {
      const [state] = await loadImageStates(h.database.db, (await getProject(h.database.db, projectId))!, [
        images[5]!.candidateId,
      ]);
      expect(state!.tally).toEqual({ keep: 2, prune: 0, headshot: 0, edit: 0, total: 2 });
      expect(state!.verdict.decision).toBe('kept');
    });
  });

  it('finalizes once, for the owner only, with a contact sheet of the kept images and crops', async () => {
    const refused = await h.discord.user(carol).button(board(), `board@1:${projectId}:finalize:0`);
    expect((await refused.waitForOriginal((m) => m.content.length > 0)).content).toContain(
      'Only the project owner',
    );

    const manager = {
      id: '400000000000000019',
      username: 'mod',
      permissions: PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel,
    };
    const [a, b] = await Promise.all([
      h.discord.user(alice).button(board(), `board@1:${projectId}:finalize:0`),
      h.discord.user(manager).button(board(), `board@1:${projectId}:finalize:0`),
    ]);
    const replies = await Promise.all([a, b].map((r) => r.waitForOriginal((m) => m.content.length > 0)));
    expect(replies.filter((m) => m.content.startsWith('Finalized'))).toHaveLength(1);
    expect(replies.filter((m) => m.content.includes('already finalized'))).toHaveLength(1);

    const project = (await getProject(h.database.db, projectId))!;
    const kept = (await loadImageStates(h.database.db, project)).filter((s) => s.verdict.decision === 'kept');
    expect(kept.map((s) => s.rank)).toEqual([1, 3, 6]);
    const sheetMessage = thread.messages.find((m) => textOf(m).includes('Dataset finalized'))!;
    expect(textOf(sheetMessage)).toContain('**3** kept images + **1** crops = **4** training images');
    expect(textOf(sheetMessage)).toContain('Only 4 images');
    const sheet = await sharp(sheetMessage.attachments[0]!.data).metadata();
    expect(sheet.format).toBe('png');
    expect([sheet.width, sheet.height]).toEqual([2 * 192, 2 * (192 + 22)]);

    const late = await vote(alice, images[7]!.candidateId, 'keep');
    await late.waitForFollowUp((m) => m.content.includes('was finalized'));
    // After Finalize the board shows what made it in, not crops that can no longer be saved.
    await eventually(() => {
      const text = textOf(h.discord.message(thread.id, board().id)!);
      expect(text).toContain('**Dataset finalized**');
      expect(text).toContain('Headshots: **1** headshot crops in the dataset');
      expect(text).not.toContain('waiting');
      expect(text).not.toContain('press **Crops**');
      // The board is edited within the thread's edit budget, after the galleries (at most 8 s).
    }, 15_000);
    const cropList = await (
      await h.discord.user(carol).button(board(), `board@1:${projectId}:crops:0`)
    ).waitForOriginal((m) => textOf(m).includes('Crops'));
    expect(textOf(cropList)).toContain('dataset finalized');
    expect(textOf(cropList)).toContain('1 crops are in the dataset (1 headshots)');
    expect(customIds(cropList).filter((id) => id.startsWith('crop@1:'))).toEqual([]);
  });

  it('says in the thread why a rank is missing from the galleries (#2 … #4 with no #3)', async () => {
    const { project: other, thread: otherThread } = await given.project(h, alice, 'fox_mccloud', 'Fox');
    const seeded = await given.images(h.database.db, h.dataDir, other.id, 5);
    await h.database.db
      .update(projectCandidates)
      .set({
        status: 'duplicate',
        duplicateOf: seeded[1]!.postId,
        duplicateKind: 'near',
        duplicateDistance: 3,
      })
      .where(eq(projectCandidates.id, seeded[2]!.candidateId));
    await h.database.db
      .update(projectCandidates)
      .set({ status: 'skipped', skipCode: 'corrupt', skipReason: 'corrupt image' })
      .where(eq(projectCandidates.id, seeded[4]!.candidateId));
    const started = await h.discord
      .user(alice)
      .slash('lora', { subcommand: 'prune', channelId: otherThread.id });
    await started.waitForOriginal((m) => m.content.includes('Posted 3 images'));
    const note = otherThread.messages.find((m) => m.content.includes("the fetch's ranks"));
    expect(note?.content).toBe(
      "Image numbers are the fetch's ranks by score; 2 ranks are not in the galleries:\n" +
        '- #3: a near-duplicate of #2\n' +
        '- #5: could not be stored (corrupt image)',
    );
  });
});

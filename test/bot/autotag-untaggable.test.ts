import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProject } from '../../src/db/repositories/projects.ts';
import { setOverride } from '../../src/db/repositories/pruning.ts';
import { listTaggedImages, loadDatasetSources } from '../../src/db/repositories/tagging.ts';
import type { ProjectRow } from '../../src/db/schema/index.ts';
import { customIds, textOf, type FakeChannel, type FakeMessage } from '../fakes/discord/index.ts';
import { startAutotagWorker, type AutotagWorker } from '../helpers/autotag-worker.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000061', username: 'alice' };
const bob = { id: '400000000000000062', username: 'bob' };

/**
 * Issue 11, point 6: one image the taggers cannot read must not stop auto-tagging for the whole project, and
 * the finalized dataset must be able to let it go.
 */
describe('auto-tagging a dataset with an image that cannot be read', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let project: ProjectRow;
  let images: Array<{ candidateId: number; postId: number }>;
  let autotag: AutotagWorker;

  const statusMessages = (): FakeMessage[] =>
    thread.messages.filter(
      (m) => m.authorId === h.discord.botUserId && textOf(m).includes('Auto-tagging · Krystal'),
    );

  beforeAll(async () => {
    h = await startBotHarness();
    autotag = await startAutotagWorker(h);
    ({ thread } = await given.project(h, alice, 'krystal', 'Krystal'));
    project = (await getProject(
      h.database.db,
      Number(/card@1:notes:(\d+)/.exec(customIds(thread.messages[0]!).join(' '))![1]),
    ))!;
    images = await given.images(h.database.db, h.dataDir, project.id, 3, { width: 448, height: 448 });
    for (const image of images) {
      await setOverride(h.database.db, {
        candidateId: image.candidateId,
        userId: alice.id,
        decision: 'kept',
      });
    }
    const prune = await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id });
    await prune.waitForOriginal((m) => textOf(m).length > 0, 10_000);
    const board = thread.messages.find((m) => customIds(m).some((id) => id.startsWith('board@1:')))!;
    const finalized = await h.discord.user(alice).button(board, `board@1:${project.id}:finalize:0`);
    await finalized.waitForOriginal((m) => m.content.startsWith('Finalized'), 10_000);
    await eventually(() => expect(textOf(statusMessages().at(-1)!)).toContain('✅ done'), 30_000);
  });

  afterAll(async () => {
    await autotag?.close();
    await h?.close();
  });

  it('tags the other images, names the broken one, and lets the owner drop it from the finalized dataset', async () => {
    const broken = images[1]!;
    // The cached file of one kept image is damaged after Finalize (a bad disk, a half-restored backup).
    const file = join(h.dataDir, 'images', 'test', `${broken.postId.toString(16).padStart(32, '0')}.png`);
    await writeFile(file, 'this is not a PNG any more');
    const before = statusMessages().length;
    const rerun = await h.discord.user(alice).slash('lora', { subcommand: 'autotag', channelId: thread.id });
    await rerun.waitForOriginal((m) => textOf(m).length > 0, 10_000);

    const status = await eventually(() => {
      const latest = statusMessages().at(-1)!;
      expect(statusMessages().length).toBeGreaterThan(before);
      expect(textOf(latest)).toContain('✅ done');
      return latest;
    }, 30_000);
    expect(textOf(status)).toContain('Tagged **2** images (2 kept + 0 crops)');
    expect(textOf(status)).toContain('⚠️ 1 image could not be read and was left out: see below.');
    const tagged = await listTaggedImages(h.database.db, project.id);
    // The readable ones are tagged afresh; the broken one is not stored as an image without tags.
    expect(tagged.map((image) => image.name).sort()).toEqual(
      [String(images[0]!.postId), String(images[2]!.postId)].sort(),
    );

    const note = await eventually(() => {
      const found = thread.messages.find((m) => customIds(m).includes(`dropimg@1:${broken.candidateId}`));
      expect(found).toBeDefined();
      return found!;
    });
    expect(textOf(note)).toContain('1 image of Krystal could not be tagged');
    expect(textOf(note)).toContain(`post ${broken.postId}: `);
    expect(textOf(note)).not.toContain(h.dataDir);

    // A friend cannot change the dataset.
    const refused = await h.discord.user(bob).button(note, `dropimg@1:${broken.candidateId}`);
    const refusal = await refused.waitForOriginal((m) => m.content.length > 0);
    expect(refusal.content).toContain('can drop an image from the dataset');
    expect((await loadDatasetSources(h.database.db, project)).map((s) => s.postId)).toContain(broken.postId);

    const dropped = await h.discord.user(alice).button(note, `dropimg@1:${broken.candidateId}`);
    const answer = await dropped.waitForOriginal((m) => m.content.length > 0);
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toBe(
      `Post ${broken.postId} is out of the dataset of **Krystal**; 2 kept images remain for training. Its tags and crops are no longer used.`,
    );
    expect((await loadDatasetSources(h.database.db, project)).map((s) => s.postId).sort()).toEqual(
      [images[0]!.postId, images[2]!.postId].sort(),
    );
  });
});

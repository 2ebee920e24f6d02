import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autotagJobId } from '../../src/bot/tagging.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { setOverride } from '../../src/db/repositories/pruning.ts';
import { customIds, type FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { given } from '../helpers/given.ts';
import { press } from '../helpers/press.ts';

const alice = { id: '400000000000000071', username: 'alice' };

describe('Finalize is all or nothing', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  let images: Array<{ candidateId: number; postId: number }>;
  const board = () => thread.messages.find((m) => customIds(m).some((id) => id.startsWith('board@1:')))!;

  beforeAll(async () => {
    h = await startBotHarness();
    let project;
    ({ project, thread } = await given.project(h, alice));
    projectId = project.id;
    images = await given.images(h.database.db, h.dataDir, projectId, 3);
    await (
      await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id })
    ).waitForOriginal((m) => m.content.includes('Posted'));
    for (const image of images) {
      await setOverride(h.database.db, {
        candidateId: image.candidateId,
        userId: alice.id,
        decision: 'kept',
      });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses with nothing frozen when a kept image is gone from the data folder, and works once it is back', async () => {
    const file = join(h.dataDir, 'images', 'test', `${images[1]!.postId.toString(16).padStart(32, '0')}.png`);
    await rename(file, `${file}.away`);
    const refused = await press(h, alice, board(), `board@1:${projectId}:finalize:0`);
    expect(refused).toContain(`The image of post ${images[1]!.postId} is not in this machine's image cache`);
    expect(refused).not.toContain(h.dataDir);
    expect((await getProject(h.database.db, projectId))!.datasetFrozenAt).toBeNull();
    expect(await h.jobs.inspect('autotag', autotagJobId(projectId))).toBeNull();

    // The advice works: the project is not stuck, and Finalize can be pressed again.
    await rename(`${file}.away`, file);
    const finalized = await press(h, alice, board(), `board@1:${projectId}:finalize:0`);
    expect(finalized).toContain('Finalized **Krystal**: 3 kept images');
    expect((await getProject(h.database.db, projectId))!.datasetFrozenAt).not.toBeNull();
    expect((await h.jobs.inspect('autotag', autotagJobId(projectId)))?.state).toBe('waiting');
  });
});

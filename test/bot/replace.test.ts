import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCrop, setCropBox } from '../../src/db/repositories/crops.ts';
import { crops, type ProjectRow } from '../../src/db/schema/index.ts';
import type { FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000091', username: 'alice' };

describe('/lora replace keeps the crops of the image valid', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let project: ProjectRow;
  let image: { candidateId: number; postId: number };
  let cropId: number;

  const replaceWith = async (width: number, height: number) => {
    const data = await sharp({ create: { width, height, channels: 3, background: '#335577' } })
      .png()
      .toBuffer();
    const result = await h.discord.user(alice).slash('lora', {
      subcommand: 'replace',
      channelId: thread.id,
      options: { post: image.postId, image: { file: { name: 'edit.png', data, contentType: 'image/png' } } },
    });
    return (await result.waitForOriginal((m) => m.content.length > 0)).content;
  };
  const storedCrop = async () => (await h.database.db.select().from(crops).where(eq(crops.id, cropId)))[0]!;

  beforeAll(async () => {
    h = await startBotHarness();
    ({ project, thread } = await given.project(h, alice));
    image = (await given.images(h.database.db, h.dataDir, project.id, 1))[0]!;
    cropId = await addCrop(h.database.db, {
      candidateId: image.candidateId,
      kind: 'split',
      createdBy: alice.id,
    });
    await setCropBox(h.database.db, cropId, { left: 100, top: 200, width: 300, height: 400 }, true);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('scales the crop boxes when the new picture is the old one resized, and says so', async () => {
    const answer = await replaceWith(300, 400);
    expect(answer).toContain('Stored your 300×400 png');
    expect(answer).toContain(
      'Same shape as the 600×800 picture, so its crops were scaled: split crop 100,200 300×400 → 50,100 150×200.',
    );
    expect(await storedCrop()).toMatchObject({
      box: { left: 50, top: 100, width: 150, height: 200 },
      confirmed: true,
    });
  });

  it('clears the boxes of another shape, naming them', async () => {
    const answer = await replaceWith(500, 500);
    expect(answer).toContain(
      '⚠️ Its shape differs from the 300×400 picture, so these crop boxes no longer fit and were cleared: split crop 50,100 150×200. Set them again from the pruning board (Crops).',
    );
    expect(await storedCrop()).toMatchObject({ box: null, confirmed: false });
  });
});

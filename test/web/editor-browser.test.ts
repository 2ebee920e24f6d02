import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectByThread } from '../../src/db/repositories/projects.ts';
import { suggestTopCentredSquare } from '../../src/core/pruning/crops.ts';
import { crops, imageTagEdits } from '../../src/db/schema/index.ts';
import { textOf, type FakeChannel } from '../fakes/discord/index.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { openBrowser } from '../helpers/browser.ts';
import { cropEditorLink, postAutotagReport, seedTaggedImages, tagEditorLink } from '../helpers/editor.ts';
import { datasetCaptions } from '../../src/tagging/captions.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000011', username: 'alice' };
/** Screenshots for a person to look at (KILN_TEST_OUTPUT, else .tmp/test-output in the checkout). */
const OUTPUT = resolve(process.env.KILN_TEST_OUTPUT ?? '.tmp/test-output', 'web-editor');

describe('the crop editor in a real browser', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let projectId: number;
  let images: Array<{ candidateId: number }>;
  let seeded: Array<{ candidateId: number; postId: number; rank: number }>;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  beforeAll(async () => {
    await mkdir(OUTPUT, { recursive: true });
    h = await startBotHarness({}, { webEditorSecret: 'browser-test-secret-0123456789' });
    ({ thread } = await given.project(h, alice));
    projectId = (await findProjectByThread(h.database.db, thread.id))!.id;
    images = seeded = await given.images(h.database.db, h.dataDir, projectId, 3, {
      width: 900,
      height: 1200,
    });
    await h.discord.user(alice).slash('lora', { subcommand: 'prune', channelId: thread.id });
    await eventually(() => expect(thread.messages.some((m) => textOf(m).includes('Pruning'))).toBe(true));
    browser = await openBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('opens the link from Discord, drags a head crop box, saves it into Postgres and the thread', async () => {
    const link = await cropEditorLink(h, alice, thread, projectId);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(link);
    await page.getByText('image 1 of 3').waitFor();
    await page.getByRole('button', { name: '+ Headshot' }).click();
    await page.getByText('Added a headshot crop').waitFor();

    // The box starts on the suggested head square; drag its corner inwards, then move it.
    const corner = (await page.locator('#box .handle.se').boundingBox())!;
    await page.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
    await page.mouse.down();
    await page.mouse.move(corner.x - 60, corner.y - 40, { steps: 5 });
    await page.mouse.up();
    const box = (await page.locator('#box').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 50, { steps: 5 });
    await page.mouse.up();
    const readout = await page.locator('#readout').textContent();
    const [left, top, width, height] = /^(\d+),(\d+) (\d+)×(\d+)/
      .exec(readout ?? '')!
      .slice(1)
      .map(Number);
    await page.screenshot({ path: join(OUTPUT, 'crop-editor.png') });
    await page.getByRole('button', { name: 'Save crop' }).click();
    await page.getByText('Saved the headshot crop.').waitFor();

    const [row] = await h.database.db
      .select()
      .from(crops)
      .where(eq(crops.candidateId, images[0]!.candidateId));
    expect(row).toMatchObject({ kind: 'headshot', confirmed: true, box: { left, top, width, height } });
    expect(row!.box).not.toEqual(suggestTopCentredSquare({ width: 900, height: 1200 }));
    await eventually(() =>
      expect(
        thread.messages.some((m) =>
          textOf(m).includes(`Saved the headshot crop: ${left},${top} ${width}×${height}`),
        ),
      ).toBe(true),
    );

    // Someone else saves this crop meanwhile: the next save asks instead of overwriting theirs.
    const theirs = { left: 10, top: 10, width: 400, height: 400 };
    await h.database.db.update(crops).set({ box: theirs }).where(eq(crops.id, row!.id));
    await page.getByRole('button', { name: 'Save crop' }).click();
    await page.getByText('Someone saved this crop while you were editing').waitFor();
    const [kept] = await h.database.db.select().from(crops).where(eq(crops.id, row!.id));
    expect(kept!.box).toEqual(theirs);
    await page.getByRole('button', { name: 'Save mine over it' }).click();
    await page.getByText('Saved the headshot crop.').waitFor();
    const [mine] = await h.database.db.select().from(crops).where(eq(crops.id, row!.id));
    expect(mine!.box).toEqual({ left, top, width, height });

    // The keyboard moves on to the next image.
    await page.keyboard.press('ArrowRight');
    await page.getByText('image 2 of 3').waitFor();
    expect(problems).toEqual([]);

    // The same page on a phone.
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(link);
    await phone.getByText('image 1 of 3').waitFor();
    await phone.screenshot({ path: join(OUTPUT, 'crop-editor-phone.png'), fullPage: true });
    if (process.env.KILN_UPDATE_DOCS) {
      await copyFile(join(OUTPUT, 'crop-editor.png'), resolve('docs/web-crop-editor.png'));
      await copyFile(join(OUTPUT, 'crop-editor-phone.png'), resolve('docs/web-crop-editor-phone.png'));
    }
  }, 90_000);

  it('edits a tag on three images from the link on the auto-tagging report; /lora captions shows it', async () => {
    const project = (await findProjectByThread(h.database.db, thread.id))!;
    await seedTaggedImages(h, projectId, seeded, (index) => [
      'smile',
      'blue_eyes',
      index === 0 ? 'hat' : 'solo',
    ]);
    const report = await postAutotagReport(h, thread, project, seeded.length);
    const link = await tagEditorLink(h, alice, report, projectId);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(link);
    await page.getByText('3 of 3 images').waitFor();
    // The main tag comes first in every caption.
    const captions = await page.locator('.caption').allTextContents();
    expect(captions.every((caption) => caption.startsWith('krystal, '))).toBe(true);

    for (const checkbox of await page.locator('.card input[type=checkbox]').all()) await checkbox.check();
    await page.getByText('3 selected').waitFor();
    await page.getByLabel('Tag', { exact: true }).fill('open mouth');
    await page.getByRole('button', { name: 'Add to selected' }).click();
    await page.getByText('Added open mouth on 3 images.').waitFor();
    // One image's own chip: drop its hat.
    await page.locator('.card').first().getByRole('button', { name: 'hat ×' }).click();
    await page.getByText('Removed hat on 1 image.').waitFor();
    await page.getByLabel('Filter').fill('open mouth');
    await page.getByText('3 of 3 images').waitFor();
    await page.getByLabel('Filter').fill('');
    await page.screenshot({ path: join(OUTPUT, 'tag-editor.png'), fullPage: true });
    expect(problems).toEqual([]);

    const edits = await h.database.db.select().from(imageTagEdits);
    expect(
      edits.filter((e) => e.tag === 'open_mouth' && e.action === 'add' && e.userId === alice.id),
    ).toHaveLength(3);
    expect(edits.filter((e) => e.tag === 'hat' && e.action === 'remove')).toHaveLength(1);
    const final = await datasetCaptions(h.database.db, projectId, 'anime');
    expect(final.every((c) => c.caption.startsWith('krystal, ') && c.caption.includes('open mouth'))).toBe(
      true,
    );
    expect(final.some((c) => c.caption.includes('hat'))).toBe(false);
    // A re-run of auto-tagging keeps the edits (rows are updated in place, ids survive).
    await seedTaggedImages(h, projectId, seeded, (index) => [
      'smile',
      'blue_eyes',
      index === 0 ? 'hat' : 'solo',
    ]);
    const again = await datasetCaptions(h.database.db, projectId, 'anime');
    expect(again.map((c) => c.caption)).toEqual(final.map((c) => c.caption));
    if (process.env.KILN_UPDATE_DOCS)
      await copyFile(join(OUTPUT, 'tag-editor.png'), resolve('docs/web-tag-editor.png'));
  }, 90_000);
});

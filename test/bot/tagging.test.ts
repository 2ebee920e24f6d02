import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.ts';
import type { Db } from '../../src/db/client.ts';
import { getProject } from '../../src/db/repositories/projects.ts';
import { setOverride } from '../../src/db/repositories/pruning.ts';
import { ensureHeadCrop, saveReplacement, setCropBox } from '../../src/db/repositories/crops.ts';
import { listTaggedImages } from '../../src/db/repositories/tagging.ts';
import { listDecisions } from '../../src/db/repositories/tag-decisions.ts';
import { listOutfits } from '../../src/db/repositories/outfits.ts';
import {
  imageTagEdits,
  posts,
  projectCandidates,
  taggedImages,
  taggerSettings,
  type ProjectRow,
} from '../../src/db/schema/index.ts';
import { datasetCaptions } from '../../src/tagging/captions.ts';
import { trainingCaptions } from '../../src/training/captions.ts';
import { loadTrainingDataset } from '../../src/training/dataset.ts';
import { createTaggerPool, type TaggerPool } from '../../src/tagger/pool.ts';
import {
  customIds,
  mediaUrls,
  selectValues,
  textOf,
  type FakeChannel,
  type FakeMessage,
} from '../fakes/discord/index.ts';
import { paintTagsImage } from '../fakes/tagger/index.ts';
import { startAutotagWorker, type AutotagWorker } from '../helpers/autotag-worker.ts';
import { startBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { given } from '../helpers/given.ts';

const alice = { id: '400000000000000051', username: 'alice' };
const bob = { id: '400000000000000052', username: 'bob' };
const carol = { id: '400000000000000053', username: 'carol' };

/**
 * What each image shows, in the tiny WD tagger's vocabulary (one 112 px cell each; the e621 tagger reads the
 * same colours as its own tags: animal ears → fox, glasses → eyewear…). Every image: blue eyes and animal ears
 * (traits on all of them: fold proposals). Red shirt + crop top on five (an outfit), a hat on three. Image 2
 * carries a watermark, image 3 a speech bubble (clean-up flags). Image 4 smiles at 0.6: above WD's 0.55, below
 * the e621 tagger's 0.7, so the taggers disagree (a doubtful tag).
 */
const IMAGES: ReadonlyArray<ReadonlyArray<string | { tag: string; score: number }>> = [
  ['blue_eyes', 'animal_ears', 'red_shirt', 'crop_top', 'hat'],
  ['blue_eyes', 'animal_ears', 'red_shirt', 'crop_top', 'watermark'],
  ['blue_eyes', 'animal_ears', 'red_shirt', 'crop_top', 'speech_bubble'],
  ['blue_eyes', 'animal_ears', 'red_shirt', 'crop_top', 'hat', { tag: 'smile', score: 0.6 }],
  ['blue_eyes', 'animal_ears', 'red_shirt', 'crop_top'],
  ['blue_eyes', 'animal_ears', 'hat'],
  ['blue_eyes', 'animal_ears', 'standing'],
  ['blue_eyes', 'animal_ears', 'sitting'],
];

/** Candidates whose stored images the tiny taggers understand, each post tagged by e621 as a fox. */
async function paintedCandidates(db: Db, dataDir: string, projectId: number) {
  const folder = join(dataDir, 'images', 'tagging');
  await mkdir(folder, { recursive: true });
  const seeded: Array<{ candidateId: number; postId: number }> = [];
  for (const [i, tags] of IMAGES.entries()) {
    const postId = 5000 + i;
    const md5 = postId.toString(16).padStart(32, 'a');
    const relative = join('images', 'tagging', `${md5}.png`);
    await writeFile(join(dataDir, relative), await paintTagsImage('wd', tags));
    await db.insert(posts).values({
      id: postId,
      md5,
      fileExt: 'png',
      width: 448,
      height: 448,
      fileSize: 1000,
      score: 300 - i,
      rating: 's',
      tags: {
        artist: ['nimbus'],
        character: ['krystal'],
        species: ['fox'],
        general: ['anthro', 'solo'],
        meta: ['hi_res'],
      },
      sampleUrl: `https://static1.e621.net/data/sample/${md5}.jpg`,
    });
    const [row] = await db
      .insert(projectCandidates)
      .values({
        projectId,
        postId,
        rank: i + 1,
        status: 'candidate',
        imagePath: relative,
        imageMd5: md5,
        width: 448,
        height: 448,
      })
      .returning({ id: projectCandidates.id });
    seeded.push({ candidateId: row!.id, postId });
  }
  return seeded;
}

describe('tagging with friends: autotag, votes, outfits, doubtful tags, coverage and captions', () => {
  let h: BotHarness;
  let thread: FakeChannel;
  let project: ProjectRow;
  let images: Array<{ candidateId: number; postId: number }>;
  let taggers: TaggerPool;
  let autotag: AutotagWorker;

  const botMessages = (text: string): FakeMessage[] =>
    thread.messages.filter((m) => m.authorId === h.discord.botUserId && textOf(m).includes(text));
  const withId = (prefix: string): FakeMessage =>
    thread.messages.find((m) => customIds(m).some((id) => id.startsWith(prefix)))!;
  const reply = async (
    user: typeof alice,
    subcommand: string,
    options: Record<string, string | number> = {},
  ): Promise<FakeMessage> => {
    const result = await h.discord.user(user).slash('lora', { subcommand, channelId: thread.id, options });
    return result.waitForOriginal((m) => textOf(m).length > 0 || m.attachments.length > 0, 10_000);
  };
  const decisionId = async (tag: string) =>
    (await listDecisions(h.database.db, project.id)).find((d) => d.tag === tag)!.id;
  const live = (message: FakeMessage) => h.discord.message(message.channelId, message.id)!;

  beforeAll(async () => {
    h = await startBotHarness();
    autotag = await startAutotagWorker(h);
    ({ taggers } = autotag);

    ({ thread } = await given.project(h, alice, 'krystal', 'Krystal'));
    project = (await getProject(
      h.database.db,
      Number(/card@1:notes:(\d+)/.exec(customIds(thread.messages[0]!).join(' '))![1]),
    ))!;
    images = await paintedCandidates(h.database.db, h.dataDir, project.id);
    await reply(alice, 'prune');
    for (const image of images) {
      await setOverride(h.database.db, {
        candidateId: image.candidateId,
        userId: alice.id,
        decision: 'kept',
      });
    }
    // Image 8 was replaced by an edited upload: it now wears glasses instead of sitting.
    const edited = await paintTagsImage('wd', ['blue_eyes', 'animal_ears', 'glasses']);
    await saveReplacement(h.database.db, {
      candidateId: images[7]!.candidateId,
      md5: 'f'.repeat(32),
      format: 'png',
      width: 448,
      height: 448,
      data: edited,
      uploadedBy: bob.id,
    });
    // A head crop of image 1: its top-left quarter (blue eyes, animal ears, hat; not the shirt).
    const cropId = await ensureHeadCrop(h.database.db, images[0]!.candidateId, alice.id);
    await setCropBox(h.database.db, cropId, { left: 0, top: 0, width: 224, height: 224 }, true);
  });

  afterAll(async () => {
    await autotag?.close();
    await h?.close();
  });

  it('starts auto-tagging at Finalize, shows progress in one message, and posts the results', async () => {
    const board = withId('board@1:');
    const finalized = await h.discord.user(alice).button(board, `board@1:${project.id}:finalize:0`);
    await finalized.waitForOriginal((m) => m.content.startsWith('Finalized'), 10_000);

    const status = await eventually(() => {
      const [message] = botMessages('Auto-tagging · Krystal');
      expect(message).toBeDefined();
      expect(textOf(message!)).toContain('✅ done');
      return message!;
    }, 30_000);
    expect(botMessages('Auto-tagging · Krystal')).toHaveLength(1);
    expect(status.history.length).toBeGreaterThan(0); // edited in place, not reposted
    expect(textOf(status)).toContain('Tagged **9** images (8 kept + 1 crops)');
    expect(textOf(status)).toContain('WD tagger (anime tags) above 0.55 · e621 tagger above 0.7');

    const stored = await listTaggedImages(h.database.db, project.id);
    expect(stored.map((image) => image.name)).toEqual([
      '5000',
      `5000-headshot-${stored[1]!.cropId}`,
      '5001',
      '5002',
      '5003',
      '5004',
      '5005',
      '5006',
      '5007',
    ]);
    const first = stored[0]!.tags.filter((tag) => tag.accepted);
    expect(first.find((tag) => tag.tag === 'blue_eyes')).toMatchObject({
      sources: ['wd', 'e621'],
      category: 'general',
    });
    expect(first.find((tag) => tag.tag === 'fox')).toMatchObject({
      sources: ['post', 'e621'],
      confidence: 1,
    });
    expect(first.find((tag) => tag.tag === 'animal_ears')?.sources).toEqual(['wd']);
    // The crop is tagged as cropped: no shirt, and e621's name for what it now is.
    const crop = stored[1]!.tags.filter((tag) => tag.accepted).map((tag) => tag.tag);
    expect(crop).toEqual(expect.arrayContaining(['blue_eyes', 'hat', 'headshot_portrait']));
    expect(crop).not.toContain('red_shirt');
    // The replaced image is tagged from the upload, not from the e621 file.
    const replaced = stored[8]!.tags.filter((tag) => tag.accepted).map((tag) => tag.tag);
    expect(replaced).toEqual(expect.arrayContaining(['glasses', 'eyewear']));
    expect(replaced).not.toContain('sitting');

    const card = withId('tagvote@1:');
    expect(textOf(card)).toContain('Fold into `krystal`?');
    for (const tag of ['blue eyes', 'animal ears', 'fox']) expect(textOf(card)).toContain(`**\`${tag}\`**`);
    expect(textOf(withId('outnew@1:'))).toContain('`crop top`, `red shirt` — all together on 5 images');
    expect(botMessages('Coverage · Krystal')).toHaveLength(1);

    // A suggestion's button opens the outfit form with its tags filled in.
    const form = await h.discord.user(bob).button(withId('outnew@1:'), `outnew@1:${project.id}:0`);
    expect(form.callback.type).toBe(9);
    expect(JSON.stringify(form.callback.data)).toContain('"value":"crop top, red shirt"');
  });

  it('decides a fold by majority, and lets only the owner override it', async () => {
    const card = withId('tagvote@1:');
    const blueEyes = await decisionId('blue_eyes');
    const ears = await decisionId('animal_ears');
    const fox = await decisionId('fox');
    await h.discord.user(alice).button(card, `tagvote@1:${blueEyes}:fold`);
    const second = await h.discord.user(bob).button(card, `tagvote@1:${blueEyes}:fold`);
    await second.waitForOriginal((m) =>
      textOf(m).includes('fold 2 · keep 0 · drop 0 → 🧬 fold into `krystal`'),
    );
    await h.discord.user(bob).button(card, `tagvote@1:${ears}:drop`);
    await h.discord.user(carol).button(card, `tagvote@1:${ears}:drop`);
    await h.discord.user(alice).button(card, `tagvote@1:${ears}:keep`);
    const vote = await h.discord.user(carol).button(card, `tagvote@1:${fox}:keep`);
    await vote.waitForOriginal((m) =>
      textOf(m).includes('fold 0 · keep 1 · drop 0 → 🏷️ keep as its own tag'),
    );

    const refused = await h.discord.user(carol).button(card, `tagvote@1:${fox}:owner`);
    expect((await refused.waitForOriginal((m) => textOf(m).length > 0)).content).toContain(
      'Only the project owner',
    );
    const panel = await (
      await h.discord.user(alice).button(card, `tagvote@1:${fox}:owner`)
    ).waitForOriginal((m) => customIds(m).some((id) => id.startsWith('tagown@1:')));
    const overridden = await h.discord.user(alice).button(panel, `tagown@1:${fox}:fold`);
    await overridden.waitForOriginal((m) => textOf(m).includes('Decided: 🧬 fold into `krystal`'));
    await eventually(() =>
      expect(textOf(live(card))).toContain('fold 0 · keep 1 · drop 0 → 🧬 fold into `krystal` (owner)'),
    );

    const outcomes = Object.fromEntries(
      (await listDecisions(h.database.db, project.id)).map((d) => [d.tag, d.outcome]),
    );
    expect(outcomes).toEqual({ blue_eyes: 'fold', animal_ears: 'drop', fox: 'fold' });
  });

  it('refuses folding the main tag, and refuses bad outfit names', async () => {
    expect((await reply(bob, 'fold', { tag: 'Krystal' })).content).toContain('is the main tag itself');
    expect((await reply(bob, 'outfit', { name: 'krystal', tags: 'red shirt, crop top' })).content).toContain(
      'is the main tag',
    );
    expect((await reply(bob, 'outfit', { name: 'krystal shirt#1', tags: 'red shirt' })).content).toMatch(
      /`krystal_shirt#1` contains characters e621 tags never use: #[^]*-# invalid-tag/,
    );
    expect((await reply(bob, 'outfit', { name: 'hat', tags: 'red shirt' })).content).toContain(
      'already a tag in this dataset',
    );
    expect((await reply(bob, 'outfit', { name: 'krystalshirt', tags: 'tuxedo' })).content).toContain(
      'would replace nothing',
    );
    expect(await listOutfits(h.database.db, project.id)).toEqual([]);
  });

  it('turns an outfit proposal into an outfit tag once the group accepts it; its tag cannot be folded', async () => {
    const proposed = await reply(bob, 'outfit', { name: 'krystalshirt', tags: 'red shirt, crop top' });
    expect(proposed.content).toContain(
      'Proposed the outfit `krystalshirt` (`red shirt`, `crop top`; applies to 5 images)',
    );
    const [outfit] = await listOutfits(h.database.db, project.id);
    const card = withId(`outvote@1:${outfit!.id}:`);
    expect(textOf(card)).toContain('Applies to **5** of 9 images');
    await h.discord.user(alice).button(card, `outvote@1:${outfit!.id}:accept`);
    const second = await h.discord.user(bob).button(card, `outvote@1:${outfit!.id}:accept`);
    await second.waitForOriginal((m) => textOf(m).includes('accept 2 · reject 0 → ✅ accepted'));
    expect((await listOutfits(h.database.db, project.id))[0]!.state).toBe('accepted');

    expect((await reply(carol, 'fold', { tag: 'krystalshirt' })).content).toContain('is an outfit tag');
  });

  it('walks the owner through doubtful tags (friends may look): drop with the select, add with the modal', async () => {
    const status = botMessages('Auto-tagging · Krystal')[0]!;
    const opened = await h.discord.user(alice).button(status, `tagging@1:${project.id}:doubtful`);
    let page = await opened.waitForOriginal((m) => customIds(m).some((id) => id.startsWith('doubt@1:')));
    expect(page.flags & 64).toBe(64);
    // First the head crop: e621 says `anthro`, but the tagger no longer sees it in the cropped picture.
    expect(textOf(page)).toContain('Doubtful tags · 1 of 3');
    expect(textOf(page)).toContain('#1 · post 5000 · headshot crop');
    expect(textOf(page)).toContain('`anthro` — sources disagree (post)');
    const thumbnail = await sharp(page.attachments[0]!.data).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([224, 224]);
    expect(mediaUrls(page)).toEqual([`attachment://${page.attachments[0]!.filename}`]);

    const stored = await listTaggedImages(h.database.db, project.id);
    const smiling = stored.find((image) => image.name === '5003')!;
    const cropImage = stored[1]!;
    const next = await h.discord.user(alice).button(page, `doubt@1:${cropImage.id}:next`);
    page = await next.waitForOriginal((m) => textOf(m).includes('Doubtful tags · 2 of 3'));
    expect(textOf(page)).toContain(
      '`smile` — score near the threshold, sources disagree (WD 0.60 · e621 0.60)',
    );
    const dropId = `doubt@1:${smiling.id}:drop`;
    expect(selectValues(page, dropId)[0]).toBe('smile');
    expect(selectValues(page, dropId).length).toBeLessThanOrEqual(25);

    // Carol may page through the doubtful tags, but changing an image's tags is the owner's or an editor's.
    const carolsPager = await h.discord.user(carol).button(status, `tagging@1:${project.id}:doubtful`);
    let carolsPage = await carolsPager.waitForOriginal((m) => textOf(m).includes('Doubtful tags · 1 of 3'));
    carolsPage = await (
      await h.discord.user(carol).button(carolsPage, `doubt@1:${cropImage.id}:next`)
    ).waitForOriginal((m) => textOf(m).includes('Doubtful tags · 2 of 3'));
    const refusedDrop = await h.discord.user(carol).select(carolsPage, dropId, ['smile']);
    expect((await refusedDrop.waitForFollowUp((m) => m.content.length > 0)).content).toContain(
      "Only the project owner <@400000000000000051>, server managers or the server's editor role can change an image's tags.",
    );
    const refusedAdd = await h.discord.user(carol).button(carolsPage, `doubt@1:${smiling.id}:add`);
    expect(refusedAdd.callback.type).toBe(4);
    expect(refusedAdd.callback.data.content).toContain("can change an image's tags");

    const dropped = await h.discord.user(alice).select(page, dropId, ['smile']);
    page = await dropped.waitForOriginal((m) => textOf(m).includes('Dropped `smile` from this image.'));
    expect(textOf(page)).toContain('Nothing doubtful is left on this image.');

    const add = await h.discord.user(alice).button(page, `doubt@1:${smiling.id}:add`);
    expect(add.callback.type).toBe(9);
    const added = await h.discord
      .user(alice)
      .modalSubmit(
        `doubtadd@1:${smiling.id}`,
        { tags: 'looking at viewer, Open Mouth' },
        { channelId: thread.id },
      );
    page = await added.waitForOriginal((m) => textOf(m).includes('Added'));
    expect(textOf(page)).toContain('Added `looking at viewer`, `open mouth` to this image.');

    await h.discord.user(alice).button(page, `doubt@1:${smiling.id}:add`);
    const bad = await h.discord
      .user(alice)
      .modalSubmit(`doubtadd@1:${smiling.id}`, { tags: 'a, b,c*' }, { channelId: thread.id });
    expect((await bad.waitForOriginal((m) => textOf(m).length > 0)).content).toContain(
      '`c*` contains characters e621 tags never use: *',
    );

    const edits = await h.database.db
      .select({ tag: imageTagEdits.tag, action: imageTagEdits.action })
      .from(imageTagEdits)
      .where(eq(imageTagEdits.taggedImageId, smiling.id));
    expect(edits.sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      { tag: 'looking_at_viewer', action: 'add' },
      { tag: 'open_mouth', action: 'add' },
      { tag: 'smile', action: 'remove' },
    ]);
  });

  it('reports coverage against the quarter-to-half rule', async () => {
    const report = textOf(await reply(bob, 'coverage'));
    expect(report).toContain('Coverage · Krystal · 9 images');
    expect(report).toContain('`krystalshirt` (outfit): 5 of 9 (56%) ✅ ideal');
    expect(report).toContain('`hat` (Hat, headwear): 4 of 9 (44%) 🟢 enough');
    expect(report).toContain('**Headshots:** 1 of 9 (11%)');
    expect(report).toContain('**Trait tags:** none left undecided.');
  });

  it('builds the captions: main tag first, decisions and edits applied, one set per family', async () => {
    const message = await reply(bob, 'captions');
    expect(textOf(message)).toContain('### anime');
    expect(textOf(message)).toContain('### e621');
    const files = new Map(message.attachments.map((a) => [a.filename, a.data]));
    expect([...files.keys()].sort()).toEqual([
      'captions-anime-krystal.txt',
      'captions-e621-krystal.txt',
      'tags-anime-krystal.png',
      'tags-e621-krystal.png',
    ]);
    const chart = await sharp(files.get('tags-e621-krystal.png')).metadata();
    expect(chart.format).toBe('png');
    expect(chart.width).toBe(760);

    const lines = (name: string) =>
      new Map(
        files
          .get(name)!
          .toString('utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(': ') as [string, string]),
      );
    const anime = lines('captions-anime-krystal.txt');
    const e621 = lines('captions-e621-krystal.txt');
    // Anime: WD's tags only (the post's `anthro`, `solo` and the artist are not Danbooru tags it knows).
    expect(anime.get('5000')).toBe('krystal, krystalshirt, hat');
    expect(anime.get('5003')).toBe('krystal, krystalshirt, looking at viewer, open mouth, hat');
    expect(anime.get('5006')).toBe('krystal, standing');
    expect(anime.get('5007')).toBe('krystal, glasses'); // from the uploaded replacement
    // e621: the post's tags too, in category order (artist before general), surest first.
    expect(e621.get('5000')).toBe('krystal, nimbus, anthro, krystalshirt, solo, hat');
    expect(e621.get('5001')).toBe('krystal, nimbus, anthro, krystalshirt, solo, watermark');
    expect(e621.get(`5000-headshot-${[...e621.keys()][1]!.split('-')[2]}`)).toBe(
      'krystal, nimbus, anthro, solo, hat, headshot portrait',
    );
    for (const caption of [...anime.values(), ...e621.values()]) {
      expect(caption.startsWith('krystal')).toBe(true);
      for (const gone of ['blue eyes', 'animal ears', 'fox', 'red shirt', 'crop top', 'hi res', 'smile']) {
        expect(caption.split(', ')).not.toContain(gone);
      }
    }

    // The same captions, as training takes them.
    const stored = await listTaggedImages(h.database.db, project.id);
    const forTraining = await datasetCaptions(h.database.db, project.id, 'e621');
    expect(forTraining).toHaveLength(9);
    expect(new Map(forTraining.map((c) => [c.name, c.caption]))).toEqual(e621);
    expect(forTraining[1]!.kind).toBe('headshot');
    expect(forTraining[1]!.cropId).toBe(stored[1]!.cropId);
    expect(forTraining[1]!.caption).toContain('headshot portrait');

    // The run folder takes exactly these captions (not the e621 fallback) once the project is tagged.
    const dataset = await loadTrainingDataset(h.database.db, project);
    const runCaptions = await trainingCaptions(h.database.db, project, dataset.entries, 'e621');
    expect(runCaptions).toEqual(e621);
  });

  it('flags images tagged watermark or speech bubble for clean-up, and none of the clean ones', async () => {
    const [flags] = botMessages('### 🛠️');
    expect(flags).toBeDefined();
    const text = textOf(flags!);
    expect(text).toContain('### 🛠️ 2 images need a clean-up edit');
    expect(text).toContain('🛠️ **needs edit** · #2 · post 5001 · image: `watermark`');
    expect(text).toContain('🛠️ **needs edit** · #3 · post 5002 · image: `speech bubble`');
    for (const clean of [5000, 5003, 5004, 5005, 5006, 5007]) expect(text).not.toContain(`post ${clean}`);
    const sheet = await sharp(flags!.attachments[0]!.data).metadata();
    expect([sheet.width, sheet.height]).toEqual([2 * 192, 192 + 22]);
  });

  it('refuses thresholds outside 0–1, and re-merges the stored scores on a change', async () => {
    const tooHigh = await reply(alice, 'thresholds', { wd: 1.5 });
    expect(tooHigh.content).toContain('The WD tagger threshold must be a number from 0 to 1');
    expect(tooHigh.content).toContain('got 1.5');
    const negative = await reply(alice, 'thresholds', { e621: -0.2 });
    expect(negative.content).toContain('got -0.2');
    const notOwner = await reply(bob, 'thresholds', { e621: 0.5 });
    expect(notOwner.content).toContain('Only the project owner');
    expect(await h.database.db.select().from(taggerSettings)).toEqual([]);

    // At 0.7 WD no longer accepts the 0.6 smile of image 4 (friends had dropped it there anyway).
    const changed = await reply(alice, 'thresholds', { wd_preset: 'feral-scalies-imps' });
    expect(changed.content).toContain('WD **0.7** (far from anime (feral, scalies, imps)');
    expect(changed.content).toContain('e621 **0.7**');
    expect(changed.content).toContain(
      'Re-merged the stored tagger scores of 9 images: 0 tags added, 1 removed.',
    );
    const [smiling] = await h.database.db.select().from(taggedImages).where(eq(taggedImages.name, '5003'));
    const smile = smiling!.tags.find((tag) => tag.tag === 'smile')!;
    expect(smile.accepted).toBe(false);
    expect(smile.scores.wd).toBeCloseTo(0.6, 2);
    expect(smile.scores.e621).toBeCloseTo(0.6, 2);
    const shown = await reply(bob, 'thresholds');
    expect(shown.content).toContain('feral, scalies, imps');
  });

  it('re-runs on /lora autotag with the same tagger sessions, keeping edits and votes', async () => {
    const wdSession = await taggers.get('wd');
    const e621Session = await taggers.get('e621');
    expect((await reply(bob, 'autotag')).content).toContain('Only the project owner');
    expect((await reply(alice, 'autotag')).content).toContain('again (edits and votes are kept)');
    const second = await eventually(() => {
      const runs = botMessages('Auto-tagging · Krystal');
      expect(runs).toHaveLength(2);
      expect(textOf(runs[1]!)).toContain('✅ done');
      return runs[1]!;
    }, 30_000);
    expect(textOf(second)).toContain('WD tagger (anime tags) above 0.7');
    expect(textOf(second)).toContain('🧬 No new trait tags to fold.');
    expect(await taggers.get('wd')).toBe(wdSession);
    expect(await taggers.get('e621')).toBe(e621Session);

    expect(
      thread.messages.filter((m) => customIds(m).some((id) => id.startsWith('tagvote@1:'))),
    ).toHaveLength(1);
    const outcomes = (await listDecisions(h.database.db, project.id)).map((d) => [d.tag, d.outcome]);
    expect(Object.fromEntries(outcomes)).toEqual({ blue_eyes: 'fold', animal_ears: 'drop', fox: 'fold' });
    expect(await h.database.db.select().from(imageTagEdits)).toHaveLength(3);
    const captions = await datasetCaptions(h.database.db, project.id, 'anime');
    expect(captions.find((c) => c.name === '5003')!.caption).toBe(
      'krystal, krystalshirt, looking at viewer, open mouth, hat',
    );
  });

  it('says which model file is missing and how to get it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kiln-no-models-'));
    const pool = createTaggerPool({ modelsDir: empty, log: h.log });
    try {
      const error = await pool.get('wd').catch((e: unknown) => e);
      expect(isUserError(error) && error.code).toBe('model-missing');
      expect((error as Error).message).toContain(join(empty, 'wd', 'model.onnx'));
      expect((error as Error).message).toContain('kiln models download');
    } finally {
      await pool.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

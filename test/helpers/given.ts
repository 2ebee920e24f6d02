import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Db } from '../../src/db/client.ts';
import { findProjectByMainTag } from '../../src/db/repositories/projects.ts';
import { posts, projectCandidates, type ProjectRow } from '../../src/db/schema/index.ts';
import type { BotHarness } from './bot-harness.ts';
import type { FakeChannel, FakeUser } from '../fakes/discord/index.ts';

/** Seed helpers: tests say what they need ("a project", "12 images"), not how rows look. */
export const given = {
  /** A project created the way users create one: /lora new through the Discord stand-in. */
  async project(
    h: BotHarness,
    owner: FakeUser,
    mainTag = 'krystal',
    character = 'Krystal',
  ): Promise<{ project: ProjectRow; thread: FakeChannel }> {
    const result = await h.discord
      .user(owner)
      .slash('lora', { subcommand: 'new', options: { character, main_tag: mainTag } });
    await result.waitForOriginal((m) => m.content.includes('Started'));
    const project = await findProjectByMainTag(h.database.db, h.discord.guildId, mainTag);
    if (!project?.threadId) throw new Error('given.project: the project was not created');
    const thread = h.discord.channel(project.threadId);
    if (!thread) throw new Error('given.project: no thread');
    return { project, thread };
  },

  /**
   * Fetched candidates with real image files in the data folder, ranked 1..n by descending score.
   * Each image has its own colour so crops and sheets can be checked.
   */
  async images(
    db: Db,
    dataDir: string,
    projectId: number,
    count: number,
    options: { width?: number; height?: number; firstPostId?: number } = {},
  ): Promise<Array<{ candidateId: number; postId: number; rank: number }>> {
    const width = options.width ?? 600;
    const height = options.height ?? 800;
    const first = options.firstPostId ?? 1000 + projectId * 10_000;
    const folder = join(dataDir, 'images', 'test');
    await mkdir(folder, { recursive: true });
    const seeded = [];
    for (let i = 0; i < count; i++) {
      const postId = first + i;
      const md5 = postId.toString(16).padStart(32, '0');
      const relative = join('images', 'test', `${md5}.png`);
      await sharp({
        create: { width, height, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: 128 } },
      })
        .png({ compressionLevel: 1 })
        .toFile(join(dataDir, relative));
      await db
        .insert(posts)
        .values({
          id: postId,
          md5,
          fileExt: 'png',
          width,
          height,
          fileSize: 1000,
          score: 500 - i,
          rating: 's',
          tags: { artist: [`artist_${i % 3}`], character: ['krystal'], general: ['solo'] },
          fileUrl: `https://static1.e621.net/data/${md5}.png`,
          sampleUrl: `https://static1.e621.net/data/sample/${md5}.jpg`,
        })
        .onConflictDoNothing();
      const [row] = await db
        .insert(projectCandidates)
        .values({
          projectId,
          postId,
          rank: i + 1,
          status: 'candidate',
          imagePath: relative,
          imageMd5: md5,
          width,
          height,
        })
        .returning({ id: projectCandidates.id });
      seeded.push({ candidateId: row!.id, postId, rank: i + 1 });
    }
    return seeded;
  },
};

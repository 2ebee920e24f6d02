import type { FakePostSpec } from './server.ts';

/**
 * Post generators for tests: `given.posts(30)` gives thirty posts of one character, scores descending
 * from 1000, each its own picture; override anything per post.
 */

export interface PostsOptions {
  /** The character tag every post carries (default `krystal`). */
  character?: string;
  /** Score of the first post; each next one is 10 lower. */
  topScore?: number;
  /** First id; ids increase with rank. */
  firstId?: number;
  width?: number;
  height?: number;
  ext?: FakePostSpec['ext'];
  /** Extra general tags on every post. */
  general?: string[];
}

function tagsFor(index: number, options: PostsOptions): NonNullable<FakePostSpec['tags']> {
  return {
    character: [options.character ?? 'krystal'],
    species: ['canid', 'canine', 'fox', 'mammal'],
    artist: [`artist_${index % 7}`],
    copyright: ['star_fox', 'nintendo'],
    general: ['anthro', 'blue_eyes', 'solo', 'smile', ...(options.general ?? [])],
    meta: ['hi_res', 'digital_media_(artwork)', '2019'],
  };
}

export const given = {
  /** One post; defaults describe a solo picture of the character. */
  post(overrides: FakePostSpec = {}, options: PostsOptions = {}): FakePostSpec {
    return {
      tags: tagsFor(0, options),
      score: options.topScore ?? 100,
      rating: 's',
      ext: options.ext ?? 'png',
      ...(options.width !== undefined ? { width: options.width } : {}),
      ...(options.height !== undefined ? { height: options.height } : {}),
      ...overrides,
    };
  },

  /** `count` posts, ranked: scores descending, each its own picture. */
  posts(
    count: number,
    options: PostsOptions = {},
    each: (index: number) => FakePostSpec = () => ({}),
  ): FakePostSpec[] {
    const firstId = options.firstId ?? 100;
    const topScore = options.topScore ?? 1000;
    return Array.from({ length: count }, (_, index) => ({
      id: firstId + index,
      tags: tagsFor(index, options),
      score: topScore - index * 10,
      rating: (['s', 'q', 'e'] as const)[index % 3] ?? 's',
      ext: options.ext ?? (index % 2 === 0 ? 'png' : 'jpg'),
      ...(options.width !== undefined ? { width: options.width } : {}),
      ...(options.height !== undefined ? { height: options.height } : {}),
      ...each(index),
    }));
  },
};

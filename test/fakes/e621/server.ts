import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import {
  generateImage,
  renderThumbnail,
  seededRandom,
  DEFAULT_IMAGE_CACHE,
  type FakeFormat,
  type GeneratedImage,
  type ImageSpec,
} from './images.ts';
import { given } from './given.ts';
import { matches, parseSearch, SearchError, sortPosts, trigramSimilarity, type Rating } from './search.ts';

/**
 * A stand-in for e621 on 127.0.0.1 (DESIGN §4): `/posts.json` in the real legacy shape with tag search,
 * `/tags/autocomplete.json`, and the static files. It rejects what e621 rejects: no User-Agent (403),
 * more than 2 requests/s to the API (503), limit over 320, pages over 750, more than 40 tags; it hides
 * file URLs of login-blocked posts from anonymous requests. Tests can make it fail on purpose.
 */

export type TagCategory =
  'general' | 'artist' | 'contributor' | 'copyright' | 'character' | 'species' | 'invalid' | 'meta' | 'lore';

const CATEGORY_NUMBER: Record<TagCategory, number> = {
  general: 0,
  artist: 1,
  contributor: 2,
  copyright: 3,
  character: 4,
  species: 5,
  invalid: 6,
  meta: 7,
  lore: 8,
};

export interface FakePostSpec {
  id?: number;
  /** Plain list (all general) or by category. */
  tags?: string[] | Partial<Record<TagCategory, string[]>>;
  score?: number;
  favCount?: number;
  rating?: Rating;
  ext?: FakeFormat | 'webm' | 'swf';
  width?: number;
  height?: number;
  /** Hidden from anonymous users (e621's `hide_from_anonymous`); `young` + rating ≠ s is blocked anyway. */
  loginBlocked?: boolean;
  deleted?: boolean;
  sources?: string[];
  image?: {
    seed?: number;
    /** Same picture as this post (by id), with a small mark: a near duplicate. */
    nearDuplicateOf?: number;
    orientation?: number;
    corrupt?: boolean;
    bomb?: boolean;
  };
}

export interface FakePost {
  id: number;
  tags: Record<TagCategory, string[]>;
  allTags: Set<string>;
  score: number;
  favCount: number;
  rating: Rating;
  ext: string;
  width: number;
  height: number;
  loginBlocked: boolean;
  deleted: boolean;
  sources: string[];
  createdAt: string;
  image: ImageSpec;
  /** Filled when the file is first needed. */
  file?: GeneratedImage;
}

export interface RequestLogEntry {
  /** Arrival time in ms (performance clock, fractional). */
  at: number;
  method: string;
  path: string;
  params: Record<string, string>;
  status: number;
  kind: 'api' | 'file' | 'other';
  userAgent: string | undefined;
  authorized: boolean;
}

export type FailureTarget = 'posts' | 'autocomplete' | 'file';

export interface Failure {
  /** HTTP status to answer (default 500, or 200 with `html`/`empty`). */
  status?: number;
  /** Answer an HTML error page (what e621's proxy serves during outages). */
  html?: boolean;
  /** Answer with an empty body. */
  empty?: boolean;
  /** Files: send the headers and part of the body, then drop the connection. */
  truncate?: boolean;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Files: send the full length with one byte changed (the md5 no longer matches). */
  alter?: boolean;
}

export interface FakeE621Options {
  /** Posts to serve, or how many to generate with `given.posts` (ranked posts of `krystal`). */
  posts?: FakePostSpec[] | number;
  /** Accepted API credentials (Basic auth). */
  users?: { name: string; apiKey: string }[];
  /** Size range for generated pictures without explicit size (default 2000–4000 px, as on e621). */
  imageSize?: { min: number; max: number };
  imageCacheDir?: string;
  /** e621's 2 requests/s rule (503). Only the acquire benchmark turns it off. */
  disableRateLimitForBenchmark?: boolean;
  /** Tag aliases for autocomplete: antecedent → consequent. */
  aliases?: Record<string, string>;
  /** Wait this long before sending each file, so tests can see how many downloads run at once. */
  fileDelayMs?: number;
}

export interface FakeE621 {
  url: string;
  log: RequestLogEntry[];
  posts: FakePost[];
  addPosts(specs: FakePostSpec[]): FakePost[];
  /** Makes the next `times` requests to `target` (optionally one post's file) fail as described. */
  failNext(target: FailureTarget, failure: Failure, options?: { times?: number; postId?: number }): void;
  /** Generates every post's file now (benchmarks do this before timing). */
  prepareFiles(concurrency?: number): Promise<void>;
  /** The file e621 would serve for a post. */
  fileOf(postId: number): Promise<GeneratedImage>;
  /** Most file downloads seen at once. */
  maxConcurrentFiles(): number;
  close(): Promise<void>;
}

/** Minimum gap e621 tolerates between API requests (2 per second). */
export const FAKE_MIN_API_GAP_MS = 500;

const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>e621 - Error</title></head><body><h1>Something went wrong</h1>' +
  '<p>e621 is experiencing technical difficulties. Please try again later.</p></body></html>';

const BLOCKED_AGENTS = /^(node|undici|node-fetch|axios|curl|wget|python-requests|aria2|go-http-client)\b/i;

export function startFakeE621(options: FakeE621Options = {}): Promise<FakeE621> {
  const cacheDir = options.imageCacheDir ?? DEFAULT_IMAGE_CACHE;
  const size = options.imageSize ?? { min: 2000, max: 4000 };
  const users = options.users ?? [{ name: 'kiln_tester', apiKey: 'test-api-key' }];
  const aliases = options.aliases ?? {};
  const posts: FakePost[] = [];
  const byId = new Map<number, FakePost>();
  const byMd5 = new Map<string, FakePost>();
  const log: RequestLogEntry[] = [];
  const failures: Array<{ target: FailureTarget; failure: Failure; remaining: number; postId?: number }> = [];
  let lastApiAt: number | null = null;
  let activeFiles = 0;
  let maxActiveFiles = 0;
  let nextId = 1_000_000;
  const hanging = new Set<ServerResponse>();

  const addPosts = (specs: FakePostSpec[]): FakePost[] => {
    const added: FakePost[] = [];
    for (const spec of specs) {
      const id = spec.id ?? nextId++;
      if (byId.has(id)) throw new Error(`fake e621: post ${id} exists already`);
      nextId = Math.max(nextId, id + 1);
      const tags: Record<TagCategory, string[]> = {
        general: [],
        artist: [],
        contributor: [],
        copyright: [],
        character: [],
        species: [],
        invalid: [],
        meta: [],
        lore: [],
      };
      if (Array.isArray(spec.tags)) tags.general = [...spec.tags];
      else
        for (const [category, list] of Object.entries(spec.tags ?? {}))
          tags[category as TagCategory] = [...(list ?? [])];
      for (const category of Object.keys(tags) as TagCategory[])
        tags[category] = [...new Set(tags[category])].sort();
      const source =
        spec.image?.nearDuplicateOf !== undefined ? byId.get(spec.image.nearDuplicateOf) : undefined;
      if (spec.image?.nearDuplicateOf !== undefined && source === undefined) {
        throw new Error(
          `fake e621: nearDuplicateOf ${spec.image.nearDuplicateOf} is not a post (add it first)`,
        );
      }
      const seed = spec.image?.seed ?? source?.image.seed ?? id;
      const random = seededRandom(seed * 7 + 3);
      const width = spec.width ?? source?.width ?? Math.round(size.min + random() * (size.max - size.min));
      const height = spec.height ?? source?.height ?? Math.round(size.min + random() * (size.max - size.min));
      const ext = spec.ext ?? 'png';
      const format: FakeFormat = ext === 'webm' || ext === 'swf' ? 'gif' : ext;
      const post: FakePost = {
        id,
        tags,
        allTags: new Set(Object.values(tags).flat()),
        score: spec.score ?? 100,
        favCount: spec.favCount ?? Math.max(0, (spec.score ?? 100) * 2),
        rating: spec.rating ?? 's',
        ext,
        width,
        height,
        loginBlocked: spec.loginBlocked ?? false,
        deleted: spec.deleted ?? false,
        sources: spec.sources ?? [`https://www.furaffinity.net/view/${id}/`],
        createdAt: new Date(Date.UTC(2020, 0, 1) + id * 1000).toISOString(),
        image: {
          seed,
          width,
          height,
          format,
          ...(source !== undefined ? { variant: id } : {}),
          ...(spec.image?.orientation !== undefined ? { orientation: spec.image.orientation } : {}),
          ...(spec.image?.corrupt ? { corrupt: true } : {}),
          ...(spec.image?.bomb ? { bomb: true } : {}),
        },
      };
      posts.push(post);
      byId.set(id, post);
      added.push(post);
    }
    return added;
  };

  const fileOf = async (post: FakePost): Promise<GeneratedImage> => {
    if (post.file) return post.file;
    const file = await generateImage(post.image, cacheDir);
    post.file = file;
    byMd5.set(file.md5, post);
    return file;
  };

  const isLoginBlocked = (post: FakePost): boolean =>
    post.loginBlocked || (post.allTags.has('young') && post.rating !== 's');

  const takeFailure = (target: FailureTarget, postId?: number): Failure | null => {
    const index = failures.findIndex(
      (entry) => entry.target === target && (entry.postId === undefined || entry.postId === postId),
    );
    if (index < 0) return null;
    const entry = failures[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) failures.splice(index, 1);
    return entry.failure;
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type = 'application/json; charset=utf-8',
  ): number => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return status;
  };

  const sendFailure = (res: ServerResponse, failure: Failure): number => {
    if (failure.hang) {
      hanging.add(res);
      return 0;
    }
    if (failure.html) return send(res, failure.status ?? 200, HTML_ERROR_PAGE, 'text/html; charset=utf-8');
    if (failure.empty) return send(res, failure.status ?? 200, '');
    const status = failure.status ?? 500;
    return send(res, status, JSON.stringify({ success: false, message: 'An unexpected error occurred.' }));
  };

  const postJson = (post: FakePost, base: string, authorized: boolean) => {
    const file = post.file!;
    const hidden = post.deleted || (!authorized && isLoginBlocked(post));
    const md5 = file.md5;
    const dir = `${md5.slice(0, 2)}/${md5.slice(2, 4)}`;
    const sample = post.width > 850;
    return {
      id: post.id,
      created_at: post.createdAt,
      updated_at: post.createdAt,
      file: {
        width: post.width,
        height: post.height,
        ext: post.ext,
        size: file.size,
        md5,
        url: hidden ? null : `${base}/data/${dir}/${md5}.${post.ext}`,
      },
      preview: {
        width: 150,
        height: Math.round((150 * post.height) / post.width),
        url: hidden ? null : `${base}/data/preview/${dir}/${md5}.jpg`,
        alt: hidden ? null : `${base}/data/preview/${dir}/${md5}.webp`,
      },
      sample: {
        has: sample,
        width: sample ? 850 : post.width,
        height: sample ? Math.round((850 * post.height) / post.width) : post.height,
        url: hidden ? null : `${base}/data/sample/${dir}/${md5}.jpg`,
        alt: hidden ? null : `${base}/data/sample/${dir}/${md5}.webp`,
        alternates: {},
      },
      score: { up: post.score + 3, down: -3, total: post.score },
      tags: post.tags,
      locked_tags: [],
      change_seq: post.id * 10,
      flags: {
        pending: false,
        flagged: false,
        note_locked: false,
        status_locked: false,
        rating_locked: false,
        deleted: post.deleted,
      },
      rating: post.rating,
      fav_count: post.favCount,
      sources: post.sources,
      pools: [],
      relationships: { parent_id: null, has_children: false, has_active_children: false, children: [] },
      approver_id: null,
      uploader_id: 1,
      uploader_name: 'fake_uploader',
      description: '',
      comment_count: 0,
      is_favorited: false,
      vote: 0,
      has_notes: false,
      duration: null,
    };
  };

  const handlePosts = async (
    res: ServerResponse,
    params: URLSearchParams,
    base: string,
    authorized: boolean,
  ) => {
    const failure = takeFailure('posts');
    if (failure) return sendFailure(res, failure);
    const limitText = params.get('limit') ?? '75';
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isInteger(limit) || limit < 0 || limit > 320) {
      return send(res, 410, JSON.stringify({ success: false, reason: 'Limit must be between 0 and 320' }));
    }
    const pageText = params.get('page') ?? '1';
    const tags = params.get('tags') ?? '';
    let search;
    try {
      search = parseSearch(tags);
    } catch (error) {
      if (error instanceof SearchError) {
        return send(res, error.status, JSON.stringify({ success: false, message: error.message }));
      }
      throw error;
    }
    let found = sortPosts(
      posts.filter((post) => matches(post, search)),
      search.order,
    );
    let page: FakePost[];
    if (/^\d+$/.test(pageText)) {
      const number = Math.max(1, Number(pageText));
      if (number > 750) {
        return send(
          res,
          410,
          JSON.stringify({
            success: false,
            reason: 'You cannot go beyond page 750. Please narrow your search terms.',
          }),
        );
      }
      page = found.slice((number - 1) * limit, number * limit);
    } else if (/^b\d+$/.test(pageText)) {
      // The cursor replaces the order with id order, as e621 does (order:score is silently ignored).
      const below = Number(pageText.slice(1));
      found = sortPosts(found, 'id_desc').filter((post) => post.id < below);
      page = found.slice(0, limit);
    } else if (/^a\d+$/.test(pageText)) {
      const above = Number(pageText.slice(1));
      page = sortPosts(found, 'id')
        .filter((post) => post.id > above)
        .slice(0, limit)
        .reverse();
    } else {
      return send(res, 410, JSON.stringify({ success: false, reason: 'Invalid page number.' }));
    }
    await Promise.all(page.map((post) => fileOf(post)));
    return send(res, 200, JSON.stringify({ posts: page.map((post) => postJson(post, base, authorized)) }));
  };

  const tagCounts = (): Map<string, { count: number; category: number }> => {
    const counts = new Map<string, { count: number; category: number }>();
    for (const post of posts) {
      if (post.deleted) continue;
      for (const [category, list] of Object.entries(post.tags)) {
        for (const tag of list) {
          const entry = counts.get(tag) ?? { count: 0, category: CATEGORY_NUMBER[category as TagCategory] };
          entry.count += 1;
          counts.set(tag, entry);
        }
      }
    }
    return counts;
  };

  const handleAutocomplete = (res: ServerResponse, params: URLSearchParams) => {
    const failure = takeFailure('autocomplete');
    if (failure) return sendFailure(res, failure);
    const query = (params.get('search[name_matches]') ?? '').trim().toLowerCase().replace(/\*$/, '');
    if (query.length < 3) return send(res, 200, '[]');
    const counts = tagCounts();
    const rows = [...counts.entries()].map(([name, { count, category }]) => ({ name, count, category }));
    const results = new Map<
      string,
      { id: number; name: string; post_count: number; category: number; antecedent_name: string | null }
    >();
    const add = (
      row: { name: string; count: number; category: number },
      antecedent: string | null = null,
    ) => {
      if (!results.has(row.name)) {
        results.set(row.name, {
          id: 1000 + results.size,
          name: row.name,
          post_count: row.count,
          category: row.category,
          antecedent_name: antecedent,
        });
      }
    };
    rows
      .filter((row) => row.name.startsWith(query))
      .sort((a, b) => b.count - a.count)
      .slice(0, 8)
      .forEach((row) => add(row));
    if (query.length > 3) {
      rows
        .filter((row) => row.name[0] === query[0] && Math.abs(row.name.length - query.length) <= 3)
        .map((row) => ({ row, similarity: trigramSimilarity(query, row.name) }))
        .filter(({ similarity }) => similarity >= 0.3)
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, 2)
        .forEach(({ row }) => add(row));
    }
    for (const [antecedent, consequent] of Object.entries(aliases)) {
      const row = counts.get(consequent);
      if (antecedent.startsWith(query) && row) add({ name: consequent, ...row }, antecedent);
    }
    return send(res, 200, JSON.stringify([...results.values()].slice(0, 10)));
  };

  const handleFile = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<number> => {
    const match = /^\/data\/(?:(preview|sample)\/)?[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{32})\.(\w+)$/.exec(
      path,
    );
    const post = match ? byMd5.get(match[2]!) : undefined;
    if (!match || !post) return send(res, 404, 'Not found', 'text/plain');
    if (match[1]) {
      const thumbnail = await renderThumbnail(post.image, match[1] === 'preview' ? 150 : 850);
      return send(res, 200, thumbnail, 'image/jpeg');
    }
    if (match[3] !== post.ext) return send(res, 404, 'Not found', 'text/plain');
    const failure = takeFailure('file', post.id);
    const file = await fileOf(post);
    if (failure && !failure.truncate && !failure.alter) return sendFailure(res, failure);
    activeFiles += 1;
    maxActiveFiles = Math.max(maxActiveFiles, activeFiles);
    res.on('close', () => {
      activeFiles -= 1;
    });
    if (options.fileDelayMs)
      await new Promise((resolveDelay) => setTimeout(resolveDelay, options.fileDelayMs));
    res.writeHead(200, {
      'content-type': `image/${post.ext === 'jpg' ? 'jpeg' : post.ext}`,
      'content-length': file.size,
    });
    if (failure?.alter) {
      const data = Buffer.from(await readFile(file.path));
      const middle = Math.floor(data.length / 2);
      data[middle] = (data[middle]! + 1) % 256;
      res.end(data);
      return 200;
    }
    if (failure?.truncate) {
      const stream = createReadStream(file.path, {
        start: 0,
        end: Math.max(0, Math.floor(file.size / 2) - 1),
      });
      stream.on('data', (chunk) => res.write(chunk));
      stream.on('end', () => req.socket.destroy());
      return 200;
    }
    if (req.method === 'HEAD') {
      res.end();
      return 200;
    }
    createReadStream(file.path, { highWaterMark: 1 << 20 }).pipe(res);
    return 200;
  };

  const server = createServer((req, res) => {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const kind: RequestLogEntry['kind'] = path.startsWith('/data/')
      ? 'file'
      : path.endsWith('.json')
        ? 'api'
        : 'other';
    const userAgent = req.headers['user-agent'];
    const entry: RequestLogEntry = {
      at,
      method: req.method ?? 'GET',
      path,
      params: Object.fromEntries(url.searchParams),
      status: 0,
      kind,
      userAgent,
      authorized: false,
    };
    log.push(entry);
    const base = `http://${req.headers.host ?? '127.0.0.1'}`;
    const respond = async (): Promise<number> => {
      if (!userAgent || userAgent.trim() === '' || BLOCKED_AGENTS.test(userAgent)) {
        return send(
          res,
          403,
          HTML_ERROR_PAGE.replace('Something went wrong', 'Forbidden: set a descriptive User-Agent'),
          'text/html',
        );
      }
      if (kind === 'api') {
        const tooFast = lastApiAt !== null && at - lastApiAt < FAKE_MIN_API_GAP_MS;
        lastApiAt = at;
        if (tooFast && !options.disableRateLimitForBenchmark) {
          return send(res, 503, HTML_ERROR_PAGE.replace('Something went wrong', 'Rate limited'), 'text/html');
        }
      }
      const auth = req.headers.authorization;
      if (auth !== undefined) {
        const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
        const [name, key] = [decoded.slice(0, decoded.indexOf(':')), decoded.slice(decoded.indexOf(':') + 1)];
        if (!users.some((user) => user.name === name && user.apiKey === key)) {
          return send(res, 401, JSON.stringify({ success: false, message: 'Invalid API key' }));
        }
        entry.authorized = true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, '{}');
      if (path === '/posts.json') return handlePosts(res, url.searchParams, base, entry.authorized);
      if (path === '/tags/autocomplete.json') return handleAutocomplete(res, url.searchParams);
      if (kind === 'file') return handleFile(req, res, path);
      return send(res, 404, JSON.stringify({ success: false, reason: 'not found' }));
    };
    respond().then(
      (status) => {
        entry.status = status;
      },
      (error: unknown) => {
        entry.status = 500;
        if (!res.headersSent) send(res, 500, JSON.stringify({ success: false, message: String(error) }));
        else res.destroy();
      },
    );
  });

  addPosts(typeof options.posts === 'number' ? given.posts(options.posts) : (options.posts ?? []));

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolveStart({
        url: `http://127.0.0.1:${port}`,
        log,
        posts,
        addPosts,
        failNext(target, failure, failOptions = {}) {
          failures.push({
            target,
            failure,
            remaining: failOptions.times ?? 1,
            ...(failOptions.postId !== undefined ? { postId: failOptions.postId } : {}),
          });
        },
        async prepareFiles(concurrency = 2) {
          const limit = pLimit(concurrency);
          await Promise.all(posts.map((post) => limit(() => fileOf(post))));
        },
        async fileOf(postId) {
          const post = byId.get(postId);
          if (!post) throw new Error(`fake e621: no post ${postId}`);
          return fileOf(post);
        },
        maxConcurrentFiles: () => maxActiveFiles,
        close() {
          for (const res of hanging) res.destroy();
          server.closeAllConnections();
          return new Promise((resolveClose) => server.close(() => resolveClose()));
        },
      });
    });
  });
}

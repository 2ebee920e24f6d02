import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError, type ConfigFor } from '../config/env.ts';
import { UserError } from '../core/errors.ts';
import type { PostFacts, TagCategory } from '../core/query/post.ts';
import type { Logger } from '../log.ts';
import { processPacer, type Pacer } from './pacer.ts';
import { autocompleteResponse, postFromJson, postsResponse } from './posts-json.ts';

/**
 * The e621 API client: a descriptive User-Agent with the operator's e621 name, one request per second
 * across the process, Basic auth when an API key is configured, and retries with backoff for the ways
 * e621 fails (5xx, 503 rate limiting, timeouts, HTML or empty bodies) before a clear error.
 */

/** e621's `max_per_page`. */
export const E621_PAGE_LIMIT = 320;
/** e621 refuses numbered pages beyond this; `b<id>` cursors would drop `order:score`. */
export const E621_MAX_PAGE = 750;

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 16_000 };

export interface E621ClientOptions {
  /** `https://e621.net`, `https://e926.net` or a stand-in. */
  baseUrl: string;
  /** The operator's e621 user name: e621 wants it in the User-Agent, so the client refuses to exist without it. */
  user: string | undefined;
  apiKey?: string | undefined;
  /** Defaults to the process-wide pacer shared by every client. */
  pacer?: Pacer;
  /**
   * Sends requests as fast as they come. Only for `bench/acquire` against the local stand-in: the real
   * e621 answers 503 and may block the address.
   */
  dangerouslyDisablePacingForBenchmark?: boolean;
  retry?: Partial<RetryOptions>;
  /** How long to wait for response headers and between body chunks. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  log?: Logger;
}

export interface TagSuggestion {
  name: string;
  postCount: number;
  category: TagCategory | 'unknown';
  /** The alias that matched, when the suggestion came through one. */
  antecedentName: string | null;
}

/** e621's category numbers (2 became `contributor` in December 2024). */
const CATEGORY_BY_NUMBER: Record<number, TagCategory> = {
  0: 'general',
  1: 'artist',
  2: 'contributor',
  3: 'copyright',
  4: 'character',
  5: 'species',
  6: 'invalid',
  7: 'meta',
  8: 'lore',
};

const AUTOCOMPLETE_CACHE_SIZE = 500;
const AUTOCOMPLETE_CACHE_MS = 10 * 60 * 1000;

class RetryableProblem extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function backoffDelay(attempt: number, retry: RetryOptions): number {
  const exponential = retry.baseDelayMs * 2 ** (attempt - 1);
  const jitter = Math.random() * retry.baseDelayMs * 0.25;
  return Math.min(retry.maxDelayMs, exponential + jitter);
}

/** Network failures worth another try: resets, refused connections, timeouts, sockets closed early. */
export function isTransientNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (
    (typeof code === 'string' &&
      (code.startsWith('UND_ERR_') ||
        [
          'ECONNRESET',
          'ECONNREFUSED',
          'EPIPE',
          'ETIMEDOUT',
          'EAI_AGAIN',
          'ENOTFOUND',
          'EHOSTUNREACH',
        ].includes(code))) ||
    error.name === 'SocketError'
  );
}

export function userAgentFor(user: string): string {
  return `Kiln/${packageJson.version} (by ${user} on e621)`;
}

export class E621Client {
  readonly baseUrl: string;
  readonly userAgent: string;
  /** With an API key, login-blocked posts come with their file URL. */
  readonly loggedIn: boolean;
  readonly retry: RetryOptions;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly #authorization: string | undefined;
  readonly #pacer: Pacer | null;
  readonly #log: Logger | undefined;
  readonly #autocompleteCache = new Map<string, { tags: TagSuggestion[]; until: number }>();

  constructor(options: E621ClientOptions) {
    const user = options.user?.trim();
    if (!user) {
      throw new ConfigError([
        'E621_USER is required: e621 wants its users\' name in the User-Agent of every API client ("Kiln/x (by <name> on e621)")',
      ]);
    }
    if (!/^[\x21-\x7e]+$/.test(user))
      throw new ConfigError([`E621_USER "${user}" must be an e621 user name`]);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.userAgent = userAgentFor(user);
    this.loggedIn = Boolean(options.apiKey);
    this.#authorization = options.apiKey
      ? `Basic ${Buffer.from(`${user}:${options.apiKey}`).toString('base64')}`
      : undefined;
    this.#pacer = options.dangerouslyDisablePacingForBenchmark ? null : (options.pacer ?? processPacer);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.dispatcher = options.dispatcher;
    this.#log = options.log;
  }

  /** The post's page on e621, for links in summaries. */
  postUrl(id: number): string {
    return `${this.baseUrl}/posts/${id}`;
  }

  /** One numbered page (1..750) of `/posts.json` with e621's maximum page size. */
  async searchPosts(tags: string, page: number, signal?: AbortSignal): Promise<PostFacts[]> {
    if (!Number.isInteger(page) || page < 1 || page > E621_MAX_PAGE) {
      throw new RangeError(`e621 serves numbered pages 1..${E621_MAX_PAGE}, not ${page}`);
    }
    const body = await this.#getJson(
      '/posts.json',
      { tags, limit: String(E621_PAGE_LIMIT), page: String(page) },
      (value) => postsResponse.safeParse(value).success,
      signal,
    );
    const entries = postsResponse.parse(body).posts;
    const posts: PostFacts[] = [];
    for (const entry of entries) {
      const post = postFromJson(entry);
      if (post === null)
        this.#log?.warn({ entry: String((entry as { id?: unknown }).id) }, 'unreadable e621 post');
      else posts.push(post);
    }
    return posts;
  }

  /**
   * Tag completion and spelling corrections from `/tags/autocomplete.json` (e621 wants 3+ characters).
   * Answers are kept for a while: people type the same prefixes, and every request costs a paced second.
   */
  async autocomplete(prefix: string, signal?: AbortSignal): Promise<TagSuggestion[]> {
    const query = prefix.trim().toLowerCase().replace(/\s+/g, '_');
    if (query.length < 3) return [];
    const cached = this.#autocompleteCache.get(query);
    if (cached && cached.until > Date.now()) return cached.tags;
    const body = await this.#getJson(
      '/tags/autocomplete.json',
      { 'search[name_matches]': query, expiry: '7' },
      (value) => autocompleteResponse.safeParse(value).success,
      signal,
    );
    const tags = autocompleteResponse.parse(body).map((tag): TagSuggestion => ({
      name: tag.name,
      postCount: tag.post_count,
      category: CATEGORY_BY_NUMBER[tag.category] ?? 'unknown',
      antecedentName: tag.antecedent_name ?? null,
    }));
    if (this.#autocompleteCache.size >= AUTOCOMPLETE_CACHE_SIZE) {
      const oldest = this.#autocompleteCache.keys().next().value;
      if (oldest !== undefined) this.#autocompleteCache.delete(oldest);
    }
    this.#autocompleteCache.set(query, { tags, until: Date.now() + AUTOCOMPLETE_CACHE_MS });
    return tags;
  }

  async #getJson(
    path: string,
    params: Record<string, string>,
    isExpectedShape: (value: unknown) => boolean,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params).toString()}`;
    const what = `GET ${path}${params.tags !== undefined ? ` (tags "${params.tags}", page ${params.page})` : ''}`;
    let problem = '';
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      if (attempt > 1) {
        this.#log?.warn({ attempt, problem, path }, 'e621 request failed; retrying');
      }
      try {
        await this.#pacer?.wait(signal);
        return await this.#attempt(url, what, isExpectedShape, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        if (error instanceof RetryableProblem) problem = error.message;
        else if (isTransientNetworkError(error)) problem = `${(error as Error).message}`;
        else throw error;
        if (attempt < this.retry.attempts) {
          const retryAfter = error instanceof RetryableProblem ? (error.retryAfterMs ?? 0) : 0;
          const delay = Math.min(
            this.retry.maxDelayMs,
            Math.max(backoffDelay(attempt, this.retry), retryAfter),
          );
          await sleep(delay, undefined, signal ? { signal } : undefined);
        }
      }
    }
    throw new UserError(
      'service-unavailable',
      `e621 did not answer ${what} properly after ${this.retry.attempts} tries (last: ${problem}). ` +
        'It may be down or overloaded; try again later.',
    );
  }

  async #attempt(
    url: string,
    what: string,
    isExpectedShape: (value: unknown) => boolean,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json' };
    if (this.#authorization) headers.authorization = this.#authorization;
    const response = await request(url, {
      method: 'GET',
      headers,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(signal ? { signal } : {}),
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
    });
    const text = await response.body.text();
    const status = response.statusCode;
    const contentType = String(response.headers['content-type'] ?? '');
    const looksHtml = contentType.includes('html') || /^\s*</.test(text);
    if (status === 429 || status >= 500) {
      const retryAfter = Number(response.headers['retry-after']);
      throw new RetryableProblem(
        `HTTP ${status}${looksHtml ? ' with an HTML page' : ''}`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    if (status === 401) {
      throw new UserError(
        'e621-refused',
        'e621 refused the API key (401). Check E621_USER and E621_API_KEY (account settings → API access).',
      );
    }
    if (status === 403) {
      throw new UserError(
        'e621-refused',
        `e621 refused ${what} (403 Forbidden) with the User-Agent "${this.userAgent}". ` +
          'It blocks clients without a descriptive User-Agent, and may have blocked this address.',
      );
    }
    if (status === 410 || status === 422) {
      throw new UserError(
        'invalid-query',
        `e621 rejected ${what}: ${errorMessage(text) ?? `HTTP ${status}`}.`,
      );
    }
    if (status !== 200) {
      throw new UserError(
        'service-unavailable',
        `e621 answered ${what} with HTTP ${status}${errorMessage(text) ? `: ${errorMessage(text)}` : ''}. ` +
          'Check E621_BASE_URL.',
      );
    }
    if (text.trim() === '') throw new RetryableProblem('an empty body instead of JSON');
    if (looksHtml) throw new RetryableProblem('an HTML page instead of JSON (outage or browser check)');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RetryableProblem('a body that is not valid JSON');
    }
    if (!isExpectedShape(value)) throw new RetryableProblem('JSON of an unexpected shape');
    return value;
  }
}

function errorMessage(text: string): string | null {
  try {
    const value = JSON.parse(text) as { message?: unknown; reason?: unknown };
    const message = value.message ?? value.reason;
    return typeof message === 'string' ? message : null;
  } catch {
    return null;
  }
}

/** A client from the `e621` configuration section (E621_BASE_URL, E621_USER, E621_API_KEY). */
export function createE621Client(
  config: ConfigFor<'e621'>,
  extra: Omit<E621ClientOptions, 'baseUrl' | 'user' | 'apiKey'> = {},
): E621Client {
  return new E621Client({
    baseUrl: config.E621_BASE_URL,
    user: config.E621_USER,
    apiKey: config.E621_API_KEY,
    ...extra,
  });
}

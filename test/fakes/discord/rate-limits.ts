/**
 * Discord's rate limits, off unless a test asks for them (so other tests keep their speed).
 *
 * As Discord does (discord-api-docs, topics/rate-limits): each route belongs to a bucket, counted apart for
 * each top-level resource (channel_id, guild_id, or webhook_id + token); rules naming the same bucket share
 * one count. Requests with the bot token also count toward a global limit per second, which interaction
 * callbacks and interaction webhooks are exempt from. Every answer on a limited route carries the
 * X-RateLimit-* headers; a request over the limit gets 429 with `{ message, retry_after, global }`, a
 * Retry-After header and X-RateLimit-Scope. Each request's arrival is logged so that a test can check that no
 * client came back before its Retry-After.
 */

export interface RateLimitRule {
  /** The X-RateLimit-Bucket name; rules with one name share one count per resource. */
  bucket: string;
  /** Upper case; any method when absent. */
  method?: string;
  /** Path pattern without /api/v10, `:name` for parameters, e.g. '/channels/:channelId/messages/:messageId'. */
  route: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitOptions {
  /** Replaces DEFAULT_RATE_LIMIT_RULES. Routes no rule names are limited by the global limit only. */
  rules?: RateLimitRule[];
  /** Bot-token requests per second across all routes, default 50. */
  globalPerSecond?: number;
}

/** What people observe on Discord for messages in one channel (the docs say: read the headers, do not hard-code). */
export const DEFAULT_RATE_LIMIT_RULES: readonly RateLimitRule[] = [
  {
    bucket: 'channel-message-create',
    method: 'POST',
    route: '/channels/:channelId/messages',
    limit: 5,
    windowMs: 5000,
  },
  {
    bucket: 'channel-message-edit',
    method: 'PATCH',
    route: '/channels/:channelId/messages/:messageId',
    limit: 5,
    windowMs: 5000,
  },
  {
    bucket: 'channel-message-delete',
    method: 'DELETE',
    route: '/channels/:channelId/messages/:messageId',
    limit: 5,
    windowMs: 1000,
  },
  { bucket: 'webhook-message', route: '/webhooks/:applicationId/:token', limit: 5, windowMs: 2000 },
  {
    bucket: 'webhook-message',
    route: '/webhooks/:applicationId/:token/messages/:messageId',
    limit: 5,
    windowMs: 2000,
  },
];

/** One request as the limiter saw it; `at` is performance.now() on arrival. */
export interface RateLimitEvent {
  at: number;
  method: string;
  path: string;
  /** Bucket and resource, e.g. 'channel-message-edit:channel:300…'; null on routes no rule names. */
  bucketKey: string | null;
  /** Whether the request counted toward the global limit. */
  countsGlobally: boolean;
  /** Set when the request was answered 429. */
  limited?: { scope: 'user' | 'global'; retryAfterMs: number };
}

/** A request that arrived before the Retry-After of an earlier 429 on its bucket (or the global one) ran out. */
export interface RateLimitViolation {
  request: RateLimitEvent;
  limitedBy: RateLimitEvent;
  earlyByMs: number;
}

export interface TooManyRequestsBody {
  message: string;
  retry_after: number;
  global: boolean;
}

export interface RateLimitDecision {
  status?: 429;
  body?: TooManyRequestsBody;
  headers: Record<string, string>;
}

interface Window {
  count: number;
  resetAt: number;
}

export class FakeRateLimits {
  readonly events: RateLimitEvent[] = [];
  #options: Required<RateLimitOptions> | null = null;
  readonly #windows = new Map<string, Window>();
  #global: Window = { count: 0, resetAt: 0 };

  constructor(options: RateLimitOptions | undefined) {
    this.configure(options ?? null);
  }

  /** Turns limits on with these numbers, or off with null; counts and the log start afresh. */
  configure(options: RateLimitOptions | null): void {
    this.events.length = 0;
    this.#options = options
      ? {
          rules: options.rules ?? [...DEFAULT_RATE_LIMIT_RULES],
          globalPerSecond: options.globalPerSecond ?? 50,
        }
      : null;
    this.#windows.clear();
    this.#global = { count: 0, resetAt: 0 };
  }

  get enabled(): boolean {
    return this.#options !== null;
  }

  /** Counts a request and says whether to answer it 429, plus the headers any answer carries. */
  admit(method: string, path: string, botAuth: boolean, at = performance.now()): RateLimitDecision {
    const options = this.#options;
    if (!options) return { headers: {} };
    const parts = path.split('/').filter(Boolean);
    const interactionRoute = parts[0] === 'interactions' || parts[0] === 'webhooks';
    const countsGlobally = botAuth && !interactionRoute;
    const rule = options.rules.find(
      (r) => (r.method === undefined || r.method === method) && matches(r.route, parts),
    );
    const bucketKey = rule ? `${rule.bucket}:${majorParameter(parts)}` : null;
    const event: RateLimitEvent = { at, method, path, bucketKey, countsGlobally };
    this.events.push(event);

    if (countsGlobally) {
      if (at >= this.#global.resetAt) this.#global = { count: 0, resetAt: at + 1000 };
      if (this.#global.count >= options.globalPerSecond) {
        const retryAfterMs = this.#global.resetAt - at;
        event.limited = { scope: 'global', retryAfterMs };
        return {
          status: 429,
          body: tooMany(retryAfterMs, true),
          headers: {
            'retry-after': String(Math.ceil(retryAfterMs / 1000)),
            'x-ratelimit-global': 'true',
            'x-ratelimit-scope': 'global',
          },
        };
      }
      this.#global.count += 1;
    }
    if (!rule || bucketKey === null) return { headers: {} };

    let window = this.#windows.get(bucketKey);
    if (!window || at >= window.resetAt) {
      window = { count: 0, resetAt: at + rule.windowMs };
      this.#windows.set(bucketKey, window);
    }
    const resetAfterMs = window.resetAt - at;
    const headers = (remaining: number): Record<string, string> => ({
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': ((Date.now() + resetAfterMs) / 1000).toFixed(3),
      'x-ratelimit-reset-after': (resetAfterMs / 1000).toFixed(3),
      'x-ratelimit-bucket': rule.bucket,
    });
    if (window.count >= rule.limit) {
      event.limited = { scope: 'user', retryAfterMs: resetAfterMs };
      return {
        status: 429,
        body: tooMany(resetAfterMs, false),
        headers: {
          ...headers(0),
          'retry-after': String(Math.ceil(resetAfterMs / 1000)),
          'x-ratelimit-scope': 'user',
        },
      };
    }
    window.count += 1;
    return { headers: headers(rule.limit - window.count) };
  }

  /** Requests that came back before the exact `retry_after` of a 429 on their bucket (or the global limit). */
  violations(): RateLimitViolation[] {
    const found: RateLimitViolation[] = [];
    const until = new Map<string, RateLimitEvent>();
    for (const event of this.events) {
      const keys = [event.bucketKey, event.countsGlobally ? 'global' : null].filter((k) => k !== null);
      for (const key of keys) {
        const limitedBy = until.get(key);
        if (!limitedBy?.limited) continue;
        const earlyByMs = limitedBy.at + limitedBy.limited.retryAfterMs - event.at;
        // retry_after is sent in whole milliseconds.
        if (earlyByMs > 1) found.push({ request: event, limitedBy, earlyByMs });
      }
      if (event.limited)
        until.set(event.limited.scope === 'global' ? 'global' : (event.bucketKey ?? ''), event);
    }
    return found;
  }

  /** The 429 answers given so far. */
  limited(): RateLimitEvent[] {
    return this.events.filter((event) => event.limited);
  }
}

function tooMany(retryAfterMs: number, global: boolean): TooManyRequestsBody {
  return {
    message: 'You are being rate limited.',
    retry_after: Math.round(retryAfterMs) / 1000,
    global,
  };
}

/** The top-level resource that splits a bucket: channel, guild, or webhook id with its token. */
function majorParameter(parts: string[]): string {
  const [kind, id, token] = parts;
  if (kind === 'channels' || kind === 'guilds') return `${kind.slice(0, -1)}:${id ?? ''}`;
  if (kind === 'webhooks') return `webhook:${id ?? ''}:${token ?? ''}`;
  return 'none';
}

function matches(pattern: string, parts: string[]): boolean {
  const segments = pattern.split('/').filter(Boolean);
  return (
    segments.length === parts.length &&
    segments.every((segment, i) => segment.startsWith(':') || segment === parts[i])
  );
}

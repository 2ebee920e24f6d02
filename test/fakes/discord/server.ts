/**
 * HTTP plumbing: one node:http server on 127.0.0.1 serving REST under /api/v10, the gateway upgrade and
 * uploaded attachments. It parses JSON and multipart bodies, checks the bot token, applies queued
 * failures (429 and others), routes, and records every request in order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordApiError, apiErrors } from './errors.ts';
import type { FakeGateway } from './gateway.ts';
import type { FakeRateLimits } from './rate-limits.ts';
import type { FakeState } from './state.ts';
import type { FailResponse, RecordedFile, RecordedRequest } from './types.ts';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: RecordedFile[];
  /** performance.now() when the body was fully received. */
  receivedHr: number;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
}

/** Handlers are synchronous so that requests are recorded, and state changes, in arrival order. */
export type Handler = (request: ApiRequest) => ApiResponse;

interface Route {
  method: string;
  segments: string[];
  /** Whether the route needs `Authorization: Bot <token>` (interaction and webhook routes do not). */
  auth: boolean;
  handler: Handler;
}

export class Router {
  readonly #routes: Route[] = [];

  /** `pattern` uses `:name` for parameters, e.g. '/channels/:channelId/messages/:messageId'. */
  add(method: string, pattern: string, handler: Handler, options: { auth: boolean }): this {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), auth: options.auth, handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | 'wrong-method' | null {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? 'wrong-method' : null;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const part = parts[i] ?? '';
    if (segment.startsWith(':')) params[segment.slice(1)] = part;
    else if (segment !== part) return null;
  }
  return params;
}

interface QueuedFailure {
  method: string | undefined;
  pathPrefix: string | undefined;
  response: FailResponse;
}

const API_PREFIX = '/api/v10';

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #failures: QueuedFailure[] = [];

  constructor(
    private readonly state: FakeState,
    private readonly router: Router,
    private readonly gateway: FakeGateway,
    private readonly rateLimits: FakeRateLimits,
  ) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        console.error('fake Discord: request handling failed', error);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.#server.on('upgrade', (req, socket, head) => this.gateway.handleUpgrade(req, socket, head));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  failNext(match: { method?: string; pathPrefix?: string }, response: FailResponse): void {
    this.#failures.push({ method: match.method?.toUpperCase(), pathPrefix: match.pathPrefix, response });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    if (url.pathname.startsWith('/attachments/')) {
      this.#serveAttachment(url.pathname, res);
      return;
    }
    const receivedHr = performance.now();
    const at = Date.now();
    const path = url.pathname.startsWith(`${API_PREFIX}/`)
      ? decodePath(url.pathname.slice(API_PREFIX.length))
      : decodePath(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    let parsed: { body: unknown; files: RecordedFile[] };
    try {
      parsed = await parseBody(raw, req.headers['content-type']);
    } catch {
      parsed = { body: undefined, files: [] };
      const error = new DiscordApiError(400, 50109, 'The request body contains invalid JSON.');
      this.#finish(res, { method, path, query, ...parsed, at }, error.status, error.toJSON(), {});
      return;
    }
    const entry = { method, path, query, ...parsed, at };

    const failure = this.#takeFailure(method, path);
    if (failure) {
      const { status, body, headers } = failureResponse(failure);
      this.#finish(res, entry, status, body, headers);
      return;
    }

    const limit = this.rateLimits.admit(method, path, req.headers.authorization?.startsWith('Bot ') === true);
    if (limit.status === 429) {
      this.#finish(res, entry, limit.status, limit.body, limit.headers);
      return;
    }

    let status: number;
    let body: unknown;
    try {
      if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw apiErrors.notFound();
      const matched = this.router.match(method, path);
      if (matched === null) throw apiErrors.notFound();
      if (matched === 'wrong-method') throw new DiscordApiError(405, 0, '405: Method Not Allowed');
      if (matched.route.auth && req.headers.authorization !== `Bot ${this.state.options.token}`) {
        throw apiErrors.unauthorized();
      }
      const response = matched.route.handler({
        method,
        path,
        params: matched.params,
        query: url.searchParams,
        body: parsed.body,
        files: parsed.files,
        receivedHr,
      });
      status = response.status;
      body = response.body;
    } catch (error) {
      if (!(error instanceof DiscordApiError)) throw error;
      status = error.status;
      body = error.toJSON();
    }
    this.#finish(res, entry, status, body, limit.headers);
  }

  #finish(
    res: ServerResponse,
    entry: Omit<RecordedRequest, 'status' | 'response'>,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    this.requests.push({ ...entry, status, response: body });
    this.state.touch();
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    res
      .writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...headers,
      })
      .end(text);
  }

  #takeFailure(method: string, path: string): FailResponse | undefined {
    const index = this.#failures.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)),
    );
    if (index === -1) return undefined;
    return this.#failures.splice(index, 1)[0]?.response;
  }

  #serveAttachment(pathname: string, res: ServerResponse): void {
    const id = pathname.split('/')[3];
    const attachment = id === undefined ? undefined : this.state.findAttachment(id);
    if (!attachment) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': attachment.contentType, 'content-length': attachment.size })
      .end(attachment.data);
  }
}

function failureResponse(response: FailResponse): {
  status: number;
  body: unknown;
  headers: Record<string, string>;
} {
  if (response.status === 429 && 'retryAfter' in response) {
    const scope = response.scope ?? 'user';
    const global = scope === 'global';
    const headers: Record<string, string> = {
      'retry-after': String(response.retryAfter),
      'x-ratelimit-scope': scope,
    };
    if (global) {
      headers['x-ratelimit-global'] = 'true';
    } else {
      headers['x-ratelimit-limit'] = '5';
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset-after'] = String(response.retryAfter);
      headers['x-ratelimit-bucket'] = 'fake-bucket';
    }
    return {
      status: 429,
      headers,
      body: { message: 'You are being rate limited.', retry_after: response.retryAfter, global },
    };
  }
  const body =
    'body' in response && response.body !== undefined
      ? response.body
      : { message: `${response.status}: fake failure`, code: 0 };
  return { status: response.status, body, headers: {} };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => decodeURIComponent(segment))
    .join('/');
}

/** JSON, or multipart with `payload_json` and `files[n]` parts (parsed with the fetch API's FormData). */
async function parseBody(
  raw: Buffer,
  contentType: string | undefined,
): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const files: RecordedFile[] = [];
    let body: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
        continue;
      }
      const data = Buffer.from(await value.arrayBuffer());
      files.push({
        field,
        name: value.name,
        size: data.length,
        contentType: value.type || 'application/octet-stream',
        data,
      });
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString('utf8')), files: [] };
}

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small response and request helpers of the web editor: no cache, no referrer, strict content policy. */

/** Pages and data carry the signed grant: no cache keeps them, no Referer carries the link elsewhere. */
const COMMON_HEADERS = {
  'cache-control': 'private, no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export function sendBytes(
  response: ServerResponse,
  status: number,
  type: string,
  body: Buffer | string,
): void {
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': type });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  sendBytes(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

export function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message });
}

export class BodyTooLarge extends Error {}

/** Reads a JSON body of at most `limit` bytes; a longer one is refused before it is buffered whole. */
export async function readJsonBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

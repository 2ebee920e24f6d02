import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Hugging Face's file endpoint, `/<owner>/<repo>/resolve/<revision>/<file>`, as `kiln models
 * download` uses it. LFS files (the `.onnx` ones by default) answer with a 302 to a CDN path carrying
 * `X-Linked-Etag` (the file's sha256, quoted) and `X-Linked-Size`, like huggingface.co; other files are
 * served directly. Byte ranges are honoured (206 / 416), so resuming works as against the real CDN.
 *
 * Faults for tests: drop the connection after N bytes, answer 503 a few times, ignore Range headers,
 * announce a wrong hash.
 */

export interface FakeHfFile {
  /** `owner/repo/file` (revision `main`). */
  path: string;
  data: Buffer;
  lfs?: boolean;
  /** Served content type (default application/octet-stream), e.g. text/html for a portal page. */
  contentType?: string;
}

export interface FakeHfFaults {
  /** Close the connection after this many body bytes, for the first `times` requests of the file (default 1). */
  dropAfter?: Record<string, { bytes: number; times?: number }>;
  /** Answer 503 this many times before serving the file. */
  unavailableTimes?: Record<string, number>;
  /** Serve the whole file (200) even when a range is asked for. */
  ignoreRange?: boolean;
  /** Announce this sha256 instead of the real one. */
  wrongHash?: Record<string, string>;
}

export interface FakeHfRequest {
  path: string;
  range: string | undefined;
  status: number;
}

export interface FakeHf {
  url: string;
  requests: FakeHfRequest[];
  faults: FakeHfFaults;
  sha256(path: string): string;
  close(): Promise<void>;
}

export async function startFakeHf(files: readonly FakeHfFile[], faults: FakeHfFaults = {}): Promise<FakeHf> {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const byHash = new Map<string, FakeHfFile>();
  const hashes = new Map<string, string>();
  for (const file of files) {
    const sha = createHash('sha256').update(file.data).digest('hex');
    hashes.set(file.path, sha);
    byHash.set(sha, file);
  }
  const requests: FakeHfRequest[] = [];
  const served = new Map<string, number>();

  const serveBytes = (request: IncomingMessage, response: ServerResponse, file: FakeHfFile) => {
    const unavailable = faults.unavailableTimes?.[file.path] ?? 0;
    const count = (served.get(file.path) ?? 0) + 1;
    served.set(file.path, count);
    if (count <= unavailable) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return 503;
    }
    const size = file.data.length;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range && !faults.ignoreRange) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return 416;
      }
      status = 206;
    }
    const body = file.data.subarray(start, end + 1);
    response.writeHead(status, {
      'content-type': file.contentType ?? 'application/octet-stream',
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    const drop = faults.dropAfter?.[file.path];
    if (drop && count - unavailable <= (drop.times ?? 1) && drop.bytes < body.length) {
      response.write(body.subarray(0, drop.bytes), () => {
        setTimeout(() => response.socket?.destroy(), 20);
      });
      return status;
    }
    response.end(body);
    return status;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const record = (status: number) =>
      requests.push({ path: url.pathname, range: request.headers.range, status });
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) {
      const path = `${resolve[1]}/${decodeURIComponent(resolve[3] ?? '')}`;
      const file = resolve[2] === 'main' ? byPath.get(path) : undefined;
      if (!file) {
        response
          .writeHead(404, { 'content-type': 'text/plain', 'x-error-code': 'EntryNotFound' })
          .end('Entry not found');
        record(404);
        return;
      }
      const lfs = file.lfs ?? file.path.endsWith('.onnx');
      if (lfs) {
        const sha = hashes.get(path) ?? '';
        response
          .writeHead(302, {
            location: `/cdn/${sha}`,
            'x-linked-etag': `"${faults.wrongHash?.[path] ?? sha}"`,
            'x-linked-size': String(file.data.length),
            etag: `"${sha}"`,
          })
          .end();
        record(302);
        return;
      }
      record(serveBytes(request, response, file));
      return;
    }
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    const file = cdn ? byHash.get(cdn[1] ?? '') : undefined;
    if (!file) {
      response.writeHead(404).end();
      record(404);
      return;
    }
    record(serveBytes(request, response, file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    sha256: (path) => hashes.get(path) ?? '',
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

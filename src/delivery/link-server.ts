import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, sep } from 'node:path';
import type { Logger } from '../log.ts';
import { contentDisposition, FILES_PREFIX, verifyLink } from './links.ts';

/**
 * The bot's small download server: serves files under one folder (DATA_DIR/models) to whoever holds a signed,
 * unexpired link. GET and HEAD only; everything else, and every file outside the folder, is refused.
 */

export interface LinkServerOptions {
  root: string;
  secret: string;
  port: number;
  host?: string;
  /** PUBLIC_URL's path, when a reverse proxy passes it through (e.g. `/kiln`). */
  basePath?: string;
  log?: Logger;
  now?: () => Date;
}

/** A handler for every request under a path prefix (after PUBLIC_URL's path), e.g. the web editor's `/edit/`. */
export type MountedHandler = (request: IncomingMessage, response: ServerResponse, pathname: string) => void;

export interface LinkServer {
  /** http://host:port of the listening socket. */
  url: string;
  /** Hands every request under `prefix` (which must not be `/files/`) to `handler`, on the same port. */
  mount(prefix: string, handler: MountedHandler): void;
  close(): Promise<void>;
}

export async function startLinkServer(options: LinkServerOptions): Promise<LinkServer> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const mounts = new Map<string, MountedHandler>();
  const server: Server = createServer((request, response) => {
    const requested = new URL(request.url ?? '/', 'http://localhost').pathname;
    const inBase =
      basePath !== '' && requested.startsWith(`${basePath}/`) ? requested.slice(basePath.length) : requested;
    for (const [prefix, handler] of mounts) {
      if (inBase.startsWith(prefix)) {
        handler(request, response, inBase);
        return;
      }
    }
    const head = request.method === 'HEAD';
    const send = (status: number, text: string): void => {
      response.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
      response.end(head ? '' : `${text}\n`);
    };
    if (request.method !== 'GET' && !head) {
      response.setHeader('allow', 'GET, HEAD');
      send(405, 'method not allowed');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    let pathname = url.pathname;
    if (basePath !== '' && pathname.startsWith(`${basePath}/`)) pathname = pathname.slice(basePath.length);
    if (!pathname.startsWith(FILES_PREFIX)) {
      send(404, 'not found');
      return;
    }
    let relative: string;
    try {
      relative = pathname
        .slice(FILES_PREFIX.length)
        .split('/')
        .map((segment) => decodeURIComponent(segment))
        .join('/');
    } catch {
      send(400, 'bad path');
      return;
    }
    const check = verifyLink(options.secret, relative, url.searchParams, now());
    if (!check.ok) {
      send(check.status, check.reason);
      return;
    }
    void (async () => {
      try {
        const root = await realpath(options.root);
        // Symlinks may not lead out of the folder either.
        const file = await realpath(join(root, ...check.path.split('/')));
        if (!file.startsWith(root + sep)) {
          send(404, 'not found');
          return;
        }
        const info = await stat(file);
        if (!info.isFile()) {
          send(404, 'not found');
          return;
        }
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': String(info.size),
          'content-disposition': contentDisposition(check.downloadName ?? basename(file)),
          'cache-control': 'private, no-store',
        });
        if (head) {
          response.end();
          return;
        }
        const stream = createReadStream(file);
        stream.on('error', () => response.destroy());
        stream.pipe(response);
        options.log?.info({ path: check.path, bytes: info.size }, 'download started');
      } catch {
        if (!response.headersSent) send(404, 'not found');
        else response.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    mount(prefix, handler) {
      if (prefix.startsWith(FILES_PREFIX)) throw new Error(`${prefix} belongs to the download server`);
      mounts.set(prefix, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Long file: the resumable, checksummed model download with its retries and mirror rules; to be split (issue 13).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { UserError } from '../core/errors.ts';
import { assertWritable, createFolder } from '../storage/disk.ts';
import type { TaggerKind } from './tags-file.ts';

/**
 * `kiln models download`: fetches each tagger model and its tag file by URL into MODELS_DIR/<kind>/, from
 * Hugging Face by default (any server with the same `/<repo>/resolve/<revision>/<file>` layout works, e.g. a
 * mirror or a test server). Downloads go to a `.part` file, resume with an HTTP Range request after a dropped
 * connection, retry server errors with backoff, and are verified before they are renamed into place: the size
 * and sha256 pinned here, else the ones Hugging Face announces for LFS files (`X-Linked-Size`, `X-Linked-Etag`),
 * else the Content-Length. A file that fails verification is deleted; nothing half-downloaded looks complete.
 * The weights are never redistributed by Kiln: the operator downloads them.
 */

export const DEFAULT_HF_BASE_URL = 'https://huggingface.co';

export interface ModelFileSpec {
  file: string;
  /** Exact size in bytes, when pinned. */
  size?: number;
  /** Lower-case hex sha256, when pinned. */
  sha256?: string;
  /** Rough size for the progress line before the server says (from the model's file listing). */
  approxBytes?: number;
  /** `binary` (a model): text bodies (an HTML error page, a JSON error) are refused, and so is a tiny file. */
  content?: 'binary' | 'text';
}

/** A real tagger model is hundreds of MB; anything under this is an error page or a stub, whatever it claims. */
export const MIN_MODEL_BYTES = 100_000;

export interface ModelSpec {
  kind: TaggerKind;
  label: string;
  repo: string;
  revision: string;
  model: ModelFileSpec;
  tags: ModelFileSpec;
}

/**
 * The two taggers of the guide. WD: SmilingWolf's wd-vit-tagger-v3 (Apache-2.0; its batch dimension is free,
 * unlike the v2 files). e621: Z3D-E621-Convnext, the ONNX successor of the e621 tagger the guide used (licence
 * unclear, so Kiln never ships it). Their sizes and hashes are not pinned here (they could not be looked up
 * offline): verification uses the hashes Hugging Face announces for each file, and a model body that is text
 * (HTML, JSON) or under MIN_MODEL_BYTES is refused whatever the server claims.
 */
export const MODEL_SPECS: Readonly<Record<TaggerKind, ModelSpec>> = {
  wd: {
    kind: 'wd',
    label: 'WD tagger (SmilingWolf wd-vit-tagger-v3, anime tags)',
    repo: 'SmilingWolf/wd-vit-tagger-v3',
    revision: 'main',
    model: { file: 'model.onnx', approxBytes: 379e6, content: 'binary' },
    tags: { file: 'selected_tags.csv', approxBytes: 308e3 },
  },
  e621: {
    kind: 'e621',
    label: 'e621 tagger (Z3D-E621-Convnext, e621 tags)',
    repo: 'toynya/Z3D-E621-Convnext',
    revision: 'main',
    model: { file: 'model.onnx', approxBytes: 390e6, content: 'binary' },
    tags: { file: 'tags-selected.csv', approxBytes: 243e3 },
  },
};

export const MANIFEST_FILE = 'kiln-model.json';

export interface ModelPaths {
  dir: string;
  modelPath: string;
  tagsPath: string;
  manifestPath: string;
}

/** Where a kind's files live under the models folder (what the worker and `kiln tag` load). */
export function modelPaths(modelsDir: string, kind: TaggerKind, specs = MODEL_SPECS): ModelPaths {
  const spec = specs[kind];
  const dir = join(modelsDir, kind);
  return {
    dir,
    modelPath: join(dir, spec.model.file),
    tagsPath: join(dir, spec.tags.file),
    manifestPath: join(dir, MANIFEST_FILE),
  };
}

export function modelFileUrl(baseUrl: string, spec: ModelSpec, file: ModelFileSpec): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/${spec.repo}/resolve/${encodeURIComponent(spec.revision)}/${file.file}`;
}

export interface DownloadProgress {
  file: string;
  url: string;
  received: number;
  total: number | null;
  resumedFrom: number;
  attempt: number;
}

export interface DownloadedFile {
  path: string;
  url: string;
  size: number;
  sha256: string;
  /** How the sha256 was checked: pinned here, announced by the server, or not at all. */
  verifiedBy: 'pinned' | 'server' | 'none';
  resumedFrom: number;
  attempts: number;
}

export interface DownloadFileOptions {
  url: string;
  dest: string;
  expected?: { size?: number; sha256?: string };
  /** What the body must be: `binary` refuses text content types and bodies that start like HTML or JSON. */
  content?: 'binary' | 'text';
  onProgress?: (progress: DownloadProgress) => void;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff delay; doubles each retry (default 1000 ms). */
  retryDelayMs?: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  userAgent?: string;
}

class RetryableError extends Error {}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function announcedSha(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  const cleaned = raw?.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return cleaned && SHA256_HEX.test(cleaned) ? cleaned : undefined;
}

function headerNumber(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Follows redirects by hand so the headers Hugging Face puts on its redirect (X-Linked-*) are seen. */
async function openResponse(
  url: string,
  headers: Record<string, string>,
  options: DownloadFileOptions,
): Promise<{ response: Dispatcher.ResponseData; announced: { size?: number; sha256?: string } }> {
  const announced: { size?: number; sha256?: string } = {};
  let current = url;
  for (let hop = 0; hop <= 5; hop++) {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(current, {
        method: 'GET',
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        headersTimeout: 60_000,
        bodyTimeout: 120_000,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new RetryableError(`${current}: ${(error as Error).message}`);
    }
    const sha = announcedSha(response.headers['x-linked-etag']);
    const size = headerNumber(response.headers['x-linked-size']);
    if (sha && !announced.sha256) announced.sha256 = sha;
    if (size !== undefined && announced.size === undefined) announced.size = size;
    const location = response.headers.location;
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      await response.body.dump();
      current = new URL(Array.isArray(location) ? (location[0] ?? '') : location, current).toString();
      continue;
    }
    return { response, announced };
  }
  throw new UserError('download-failed', `${url} redirected more than 5 times.`);
}

/** An HTML or JSON body where a file was expected (a portal, an error page): removed, never installed. */
async function refuseTextBody(
  part: string,
  url: string,
  size: number,
  content: 'binary' | 'text' | undefined,
): Promise<void> {
  const handle = await open(part, 'r');
  const buffer = Buffer.alloc(256);
  let bytesRead = 0;
  try {
    ({ bytesRead } = await handle.read(buffer, 0, buffer.length, 0));
  } finally {
    await handle.close();
  }
  const head = buffer.subarray(0, bytesRead).toString('latin1');
  // A page is text from its first byte on; a model's bytes may start with '{' by chance, but not stay printable.
  const printable = [...buffer.subarray(0, bytesRead)].every((byte) =>
    byte >= 0x20 ? byte !== 0x7f : byte >= 0x09 && byte <= 0x0d,
  );
  const start = head.trimStart().toLowerCase();
  // An HTML page says so in its first bytes; a bare '{', '[' or '<' counts only when the head stays printable.
  const html = start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<?xml');
  const text =
    content === 'binary' &&
    (html || (printable && (start.startsWith('<') || start.startsWith('{') || start.startsWith('['))));
  const tiny = content === 'binary' && size < MIN_MODEL_BYTES;
  if (!html && !text && !tiny) return;
  await rm(part, { force: true });
  throw new UserError(
    'download-failed',
    tiny && !html && !text
      ? `${url}: got ${size} bytes, far too small for a tagger model; nothing was installed. Check HF_BASE_URL and try again.`
      : `${url}: got a ${size}-byte ${html || start.startsWith('<') ? 'HTML' : 'JSON'} page instead of the file; nothing was installed. Check HF_BASE_URL (a proxy or login page?) and try again.`,
  );
}

/**
 * Downloads one file to `dest` through `dest.part`, resuming after dropped connections and verifying size and
 * sha256 before renaming it into place.
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadedFile> {
  const { url, dest } = options;
  const part = `${dest}.part`;
  const retries = options.retries ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const headersBase: Record<string, string> = {
    'user-agent': options.userAgent ?? 'kiln-models-download (LoRA dataset tool)',
    'accept-encoding': 'identity',
  };
  let resumedFrom = 0;
  let announced: { size?: number; sha256?: string } = {};
  let total: number | null = null;
  let attempts = 0;

  for (let attempt = 1; ; attempt++) {
    attempts = attempt;
    const offset = await fileSize(part);
    try {
      const headers = offset > 0 ? { ...headersBase, range: `bytes=${offset}-` } : headersBase;
      const opened = await openResponse(url, headers, options);
      const { response } = opened;
      announced = { ...announced, ...opened.announced };
      const status = response.statusCode;
      if (status === 416 && offset > 0) {
        await response.body.dump();
        const expectedSize = options.expected?.size ?? announced.size;
        if (expectedSize === offset) {
          total = offset;
          break;
        }
        await rm(part, { force: true });
        throw new RetryableError(`${url} refused to resume at byte ${offset}; starting again`);
      }
      if (status === 429 || status >= 500) {
        await response.body.dump();
        throw new RetryableError(`${url} answered HTTP ${status}`);
      }
      if (status !== 200 && status !== 206) {
        await response.body.dump();
        throw new UserError(
          'download-failed',
          `${url} answered HTTP ${status}${status === 404 ? ' (not found: check the base URL, HF_BASE_URL, and the repository)' : status === 401 || status === 403 ? ' (access refused)' : ''}.`,
        );
      }
      const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
      const textType =
        contentType.startsWith('text/html') ||
        (options.content === 'binary' && /^(text\/|application\/(json|xml|xhtml))/.test(contentType));
      if (textType) {
        await response.body.dump();
        throw new UserError(
          'download-failed',
          `${url} answered a ${contentType.split(';')[0]} page, not the file; nothing was installed. Check HF_BASE_URL (a proxy or login page?) and try again.`,
        );
      }
      let start = 0;
      if (status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
        if (!range || Number(range[1]) !== offset) {
          await response.body.dump();
          await rm(part, { force: true });
          throw new RetryableError(`${url} answered a range that does not continue the partial file`);
        }
        start = offset;
        if (range[3] !== '*') total = Number(range[3]);
      } else {
        const length = headerNumber(response.headers['content-length']);
        total = length ?? null;
      }
      total = options.expected?.size ?? announced.size ?? total;
      if (start > 0 && resumedFrom === 0) resumedFrom = start;
      const handle = await open(part, start > 0 ? 'a' : 'w');
      let received = start;
      try {
        options.onProgress?.({ file: dest, url, received, total, resumedFrom, attempt });
        for await (const chunk of response.body) {
          await handle.write(chunk as Buffer);
          received += (chunk as Buffer).length;
          options.onProgress?.({ file: dest, url, received, total, resumedFrom, attempt });
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new RetryableError(
          `${url}: connection lost after ${received} bytes (${(error as Error).message})`,
        );
      } finally {
        await handle.close();
      }
      if (total !== null && received < total) {
        throw new RetryableError(`${url}: connection closed after ${received} of ${total} bytes`);
      }
      break;
    } catch (error) {
      if (!(error instanceof RetryableError) || attempt > retries) {
        if (error instanceof RetryableError) {
          throw new UserError(
            'download-failed',
            `Could not download ${url} after ${attempt} attempts: ${error.message}. Run the command again to resume.`,
          );
        }
        throw error;
      }
      await sleep(retryDelayMs * 2 ** (attempt - 1), undefined, { signal: options.signal });
    }
  }

  const size = await fileSize(part);
  await refuseTextBody(part, url, size, options.content);
  const expectedSize = options.expected?.size ?? announced.size ?? total ?? undefined;
  if (expectedSize !== undefined && size !== expectedSize) {
    await rm(part, { force: true });
    throw new UserError(
      'download-failed',
      `${url}: got ${size} bytes, expected ${expectedSize}; the download was removed. Run the command again.`,
    );
  }
  const sha256 = await sha256File(part);
  const expectedSha = options.expected?.sha256?.toLowerCase() ?? announced.sha256;
  if (expectedSha !== undefined && sha256 !== expectedSha) {
    await rm(part, { force: true });
    throw new UserError(
      'download-failed',
      `${url}: sha256 ${sha256} does not match the expected ${expectedSha}; the file was removed. If the model was updated upstream, update the pinned hash; otherwise try again.`,
    );
  }
  await rename(part, dest);
  return {
    path: dest,
    url,
    size,
    sha256,
    verifiedBy: options.expected?.sha256 ? 'pinned' : announced.sha256 ? 'server' : 'none',
    resumedFrom,
    attempts,
  };
}

export interface ModelManifest {
  kind: TaggerKind;
  repo: string;
  revision: string;
  files: Record<
    string,
    {
      url: string;
      size: number;
      sha256: string;
      verifiedBy: DownloadedFile['verifiedBy'];
      downloadedAt: string;
    }
  >;
}

export async function readManifest(path: string): Promise<ModelManifest | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ModelManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return null;
    throw error;
  }
}

export interface DownloadModelsOptions {
  modelsDir: string;
  baseUrl?: string;
  only?: readonly TaggerKind[];
  specs?: Readonly<Record<TaggerKind, ModelSpec>>;
  /** Download again even when the files are present and recorded. */
  force?: boolean;
  onProgress?: (progress: DownloadProgress & { kind: TaggerKind }) => void;
  onSkip?: (kind: TaggerKind, file: string) => void;
  retries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

export interface DownloadedModel {
  kind: TaggerKind;
  paths: ModelPaths;
  files: Array<DownloadedFile | { path: string; skipped: true }>;
}

/** Downloads the requested taggers (both by default) and records what was verified in `kiln-model.json`. */
export async function downloadModels(options: DownloadModelsOptions): Promise<DownloadedModel[]> {
  const specs = options.specs ?? MODEL_SPECS;
  const kinds =
    options.only && options.only.length > 0 ? [...new Set(options.only)] : (['wd', 'e621'] as const);
  const results: DownloadedModel[] = [];
  for (const kind of kinds) {
    const spec = specs[kind];
    const paths = modelPaths(options.modelsDir, kind, specs);
    try {
      await createFolder(paths.dir);
      await assertWritable(paths.dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        'invalid-option',
        `MODELS_DIR: cannot write the models into ${paths.dir} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (error as Error).message}). Point MODELS_DIR at a folder this user may write.`,
      );
    }
    const previous = await readManifest(paths.manifestPath);
    const manifest: ModelManifest =
      previous && previous.repo === spec.repo && previous.revision === spec.revision
        ? previous
        : { kind, repo: spec.repo, revision: spec.revision, files: {} };
    const files: DownloadedModel['files'] = [];
    for (const [file, dest] of [
      [spec.model, paths.modelPath],
      [spec.tags, paths.tagsPath],
    ] as const) {
      const recorded = manifest.files[file.file];
      if (
        !options.force &&
        recorded &&
        (await fileSize(dest)) === recorded.size &&
        matchesPin(recorded, file)
      ) {
        options.onSkip?.(kind, dest);
        files.push({ path: dest, skipped: true });
        continue;
      }
      const downloaded = await downloadFile({
        url: modelFileUrl(options.baseUrl ?? DEFAULT_HF_BASE_URL, spec, file),
        dest,
        expected: {
          ...(file.size !== undefined ? { size: file.size } : {}),
          ...(file.sha256 ? { sha256: file.sha256 } : {}),
        },
        ...(file.content ? { content: file.content } : {}),
        ...(options.onProgress
          ? { onProgress: (p: DownloadProgress) => options.onProgress?.({ ...p, kind }) }
          : {}),
        ...(options.retries !== undefined ? { retries: options.retries } : {}),
        ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      manifest.files[file.file] = {
        url: downloaded.url,
        size: downloaded.size,
        sha256: downloaded.sha256,
        verifiedBy: downloaded.verifiedBy,
        downloadedAt: new Date().toISOString(),
      };
      await writeFile(paths.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      files.push(downloaded);
    }
    results.push({ kind, paths, files });
  }
  return results;
}

function matchesPin(recorded: { size: number; sha256: string }, file: ModelFileSpec): boolean {
  if (file.size !== undefined && recorded.size !== file.size) return false;
  if (file.sha256 !== undefined && recorded.sha256 !== file.sha256.toLowerCase()) return false;
  return true;
}

export interface InstalledModel {
  kind: TaggerKind;
  label: string;
  paths: ModelPaths;
  present: boolean;
  manifest: ModelManifest | null;
  sizes: { model: number; tags: number };
}

/** What is in the models folder, for `kiln models list` and the worker's start-up check. */
export async function listModels(modelsDir: string, specs = MODEL_SPECS): Promise<InstalledModel[]> {
  const installed: InstalledModel[] = [];
  for (const kind of ['wd', 'e621'] as const) {
    const paths = modelPaths(modelsDir, kind, specs);
    const sizes = { model: await fileSize(paths.modelPath), tags: await fileSize(paths.tagsPath) };
    installed.push({
      kind,
      label: specs[kind].label,
      paths,
      present: sizes.model > 0 && sizes.tags > 0,
      manifest: await readManifest(paths.manifestPath),
      sizes,
    });
  }
  return installed;
}

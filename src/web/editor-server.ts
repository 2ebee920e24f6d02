import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from 'discord.js';
import sharp from 'sharp';
import { UserError } from '../core/errors.ts';
import { validateCrop, type CropBox, type CropKind } from '../core/pruning/crops.ts';
import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import { getPruneImageWithProject } from '../db/repositories/pruning.ts';
import {
  addCrop,
  ensureHeadCrop,
  getCrop,
  getReplacement,
  setCropBoxIfUnchanged,
} from '../db/repositories/crops.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { EDITOR_PREFIX, verifyEditorGrant, type EditorGrant } from '../delivery/editor-links.ts';
import type { MountedHandler } from '../delivery/link-server.ts';
import type { Logger } from '../log.ts';
import { imageInput } from '../storage/image-source.ts';
import { saveImageTagEdits, taggedImageSource } from '../db/repositories/tagging.ts';
import { canonicalTag, normalizeUserTag } from '../core/tags/names.ts';
import { datasetThumbnail } from '../tagging/pixels.ts';
import { loadProjectTagging } from '../tagging/project-tags.ts';
import { tagEditorData } from './tag-data.ts';
import { cropEditorData, orientedSize } from './crop-data.ts';
import { BodyTooLarge, readJsonBody, sendBytes, sendError, sendJson } from './http.ts';
import { userCanEditOverRest } from './member-access.ts';

/**
 * The web editor under `/edit/`: pages and their data for whoever holds a signed editor link, re-checking on
 * every request that the link's user may still edit the project. Writes need the link in a header and a
 * same-origin Origin (a cross-site form can send neither); bodies are small JSON; anything else is refused.
 */

export interface EditorServerOptions {
  db: Db;
  client: Client;
  dataDir: string;
  secret: string;
  /** PUBLIC_URL's origin: the only Origin a write may come from. */
  publicOrigin: string;
  log: Logger;
  now?: () => Date;
  /** After a crop box was saved: refresh the board, tell the thread (what the Discord Save does). */
  onCropSaved(project: ProjectRow, crop: { kind: string }, box: CropBox): Promise<void>;
}

/** A crop box is four numbers; 4 KiB is generous and keeps a flood from filling memory. */
export const BODY_LIMIT = 4096;
const IMAGE_SIDE = 1600;

const STATIC_FILES: Record<string, string> = {
  'crops.js': 'text/javascript; charset=utf-8',
  'editor.css': 'text/css; charset=utf-8',
  'tags.js': 'text/javascript; charset=utf-8',
};
const PAGES: Record<string, string> = { crops: 'crops.html', tags: 'tags.html' };
/** A tag edit names up to a few hundred images: 16 KiB. */
export const TAG_BODY_LIMIT = 16_384;
const MAX_SELECTION = 1000;
const STATIC_DIR = new URL('./static/', import.meta.url);

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createEditorHandler(options: EditorServerOptions): MountedHandler {
  const now = options.now ?? (() => new Date());
  const checks = new PermissionChecks(options);
  return (request, response, pathname) => {
    handle({ ...options, checks }, now, request, response, pathname).catch((error: unknown) => {
      if (error instanceof Refusal) return sendError(response, error.status, error.message);
      if (error instanceof UserError) return sendError(response, 400, error.message);
      if (error instanceof BodyTooLarge) return sendError(response, 413, 'request body too large');
      if (error instanceof SyntaxError) return sendError(response, 400, 'the body is not JSON');
      options.log.error({ err: error, path: pathname }, 'web editor request failed');
      if (!response.headersSent) sendError(response, 500, 'something went wrong; try again');
      else response.destroy();
    });
  };
}

/**
 * Asks Discord for every request, but requests that arrive while the same person's lookup is in flight (a grid
 * of 80 thumbnails) share that one answer instead of queueing 80 identical REST calls.
 */
class PermissionChecks {
  readonly #inFlight = new Map<string, Promise<boolean>>();
  constructor(private readonly options: EditorServerOptions) {}
  mayEdit(project: ProjectRow, userId: string): Promise<boolean> {
    const key = `${project.id}:${userId}`;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const lookup = userCanEditOverRest(this.options.db, this.options.client, project, userId).finally(() =>
      this.#inFlight.delete(key),
    );
    this.#inFlight.set(key, lookup);
    return lookup;
  }
}

type HandlerOptions = EditorServerOptions & { checks: PermissionChecks };

async function handle(
  options: HandlerOptions,
  now: () => Date,
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
): Promise<void> {
  const parts = pathname.slice(EDITOR_PREFIX.length).split('/');
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://localhost');
  const route = (allowed: string): void => {
    if (method !== allowed) {
      response.setHeader('allow', allowed);
      throw new Refusal(405, 'method not allowed');
    }
  };
  // Plain code and style: no data in them, so no link is needed.
  if (parts[0] === 'static' && parts.length === 2 && Object.hasOwn(STATIC_FILES, parts[1] ?? '')) {
    route('GET');
    const name = parts[1] ?? '';
    sendBytes(response, 200, STATIC_FILES[name] ?? '', await readFile(new URL(name, STATIC_DIR)));
    return;
  }
  if (parts.length === 1 && Object.hasOwn(PAGES, parts[0] ?? '')) {
    route('GET');
    await authorize(options, now, url.searchParams);
    const page = await readFile(new URL(PAGES[parts[0] ?? ''] ?? '', STATIC_DIR));
    sendBytes(response, 200, 'text/html; charset=utf-8', page);
    return;
  }
  if (parts[0] === 'image' && parts.length === 2 && /^\d{1,9}$/.test(parts[1] ?? '')) {
    route('GET');
    // An <img> cannot send headers: images take the grant from their query, and name an image by id only.
    const { project } = await authorize(options, now, url.searchParams);
    await sendImage(options, response, project, Number(parts[1]));
    return;
  }
  if (parts[0] === 'thumb' && parts.length === 2 && /^\d{1,9}$/.test(parts[1] ?? '')) {
    route('GET');
    const { project } = await authorize(options, now, url.searchParams);
    const source = await taggedImageSource(options.db, Number(parts[1]));
    if (!source || source.projectId !== project.id) throw new Refusal(404, 'no such image in this project');
    sendBytes(response, 200, 'image/jpeg', await datasetThumbnail(options.db, options.dataDir, source, 384));
    return;
  }
  if (parts[0] !== 'api') throw new Refusal(404, 'not found');
  const grantHeader = request.headers['x-kiln-link'];
  const grantQuery = new URLSearchParams(typeof grantHeader === 'string' ? grantHeader : '');
  if (parts[1] === 'crops' && parts.length === 2) {
    route('GET');
    const { project } = await authorize(options, now, grantQuery);
    sendJson(response, 200, await cropEditorData(options.db, options.dataDir, project));
    return;
  }
  if (parts[1] === 'crops' && parts.length === 3 && /^\d{1,9}$/.test(parts[2] ?? '')) {
    route('POST');
    assertSameOrigin(options, request);
    const { project } = await authorize(options, now, grantQuery);
    const body = await readJsonBody(request, BODY_LIMIT);
    await saveCrop(options, response, project, Number(parts[2]), body);
    return;
  }
  if (parts[1] === 'tags' && parts.length === 2) {
    if (method === 'GET') {
      const { project } = await authorize(options, now, grantQuery);
      sendJson(response, 200, tagEditorData(project, await taggedProject(options, project)));
      return;
    }
    route('POST');
    assertSameOrigin(options, request);
    const { project, grant } = await authorize(options, now, grantQuery);
    const body = await readJsonBody(request, TAG_BODY_LIMIT);
    await editTags(options, response, project, grant, body);
    return;
  }
  if (
    parts[1] === 'images' &&
    parts.length === 4 &&
    /^\d{1,9}$/.test(parts[2] ?? '') &&
    parts[3] === 'crops'
  ) {
    route('POST');
    assertSameOrigin(options, request);
    const { project, grant } = await authorize(options, now, grantQuery);
    const body = await readJsonBody(request, BODY_LIMIT);
    await openCrop(options, response, project, grant, Number(parts[2]), body);
    return;
  }
  throw new Refusal(404, 'not found');
}

/** Signature, expiry, the project, and (fresh from Discord) the user's right to edit it. */
async function authorize(
  options: HandlerOptions,
  now: () => Date,
  query: URLSearchParams,
): Promise<{ grant: EditorGrant; project: ProjectRow }> {
  const check = verifyEditorGrant(options.secret, query, now());
  if (!check.ok) throw new Refusal(check.status, check.reason);
  const project = await getProject(options.db, check.grant.projectId);
  if (!project) throw new Refusal(404, 'this project no longer exists');
  if (!(await options.checks.mayEdit(project, check.grant.userId))) {
    throw new Refusal(
      403,
      "only the project owner, server managers or the server's editor role can edit this project",
    );
  }
  return { grant: check.grant, project };
}

function assertSameOrigin(options: EditorServerOptions, request: IncomingMessage): void {
  const origin = request.headers.origin;
  if (origin !== options.publicOrigin) throw new Refusal(403, 'cross-origin write refused');
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new Refusal(415, 'send JSON');
}

function assertOpen(project: ProjectRow): void {
  if (project.datasetFrozenAt !== null) {
    throw new Refusal(409, `the dataset of ${project.characterName} was finalized; crops are closed`);
  }
}

async function imageOfProject(options: EditorServerOptions, project: ProjectRow, candidateId: number) {
  const found = await getPruneImageWithProject(options.db, candidateId);
  if (!found || found.project.id !== project.id) throw new Refusal(404, 'no such image in this project');
  return found.image;
}

async function sendImage(
  options: EditorServerOptions,
  response: ServerResponse,
  project: ProjectRow,
  candidateId: number,
): Promise<void> {
  const image = await imageOfProject(options, project, candidateId);
  const input = await imageInput(options.dataDir, image, await getReplacement(options.db, image.candidateId));
  const jpeg = await sharp(input)
    .rotate()
    .resize(IMAGE_SIDE, IMAGE_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 88 })
    .toBuffer();
  sendBytes(response, 200, 'image/jpeg', jpeg);
}

function readBox(value: unknown): CropBox | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const numbers = [record.left, record.top, record.width, record.height];
  if (!numbers.every((n) => typeof n === 'number' && Number.isSafeInteger(n))) return null;
  const [left, top, width, height] = numbers as [number, number, number, number];
  return { left, top, width, height };
}

async function saveCrop(
  options: EditorServerOptions,
  response: ServerResponse,
  project: ProjectRow,
  cropId: number,
  body: unknown,
): Promise<void> {
  assertOpen(project);
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const base = (typeof record.base === 'object' && record.base !== null ? record.base : {}) as Record<
    string,
    unknown
  >;
  const wanted = readBox(record.box);
  const baseBox = base.box === null ? null : readBox(base.box);
  if (!wanted || (base.box !== null && !baseBox) || typeof base.confirmed !== 'boolean') {
    throw new Refusal(400, 'send {box, base: {box, confirmed}}');
  }
  const crop = await getCrop(options.db, cropId);
  if (!crop) throw new Refusal(404, 'this crop no longer exists');
  const image = await imageOfProject(options, project, crop.candidateId);
  const input = await imageInput(options.dataDir, image, await getReplacement(options.db, image.candidateId));
  const box = validateCrop(wanted, await orientedSize(input, image));
  const saved = await setCropBoxIfUnchanged(
    options.db,
    crop.id,
    { box: baseBox, confirmed: base.confirmed },
    box,
    true,
  );
  if (!saved) {
    // Someone saved this crop since the page loaded: nothing is overwritten; the page shows both.
    const current = await getCrop(options.db, cropId);
    sendJson(response, 409, {
      error: 'someone else changed this crop since you opened it',
      current: current ? { id: current.id, box: current.box, confirmed: current.confirmed } : null,
      yours: box,
    });
    return;
  }
  await options.onCropSaved(project, crop, box);
  sendJson(response, 200, {
    crop: { id: saved.id, kind: saved.kind, box: saved.box, confirmed: saved.confirmed },
  });
}

async function taggedProject(options: EditorServerOptions, project: ProjectRow) {
  const tagging = await loadProjectTagging(options.db, project);
  if (tagging.images.length === 0) {
    throw new Refusal(409, `${project.characterName} has no tags yet: auto-tagging runs after Finalize`);
  }
  return tagging;
}

/** Add, remove or replace one tag on a selection: stored as the doubtful-tag pager stores its edits. */
async function editTags(
  options: EditorServerOptions,
  response: ServerResponse,
  project: ProjectRow,
  grant: EditorGrant,
  body: unknown,
): Promise<void> {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const ids = record.imageIds;
  const action = record.action;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > MAX_SELECTION ||
    !ids.every((id) => Number.isSafeInteger(id)) ||
    (action !== 'add' && action !== 'remove' && action !== 'replace') ||
    typeof record.tag !== 'string' ||
    (action === 'replace' && typeof record.with !== 'string')
  ) {
    throw new Refusal(400, 'send {imageIds, action: add | remove | replace, tag, with}');
  }
  const tag = normalizeUserTag(record.tag, 'tag');
  const replacement = action === 'replace' ? normalizeUserTag(String(record.with), 'new tag') : null;
  const mainTag = canonicalTag(project.mainTag);
  if (tag === mainTag || replacement === mainTag) {
    throw new Refusal(400, `${project.mainTag} is the main tag: every caption starts with it already`);
  }
  const tagging = await taggedProject(options, project);
  const known = new Set(tagging.images.map((image) => image.id));
  const selected = [...new Set(ids as number[])];
  if (!selected.every((id) => known.has(id))) throw new Refusal(404, 'an image is not in this dataset');
  for (const taggedImageId of selected) {
    const edit = { taggedImageId, userId: grant.userId };
    if (action === 'add') await saveImageTagEdits(options.db, { ...edit, tags: [tag], action: 'add' });
    else await saveImageTagEdits(options.db, { ...edit, tags: [tag], action: 'remove' });
    if (replacement !== null) {
      await saveImageTagEdits(options.db, { ...edit, tags: [replacement], action: 'add' });
    }
  }
  sendJson(response, 200, tagEditorData(project, await taggedProject(options, project)));
}

async function openCrop(
  options: EditorServerOptions,
  response: ServerResponse,
  project: ProjectRow,
  grant: EditorGrant,
  candidateId: number,
  body: unknown,
): Promise<void> {
  assertOpen(project);
  const kind = (
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).kind : null
  ) as CropKind | null;
  const image = await imageOfProject(options, project, candidateId);
  let id: number;
  if (kind === 'headshot') id = await ensureHeadCrop(options.db, image.candidateId, grant.userId);
  else if (kind === 'composition' || kind === 'split') {
    id = await addCrop(options.db, { candidateId: image.candidateId, kind, createdBy: grant.userId });
  } else throw new Refusal(400, 'kind must be headshot, composition or split');
  const crop = await getCrop(options.db, id);
  sendJson(response, 200, {
    crop: crop && { id: crop.id, kind: crop.kind, box: crop.box, confirmed: crop.confirmed },
  });
}

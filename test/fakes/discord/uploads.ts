/**
 * Files users send to the bot: attachment options of slash commands and File Uploads in modals. The
 * Discord client uploads them before the interaction exists and refuses a file over the upload limit;
 * the bot then gets an ephemeral attachment (with width and height for images) in `data.resolved`,
 * whose URL the fake serves under /attachments/.
 */
import sharp from 'sharp';
import type { FakeState } from './state.ts';
import type { FakeAttachment, UserFile } from './types.ts';
import { isObject } from './validation.ts';

function fail(message: string): never {
  throw new Error(`fake Discord: ${message}`);
}

/** sharp's format names → the MIME type a client reports for that image (heif: see `heifType`). */
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
};

function imageContentType(format: string | undefined, compression: string | undefined): string | undefined {
  if (format === 'heif') return compression === 'av1' ? 'image/avif' : 'image/heic';
  return format === undefined ? undefined : IMAGE_TYPES[format];
}

interface ImageInfo {
  width: number;
  height: number;
  contentType: string | undefined;
}

/** Discord reports width and height for the images it can decode; anything else has neither. */
async function imageInfo(data: Buffer): Promise<ImageInfo | undefined> {
  try {
    const meta = await sharp(data).metadata();
    if (!meta.width || !meta.height) return undefined;
    return {
      width: meta.width,
      height: meta.pageHeight ?? meta.height,
      contentType: imageContentType(meta.format, meta.compression),
    };
  } catch {
    return undefined;
  }
}

/**
 * Checks a file a user is about to send and describes the attachment Discord would make of it, without
 * storing it (the action may still be refused). `what` names the option or field for error messages.
 */
export async function prepareUpload(
  state: FakeState,
  file: unknown,
  channelId: string,
  what: string,
): Promise<FakeAttachment> {
  if (!isObject(file) || typeof file['name'] !== 'string' || file['name'] === '') {
    fail(`${what}: a file is { name, data: Buffer, contentType? } with a non-empty name`);
  }
  const { name, data, contentType } = file as Partial<UserFile> & { name: string };
  if (!Buffer.isBuffer(data)) fail(`${what}: file "${name}" needs its data as a Buffer`);
  if (contentType !== undefined && (typeof contentType !== 'string' || contentType === '')) {
    fail(`${what}: file "${name}" has content type ${JSON.stringify(contentType)}, not a MIME type`);
  }
  const limit = state.options.uploadLimitBytes;
  if (data.length > limit) {
    fail(
      `${what}: file "${name}" is ${data.length} bytes, over the ${limit}-byte upload limit ` +
        '(uploadLimitBytes); a Discord client refuses to send it',
    );
  }
  const image = await imageInfo(data);
  const id = state.ids.next();
  return {
    id,
    filename: name,
    size: data.length,
    url: `${state.baseUrl}/attachments/${channelId}/${id}/${encodeURIComponent(name)}`,
    contentType: contentType ?? image?.contentType ?? 'application/octet-stream',
    description: null,
    data,
    ...(image ? { width: image.width, height: image.height } : {}),
    ephemeral: true,
  };
}

/**
 * `file_types` of an attachment option or File Upload: 'image', 'audio', 'video' match the MIME type's
 * family, '.ext' the file name's ending; no list accepts everything.
 */
export function acceptsFileType(fileTypes: unknown, attachment: FakeAttachment): boolean {
  if (!Array.isArray(fileTypes) || fileTypes.length === 0) return true;
  const name = attachment.filename.toLowerCase();
  const mime = attachment.contentType.toLowerCase();
  return fileTypes.some(
    (type) =>
      typeof type === 'string' &&
      (type.startsWith('.') ? name.endsWith(type.toLowerCase()) : mime.startsWith(`${type.toLowerCase()}/`)),
  );
}

/** Keeps the files of a dispatched interaction, so their URLs answer. */
export function storeUploads(state: FakeState, attachments: readonly FakeAttachment[]): void {
  for (const attachment of attachments) state.uploads.set(attachment.id, attachment);
  if (attachments.length > 0) state.touch();
}

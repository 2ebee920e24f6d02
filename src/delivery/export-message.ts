import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutgoingMessage } from '../notify/discord-rest.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { LinkSigner } from './links.ts';
import { storeDownloadLink } from './store-links.ts';
import { formatBytes } from './upload-limit.ts';

/** The file name of a shared export on disk; the download is saved under `<main tag>-dataset.zip`. */
const SHARED_ZIP_NAME = 'dataset.zip';

/**
 * The message that shares an export zip: attached under the upload limit, else put in the object store with a
 * presigned link, else copied under `filesDir/exports` and linked (signed), else (no public address) the reason
 * it cannot be shared.
 */
export async function exportMessage(input: {
  zip: { path: string; name: string; bytes: number; summary: string };
  projectId: number;
  uploadLimit: number;
  links: LinkSigner | null;
  /** DATA_DIR/models: what the bot's download server serves. */
  filesDir: string;
  /** With an object store, the zip goes to the bucket and the link is the store's presigned URL. */
  store?: ObjectStore | null;
  linkTtlSeconds?: number;
}): Promise<{
  message: OutgoingMessage;
  /** The linked copy: removed again when the post fails. */ sharedDir: string | null;
}> {
  const { zip, uploadLimit } = input;
  const mentions = { parse: [] as never[] };
  if (zip.bytes <= uploadLimit) {
    return {
      message: {
        body: { content: zip.summary, allowed_mentions: mentions },
        files: [{ name: zip.name, data: await readFile(zip.path), contentType: 'application/zip' }],
      },
      sharedDir: null,
    };
  }
  const storeKey = `exports/${input.projectId}-${Date.now()}/${SHARED_ZIP_NAME}`;
  const presigned = await storeDownloadLink(
    input.store ?? null,
    storeKey,
    zip.name,
    input.linkTtlSeconds ?? 7 * 24 * 3600,
  );
  if (input.store && presigned) {
    await input.store.putFile(storeKey, zip.path);
    return {
      message: {
        body: {
          content: `${zip.summary}\nIt is over this server's upload limit (${formatBytes(uploadLimit)}): [download ${zip.name}](${presigned.url}) (link valid until <t:${Math.floor(presigned.expiresAt.getTime() / 1000)}:f>).`,
          allowed_mentions: mentions,
        },
      },
      sharedDir: null,
    };
  }
  if (!input.links) {
    return {
      message: {
        body: {
          content: `${zip.summary}\nThe zip is over this server's upload limit (${formatBytes(uploadLimit)}) and Kiln has no download address configured (PUBLIC_URL and LINK_SECRET), so it cannot be shared here.`,
          allowed_mentions: mentions,
        },
      },
      sharedDir: null,
    };
  }
  // Stored under a plain name and signed with the real one: main tags have parentheses, links want plain paths.
  const folderName = `${input.projectId}-${Date.now()}`;
  const target = join(input.filesDir, 'exports', folderName);
  try {
    const link = input.links.sign(`exports/${folderName}/${SHARED_ZIP_NAME}`, { downloadName: zip.name });
    await mkdir(target, { recursive: true });
    await copyFile(zip.path, join(target, SHARED_ZIP_NAME));
    return {
      message: {
        body: {
          content: `${zip.summary}\nIt is over this server's upload limit (${formatBytes(uploadLimit)}): [download ${zip.name}](${link.url}) (link valid until <t:${Math.floor(link.expiresAt.getTime() / 1000)}:f>).`,
          allowed_mentions: mentions,
        },
      },
      sharedDir: target,
    };
  } catch (error) {
    // Nobody gets the link: the copy would only fill the disk.
    await rm(target, { recursive: true, force: true });
    throw error;
  }
}

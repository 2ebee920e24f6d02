import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { UserError } from '../core/errors.ts';
import {
  decodeUtf8,
  listFolderEntries,
  type FolderEntries,
  type SkippedEntry,
} from '../storage/folder-entries.ts';

/**
 * Reads a dataset folder from disk for the CLI (`kiln plan`, `kiln train`): images with `<stem>.txt` captions beside
 * them, either directly in the folder or in kohya `N_name` subfolders (the guide's `10_<main tag>`).
 */

export interface FolderImage {
  path: string;
  /** A file stem usable in the run folder (unsafe characters replaced, duplicates numbered). */
  name: string;
  caption: string | null;
  width: number;
  height: number;
}

export interface DatasetFolder {
  dir: string;
  images: FolderImage[];
  /** Entries left out (unreadable image or caption, non-UTF-8 name, symlink loop), each with its reason. */
  skipped: SkippedEntry[];
  /** `.txt` files with no image of the same name beside them (not info.txt). */
  captionsWithoutImages: string[];
  /** Where the images were found: the folder itself or its `N_name` subfolders. */
  layout: 'flat' | 'kohya';
}

const IMAGE = /\.(png|jpe?g|webp)$/i;
/** e621's tag for a head-and-shoulders crop, with and without underscores. */
const HEADSHOT_TAGS = new Set(['headshot_portrait', 'headshot portrait']);

const CAPTION = /\.txt$/i;
/** Text files a dataset folder may hold that are not captions. */
const NOT_CAPTIONS = new Set(['info.txt', 'sample_prompts.txt']);

async function imagesIn(dir: string): Promise<FolderEntries> {
  return listFolderEntries(dir, (name) => IMAGE.test(name) || CAPTION.test(name));
}

function stemOf(path: string): string {
  return path.slice(0, path.length - extname(path).length);
}

function safeStem(path: string): string {
  const stem = basename(path, extname(path))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 100);
  return stem === '' ? 'image' : stem;
}

export async function readDatasetFolder(dir: string): Promise<DatasetFolder> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new UserError('not-found', `Dataset folder ${dir} does not exist.`);
  }
  if (!info.isDirectory()) throw new UserError('not-found', `${dir} is not a folder.`);
  let layout: DatasetFolder['layout'] = 'flat';
  const top = await imagesIn(dir);
  const found: FolderEntries[] = [top];
  if (!top.files.some((path) => IMAGE.test(path))) {
    const subfolders = top.folders.filter((folder) => /^\d+_./.test(basename(folder)));
    if (subfolders.length > 0) {
      layout = 'kohya';
      for (const folder of subfolders) found.push(await imagesIn(folder));
    }
  }
  const skipped: SkippedEntry[] = found.flatMap((entries) => entries.skipped);
  const files = found.flatMap((entries) => entries.files);
  const paths = files.filter((path) => IMAGE.test(path)).sort();
  const imageStems = new Set(paths.map(stemOf));
  const captionsWithoutImages = files
    .filter((path) => CAPTION.test(path) && !NOT_CAPTIONS.has(basename(path).toLowerCase()))
    .filter((path) => !imageStems.has(stemOf(path)))
    .sort();
  if (paths.length === 0) {
    const why =
      captionsWithoutImages.length > 0
        ? `: ${captionsWithoutImages.length} caption(s) but no image beside them (first: ${captionsWithoutImages[0]})`
        : skipped.length > 0
          ? `: every image was skipped (first: ${skipped[0]?.name}: ${skipped[0]?.reason})`
          : ' (.png, .jpg, .jpeg or .webp, or kohya N_name subfolders of them)';
    throw new UserError('not-found', `Dataset folder ${dir} has no images${why}.`);
  }
  const used = new Map<string, number>();
  const limit = pLimit(4);
  const read = await Promise.all(
    paths.map((path) =>
      limit(async () => {
        let metadata;
        try {
          metadata = await sharp(path).metadata();
        } catch (error) {
          skipped.push({ name: path, reason: `it cannot be read as an image (${(error as Error).message})` });
          return null;
        }
        if (!metadata.width || !metadata.height) {
          skipped.push({ name: path, reason: 'it cannot be read as an image (no dimensions)' });
          return null;
        }
        const rotated = (metadata.orientation ?? 1) >= 5;
        const captionPath = `${stemOf(path)}.txt`;
        let caption: string | null = null;
        if (existsSync(captionPath)) {
          const text = decodeUtf8(await readFile(captionPath));
          if (text === null) {
            skipped.push({ name: path, reason: `its caption ${captionPath} is not valid UTF-8` });
            return null;
          }
          caption = text.split(/\r?\n/)[0]!.trim();
        }
        return {
          path,
          caption,
          width: (rotated ? metadata.height : metadata.width) ?? 0,
          height: (rotated ? metadata.width : metadata.height) ?? 0,
        };
      }),
    ),
  );
  const images = read.filter((image) => image !== null);
  if (images.length === 0) {
    throw new UserError(
      'not-found',
      `Dataset folder ${dir} has no usable images: every one was skipped (first: ${skipped[0]?.name}: ${skipped[0]?.reason}).`,
    );
  }
  return {
    dir,
    layout,
    skipped,
    captionsWithoutImages,
    images: images.map((image) => {
      const stem = safeStem(image.path);
      const key = stem.toLowerCase();
      const count = (used.get(key) ?? 0) + 1;
      used.set(key, count);
      return { ...image, name: count === 1 ? stem : `${stem}-${count}` };
    }),
  };
}

function tagsOf(caption: string | null): string[] {
  return (caption ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** Images whose caption carries e621's headshot tag. */
export function countHeadshots(images: readonly FolderImage[]): number {
  return images.filter((image) => tagsOf(image.caption).some((tag) => HEADSHOT_TAGS.has(tag.toLowerCase())))
    .length;
}

/** The main tag: the first tag every caption starts with; null when captions disagree or are missing. */
export function commonFirstTag(images: readonly FolderImage[]): string | null {
  const firsts = new Set(images.map((image) => tagsOf(image.caption)[0] ?? ''));
  if (firsts.size !== 1) return null;
  const [tag] = [...firsts];
  return tag ? tag : null;
}

/** What the plan should say about the folder before anyone trains on it: skipped files, missing captions. */
export function folderWarnings(folder: DatasetFolder): string[] {
  const warnings: string[] = [];
  for (const entry of folder.skipped) warnings.push(`skipped ${entry.name}: ${entry.reason}`);
  const uncaptioned = folder.images.filter((image) => image.caption === null);
  if (uncaptioned.length > 0) {
    warnings.push(
      `${uncaptioned.length} image(s) have no .txt caption beside them: ${listSome(uncaptioned.map((i) => i.path))}`,
    );
  }
  const empty = folder.images.filter((image) => image.caption !== null && tagsOf(image.caption).length === 0);
  if (empty.length > 0) {
    warnings.push(`${empty.length} caption(s) are empty: ${listSome(empty.map((i) => i.path))}`);
  }
  if (folder.captionsWithoutImages.length > 0) {
    warnings.push(
      `${folder.captionsWithoutImages.length} caption(s) have no image beside them: ${listSome(folder.captionsWithoutImages)}`,
    );
  }
  if (uncaptioned.length === 0 && empty.length === 0 && commonFirstTag(folder.images) === null) {
    warnings.push(
      'the captions do not all start with the same tag; put the main tag first in every caption or pass --main-tag',
    );
  }
  return warnings;
}

function listSome(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

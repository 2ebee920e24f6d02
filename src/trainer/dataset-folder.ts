import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { UserError } from '../core/errors.ts';

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
  /** Where the images were found: the folder itself or its `N_name` subfolders. */
  layout: 'flat' | 'kohya';
}

const IMAGE = /\.(png|jpe?g|webp)$/i;
/** e621's tag for a head-and-shoulders crop, with and without underscores. */
const HEADSHOT_TAGS = new Set(['headshot_portrait', 'headshot portrait']);

async function imagesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && IMAGE.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
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
  let paths = await imagesIn(dir);
  if (paths.length === 0) {
    const subfolders = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && /^\d+_./.test(entry.name))
      .map((entry) => join(dir, entry.name))
      .sort();
    for (const folder of subfolders) paths.push(...(await imagesIn(folder)));
    layout = 'kohya';
  }
  paths = paths.sort();
  const used = new Map<string, number>();
  const limit = pLimit(4);
  const images = await Promise.all(
    paths.map((path) =>
      limit(async () => {
        let metadata;
        try {
          metadata = await sharp(path).metadata();
        } catch (error) {
          throw new UserError('invalid-image', `Cannot read image ${path}: ${(error as Error).message}`);
        }
        const rotated = (metadata.orientation ?? 1) >= 5;
        const captionPath = join(path.slice(0, -extname(path).length) + '.txt');
        const caption = existsSync(captionPath)
          ? (await readFile(captionPath, 'utf8')).split(/\r?\n/)[0]!.trim()
          : null;
        return {
          path,
          caption,
          width: (rotated ? metadata.height : metadata.width) ?? 0,
          height: (rotated ? metadata.width : metadata.height) ?? 0,
        };
      }),
    ),
  );
  return {
    dir,
    layout,
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

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.ts';

/** Whether an error means the disk (or the user's quota) is full. */
export function isDiskFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    /no space left on device|disk quota exceeded/i.test(error.message)
  );
}

/** The clear error a full disk becomes; partial files are removed before it is thrown. */
export function diskFullError(directory: string, cause?: unknown): UserError {
  const error = new UserError(
    'disk-full',
    `The disk holding ${directory} is full. Partial files were removed; free some space (or point DATA_DIR / --out ` +
      'elsewhere) and run the fetch again: it continues where it stopped.',
  );
  if (cause !== undefined) (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** A temporary name beside `path`, so the final rename stays on one file system and is atomic. */
export function partialPath(path: string): string {
  return `${path}.${randomBytes(4).toString('hex')}.part`;
}

/** Removes a file if it exists; never throws (used while cleaning up after another error). */
export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/** The temporary files `partialPath` makes: `<name>.<8 hex>.part`. */
const PARTIAL_NAME = /\.[0-9a-f]{8}\.part$/;

/**
 * Removes the partial files a killed run left in `directory` (SIGTERM or SIGKILL leave no chance to clean up);
 * returns how many. Only names `partialPath` makes are touched.
 */
export async function removeStalePartials(directory: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return 0;
  }
  const stale = names.filter((name) => PARTIAL_NAME.test(name));
  await Promise.all(stale.map((name) => removeQuietly(join(directory, name))));
  return stale.length;
}

/**
 * Creates a folder and its parents. Not `mkdir(…, { recursive: true })`: on pseudo file systems such as /proc
 * that loops forever on ENOENT; here each level is tried once.
 */
export async function createFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw error;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    await createFolder(parent);
    try {
      await mkdir(path);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

/** Throws the system error when nothing can be written into `directory` (read-only, no permission). */
export async function assertWritable(directory: string): Promise<void> {
  const probe = join(directory, `.kiln-write-check-${randomBytes(4).toString('hex')}`);
  await writeFile(probe, '');
  await rm(probe, { force: true });
}

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
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

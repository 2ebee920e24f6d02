import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Lists the files of a folder for the CLI tools, one bad entry never stopping the rest: a name that is not
 * UTF-8 (Node would turn it into a different, missing path), a symlink loop or a dangling link is returned as
 * skipped, with its name escaped for the terminal.
 */

export interface SkippedEntry {
  /** The name as it can be printed: invalid bytes as \xNN. */
  name: string;
  reason: string;
}

export interface FolderEntries {
  /** Full paths of the regular files (or links to them) that pass `accept`, sorted. */
  files: string[];
  /** Full paths of the folders, sorted. */
  folders: string[];
  skipped: SkippedEntry[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of UTF-8 bytes, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** A file name as printable text: valid UTF-8 stays, every other byte becomes \xNN. */
export function escapeFileName(bytes: Uint8Array): string {
  let text = '';
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.length;
    // The longest valid prefix from `start`, else one escaped byte.
    while (end > start && decodeUtf8(bytes.subarray(start, end)) === null) end -= 1;
    if (end > start) {
      text += decodeUtf8(bytes.subarray(start, end)) ?? '';
      start = end;
    } else {
      text += `\\x${(bytes[start] ?? 0).toString(16).padStart(2, '0')}`;
      start += 1;
    }
  }
  return text;
}

const LINK_ERRORS: Record<string, string> = {
  ELOOP: 'it is a symbolic link that loops back on itself',
  ENOENT: 'it is a symbolic link to a file that does not exist',
  EACCES: 'it cannot be read (permission denied)',
};

export async function listFolderEntries(
  dir: string,
  accept: (name: string) => boolean,
): Promise<FolderEntries> {
  const entries = await readdir(dir, { encoding: 'buffer' });
  const result: FolderEntries = { files: [], folders: [], skipped: [] };
  for (const raw of entries) {
    const name = decodeUtf8(raw);
    if (name === null) {
      const printable = escapeFileName(raw);
      if (accept(printable)) {
        result.skipped.push({
          name: join(dir, printable),
          reason: 'its name is not valid UTF-8; rename it to include it',
        });
      }
      continue;
    }
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (info.isDirectory()) result.folders.push(path);
      else if (info.isFile() && accept(name)) result.files.push(path);
    } catch (error) {
      if (!accept(name)) continue;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      result.skipped.push({ name: path, reason: LINK_ERRORS[code] ?? (error as Error).message });
    }
  }
  result.files.sort();
  result.folders.sort();
  return result;
}

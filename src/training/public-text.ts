/**
 * Text Kiln posts where people read it (Discord threads, plan cards) never shows where files live on a server:
 * an absolute path says nothing to a friend and tells strangers about the machine. Each path becomes its file name.
 */

/** An absolute POSIX path of two or more segments, not part of a URL (`https://host/a/b`) or a relative path. */
const POSIX_PATH = /(?<![\w:/.~-])\/(?:[^\s/'"`,;()[\]<>]+\/)+([^\s/'"`,;()[\]<>]*)/g;
/** A Windows path: `C:\models\x.safetensors`. */
const WINDOWS_PATH = /\b[A-Za-z]:\\(?:[^\s\\'"`,;<>]+\\)*([^\s\\'"`,;<>]*)/g;

/** The text with every absolute path replaced by its last segment (or `…` for a folder). */
export function hidePaths(text: string): string {
  return text
    .replace(POSIX_PATH, (_path, name: string) => (name === '' ? '…' : name))
    .replace(WINDOWS_PATH, (_path, name: string) => (name === '' ? '…' : name));
}

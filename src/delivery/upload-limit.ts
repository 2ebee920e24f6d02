/**
 * Discord's per-attachment upload limit as seen from the worker, which posts outside any interaction. Every
 * interaction carries `attachment_size_limit`, but it includes the invoking user's Nitro, which a bot post does
 * not get; so it is capped at the server's boost-tier limit before it is remembered.
 */

/** Discord's default since 2025-01: 10 MiB per file. Assumed when nothing better is known. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

/** Boost tiers 2 and 3 (community figures, not in the API docs): 50 MiB and 100 MiB. */
export function tierUploadCap(premiumTier: number): number {
  if (premiumTier >= 3) return 100 * 1024 * 1024;
  if (premiumTier === 2) return 50 * 1024 * 1024;
  return DEFAULT_UPLOAD_LIMIT_BYTES;
}

/** The limit worth remembering for a server from one interaction. */
export function serverUploadLimit(attachmentSizeLimit: number, premiumTier: number): number {
  const seen =
    Number.isFinite(attachmentSizeLimit) && attachmentSizeLimit > 0
      ? attachmentSizeLimit
      : DEFAULT_UPLOAD_LIMIT_BYTES;
  return Math.min(seen, tierUploadCap(premiumTier));
}

/** What the worker uses: the remembered limit, or the default when none was seen yet. */
export function effectiveUploadLimit(remembered: number | null | undefined): number {
  return remembered && remembered > 0 ? remembered : DEFAULT_UPLOAD_LIMIT_BYTES;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

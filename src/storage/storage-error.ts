/** Why the store refused, in one line a person can act on (the store's address, never a secret). */
export type StorageErrorCode =
  'store-unreachable' | 'store-credentials' | 'store-no-bucket' | 'store-failed' | 'object-missing';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isObjectMissing(error: unknown): boolean {
  return error instanceof StorageError && error.code === 'object-missing';
}

/**
 * Errors a user can fix. Each carries a stable code so replies, logs and tests can name it.
 * Anything that is not a UserError is a bug: it is logged with context and the user gets an apology.
 */
export const USER_ERROR_CODES = [
  'not-in-guild',
  'no-project',
  'project-not-found',
  'project-gone',
  'not-allowed',
  'invalid-main-tag',
  'main-tag-taken',
  'invalid-character-name',
  'invalid-notes',
  'invalid-query',
  'invalid-option',
  'service-unavailable',
  'already-running',
  'thread-missing',
  'dataset-frozen',
  'invalid-crop',
  'invalid-image',
  'invalid-threshold',
  'invalid-tag',
  'invalid-plan',
  'model-missing',
  'training-failed',
  'invalid-model',
  'download-failed',
  'not-found',
  'login-required',
  'disk-full',
  'e621-refused',
  'not-finalized',
  'not-tagged',
  'files-gone',
  'vote-closed',
] as const;

export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/**
 * Discord's JSON errors: `{ code, message }`, plus `errors` for 50035 Invalid Form Body, whose `errors`
 * mirror the request body's shape down to the offending field (`{ content: { _errors: [...] } }`).
 * The top-level codes and HTTP statuses are Discord's documented ones; the `_errors[].code` strings are
 * Discord's naming style but best effort, so tests should assert on the status, the code and the path.
 */

export interface FieldError {
  code: string;
  message: string;
}

export interface FormErrors {
  [key: string]: FormErrors | FieldError[];
}

/** One problem found in a request body: where (path into the body) and what. */
export interface ValidationIssue {
  path: (string | number)[];
  code: string;
  message: string;
}

export class DiscordApiError extends Error {
  override readonly name = 'DiscordApiError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FormErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON(): { code: number; message: string; errors?: FormErrors } {
    return this.errors === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, errors: this.errors };
  }
}

/** Nests issues the way Discord does: each path segment becomes a key, the leaf holds `_errors`. */
export function toFormErrors(issues: readonly ValidationIssue[]): FormErrors {
  const root: FormErrors = {};
  for (const issue of issues) {
    let node = root;
    for (const segment of issue.path) {
      const key = String(segment);
      const next = node[key];
      if (next === undefined || Array.isArray(next)) {
        const created: FormErrors = {};
        node[key] = created;
        node = created;
      } else {
        node = next;
      }
    }
    const list = node['_errors'];
    const entry = { code: issue.code, message: issue.message };
    if (Array.isArray(list)) list.push(entry);
    else node['_errors'] = [entry];
  }
  return root;
}

export function invalidFormBody(issues: readonly ValidationIssue[]): DiscordApiError {
  return new DiscordApiError(400, 50035, 'Invalid Form Body', toFormErrors(issues));
}

/** The same 50035 with its errors moved under `key`: a callback's message errors sit under `data`. */
export function nestFormErrors(error: DiscordApiError, key: string): DiscordApiError {
  if (error.code !== 50035 || error.errors === undefined) return error;
  return new DiscordApiError(error.status, error.code, error.message, { [key]: error.errors }, error.headers);
}

/** Throws 50035 when there is anything to report. */
export function throwIfIssues(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw invalidFormBody(issues);
}

export const apiErrors = {
  unauthorized: () => new DiscordApiError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordApiError(404, 0, '404: Not Found'),
  unknownChannel: () => new DiscordApiError(404, 10003, 'Unknown Channel'),
  unknownMessage: () => new DiscordApiError(404, 10008, 'Unknown Message'),
  unknownWebhook: () => new DiscordApiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new DiscordApiError(404, 10062, 'Unknown interaction'),
  unknownCommand: () => new DiscordApiError(404, 10063, 'Unknown application command'),
  entityTooLarge: () => new DiscordApiError(413, 40005, 'Request entity too large'),
  alreadyAcknowledged: () => new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => new DiscordApiError(403, 50001, 'Missing Access'),
  notAuthor: () => new DiscordApiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => new DiscordApiError(400, 50006, 'Cannot send an empty message'),
  missingPermissions: () => new DiscordApiError(403, 50013, 'Missing Permissions'),
  wrongChannelType: () => new DiscordApiError(400, 50024, 'Cannot execute action on this channel type'),
  invalidWebhookToken: () => new DiscordApiError(401, 50027, 'Invalid Webhook Token'),
  threadArchived: () => new DiscordApiError(400, 50083, 'Thread is archived'),
  threadAlreadyCreated: () =>
    new DiscordApiError(400, 160004, 'A thread has already been created for this message'),
};

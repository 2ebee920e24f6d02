import type { Database } from '../db/client.ts';
import { UserError } from '../core/errors.ts';
import { assertRedisReachable } from '../queue/connection.ts';

/** Hides credentials in a URL before it is shown to anyone. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function connectDatabaseOrExplain(database: Database, url: string): Promise<void> {
  try {
    await database.pool.query('select 1');
  } catch (error) {
    throw new UserError(
      'service-unavailable',
      `PostgreSQL is not answering at ${redactUrl(url)} (${(error as Error).message}). Start it, or set DATABASE_URL.`,
    );
  }
}

export async function connectRedisOrExplain(url: string): Promise<void> {
  try {
    await assertRedisReachable(url);
  } catch (error) {
    throw new UserError(
      'service-unavailable',
      `Redis is not answering at ${redactUrl(url)} (${(error as Error).message}). Start it, or set REDIS_URL.`,
    );
  }
}

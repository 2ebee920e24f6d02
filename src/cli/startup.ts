import pg from 'pg';
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

/** Creates the configured database when the server answers but the database does not exist yet. */
async function createMissingDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new UserError(
      'invalid-option',
      `DATABASE_URL names the database ${JSON.stringify(name)}, which does not exist, and Kiln creates only databases named with lower-case letters, digits and _ (such as kiln). Create it yourself, or change DATABASE_URL.`,
    );
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

export async function connectDatabaseOrExplain(database: Database, url: string): Promise<void> {
  try {
    try {
      await database.pool.query('select 1');
    } catch (error) {
      if ((error as { code?: string }).code !== '3D000') throw error;
      await createMissingDatabase(url);
      await database.pool.query('select 1');
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
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

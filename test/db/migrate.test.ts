import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('apply once even when several processes start together', async () => {
    const others = [openDatabase(database.url), openDatabase(database.url), openDatabase(database.url)];
    try {
      await Promise.all(others.map((other) => migrateDatabase(other)));
      const rows = await database.db.execute(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      const journal = (await import('../../drizzle/meta/_journal.json', { with: { type: 'json' } })).default;
      expect(rows.rows[0]).toEqual({ n: journal.entries.length });
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });
});

import { sql } from 'drizzle-orm';
import { createTestDatabase, uniqueName } from '@gridproof/testing';
import { rowsOf, SqlStore, SqlStoreTarget } from './sql-store';

const targets: Array<[string, () => Promise<SqlStoreTarget>]> = [
  ['pglite', async () => ({ kind: 'pglite', dir: null })],
  ['postgres', async () => ({ kind: 'postgres', url: await createTestDatabase(process.env.GP_TEST_POSTGRES_URL!, uniqueName('store')) })],
];

describe.each(targets)('SqlStore on %s', (name, target) => {
  const run = name === 'postgres' && !process.env.GP_TEST_POSTGRES_URL ? it.skip : it;

  run('applies each migration once, in order', async () => {
    const store = await SqlStore.open(await target());
    try {
      const migrations = [
        { id: '0002_b', sql: 'insert into t (v) values (2)' },
        { id: '0001_a', sql: 'create table t (v int)' },
      ];
      expect(await store.migrate(migrations)).toEqual(['0001_a', '0002_b']);
      expect(await store.migrate(migrations)).toEqual([]);
      const rows = rowsOf<{ v: number }>(await store.db.execute(sql`select v from t`));
      expect(rows.map((r) => r.v)).toEqual([2]);
    } finally {
      await store.close();
    }
  });
});

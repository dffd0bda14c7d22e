import { SqlStore } from '@gridproof/store';
import { createTestDatabase } from './postgres';
import { uniqueName } from './influxd';

/**
 * The two SQL backends every repository contract suite runs on (describe.each): embedded
 * PGlite and the run's PostgreSQL (a fresh database per suite). Postgres is skipped only when
 * the machine has none; CI refuses to run without it (global setup).
 */
export const SQL_STORES: Array<[string, () => Promise<SqlStore>]> = [
  ['pglite', () => SqlStore.open({ kind: 'pglite', dir: null })],
  ['postgres', async () => SqlStore.open({ kind: 'postgres', url: await createTestDatabase(process.env.GP_TEST_POSTGRES_URL!, uniqueName('sql')) })],
];

/** False for Postgres on a machine without it: its suite's setup opens nothing. */
export function storeAvailable(storeName: string): boolean {
  return storeName !== 'postgres' || Boolean(process.env.GP_TEST_POSTGRES_URL);
}

/** `it`, or `it.skip` for Postgres on a machine without it. */
export function itOn(storeName: string): jest.It {
  return storeAvailable(storeName) ? it : it.skip;
}

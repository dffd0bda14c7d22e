import { createTestDatabase, uniqueName } from '@gridproof/testing';
import { SqlStore } from '@gridproof/store';

/**
 * The two SQL backends every registry contract suite runs on (describe.each): embedded PGlite
 * and the run's PostgreSQL (a fresh database per suite). Postgres is skipped only when the
 * machine has none; CI refuses to run without it (libs/testing global setup).
 */
export const REGISTRY_STORES: Array<[string, () => Promise<SqlStore>]> = [
  ['pglite', () => SqlStore.open({ kind: 'pglite', dir: null })],
  ['postgres', async () => SqlStore.open({ kind: 'postgres', url: await createTestDatabase(process.env.GP_TEST_POSTGRES_URL!, uniqueName('reg')) })],
];

export function itOn(storeName: string): jest.It {
  return storeName === 'postgres' && !process.env.GP_TEST_POSTGRES_URL ? it.skip : it;
}

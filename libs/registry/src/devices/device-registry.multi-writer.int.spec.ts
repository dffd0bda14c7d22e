import { sql } from 'drizzle-orm';
import { rowsOf, SqlStore } from '@gridproof/store';
import { Cleanups, createTestDatabase, itOn, uniqueName } from '@gridproof/testing';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { REGISTRY_MIGRATIONS } from '../sql/registry.migrations';
import { DeviceRegistry } from './device-registry.service';

const it = itOn('postgres');
const site = { id: 'site-west', lat: 51.5, lon: 7.4 };

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Two GridProof processes on one Postgres database (two registries, two pools): what one
 * changes, the other's cache and broker sessions must follow, also after its listening
 * connection was lost.
 */
describe(`${DeviceRegistry.name} with several writers on one Postgres`, () => {
  const cleanups = new Cleanups();
  let first: DeviceRegistry;
  let second: DeviceRegistry;
  let secondStore: SqlStore;
  const changedOnFirst: string[] = [];

  beforeAll(async () => {
    if (!process.env.GP_TEST_POSTGRES_URL) return;
    const url = await createTestDatabase(process.env.GP_TEST_POSTGRES_URL, uniqueName('regmw'));
    const firstStore = await SqlStore.open({ kind: 'postgres', url });
    cleanups.add(() => firstStore.close());
    await firstStore.migrate(REGISTRY_MIGRATIONS);
    secondStore = await SqlStore.open({ kind: 'postgres', url });
    cleanups.add(() => secondStore.close());
    const quiet = { error: () => undefined, warn: () => undefined };
    first = new DeviceRegistry(firstStore, { lastSeenFlushMs: 3_600_000, logger: quiet });
    second = new DeviceRegistry(secondStore, { lastSeenFlushMs: 3_600_000, logger: quiet });
    cleanups.add(() => first.close());
    cleanups.add(() => second.close());
    await first.followOtherWriters();
    await second.followOtherWriters();
    first.onChange((id) => changedOnFirst.push(id));
  });
  afterAll(() => cleanups.run());

  const provision = async (id: string) => {
    const { credentials } = await second.provision({ id, type: 'battery', site, publicKey: generateDeviceKeyPair().publicKey });
    return credentials.password;
  };

  it('refuses on one process a device disabled through the other, and ends its session there', async () => {
    const password = await provision('bat-mw-1');
    // Cached on the first process, with its fast verifier.
    expect(await first.authenticate('bat-mw-1', password)).toMatchObject({ ok: true });
    expect(await first.authenticate('bat-mw-1', password)).toMatchObject({ ok: true });

    await second.disable('bat-mw-1');

    await until('the first process to see the device disabled', async () => (await first.authenticate('bat-mw-1', password)).ok === false);
    expect(await first.authenticate('bat-mw-1', password)).toEqual({ ok: false, reason: 'disabled' });
    expect(changedOnFirst).toContain('bat-mw-1');
  });

  it('stops accepting the old password on one process after the other rotated it', async () => {
    const old = await provision('bat-mw-2');
    expect(await first.authenticate('bat-mw-2', old)).toMatchObject({ ok: true });

    const rotated = (await second.rotateCredentials('bat-mw-2')).credentials.password;

    await until('the old password to stop working', async () => (await first.authenticate('bat-mw-2', old)).ok === false);
    expect(await first.authenticate('bat-mw-2', rotated)).toMatchObject({ ok: true });
  });

  it('catches a change made while its listening connection was down', async () => {
    const password = await provision('bat-mw-3');
    expect(await first.authenticate('bat-mw-3', password)).toMatchObject({ ok: true });
    changedOnFirst.length = 0;

    // Cut every LISTEN connection of this database and change the device straight away, while
    // the first process is reconnecting: its NOTIFY reaches nobody.
    await secondStore.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%' and pid <> pg_backend_pid()`,
    );
    const listeners = async () =>
      rowsOf<{ n: number }>(await secondStore.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`))[0].n;
    await second.disable('bat-mw-3');

    await until('both listeners to be back', async () => (await listeners()) === 2);
    await until('the first process to see the device disabled', async () => (await first.authenticate('bat-mw-3', password)).ok === false);
    expect(changedOnFirst).toContain('bat-mw-3');
  });

  it('catches an access change missed while away for a device whose cache entry a rename had dropped', async () => {
    const password = await provision('bat-mw-4');
    expect(await first.authenticate('bat-mw-4', password)).toMatchObject({ ok: true });
    // A rename does not touch access: the first process drops its cached entry without telling
    // its listeners, while the device may still be connected there.
    await second.update('bat-mw-4', { name: 'renamed' });
    await new Promise((r) => setTimeout(r, 500)); // lets the rename's NOTIFY reach the first process
    changedOnFirst.length = 0;

    await secondStore.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%' and pid <> pg_backend_pid()`,
    );
    await second.disable('bat-mw-4');

    await until('the first process to be told the device changed', () => changedOnFirst.includes('bat-mw-4'));
    expect(await first.authenticate('bat-mw-4', password)).toEqual({ ok: false, reason: 'disabled' });
  });
});

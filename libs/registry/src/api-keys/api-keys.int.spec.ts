import { sql } from 'drizzle-orm';
import { rowsOf, SqlStore } from '@gridproof/store';
import { REGISTRY_MIGRATIONS } from '../sql/registry.migrations';
import { itOn, SQL_STORES, storeAvailable } from '@gridproof/testing';
import { ApiKeys } from './api-keys.service';

describe.each(SQL_STORES)(`${ApiKeys.name} on %s`, (storeName, open) => {
  const it = itOn(storeName);
  let store: SqlStore;
  let keys: ApiKeys;

  beforeAll(async () => {
    if (!storeAvailable(storeName)) return;
    store = await open();
    await store.migrate(REGISTRY_MIGRATIONS);
    keys = new ApiKeys(store);
  });

  afterAll(async () => {
    await keys?.close();
    await store?.close();
  });

  it('creates the first admin key on first start only', async () => {
    const first = await keys.ensureFirstAdminKey();
    expect(first?.apiKey).toMatchObject({ role: 'admin', name: 'first-admin', revokedAt: null });
    expect(await keys.verify(first!.key)).toEqual({ id: first!.apiKey.id, name: 'first-admin', role: 'admin' });
    expect(await keys.ensureFirstAdminKey()).toBeNull();
  });

  it('shows a key once and stores only its SHA-256', async () => {
    const { key, apiKey } = await keys.create({ name: 'crew north', role: 'crew' });
    expect(key).toMatch(/^gpk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const stored = rowsOf<{ key_hash: string }>(await store.db.execute(sql`select key_hash from api_keys where id = ${apiKey.id}`))[0].key_hash;
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    // The secret is everything after gpk_<id>_ (it may itself contain '_': split('_') cut it short).
    const secret = key.slice('gpk_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(stored).not.toContain(secret);
    expect(JSON.stringify(await keys.list())).not.toContain(secret);
  });

  it('verifies the right key and refuses a tampered, malformed or unknown one', async () => {
    const { key, apiKey } = await keys.create({ name: 'auditor', role: 'auditor' });
    expect(await keys.verify(key)).toEqual({ id: apiKey.id, name: 'auditor', role: 'auditor' });
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(await keys.verify(key.slice(0, -1) + last)).toBeNull();
    expect(await keys.verify('gpk_000000000000_' + 'A'.repeat(43))).toBeNull();
    expect(await keys.verify('not a key')).toBeNull();
    expect(await keys.verify('')).toBeNull();
  });

  it('refuses a revoked key and keeps the first revocation time', async () => {
    const { key, apiKey } = await keys.create({ name: 'temp', role: 'operator' });
    const revoked = await keys.revoke(apiKey.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await keys.verify(key)).toBeNull();
    expect((await keys.revoke(apiKey.id)).revokedAt).toBe(revoked.revokedAt);
    await expect(keys.revoke('ffffffffffff')).rejects.toMatchObject({ status: 404 });
  });

  it('rejects an unknown role and an empty name', async () => {
    await expect(keys.create({ name: 'x', role: 'root' as never })).rejects.toMatchObject({ status: 400, problems: [expect.stringMatching(/^role:/)] });
    await expect(keys.create({ name: ' ', role: 'crew' })).rejects.toMatchObject({ status: 400, problems: [expect.stringMatching(/^name:/)] });
  });

  it('scopes a crew key to sites, and refuses to scope any other role', async () => {
    const { key, apiKey } = await keys.create({ name: 'north crew', role: 'crew', sites: ['north-2', 'north-1', 'north-1'] });
    expect(apiKey.sites).toEqual(['north-1', 'north-2']);
    expect(await keys.verify(key)).toMatchObject({ role: 'crew', sites: ['north-1', 'north-2'] });
    expect((await keys.create({ name: 'all crew', role: 'crew' })).apiKey.sites).toBeNull();
    await expect(keys.create({ name: 'ops', role: 'operator', sites: ['north-1'] })).rejects.toMatchObject({ status: 400, problems: [expect.stringMatching(/^sites: only crew keys/)] });
    await expect(keys.create({ name: 'x', role: 'crew', sites: ['bad/site'] })).rejects.toMatchObject({ status: 400, problems: [expect.stringMatching(/^sites/)] });
  });

  it('records when a key was last used', async () => {
    const { key, apiKey } = await keys.create({ name: 'used', role: 'crew' });
    await keys.verify(key);
    await keys.close();
    const listed = (await keys.list()).find((k) => k.id === apiKey.id);
    expect(listed?.lastUsedAt).not.toBeNull();
  });
});

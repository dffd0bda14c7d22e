import { sql } from 'drizzle-orm';
import { rowsOf, SqlStore } from '@gridproof/store';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { InvalidInputError } from '@gridproof/core';
import { DeviceExistsError, DeviceNotFoundError } from '../registry.errors';
import { REGISTRY_MIGRATIONS } from '../sql/registry.migrations';
import { itOn, SQL_STORES, storeAvailable } from '@gridproof/testing';
import { hashDeviceSecret, legacyScryptHash, verifyDeviceSecret } from './device-secret';
import { DeviceRegistry } from './device-registry.service';
import type { ProvisionDeviceInput } from './device.schemas';

const site = { id: 'site-north', name: 'North feeder', lat: 52.52, lon: 13.405 };
let counter = 0;
function meter(overrides: Partial<ProvisionDeviceInput> = {}): ProvisionDeviceInput {
  return { id: `meter-${++counter}`, type: 'smart-meter', site, publicKey: generateDeviceKeyPair().publicKey, ...overrides };
}

describe.each(SQL_STORES)(`${DeviceRegistry.name} on %s`, (storeName, open) => {
  const it = itOn(storeName);
  let store: SqlStore;
  let registry: DeviceRegistry;

  beforeAll(async () => {
    if (!storeAvailable(storeName)) return;
    store = await open();
    await store.migrate(REGISTRY_MIGRATIONS);
    registry = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
  });

  afterAll(async () => {
    await registry?.close();
    await store?.close();
  });

  const secretHashOf = async (id: string) =>
    rowsOf<{ secret_hash: string }>(await store.db.execute(sql`select secret_hash from devices where id = ${id}`))[0].secret_hash;

  describe('provision', () => {
    it('returns MQTT credentials once and stores only a SHA-256 of the secret', async () => {
      const { device, credentials } = await registry.provision(meter());
      expect(credentials.username).toBe(device.id);
      expect(credentials.clientId).toBe(device.id);
      expect(Buffer.from(credentials.password, 'base64url')).toHaveLength(32);

      const stored = await secretHashOf(device.id);
      expect(stored).toMatch(/^sha256\$[A-Za-z0-9+/]{43}=$/);
      expect(stored).not.toContain(credentials.password);
      expect(await verifyDeviceSecret(credentials.password, stored)).toBe(true);
      // Nothing that reads devices back carries the secret or its hash.
      const shown = JSON.stringify([await registry.get(device.id), await registry.list()]);
      expect(shown).not.toContain(credentials.password);
      expect(shown).not.toContain('sha256$');
    });

    it('registers the type, family, site with coordinates, owner and metadata', async () => {
      const owner = '0x' + 'aB'.repeat(20);
      const { device } = await registry.provision(meter({ type: 'ev-charger', owner, metadata: { chargePoint: 'cp-7' }, name: 'Depot charger' }));
      expect(device).toMatchObject({ type: 'ev-charger', family: 'charging', owner, metadata: { chargePoint: 'cp-7' }, name: 'Depot charger', state: 'active', requireSignature: true });
      expect(device.site).toEqual(site);
      expect(device.lastSeenAt).toBeNull();
    });

    it("keeps a PV inverter's registered array power and refuses an implausible one, on registration and update", async () => {
      const { device } = await registry.provision(meter({ type: 'pv-inverter', metadata: { rated_power_kwp: 30 } }));
      expect(device.metadata).toEqual({ rated_power_kwp: 30 });
      await expect(registry.provision(meter({ type: 'pv-inverter', metadata: { rated_power_kwp: '30 kWp' } }))).rejects.toMatchObject({
        status: 400,
        problems: [expect.stringMatching(/^metadata\.rated_power_kwp: .*number of kWp.*"30 kWp"/)],
      });
      await expect(registry.update(device.id, { metadata: { rated_power_kwp: 0 } })).rejects.toBeInstanceOf(InvalidInputError);
      expect((await registry.get(device.id)).metadata).toEqual({ rated_power_kwp: 30 });
      // Another type has no such attribute: the key is plain metadata there.
      await expect(registry.provision(meter({ type: 'battery', metadata: { rated_power_kwp: 'n/a' } }))).resolves.toBeDefined();
    });

    it('refuses an id that exists with a 409 and keeps the first device', async () => {
      const input = meter();
      await registry.provision(input);
      const again = registry.provision({ ...input, type: 'battery' });
      await expect(again).rejects.toBeInstanceOf(DeviceExistsError);
      await expect(again).rejects.toMatchObject({ status: 409 });
      expect((await registry.get(input.id)).type).toBe('smart-meter');
    });

    it('requires a public key unless signatures are switched off', async () => {
      const { publicKey: _omit, ...withoutKey } = meter();
      await expect(registry.provision(withoutKey)).rejects.toMatchObject({ status: 400, problems: [expect.stringContaining('publicKey')] });
      const { device } = await registry.provision({ ...withoutKey, requireSignature: false });
      expect(device).toMatchObject({ requireSignature: false, publicKey: null });
    });

    it.each([
      ['an id with a slash', { id: 'a/b' }, 'id'],
      ['an unknown type', { type: 'toaster' }, 'type'],
      ['a latitude beyond 90', { site: { ...site, lat: 91 } }, 'site.lat'],
      ['an owner that is not an EVM address', { owner: '0x1234' }, 'owner'],
      ['a public key of 31 bytes', { publicKey: Buffer.alloc(31, 1).toString('base64') }, 'publicKey'],
      // Small-order points (issue 13): the identity, the identity spelled y = p + 1, the point of order 2.
      ['the identity point as public key', { publicKey: Buffer.from([1, ...Array(31).fill(0)]).toString('base64') }, 'publicKey'],
      ['the identity spelled non-canonically (y = p + 1)', { publicKey: Buffer.from([0xee, ...Array(30).fill(0xff), 0x7f]).toString('base64') }, 'publicKey'],
      ['the point of order 2 (y = p - 1)', { publicKey: Buffer.from([0xec, ...Array(30).fill(0xff), 0x7f]).toString('base64') }, 'publicKey'],
      ['a non-canonical y (p + 5)', { publicKey: Buffer.from([0xf2, ...Array(30).fill(0xff), 0x7f]).toString('base64') }, 'publicKey'],
    ])('rejects %s with a 400 naming the field', async (_name, overrides, field) => {
      const attempt = registry.provision(meter(overrides as Partial<ProvisionDeviceInput>));
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ problems: [expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}:`))] });
    });
  });

  describe('authenticate', () => {
    it('accepts the right password and refuses a wrong one', async () => {
      const { device, credentials } = await registry.provision(meter());
      expect(await registry.authenticate(device.id, credentials.password)).toEqual({
        ok: true,
        device: { id: device.id, type: 'smart-meter', family: 'energy', site: site.id, state: 'active', publicKey: device.publicKey, requireSignature: true },
      });
      // Twice more: the second success comes from the cached row, and a wrong password must still fail.
      expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      expect(await registry.authenticate(device.id, credentials.password + 'x')).toEqual({ ok: false, reason: 'bad_credentials' });
      expect(await registry.authenticate(device.id, '')).toEqual({ ok: false, reason: 'bad_credentials' });
    });

    it('names an unknown device', async () => {
      expect(await registry.authenticate('nobody-here', 'x')).toEqual({ ok: false, reason: 'unknown_device' });
    });

    it('refuses a disabled device and tells listeners, and accepts it again once enabled', async () => {
      const { device, credentials } = await registry.provision(meter());
      expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      const changed: string[] = [];
      const unsubscribe = registry.onChange((id) => changed.push(id));
      try {
        expect((await registry.disable(device.id)).state).toBe('disabled');
        expect(changed).toEqual([device.id]);
        expect(await registry.authenticate(device.id, credentials.password)).toEqual({ ok: false, reason: 'disabled' });
        expect((await registry.find(device.id))?.state).toBe('disabled');
        await registry.enable(device.id);
        expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      } finally {
        unsubscribe();
      }
    });

    it('refuses the old password after rotation and tells listeners', async () => {
      const { device, credentials } = await registry.provision(meter());
      expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      const changed: string[] = [];
      const unsubscribe = registry.onChange((id) => changed.push(id));
      try {
        const rotated = await registry.rotateCredentials(device.id);
        expect(rotated.credentials.password).not.toBe(credentials.password);
        expect(changed).toEqual([device.id]);
        expect(await registry.authenticate(device.id, credentials.password)).toEqual({ ok: false, reason: 'bad_credentials' });
        expect((await registry.authenticate(device.id, rotated.credentials.password)).ok).toBe(true);
      } finally {
        unsubscribe();
      }
    });

    it('serves repeated logins from memory without reading the store again', async () => {
      const { device, credentials } = await registry.provision(meter());
      expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      // Changed behind the registry's back: a cached login does not see it...
      await store.db.execute(sql`update devices set secret_hash = 'scrypt$1$1$1$AA==$AA==' where id = ${device.id}`);
      expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      // ...a change through the registry drops the cache at once.
      await registry.disable(device.id);
      expect(await registry.authenticate(device.id, credentials.password)).toEqual({ ok: false, reason: 'bad_credentials' });
    });

    it('replaces an old scrypt hash with its SHA-256 form on the next successful login, not on a failed one', async () => {
      const { device, credentials } = await registry.provision(meter());
      const legacy = await legacyScryptHash(credentials.password);
      await store.db.execute(sql`update devices set secret_hash = ${legacy} where id = ${device.id}`);
      const fresh = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
      try {
        expect(await fresh.authenticate(device.id, credentials.password + 'x')).toEqual({ ok: false, reason: 'bad_credentials' });
        expect(await secretHashOf(device.id)).toBe(legacy);
        expect((await fresh.authenticate(device.id, credentials.password)).ok).toBe(true);
        expect(await secretHashOf(device.id)).toBe(hashDeviceSecret(credentials.password));
        // From now on the cheap check: the same password, and still not another one.
        expect((await fresh.authenticate(device.id, credentials.password)).ok).toBe(true);
        expect(await fresh.authenticate(device.id, credentials.password + 'x')).toEqual({ ok: false, reason: 'bad_credentials' });
      } finally {
        await fresh.close();
      }
    });

    it('keeps a rotation that lands while an old hash is being upgraded', async () => {
      const { device, credentials } = await registry.provision(meter());
      await store.db.execute(sql`update devices set secret_hash = ${await legacyScryptHash(credentials.password)} where id = ${device.id}`);
      const fresh = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
      try {
        const login = fresh.authenticate(device.id, credentials.password);
        const rotated = await registry.rotateCredentials(device.id);
        await login;
        expect(await secretHashOf(device.id)).toBe(hashDeviceSecret(rotated.credentials.password));
      } finally {
        await fresh.close();
      }
    });

    it('knows every device after a preload by a fresh registry', async () => {
      const { device, credentials } = await registry.provision(meter());
      const fresh = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
      try {
        expect(await fresh.preload()).toBeGreaterThan(0);
        // Served from the preloaded cache: a row changed behind its back is not read again.
        await store.db.execute(sql`update devices set state = 'disabled' where id = ${device.id}`);
        expect((await fresh.authenticate(device.id, credentials.password)).ok).toBe(true);
      } finally {
        await fresh.close();
        await store.db.execute(sql`update devices set state = 'active' where id = ${device.id}`);
      }
    });

    it('shares one lookup among concurrent logins of a device and accepts them all', async () => {
      const { device, credentials } = await registry.provision(meter());
      const results = await Promise.all(Array.from({ length: 20 }, () => registry.authenticate(device.id, credentials.password)));
      expect(results.every((r) => r.ok)).toBe(true);
    });
  });

  describe('update', () => {
    it('rotates the public key and tells listeners; metadata changes alone do not', async () => {
      const { device } = await registry.provision(meter());
      const changed: string[] = [];
      const unsubscribe = registry.onChange((id) => changed.push(id));
      try {
        await registry.update(device.id, { metadata: { floor: 2 }, owner: '0x' + '1'.repeat(40) });
        expect(changed).toEqual([]);
        const next = generateDeviceKeyPair().publicKey;
        const updated = await registry.update(device.id, { publicKey: next });
        expect(changed).toEqual([device.id]);
        expect(updated).toMatchObject({ publicKey: next, metadata: { floor: 2 }, owner: '0x' + '1'.repeat(40) });
        expect((await registry.find(device.id))?.publicKey).toBe(next);
      } finally {
        unsubscribe();
      }
    });

    it('moves a device to a new site, creating it', async () => {
      const { device } = await registry.provision(meter());
      const updated = await registry.update(device.id, { site: { id: 'site-south', lat: 48.1, lon: 11.6 } });
      expect(updated.site).toEqual({ id: 'site-south', name: 'site-south', lat: 48.1, lon: 11.6 });
      expect((await registry.find(device.id))?.site).toBe('site-south');
    });

    it('refuses to remove the key of a device that must sign', async () => {
      const { device } = await registry.provision(meter());
      await expect(registry.update(device.id, { publicKey: null })).rejects.toMatchObject({ status: 400 });
      const updated = await registry.update(device.id, { publicKey: null, requireSignature: false });
      expect(updated).toMatchObject({ publicKey: null, requireSignature: false });
    });

    it('answers 404 for an unknown device', async () => {
      await expect(registry.update('missing-device', { metadata: {} })).rejects.toBeInstanceOf(DeviceNotFoundError);
      await expect(registry.disable('missing-device')).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('list', () => {
    it('filters by type, family, site and state', async () => {
      const listSite = { id: `list-site-${storeName}`, lat: 1, lon: 2 };
      const a = await registry.provision(meter({ type: 'weather', site: listSite }));
      const b = await registry.provision(meter({ type: 'air-quality', site: listSite }));
      const c = await registry.provision(meter({ type: 'battery', site: listSite }));
      await registry.disable(c.device.id);
      const ids = async (filter: Parameters<DeviceRegistry['list']>[0]) => (await registry.list(filter)).map((d) => d.id);
      expect(await ids({ site: listSite.id })).toEqual([a, b, c].map((r) => r.device.id).sort());
      expect(await ids({ site: listSite.id, family: 'environment' })).toEqual([a, b].map((r) => r.device.id).sort());
      expect(await ids({ site: listSite.id, type: 'weather' })).toEqual([a.device.id]);
      expect(await ids({ site: listSite.id, state: 'disabled' })).toEqual([c.device.id]);
    });
  });

  describe('delete', () => {
    it('removes the device, tells listeners, and then knows it no more', async () => {
      const { device, credentials } = await registry.provision(meter());
      expect((await registry.authenticate(device.id, credentials.password)).ok).toBe(true);
      const changed: string[] = [];
      const unsubscribe = registry.onChange((id) => changed.push(id));
      try {
        await registry.delete(device.id);
        expect(changed).toEqual([device.id]);
        expect(await registry.authenticate(device.id, credentials.password)).toEqual({ ok: false, reason: 'unknown_device' });
        expect(await registry.find(device.id)).toBeNull();
        await expect(registry.get(device.id)).rejects.toBeInstanceOf(DeviceNotFoundError);
        await expect(registry.delete(device.id)).rejects.toBeInstanceOf(DeviceNotFoundError);
      } finally {
        unsubscribe();
      }
    });
  });

  describe('touchLastSeen', () => {
    it('keeps the latest time per device and writes the batch on flush', async () => {
      const a = await registry.provision(meter());
      const b = await registry.provision(meter());
      registry.touchLastSeen(a.device.id, Date.UTC(2030, 0, 1, 0, 0, 5));
      registry.touchLastSeen(a.device.id, Date.UTC(2030, 0, 1, 0, 0, 9));
      registry.touchLastSeen(a.device.id, Date.UTC(2030, 0, 1, 0, 0, 7));
      registry.touchLastSeen(b.device.id, Date.UTC(2030, 0, 2));
      await registry.flushLastSeen();
      const stored = rowsOf<{ id: string; last_seen_at: Date | string }>(
        await store.db.execute(sql`select id, last_seen_at from devices where id in (${a.device.id}, ${b.device.id}) order by id`),
      );
      expect(stored.map((r) => new Date(r.last_seen_at).toISOString())).toEqual(['2030-01-01T00:00:09.000Z', '2030-01-02T00:00:00.000Z']);
      // An older time arriving later never moves last-seen backwards.
      registry.touchLastSeen(a.device.id, Date.UTC(2029, 0, 1));
      await registry.flushLastSeen();
      expect((await registry.get(a.device.id)).lastSeenAt).toBe('2030-01-01T00:00:09.000Z');
    });

    it('shows a time not yet flushed', async () => {
      const { device } = await registry.provision(meter());
      registry.touchLastSeen(device.id, Date.UTC(2031, 5, 1));
      expect((await registry.get(device.id)).lastSeenAt).toBe('2031-06-01T00:00:00.000Z');
    });
  });
});

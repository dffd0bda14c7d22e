import { DocumentBuilder } from '@nestjs/swagger';
import { openApiDocument } from '@gridproof/core';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import type { SqlStore } from '@gridproof/store';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { itOn, SQL_STORES, storeAvailable } from '@gridproof/testing';
import { RegistryTestApp, startRegistryApp } from '../testing/registry-test-app';

describe.each(SQL_STORES)(`${ApiKeyGuard.name} and the registry API on %s`, (storeName, open) => {
  const it = itOn(storeName);
  let store: SqlStore;
  let api: RegistryTestApp;
  const keys: Record<'operator' | 'crew' | 'auditor', string> = { operator: '', crew: '', auditor: '' };

  beforeAll(async () => {
    if (!storeAvailable(storeName)) return;
    store = await open();
    api = await startRegistryApp(store);
    for (const role of ['operator', 'crew', 'auditor'] as const) keys[role] = await api.keyFor(role);
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
  });

  const call = async (method: string, path: string, options: { key?: string; header?: 'bearer' | 'x-api-key'; body?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    if (options.key) headers[options.header === 'x-api-key' ? 'x-api-key' : 'authorization'] = options.header === 'x-api-key' ? options.key : `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${api.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown> & Array<Record<string, unknown>>) : null };
  };
  let n = 0;
  const newDevice = () => ({ id: `api-dev-${++n}`, type: 'pv-inverter', site: { id: 'roof-1', lat: 48.2, lon: 16.37 }, publicKey: generateDeviceKeyPair().publicKey });

  describe('authentication', () => {
    it('answers 401 without a key and with an unknown key', async () => {
      const none = await call('GET', '/api/devices');
      expect(none.status).toBe(401);
      expect(none.body?.message).toMatch(/Authorization: Bearer/);
      expect((await call('GET', '/api/devices', { key: 'gpk_000000000000_' + 'A'.repeat(43) })).status).toBe(401);
    });

    it('accepts the key as a bearer token and as X-API-Key', async () => {
      expect((await call('GET', '/api/devices', { key: keys.crew })).status).toBe(200);
      expect((await call('GET', '/api/devices', { key: keys.crew, header: 'x-api-key' })).status).toBe(200);
    });

    it('lets anyone call a @Public route', async () => {
      expect((await call('GET', '/api/probe/public')).status).toBe(200);
    });

    it('refuses a revoked key from the next request on', async () => {
      const created = await call('POST', '/api/keys', { key: api.adminKey, body: { name: 'short-lived', role: 'crew' } });
      expect(created.status).toBe(201);
      const key = created.body!.key as string;
      expect((await call('GET', '/api/devices', { key })).status).toBe(200);
      expect((await call('DELETE', `/api/keys/${(created.body!.apiKey as { id: string }).id}`, { key: api.adminKey })).status).toBe(200);
      expect((await call('GET', '/api/devices', { key })).status).toBe(401);
    });
  });

  describe('roles', () => {
    it('gives a crew key 403 on POST /api/devices and lets an admin provision', async () => {
      const device = newDevice();
      const crew = await call('POST', '/api/devices', { key: keys.crew, body: device });
      expect(crew.status).toBe(403);
      expect(crew.body?.message).toMatch(/role crew/);
      const admin = await call('POST', '/api/devices', { key: api.adminKey, body: device });
      expect(admin.status).toBe(201);
      expect(admin.body).toMatchObject({ device: { id: device.id, family: 'energy', state: 'active' }, credentials: { username: device.id, clientId: device.id } });
    });

    it('lets an operator manage devices but not API keys', async () => {
      const device = newDevice();
      expect((await call('POST', '/api/devices', { key: keys.operator, body: device })).status).toBe(201);
      expect((await call('POST', `/api/devices/${device.id}/disable`, { key: keys.operator })).body?.state).toBe('disabled');
      expect((await call('GET', '/api/keys', { key: keys.operator })).status).toBe(403);
      expect((await call('POST', '/api/keys', { key: keys.operator, body: { name: 'x', role: 'admin' } })).status).toBe(403);
    });

    it('shows a site-scoped crew key the devices of its sites only (a 404 for the others)', async () => {
      const mine = { ...newDevice(), site: { id: 'scoped-north', lat: 48.2, lon: 16.37 } };
      const other = { ...newDevice(), site: { id: 'scoped-south', lat: 47.2, lon: 15.37 } };
      for (const d of [mine, other]) expect((await call('POST', '/api/devices', { key: api.adminKey, body: d })).status).toBe(201);
      const created = await call('POST', '/api/keys', { key: api.adminKey, body: { name: 'north crew', role: 'crew', sites: ['scoped-north'] } });
      expect(created.status).toBe(201);
      expect((created.body?.apiKey as { sites: string[] }).sites).toEqual(['scoped-north']);
      const key = created.body?.key as string;
      const listed = (await call('GET', '/api/devices', { key })).body as unknown as Array<{ id: string; site: { id: string } }>;
      expect(listed.map((d) => d.id)).toContain(mine.id);
      expect(listed.every((d) => d.site.id === 'scoped-north')).toBe(true);
      expect((await call('GET', `/api/devices/${mine.id}`, { key })).status).toBe(200);
      expect((await call('GET', `/api/devices/${other.id}`, { key })).status).toBe(404);
      expect((await call('POST', '/api/keys', { key: api.adminKey, body: { name: 'x', role: 'operator', sites: ['scoped-north'] } })).status).toBe(400);
    });

    it("tells a key's holder its name, role and sites at /api/me, never the key", async () => {
      const created = await call('POST', '/api/keys', { key: api.adminKey, body: { name: 'me crew', role: 'crew', sites: ['scoped-east'] } });
      const key = created.body?.key as string;
      const me = await call('GET', '/api/me', { key });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ name: 'me crew', role: 'crew', sites: ['scoped-east'] });
      expect((await call('GET', '/api/me', { key: keys.operator })).body).toMatchObject({ role: 'operator', sites: null });
      expect((await call('GET', '/api/me')).status).toBe(401);
    });

    it('lets crews and auditors read devices but change nothing', async () => {
      const device = newDevice();
      await call('POST', '/api/devices', { key: api.adminKey, body: device });
      for (const key of [keys.crew, keys.auditor]) {
        expect((await call('GET', `/api/devices/${device.id}`, { key })).status).toBe(200);
        expect((await call('PATCH', `/api/devices/${device.id}`, { key, body: { metadata: {} } })).status).toBe(403);
        expect((await call('POST', `/api/devices/${device.id}/disable`, { key })).status).toBe(403);
        expect((await call('DELETE', `/api/devices/${device.id}`, { key })).status).toBe(403);
      }
    });

    it('makes a route without @Roles admin-only', async () => {
      expect((await call('GET', '/api/probe/undecorated', { key: keys.operator })).status).toBe(403);
      expect((await call('GET', '/api/probe/undecorated', { key: api.adminKey })).status).toBe(200);
      expect((await call('GET', '/api/probe/crew', { key: keys.crew })).status).toBe(200);
      expect((await call('GET', '/api/probe/crew', { key: keys.auditor })).status).toBe(403);
    });
  });

  describe('OpenAPI', () => {
    it('documents the device and key routes with their body schemas and bearer auth', () => {
      const document = openApiDocument(api.app, new DocumentBuilder().addBearerAuth().build());
      const provision = document.paths['/api/devices'].post!;
      expect(provision.tags).toEqual(['devices']);
      expect(provision.security).toEqual([{ bearer: [] }]);
      // The body's schema is a component (zod DTO): follow its $ref.
      const ref = (provision.requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json'].schema.$ref;
      const schema = document.components!.schemas![ref.replace('#/components/schemas/', '')] as { required: string[] };
      expect(schema.required).toEqual(expect.arrayContaining(['id', 'type', 'site']));
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/devices/{id}', '/api/devices/{id}/credentials', '/api/keys', '/api/keys/{id}']));
    });
  });

  describe('devices', () => {
    it('answers 409 for an existing id, 400 for bad input, 404 for an unknown device', async () => {
      const device = newDevice();
      expect((await call('POST', '/api/devices', { key: api.adminKey, body: device })).status).toBe(201);
      const again = await call('POST', '/api/devices', { key: api.adminKey, body: device });
      expect(again.status).toBe(409);
      expect(again.body?.message).toBe(`device ${device.id} already exists`);
      const bad = await call('POST', '/api/devices', { key: api.adminKey, body: { ...newDevice(), owner: 'me' } });
      expect(bad.status).toBe(400);
      expect(bad.body?.message).toMatch(/owner: must be an EVM address/);
      expect((await call('GET', '/api/devices/no-such-device', { key: api.adminKey })).status).toBe(404);
      expect((await call('GET', '/api/devices?state=broken', { key: api.adminKey })).status).toBe(400);
    });

    it('answers 400 for a small-order public key at registration and at rotation (the identity point of issue 13)', async () => {
      const identity = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64');
      const registered = await call('POST', '/api/devices', { key: api.adminKey, body: { ...newDevice(), publicKey: identity } });
      expect(registered.status).toBe(400);
      expect(registered.body?.message).toMatch(/publicKey: .*small-order point/);
      const device = newDevice();
      expect((await call('POST', '/api/devices', { key: api.adminKey, body: device })).status).toBe(201);
      const rotated = await call('PATCH', `/api/devices/${device.id}`, { key: api.adminKey, body: { publicKey: identity } });
      expect(rotated.status).toBe(400);
      expect(rotated.body?.message).toMatch(/publicKey: .*small-order point/);
      expect((await call('GET', `/api/devices/${device.id}`, { key: api.adminKey })).body?.publicKey).toBe(device.publicKey);
    });

    it('walks a device through its life cycle', async () => {
      const device = newDevice();
      const created = await call('POST', '/api/devices', { key: api.adminKey, body: device });
      const password = (created.body!.credentials as { password: string }).password;

      const patched = await call('PATCH', `/api/devices/${device.id}`, { key: api.adminKey, body: { metadata: { strings: 2 }, owner: '0x' + 'c'.repeat(40) } });
      expect(patched.body).toMatchObject({ metadata: { strings: 2 }, owner: '0x' + 'c'.repeat(40) });

      const rotated = await call('POST', `/api/devices/${device.id}/credentials`, { key: api.adminKey });
      expect(rotated.status).toBe(201);
      expect((rotated.body!.credentials as { password: string }).password).not.toBe(password);

      const listed = await call('GET', '/api/devices?type=pv-inverter&site=roof-1', { key: api.adminKey });
      expect(listed.body!.map((d) => d.id)).toContain(device.id);
      expect(JSON.stringify(listed.body)).not.toMatch(/scrypt|secret|password/i);

      expect((await call('POST', `/api/devices/${device.id}/disable`, { key: api.adminKey })).body?.state).toBe('disabled');
      expect((await call('POST', `/api/devices/${device.id}/enable`, { key: api.adminKey })).body?.state).toBe('active');
      expect((await call('DELETE', `/api/devices/${device.id}`, { key: api.adminKey })).status).toBe(204);
      expect((await call('GET', `/api/devices/${device.id}`, { key: api.adminKey })).status).toBe(404);
    });
  });
});

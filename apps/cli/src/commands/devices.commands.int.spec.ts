import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Command } from 'commander';
import { memoryIo } from '@gridproof/api-client';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import { ApiKeys, RegistryModule, type Device } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { freePort } from '@gridproof/testing';
import { generateDeviceKeyPair, publicKeyFromBase64, privateKeyFromBase64 } from '@gridproof/telemetry';
import { createPublicKey } from 'node:crypto';
import { registerDeviceCommands } from './devices.commands';
import { registerKeyCommands } from './keys.commands';

interface RegistryTestApp {
  url: string;
  adminKey: string;
  keyFor(role: 'operator' | 'crew' | 'auditor'): Promise<string>;
  close(): Promise<void>;
}

/** RegistryModule in a real Nest HTTP server on a free loopback port, with a first admin key. */
async function startRegistryApp(store: SqlStore): Promise<RegistryTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-reg-'));
  const config = loadConfig({ GP_DATA_DIR: dataDir });
  const moduleRef = await Test.createTestingModule({ imports: [CoreModule.forRoot({ config, store }), RegistryModule] }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const keys = app.get(ApiKeys);
  const first = await keys.ensureFirstAdminKey();
  if (!first) throw new Error('expected a fresh store without API keys');
  return {
    url: `http://127.0.0.1:${address.port}`,
    adminKey: first.key,
    keyFor: async (role) => (await keys.create({ name: `${role}-test`, role })).key,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the gridproof CLI in-process against the test API, capturing what it prints. */
async function gridproof(api: RegistryTestApp, key: string, ...args: string[]): Promise<string> {
  const lines: string[] = [];
  const program = new Command('gridproof').exitOverride().configureOutput({ writeErr: (s) => lines.push(s), writeOut: (s) => lines.push(s) });
  const io = { ...memoryIo(), out: (s: string) => void lines.push(s) };
  registerDeviceCommands(program, io);
  registerKeyCommands(program, io);
  await program.parseAsync(['node', 'gridproof', ...args, '--api', api.url, '--api-key', key]);
  return lines.join('\n');
}

describe(registerDeviceCommands.name, () => {
  let store: SqlStore;
  let api: RegistryTestApp;
  let dir: string;

  beforeAll(async () => {
    store = await SqlStore.open({ kind: 'pglite', dir: null });
    api = await startRegistryApp(store);
    dir = mkdtempSync(join(tmpdir(), 'gp-cli-'));
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a device with a generated key, then lists it', async () => {
    const keyOut = join(dir, 'inv-1.key');
    const added = await gridproof(api, api.adminKey, 'devices', 'add', '--id', 'inv-1', '--type', 'pv-inverter', '--site', 'farm-a', '--lat', '47.5', '--lon', '-8.25', '--generate-key', '--key-out', keyOut, '--json');
    const result = JSON.parse(added) as { device: { id: string; publicKey: string; site: { lat: number; lon: number } }; credentials: { username: string; password: string }; privateKey: string };
    expect(result.device).toMatchObject({ id: 'inv-1', site: { lat: 47.5, lon: -8.25 } });
    expect(result.credentials.username).toBe('inv-1');
    // The private key file is the one whose public half the registry holds, readable by its owner only.
    expect(statSync(keyOut).mode & 0o777).toBe(0o600);
    const privateKey = readFileSync(keyOut, 'utf8').trim();
    expect(privateKey).toBe(result.privateKey);
    const derived = createPublicKey(privateKeyFromBase64(privateKey)).export({ format: 'der', type: 'spki' });
    expect(derived.equals(publicKeyFromBase64(result.device.publicKey).export({ format: 'der', type: 'spki' }))).toBe(true);

    const listed = await gridproof(api, api.adminKey, 'devices', 'list', '--site', 'farm-a');
    expect(listed.split('\n')[0]).toMatch(/^ID\s+TYPE\s+SITE\s+STATE/);
    expect(listed).toMatch(/^inv-1\s+pv-inverter\s+farm-a\s+active/m);
    expect(listed).not.toContain(result.credentials.password);
  });

  it('moves a site to new coordinates and rotates a key with devices update', async () => {
    await gridproof(api, api.adminKey, 'devices', 'add', '--id', 'bat-u1', '--type', 'battery', '--site', 'depot-3', '--lat', '10', '--lon', '20', '--no-signature');
    const moved = await gridproof(api, api.adminKey, 'devices', 'update', 'bat-u1', '--site', 'depot-3', '--lat', '48.25', '--lon', '11.5', '--site-name', 'Depot 3');
    expect(moved).toBe('device bat-u1 updated: site depot-3 (48.25, 11.5), signature optional');

    const key = generateDeviceKeyPair().publicKey;
    const signed = JSON.parse(await gridproof(api, api.adminKey, 'devices', 'update', 'bat-u1', '--public-key', key, '--signature', 'required', '--json')) as Device;
    expect(signed).toMatchObject({ publicKey: key, requireSignature: true, site: { id: 'depot-3', name: 'Depot 3', lat: 48.25, lon: 11.5 } });
  });

  it('refuses an update with a partial site or nothing to change, before calling the API', async () => {
    await expect(gridproof(api, api.adminKey, 'devices', 'update', 'bat-u1', '--site', 'depot-4')).rejects.toThrow(/--site, --lat and --lon together/);
    await expect(gridproof(api, api.adminKey, 'devices', 'update', 'bat-u1')).rejects.toThrow(/nothing to change/);
  });

  it('disables, enables, rotates and deletes a device', async () => {
    await gridproof(api, api.adminKey, 'devices', 'add', '--id', 'aq-1', '--type', 'air-quality', '--site', 'street-9', '--lat', '1', '--lon', '2', '--no-signature');
    expect(await gridproof(api, api.adminKey, 'devices', 'disable', 'aq-1')).toBe('device aq-1 disabled');
    expect(JSON.parse(await gridproof(api, api.adminKey, 'devices', 'list', '--state', 'disabled', '--json')).map((d: { id: string }) => d.id)).toEqual(['aq-1']);
    expect(await gridproof(api, api.adminKey, 'devices', 'enable', 'aq-1')).toBe('device aq-1 active');
    expect(await gridproof(api, api.adminKey, 'devices', 'rotate-credentials', 'aq-1')).toMatch(/password\s+[A-Za-z0-9_-]{43}/);
    expect(JSON.parse(await gridproof(api, api.adminKey, 'devices', 'show', 'aq-1'))).toMatchObject({ id: 'aq-1', requireSignature: false });
    expect(await gridproof(api, api.adminKey, 'devices', 'delete', 'aq-1')).toBe('device aq-1 deleted');
  });

  it('reports the HTTP status and the server message when the API refuses', async () => {
    const add = ['devices', 'add', '--id', 'dup-1', '--type', 'weather', '--site', 's', '--lat', '0', '--lon', '0', '--no-signature'];
    await gridproof(api, api.adminKey, ...add);
    await expect(gridproof(api, api.adminKey, ...add)).rejects.toThrow('POST /api/devices failed: HTTP 409: device dup-1 already exists');
    const crewKey = await api.keyFor('crew');
    await expect(gridproof(api, crewKey, 'devices', 'disable', 'dup-1')).rejects.toThrow(/HTTP 403: role crew may not do this/);
    await expect(gridproof(api, 'gpk_bad', 'devices', 'list')).rejects.toThrow(/HTTP 401: unknown or revoked API key/);
  });

  it('says clearly when the API cannot be reached', async () => {
    const port = await freePort();
    const unreachable = { ...api, url: `http://127.0.0.1:${port}` };
    await expect(gridproof(unreachable, api.adminKey, 'devices', 'list')).rejects.toThrow(`cannot reach the GridProof API at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('creates, lists and revokes API keys', async () => {
    const created = JSON.parse(await gridproof(api, api.adminKey, 'keys', 'create', '--name', 'field crew', '--role', 'crew', '--json')) as { key: string; apiKey: { id: string } };
    expect(await gridproof(api, created.key, 'devices', 'list', '--json')).toMatch(/^\[/);
    expect(await gridproof(api, api.adminKey, 'keys', 'list')).toMatch(new RegExp(`^${created.apiKey.id}\\s+field crew\\s+crew`, 'm'));
    expect(await gridproof(api, api.adminKey, 'keys', 'revoke', created.apiKey.id)).toMatch(/revoked at/);
    await expect(gridproof(api, created.key, 'devices', 'list')).rejects.toThrow(/HTTP 401/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { MqttClient } from 'mqtt';
import { loadConfig } from '@gridproof/config';
import { ApiKeys, Role } from '@gridproof/registry';
import { freePort, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { DeviceType, generateDeviceKeyPair, privateKeyFromBase64, signMessage, topics } from '@gridproof/telemetry';
import { RunningGridProof, startGridProof } from '../../src/bootstrap';

/**
 * The whole app as `npm start` runs it (registry, broker, ingest, anchoring on the embedded
 * chain, API), on free ports, its own InfluxDB database and data folder; the demo fleet off.
 */
export interface E2eApp {
  running: RunningGridProof;
  adminKey: string;
  dataDir: string;
  influxUrl: string;
  database: string;
  /** A JSON call to the API with the admin key unless `key` says otherwise (null: no key). */
  api<T = Record<string, unknown>>(path: string, init?: RequestInit, key?: string | null): Promise<{ status: number; body: T }>;
  createKey(role: Role): Promise<string>;
  /** Provisions over REST (at site-e2e unless `site` says otherwise) and connects it over MQTT. */
  provision(id: string, type: DeviceType, site?: string): Promise<E2eDevice>;
  close(): Promise<void>;
}

export interface E2eDevice {
  id: string;
  privateKey: string;
  client: MqttClient;
  /** Signs and publishes at QoS 1; resolves on PUBACK (the reading is durable). */
  publish(seq: number, ts: number, readings: Record<string, number | string>): Promise<void>;
}

export async function startE2eApp(env: Record<string, string> = {}, options: { consoleDir?: string } = {}): Promise<E2eApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-e2e-'));
  const database = uniqueName('e2e');
  const config = loadConfig({
    GP_DATA_DIR: dataDir,
    GP_API_PORT: String(await freePort()),
    GP_MQTT_PORT: String(await freePort()),
    GP_MQTT_WS_PORT: String(await freePort()),
    GP_CHAIN_EMBEDDED_PORT: String(await freePort()),
    INFLUX_URL: sharedInfluxUrl(),
    INFLUX_DATABASE: database,
    GP_SIM_ENABLED: 'false',
    GP_ANCHOR_INTERVAL_MS: '1000',
    GP_ANCHOR_SETTLE_MS: '300',
    ...env,
  });
  const running = await startGridProof({ config, logger: false, consoleDir: options.consoleDir });
  const adminKey = (await running.app.get(ApiKeys).ensureFirstAdminKey())!.key;
  const clients: MqttClient[] = [];

  const api: E2eApp['api'] = async (path, init = {}, key = adminKey) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...((init.headers as Record<string, string>) ?? {}) };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${running.apiUrl}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
  };

  return {
    running,
    adminKey,
    dataDir,
    influxUrl: sharedInfluxUrl(),
    database,
    api,
    async createKey(role) {
      const res = await api<{ key: string }>('/api/keys', { method: 'POST', body: JSON.stringify({ name: `e2e ${role}`, role }) });
      if (res.status !== 201) throw new Error(`creating a ${role} key: HTTP ${res.status}`);
      return res.body.key;
    },
    async provision(id, type, site = 'site-e2e') {
      const keys = generateDeviceKeyPair();
      const created = await api<{ credentials: { username: string; password: string; clientId: string } }>('/api/devices', {
        method: 'POST',
        body: JSON.stringify({ id, type, site: { id: site, lat: 52.1, lon: 5.1 }, publicKey: keys.publicKey }),
      });
      if (created.status !== 201) throw new Error(`provisioning ${id}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
      const { credentials } = created.body;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.config.mqtt.port}`, {
        clientId: credentials.clientId,
        username: credentials.username,
        password: credentials.password,
        reconnectPeriod: 0,
      });
      clients.push(client);
      const privateKey = privateKeyFromBase64(keys.privateKey);
      return {
        id,
        privateKey: keys.privateKey,
        client,
        async publish(seq, ts, readings) {
          const message = signMessage({ v: 1 as const, device: id, ts, seq, readings }, privateKey);
          await client.publishAsync(topics.telemetry(id), JSON.stringify(message), { qos: 1 });
        },
      };
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
      await running.close();
      await fetch(`${sharedInfluxUrl()}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' }).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * End to end, as a user runs it: the whole app (registry, broker, ingest, detect, alerts,
 * anchoring on the embedded chain) on free ports; a device provisioned over REST publishes
 * signed telemetry over MQTT; the reading is served back by the API, a fault is detected and
 * becomes an alert for the crew.
 */
import mqtt from 'mqtt';
import { DetectionService } from '@gridproof/detect';
import { AnomalyEvent, PipelineEvents } from '@gridproof/events';
import { generateDeviceKeyPair, privateKeyFromBase64, signMessage, topics } from '@gridproof/telemetry';
import { E2eApp, startE2eApp, waitFor } from '../test/e2e/e2e-app';

jest.setTimeout(120_000);

describe('GridProof pipeline', () => {
  let app: E2eApp;
  const running = () => app.running;

  beforeAll(async () => {
    // The default settle time (2 s), anchoring windows of 2 s.
    app = await startE2eApp({ GP_ANCHOR_INTERVAL_MS: '2000', GP_ANCHOR_SETTLE_MS: '2000' });
  });

  afterAll(async () => {
    await app?.close();
  });

  const api = (path: string, init: RequestInit = {}) => app.api(path, init);

  it('detects a fault in a device published over MQTT and raises one alert for it', async () => {
    const keys = generateDeviceKeyPair();
    const created = await api('/api/devices', {
      method: 'POST',
      body: JSON.stringify({ id: 'inv-e2e-1', type: 'pv-inverter', site: { id: 'site-e2e', lat: 52.1, lon: 5.1 }, publicKey: keys.publicKey }),
    });
    expect(created.status).toBe(201);
    const credentials = created.body.credentials as { username: string; password: string; clientId: string };

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${running().config.mqtt.port}`, {
      clientId: credentials.clientId,
      username: credentials.username,
      password: credentials.password,
      reconnectPeriod: 0,
    });
    const anomalies: AnomalyEvent[] = [];
    const unsubscribe = running().app.get(PipelineEvents).on('anomaly', (e) => anomalies.push(e));
    const privateKey = privateKeyFromBase64(keys.privateKey);
    // Six hours of one-minute readings with a little noise, then the heat-sink jumps 45 °C:
    // a cooling fan that stopped. Device time ends now, inside the backfill window.
    const n = 360;
    const start = Date.now() - n * 60_000;
    for (let seq = 0; seq < n; seq++) {
      const wobble = Math.sin(seq / 7) * 0.4 + ((seq * 7919) % 13) / 26;
      const failed = seq >= n - 20;
      const message = signMessage(
        {
          v: 1 as const,
          device: 'inv-e2e-1',
          ts: start + seq * 60_000,
          seq,
          readings: { ac_power_w: 4200 + wobble * 50, heatsink_temp_c: 45 + wobble + (failed ? 45 : 0), ambient_temp_c: 20 + wobble / 2 },
        },
        privateKey,
      );
      await client.publishAsync(topics.telemetry('inv-e2e-1'), JSON.stringify(message), { qos: 1 });
    }
    await client.endAsync();

    const telemetry = await api(`/api/devices/inv-e2e-1/telemetry?from=${new Date(start - 1000).toISOString()}&to=${new Date().toISOString()}`);
    expect(telemetry.status).toBe(200);
    expect(JSON.stringify(telemetry.body)).toContain('heatsink_temp_c');

    await running().app.get(DetectionService).idle();
    unsubscribe();
    // Detected within a bounded device time: at the latest 5 readings into the fault, and not before it.
    const faultStart = start + (n - 20) * 60_000;
    const first = anomalies.filter((e) => e.device.id === 'inv-e2e-1').map((e) => e.ts).sort((a, b) => a - b)[0];
    expect(first).toBeGreaterThanOrEqual(faultStart);
    expect(first).toBeLessThanOrEqual(faultStart + 5 * 60_000);
    const alerts = await waitFor(
      'an alert for the device',
      async () => {
        const res = await api('/api/alerts?device=inv-e2e-1');
        const list = (Array.isArray(res.body) ? res.body : (res.body.alerts ?? res.body.items ?? [])) as Array<Record<string, unknown>>;
        return list.length ? list : null;
      },
      60_000,
    );
    // One alert per problem, not one per reading.
    const fingerprints = new Set(alerts.map((a) => a.fingerprint));
    expect(fingerprints.size).toBe(alerts.length);
    expect(alerts.length).toBeLessThan(5);
  });
});

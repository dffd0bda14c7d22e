/**
 * HTTPS ingest (issue 19), driven as a device without MQTT would: `fetch` POSTs the signed
 * message with its MQTT credentials. The reading is stored, scored and anchored like an MQTT
 * one; a retry is stored once; each bad input gets its own reason and status.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectionService } from '@gridproof/detect';
import { LoginFailure, PipelineEvents } from '@gridproof/events';
import { generateDeviceKeyPair, privateKeyFromBase64, signMessage } from '@gridproof/telemetry';
import { E2eApp, startE2eApp, waitFor } from '../test/e2e/e2e-app';

jest.setTimeout(120_000);

describe('HTTPS ingest: POST /api/devices/{id}/telemetry', () => {
  let app: E2eApp;
  const keys = generateDeviceKeyPair();
  let password = '';

  beforeAll(async () => {
    app = await startE2eApp({ GP_ANCHOR_INTERVAL_MS: '1000', GP_ANCHOR_SETTLE_MS: '300' });
    const created = await app.api<{ credentials: { password: string } }>('/api/devices', {
      method: 'POST',
      body: JSON.stringify({ id: 'https-inv-1', type: 'pv-inverter', site: { id: 'site-https', lat: 52.1, lon: 5.1 }, publicKey: keys.publicKey }),
    });
    expect(created.status).toBe(201);
    password = created.body.credentials.password;
  });

  afterAll(async () => {
    await app?.close();
  });

  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const post = async (device: string, body: string, authorization = basic('https-inv-1', password)) => {
    const res = await fetch(`${app.running.apiUrl}/api/devices/${device}/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const t0 = Date.now() - 120_000;
  const signed = (seq: number, readings: Record<string, number>) => signMessage({ v: 1 as const, device: 'https-inv-1', ts: t0 + seq * 10_000, seq, readings }, privateKeyFromBase64(keys.privateKey));
  const metric = async (name: string, label: string) => {
    const text = await (await fetch(`${app.running.apiUrl}/api/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('stores a signed reading once it is durable, scores and anchors it, and stores a retry once', async () => {
    const message = JSON.stringify(signed(0, { ac_power_w: 4200, heatsink_temp_c: 45, ambient_temp_c: 20 }));
    const first = await post('https-inv-1', message);
    expect(first).toMatchObject({ status: 201, body: { accepted: true, device: 'https-inv-1', seq: 0 } });
    const stored = await app.api<{ points: Array<{ seq: number; sig: string | null }> }>(`/api/devices/https-inv-1/telemetry?from=${t0 - 1000}`);
    expect(stored.body.points.map((p) => p.seq)).toEqual([0]);
    expect(stored.body.points[0].sig).toEqual(expect.any(String));

    const retry = await post('https-inv-1', message);
    expect(retry).toMatchObject({ status: 200, body: { accepted: true, duplicate: true, seq: 0 } });
    expect((await app.api<{ points: unknown[] }>(`/api/devices/https-inv-1/telemetry?from=${t0 - 1000}`)).body.points).toHaveLength(1);

    await app.running.app.get(DetectionService).idle();
    expect(await metric('gridproof_detect_scored_total', 'detector="generic"')).toBeGreaterThan(0);
    const proof = await waitFor('the reading anchored', async () => {
      const res = await app.api<{ record: { seq: number; sig: string } }>('/api/proofs?device=https-inv-1&seq=0');
      return res.status === 200 && res.body;
    });
    expect(proof.record).toMatchObject({ seq: 0, sig: expect.any(String) });
    expect(await metric('gridproof_http_ingest_requests_total', 'outcome="accepted"')).toBe(1);
  });

  it('gives each bad payload the reason MQTT would give, from the bytes sent', async () => {
    const good = signed(1, { ac_power_w: 4300, heatsink_temp_c: 45, ambient_temp_c: 20 });
    const tampered = JSON.stringify({ ...good, readings: { ...good.readings, ac_power_w: 9999 } });
    expect(await post('https-inv-1', tampered)).toMatchObject({ status: 422, body: { accepted: false, reason: 'bad_signature', seq: 1 } });
    expect(await post('https-inv-1', '{"v":1,"device":')).toMatchObject({ status: 422, body: { reason: 'not_json' } });
    expect(await post('https-inv-1', '{"v":1,"v":1}')).toMatchObject({ status: 422, body: { reason: 'duplicate_key' } });
    expect(await post('https-inv-1', JSON.stringify({ ...good, readings: { bogus_metric: 1 } }))).toMatchObject({ status: 422, body: { reason: 'unknown_metric' } });
    expect(await post('https-inv-1', JSON.stringify({ v: 1, device: 'https-inv-1', ts: Date.now(), seq: 2, readings: { ac_power_w: 'x'.repeat(300_000) } }))).toMatchObject({ status: 413, body: { reason: 'too_large' } });
    // The good one still goes in after all that.
    expect(await post('https-inv-1', JSON.stringify(good))).toMatchObject({ status: 201, body: { accepted: true, seq: 1 } });
  });

  it('refuses missing, wrong and foreign credentials, and reports the failed logins', async () => {
    const failures: LoginFailure[] = [];
    const off = app.running.app.get(PipelineEvents).on('loginFailure', (f) => failures.push(f));
    const message = JSON.stringify(signed(5, { ac_power_w: 1, heatsink_temp_c: 40, ambient_temp_c: 20 }));
    const none = await post('https-inv-1', message, '');
    expect(none).toMatchObject({ status: 401, body: { accepted: false, reason: 'bad_credentials' } });
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="gridproof-device"/);
    expect(await post('https-inv-1', message, basic('https-inv-1', 'wrong'))).toMatchObject({ status: 401, body: { reason: 'bad_credentials' } });
    expect(await post('other-device', message)).toMatchObject({ status: 403, body: { reason: 'client_id_mismatch' } });
    off();
    expect(failures.map((f) => f.reason)).toEqual(['bad_credentials', 'bad_credentials', 'client_id_mismatch']);
    expect(await metric('gridproof_http_ingest_requests_total', 'outcome="unauthorized"')).toBe(3);
    // Nothing of it was stored.
    expect((await app.api<{ points: Array<{ seq: number }> }>(`/api/devices/https-inv-1/telemetry?from=${t0 - 1000}`)).body.points.map((p) => p.seq)).toEqual([0, 1]);
  });
});

describe('HTTPS ingest over TLS (GP_API_TLS_CERT, GP_API_TLS_KEY)', () => {
  let app: E2eApp;
  let ca: Buffer;
  const dir = mkdtempSync(join(tmpdir(), 'gp-api-tls-'));

  beforeAll(async () => {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    ca = readFileSync(certPath);
    app = await startE2eApp({ GP_API_TLS_CERT: certPath, GP_API_TLS_KEY: keyPath });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A POST over TLS that trusts only the test's certificate. */
  function postTls(path: string, body: string, authorization: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${app.running.apiUrl}${path}`, { method: 'POST', ca, headers: { 'content-type': 'application/json', authorization } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves the API on https and stores a reading posted over TLS', async () => {
    expect(app.running.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const keys = generateDeviceKeyPair();
    const created = await postTls('/api/devices', JSON.stringify({ id: 'tls-inv-1', type: 'pv-inverter', site: { id: 'site-tls', lat: 52.1, lon: 5.1 }, publicKey: keys.publicKey }), `Bearer ${app.adminKey}`);
    expect(created.status).toBe(201);
    const { password } = created.body.credentials as { password: string };
    const message = signMessage({ v: 1 as const, device: 'tls-inv-1', ts: Date.now() - 1000, seq: 0, readings: { ac_power_w: 4200 } }, privateKeyFromBase64(keys.privateKey));
    const posted = await postTls('/api/devices/tls-inv-1/telemetry', JSON.stringify(message), `Basic ${Buffer.from(`tls-inv-1:${password}`).toString('base64')}`);
    expect(posted).toMatchObject({ status: 201, body: { accepted: true, device: 'tls-inv-1', seq: 0 } });
  });

  it("tells browsers to keep to https for the console (HSTS, RFC 6797), not for the API's JSON", async () => {
    const headersOf = (path: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = httpsRequest(`${app.running.apiUrl}${path}`, { ca }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await headersOf('/'))['strict-transport-security']).toBe('max-age=15552000');
    expect((await headersOf('/api/health'))['strict-transport-security']).toBeUndefined();
  });
});

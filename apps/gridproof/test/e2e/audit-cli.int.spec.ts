/**
 * End to end, as an auditor meets it: the real app anchors readings published over MQTT; the
 * `gridproof audit|proof|verify` commands (the CLI's own command functions, its real HTTP
 * client) talk to it over HTTP; the anchor and audit routes enforce API-key roles.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { sql } from 'drizzle-orm';
import { memoryIo } from '@gridproof/api-client';
import type { ProofBundle } from '@gridproof/audit';
import { DeviceRegistry } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { registerAuditCommands } from '../../../cli/src/commands/audit.commands';
import { E2eApp, E2eDevice, startE2eApp, waitFor } from './e2e-app';

jest.setTimeout(60_000);

describe('gridproof audit, proof and verify against the running app', () => {
  let app: E2eApp;
  let meter: E2eDevice;
  let auditorKey: string;
  let t0: number;
  let published: number;
  let rpcUrl: string;
  let dir: string;

  /** Runs one CLI command in-process; returns its output and exit code. */
  async function cli(...args: string[]): Promise<{ out: string; code: number }> {
    const lines: string[] = [];
    const program = registerAuditCommands(new Command('gridproof').exitOverride(), { ...memoryIo(), out: (t) => void lines.push(t), err: (t) => void lines.push(t) });
    const saved = process.exitCode;
    process.exitCode = undefined;
    try {
      await program.parseAsync(args, { from: 'user' });
      return { out: lines.join('\n'), code: Number(process.exitCode ?? 0) };
    } finally {
      process.exitCode = saved;
    }
  }
  const api = () => ['--api', app.running.apiUrl, '--api-key', auditorKey];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gp-cli-'));
    app = await startE2eApp();
    auditorKey = await app.createKey('auditor');
    meter = await app.provision('meter-cli', 'smart-meter');
    t0 = Date.now();
    for (let seq = 1; seq <= 5; seq++) await meter.publish(seq, t0 - 5_000 + seq * 100, { power_w: 1200 + seq, voltage_v: 230 + seq / 10 });
    published = Date.now();
    await waitFor('the readings to be anchored', async () => {
      const s = (await app.api<{ sealedUpTo: number; backlog: number; lastAnchored: { end: number } | null }>('/api/anchors/status')).body;
      return s.sealedUpTo > published && s.backlog === 0 && (s.lastAnchored?.end ?? 0) >= s.sealedUpTo;
    });
    rpcUrl = (await app.api<{ chain: { rpcUrl: string } }>('/api/anchors/status')).body.chain.rpcUrl;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audit reports every batch of the period verified, with exit code 0', async () => {
    const { out, code } = await cli('audit', '--from', String(t0), '--to', String(published + 1), ...api());
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+ verified, 0 not verified, 5 records in \d+ ms$/m);
    // The device's registration is a leaf of the log too, and matches the SQL key history.
    expect(out).toMatch(/^key history: [1-9]\d* key events compared with the log: verified$/m);
    expect(out).not.toMatch(/NOT VERIFIED/);
  });

  it('proof exports a bundle that verify checks against the chain RPC alone', async () => {
    const file = join(dir, 'proof.json');
    const exported = await cli('proof', '--device', 'meter-cli', '--seq', '3', '--out', file, ...api());
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/proof of meter-cli seq 3 \(batch \d+, tx 0x[0-9a-f]{64}\) written to/);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as ProofBundle;
    expect(bundle.record).toMatchObject({ device: 'meter-cli', seq: 3 });
    expect(bundle.keyEvent!.record).toMatchObject({ kind: 'key-event', device: 'meter-cli', event: 'registered', publicKey: bundle.device.publicKey });

    const verified = await cli('verify', file, '--rpc', rpcUrl);
    expect(verified.out).toMatch(/^ok {3}keyEvent: key made valid by key event \d+ \(registered/m);
    expect(verified.out).toMatch(/^VERIFIED$/m);
    expect(verified.code).toBe(0);
  });

  it('verify fails on a bundle whose reading was tampered with', async () => {
    const file = join(dir, 'proof-4.json');
    expect((await cli('proof', '--device', 'meter-cli', '--seq', '4', '--out', file, ...api())).code).toBe(0);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as ProofBundle;
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...bundle, record: { ...bundle.record, readings: { ...bundle.record.readings, power_w: 9999 } } }));
    const result = await cli('verify', tampered, '--rpc', rpcUrl);
    expect(result.out).toMatch(/^NOT VERIFIED$/m);
    expect(result.out).toMatch(/^FAIL /m);
    expect(result.code).toBe(1);
  });

  it('audit names a reading altered in InfluxDB and exits with code 1', async () => {
    const res = await fetch(`${app.influxUrl}/write?db=${app.database}&precision=ms`, {
      method: 'POST',
      // seq 2's point (same series and time), with another power value: an edit in place.
      body: `energy,device=meter-cli,site=site-e2e,type=smart-meter power_w=1.5 ${t0 - 5_000 + 200}`,
    });
    expect(res.status).toBe(204);
    const { out, code } = await cli('audit', '--from', String(t0), '--to', String(published + 1), ...api());
    expect(out).toMatch(/NOT VERIFIED/);
    expect(out).toMatch(/altered: meter-cli seq 2 /);
    expect(code).toBe(1);
  });

  it('audit names a key event swapped in the SQL store, and verify fails the bundle made from it', async () => {
    const [registration] = await app.running.app.get(DeviceRegistry).keyHistory('meter-cli');
    const store = app.running.app.get(SqlStore);
    await store.db.execute(sql`update device_key_events set public_key = ${generateDeviceKeyPair().publicKey} where id = ${registration.id}`);
    try {
      const { out, code } = await cli('audit', '--from', String(t0), '--to', String(published + 1), ...api());
      expect(out).toContain(`KEY EVENT ALTERED in SQL: key event ${registration.id} of meter-cli (registered)`);
      expect(out).toMatch(/^key history: \d+ key events compared with the log: NOT VERIFIED$/m);
      expect(code).toBe(1);

      const file = join(dir, 'proof-swapped-key.json');
      expect((await cli('proof', '--device', 'meter-cli', '--seq', '5', '--out', file, ...api())).code).toBe(0);
      const result = await cli('verify', file, '--rpc', rpcUrl);
      expect(result.out).toMatch(/^FAIL keyEvent: the device key does not come from an anchored key event/m);
      expect(result.out).toMatch(/^NOT VERIFIED$/m);
      expect(result.code).toBe(1);
    } finally {
      await store.db.execute(sql`update device_key_events set public_key = ${registration.publicKey} where id = ${registration.id}`);
    }
  });
});

describe('anchor and audit routes with API keys', () => {
  let app: E2eApp;
  let keys: Record<'operator' | 'auditor' | 'crew', string>;
  const now = Date.now();
  const routes = ['/api/anchors', `/api/audit?from=${now - 60_000}&to=${now}`, '/api/proofs?device=nobody&seq=1'];

  beforeAll(async () => {
    app = await startE2eApp();
    keys = { operator: await app.createKey('operator'), auditor: await app.createKey('auditor'), crew: await app.createKey('crew') };
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(routes)('%s refuses a request without a key or with an unknown key (401)', async (path) => {
    expect((await app.api(path, {}, null)).status).toBe(401);
    expect((await app.api(path, {}, `${keys.auditor.slice(0, -4)}AAAA`)).status).toBe(401);
  });

  it.each(routes)('%s refuses the crew role (403)', async (path) => {
    expect((await app.api(path, {}, keys.crew)).status).toBe(403);
  });

  it.each(routes)('%s answers the auditor and operator roles', async (path) => {
    for (const key of [keys.auditor, keys.operator]) {
      const { status } = await app.api(path, {}, key);
      // No reading "nobody#1" exists: the proof route answers 404, past the role check.
      expect(status).toBe(path.startsWith('/api/proofs') ? 404 : 200);
    }
  });

  it('lets every role read the anchoring status, and keeps the auditor read-only', async () => {
    for (const key of Object.values(keys)) expect((await app.api('/api/anchors/status', {}, key)).status).toBe(200);
    const post = await app.api('/api/devices', { method: 'POST', body: JSON.stringify({ id: 'x', type: 'weather', site: { id: 's', lat: 0, lon: 0 }, publicKey: 'AAAA' }) }, keys.auditor);
    expect(post.status).toBe(403);
  });
});

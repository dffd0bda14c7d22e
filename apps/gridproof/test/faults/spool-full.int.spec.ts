import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanups, startTestInfluxd, TestInfluxd, uniqueName } from '@gridproof/testing';
import { compileApp, figures, GridProofProcess, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { fleetDevices, ResendingPublisher } from '../../../../libs/testing/src/faults/qos1-fleet';
import { compareExactlyOnce, storedSeqs } from '../../../../libs/testing/src/faults/stored-readings';

const DEVICES = 6;
const WINDOW = 8;
const SPOOL_MAX_BYTES = 16_384;

/**
 * Issue 8, the broker-level half of "disk spool full" (libs/ingest proves the pipeline half):
 * with InfluxDB down and a small spool, the real GridProof process stops acknowledging, so
 * every device's QoS 1 window fills and it cannot send more; /api/health and /api/metrics say
 * so. When InfluxDB returns, every message that was held back is acknowledged and stored.
 */
describe('spool full under QoS 1 load', () => {
  const cleanups = new Cleanups();
  let influx: TestInfluxd;
  let app: GridProofProcess;
  const database = uniqueName('fault_spool');

  beforeAll(async () => {
    const build = compileApp();
    cleanups.add(() => build.remove());
    influx = await startTestInfluxd();
    cleanups.add(() => influx.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'gp-fault-spool-'));
    cleanups.add(() => rmSync(dataDir, { recursive: true, force: true }));
    app = await GridProofProcess.create({
      entry: build.entry,
      dataDir,
      influxUrl: influx.url,
      influxDatabase: database,
      env: { GP_SPOOL_MAX_BYTES: String(SPOOL_MAX_BYTES), GP_INGEST_BATCH_SIZE: '16' },
    });
    cleanups.add(() => app.stop());
    await app.start();
  });
  afterAll(() => cleanups.run());

  it('pushes publishers back (no PUBACK) while the spool is full, says so, and drops nothing', async () => {
    const fleet = fleetDevices('spoolfull', DEVICES);
    const passwords = await app.provision(fleet.requests);
    for (const d of fleet.devices) d.password = passwords.get(d.id)!;
    const publishers = fleet.devices.map((d) => new ResendingPublisher(d, () => app.mqttUrl, WINDOW));
    cleanups.add(() => Promise.all(publishers.map((p) => p.close())));
    publishers.forEach((p) => p.start());
    const acked = () => publishers.reduce((n, p) => n + p.acked.size, 0);

    await until('load to flow', () => acked() >= 500);
    await influx.server.stop('SIGKILL');
    await until('the spool to fill', async () => metricSum(await app.metrics(), 'gridproof_spool_full') === 1);
    // Pushed back: every device has its whole window outstanding and sends nothing new.
    await until('every window to be held', () => publishers.every((p) => p.unacked.size === WINDOW));
    const health = await app.health();
    const metrics = await app.metrics();
    const heldBack = publishers.reduce((n, p) => n + p.unacked.size, 0);
    const sentWhileFull = publishers.reduce((n, p) => n + p.sent, 0);

    expect(health.status).toBe('degraded');
    expect(JSON.stringify(health)).toMatch(/spool full, publishers pushed back/);
    expect(metricSum(metrics, 'gridproof_spool_bytes')).toBeGreaterThan(0);
    expect(metricSum(metrics, 'gridproof_influx_up')).toBe(0);
    // Still pushed back: the windows are the same messages, nothing was sent beyond them.
    expect(publishers.reduce((n, p) => n + p.sent, 0)).toBe(sentWhileFull);
    expect(publishers.every((p) => p.reconnects === 0)).toBe(true);

    await influx.server.start();
    await Promise.all(publishers.map((p) => p.drain()));
    await until('the spool to be replayed', async () => metricSum(await app.metrics(), 'gridproof_spool_records') === 0 && (await app.health()).status === 'up', 60_000);

    const report = compareExactlyOnce(
      await storedSeqs(influx.url, database),
      publishers.map((p) => ({ id: p.device.id, acked: p.acked, sent: p.sent })),
    );
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.stored).toBe(publishers.reduce((n, p) => n + p.sent, 0));
    expect(metricSum(await app.metrics(), 'gridproof_spool_full')).toBe(0);
    figures('spool-full', { devices: DEVICES, window: WINDOW, spoolMaxBytes: SPOOL_MAX_BYTES, heldBack, stored: report.stored });
  });
});

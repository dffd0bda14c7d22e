import { Cleanups } from '@gridproof/testing';
import { figures, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { exactlyOnceReport, FaultRig, startFaultRig, startQos1Load } from '../../../../libs/testing/src/faults/fault-rig';

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
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await startFaultRig(
      { name: 'spool', ownInflux: true, env: { GP_SPOOL_MAX_BYTES: String(SPOOL_MAX_BYTES), GP_INGEST_BATCH_SIZE: '16' } },
      cleanups,
    );
  });
  afterAll(() => cleanups.run());

  it('pushes publishers back (no PUBACK) while the spool is full, says so, and drops nothing', async () => {
    const app = rig.app;
    const influx = rig.influx!;
    const load = await startQos1Load(rig, 'spoolfull', DEVICES, WINDOW, cleanups);
    const { publishers, acked } = load;

    await until('load to flow', () => acked() >= 500);
    await influx.server.stop('SIGKILL');
    await until('the spool to fill', async () => metricSum(await app.metrics(), 'gridproof_spool_full') === 1);
    // Pushed back: every device has its whole window outstanding and sends nothing new.
    await until('every window to be held', () => publishers.every((p) => p.unacked.size === WINDOW));
    const health = await app.health();
    const metrics = await app.metrics();
    const heldBack = load.unacked();
    const sentWhileFull = load.sent();

    expect(health.status).toBe('degraded');
    expect(JSON.stringify(health)).toMatch(/spool full, publishers pushed back/);
    expect(metricSum(metrics, 'gridproof_spool_bytes')).toBeGreaterThan(0);
    expect(metricSum(metrics, 'gridproof_influx_up')).toBe(0);
    // Still pushed back: the windows are the same messages, nothing was sent beyond them.
    expect(load.sent()).toBe(sentWhileFull);
    expect(publishers.every((p) => p.reconnects === 0)).toBe(true);

    await influx.server.start();
    await Promise.all(publishers.map((p) => p.drain()));
    await until('the spool to be replayed', async () => metricSum(await app.metrics(), 'gridproof_spool_records') === 0 && (await app.health()).status === 'up', 60_000);

    const report = await exactlyOnceReport(rig, load);
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.stored).toBe(load.sent());
    expect(metricSum(await app.metrics(), 'gridproof_spool_full')).toBe(0);
    figures('spool-full', { devices: DEVICES, window: WINDOW, spoolMaxBytes: SPOOL_MAX_BYTES, heldBack, stored: report.stored });
  });
});

import { Cleanups } from '@gridproof/testing';
import { figures, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { exactlyOnceReport, FaultRig, startFaultRig, startQos1Load } from '../../../../libs/testing/src/faults/fault-rig';

const DEVICES = 12;
const WINDOW = 8;

/**
 * Issue 8: InfluxDB is killed with SIGKILL (no flush, no goodbye) while devices publish at
 * QoS 1 through the real GridProof process, and started again. Every acknowledged reading must
 * be stored exactly once: counted by device and seq in InfluxDB, and against the pipeline's
 * own accepted counter (a reading accepted twice would show up there).
 */
describe('InfluxDB killed with SIGKILL under QoS 1 load', () => {
  const cleanups = new Cleanups();
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await startFaultRig({ name: 'influxkill', ownInflux: true }, cleanups);
  });
  afterAll(() => cleanups.run());

  it('stores every acknowledged reading exactly once after InfluxDB comes back', async () => {
    const app = rig.app;
    const influx = rig.influx!;
    const load = await startQos1Load(rig, 'influxkill', DEVICES, WINDOW, cleanups);
    const { publishers, acked } = load;

    await until('load to flow before the kill', () => acked() >= 1_500);
    await influx.server.stop('SIGKILL');
    const ackedAtKill = acked();
    // Acknowledgements continue: readings go to the fsynced spool while InfluxDB is away.
    await until('readings to be acknowledged from the spool', () => acked() >= ackedAtKill + 1_500);
    const during = await app.health();
    const spooledDuringOutage = acked() - ackedAtKill;

    await influx.server.start();
    await until('more load after the restart', () => acked() >= ackedAtKill + spooledDuringOutage + 1_000, 60_000);
    await Promise.all(publishers.map((p) => p.drain()));
    await until('the spool to be replayed', async () => metricSum(await app.metrics(), 'gridproof_spool_records') === 0 && (await app.health()).status === 'up', 60_000);

    expect(JSON.stringify(during)).toContain('spooling');
    expect(publishers.every((p) => p.reconnects === 0)).toBe(true);
    const report = await exactlyOnceReport(rig, load);
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.stored).toBe(report.acked);
    // Accepted once each: the pipeline's counter equals the distinct readings stored.
    expect(metricSum(await app.metrics(), 'gridproof_ingest_accepted_total')).toBe(report.stored);
    figures('influx-kill', { devices: DEVICES, window: WINDOW, ackedAtKill, spooledDuringOutage, acked: report.acked, stored: report.stored });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanups, startTestInfluxd, TestInfluxd, uniqueName } from '@gridproof/testing';
import { compileApp, figures, GridProofProcess, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { fleetDevices, ResendingPublisher } from '../../../../libs/testing/src/faults/qos1-fleet';
import { compareExactlyOnce, storedSeqs } from '../../../../libs/testing/src/faults/stored-readings';

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
  let influx: TestInfluxd;
  let app: GridProofProcess;
  const database = uniqueName('fault_influx');

  beforeAll(async () => {
    const build = compileApp();
    cleanups.add(() => build.remove());
    influx = await startTestInfluxd();
    cleanups.add(() => influx.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'gp-fault-influx-'));
    cleanups.add(() => rmSync(dataDir, { recursive: true, force: true }));
    app = await GridProofProcess.create({ entry: build.entry, dataDir, influxUrl: influx.url, influxDatabase: database });
    cleanups.add(() => app.stop());
    await app.start();
  });
  afterAll(() => cleanups.run());

  it('stores every acknowledged reading exactly once after InfluxDB comes back', async () => {
    const fleet = fleetDevices('influxkill', DEVICES);
    const passwords = await app.provision(fleet.requests);
    for (const d of fleet.devices) d.password = passwords.get(d.id)!;
    const publishers = fleet.devices.map((d) => new ResendingPublisher(d, () => app.mqttUrl, WINDOW));
    cleanups.add(() => Promise.all(publishers.map((p) => p.close())));
    publishers.forEach((p) => p.start());
    const acked = () => publishers.reduce((n, p) => n + p.acked.size, 0);

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
    const report = compareExactlyOnce(
      await storedSeqs(influx.url, database),
      publishers.map((p) => ({ id: p.device.id, acked: p.acked, sent: p.sent })),
    );
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.stored).toBe(report.acked);
    // Accepted once each: the pipeline's counter equals the distinct readings stored.
    expect(metricSum(await app.metrics(), 'gridproof_ingest_accepted_total')).toBe(report.stored);
    figures('influx-kill', { devices: DEVICES, window: WINDOW, ackedAtKill, spooledDuringOutage, acked: report.acked, stored: report.stored });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanups, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { compileApp, figures, GridProofProcess, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { fleetDevices, ResendingPublisher } from '../../../../libs/testing/src/faults/qos1-fleet';
import { compareExactlyOnce, dropDatabase, storedSeqs } from '../../../../libs/testing/src/faults/stored-readings';

const DEVICES = 12;
const WINDOW = 8;

/**
 * Issue 8: the real GridProof process (compiled from the current sources, started like
 * `npm start`) is killed with SIGKILL while devices publish at QoS 1, then started again on
 * the same data folder. Devices resend what was not acknowledged (ResendingPublisher keeps
 * its own list). Every acknowledged reading must be in InfluxDB.
 */
describe('GridProof killed with SIGKILL under QoS 1 load', () => {
  const cleanups = new Cleanups();
  let app: GridProofProcess;
  const database = uniqueName('fault_kill');

  beforeAll(async () => {
    const build = compileApp();
    cleanups.add(() => build.remove());
    const dataDir = mkdtempSync(join(tmpdir(), 'gp-fault-kill-'));
    cleanups.add(() => rmSync(dataDir, { recursive: true, force: true }));
    cleanups.add(() => dropDatabase(sharedInfluxUrl(), database));
    app = await GridProofProcess.create({ entry: build.entry, dataDir, influxUrl: sharedInfluxUrl(), influxDatabase: database });
    cleanups.add(() => app.stop());
    await app.start();
  });
  afterAll(() => cleanups.run());

  it('loses no acknowledged reading, and reconnecting devices resend what was not acknowledged', async () => {
    const fleet = fleetDevices('kill', DEVICES);
    const passwords = await app.provision(fleet.requests);
    for (const d of fleet.devices) d.password = passwords.get(d.id)!;
    const publishers = fleet.devices.map((d) => new ResendingPublisher(d, () => app.mqttUrl, WINDOW));
    cleanups.add(() => Promise.all(publishers.map((p) => p.close())));
    publishers.forEach((p) => p.start());
    const acked = () => publishers.reduce((n, p) => n + p.acked.size, 0);

    await until('load to flow before the kill', () => acked() >= 1_500);
    await app.kill('SIGKILL');
    const ackedAtKill = acked();
    const unackedAtKill = publishers.reduce((n, p) => n + p.unacked.size, 0);

    await app.start();
    await until('load to flow after the restart', () => acked() >= ackedAtKill + 1_500, 60_000);
    await Promise.all(publishers.map((p) => p.drain()));

    expect(publishers.every((p) => p.reconnects >= 1)).toBe(true);
    // Messages in flight at the kill were resent on the new session.
    expect(publishers.reduce((n, p) => n + p.resent, 0)).toBeGreaterThanOrEqual(unackedAtKill);

    const report = compareExactlyOnce(
      await storedSeqs(sharedInfluxUrl(), database),
      publishers.map((p) => ({ id: p.device.id, acked: p.acked, sent: p.sent })),
    );
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.acked).toBe(publishers.reduce((n, p) => n + p.sent, 0));
    figures('process-kill', { devices: DEVICES, window: WINDOW, ackedAtKill, unackedAtKill, resent: publishers.reduce((n, p) => n + p.resent, 0), acked: report.acked, stored: report.stored });

    // The process serves normally after the restart: nothing failed on the sink side.
    const metrics = await app.metrics();
    expect(metricSum(metrics, 'gridproof_mqtt_sink_failures_total')).toBe(0);
    expect((await app.health()).status).toBe('up');
  });
});

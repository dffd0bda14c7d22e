import { Cleanups } from '@gridproof/testing';
import { metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { startFaultRig, startQos1Load } from '../../../../libs/testing/src/faults/fault-rig';

const DEMO_DEVICES = 12;

/**
 * Ctrl-C / `docker stop` on `npm start`: the process stops its demo fleet (devices say
 * goodbye), then the app, and exits 0. Stopping GridProof is not an outage of the field: no
 * device may be reported offline to the crews because the broker went away under it.
 */
describe('GridProof stopped with SIGTERM', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('exits 0 after a clean shutdown and raises no offline alert for the devices it disconnected', async () => {
    const rig = await startFaultRig({ name: 'sigterm', env: { GP_SIM_ENABLED: 'true' } }, cleanups);
    await until('the demo fleet to be online', async () => metricSum(await rig.app.metrics(), 'gridproof_devices_online') === DEMO_DEVICES, 60_000);
    // Field devices that stay connected while GridProof stops (the fleet only stops itself).
    const field = await startQos1Load(rig, 'sigterm', 3, 4, cleanups);
    await until('the field devices to publish', () => field.acked() >= 30);

    const ended = await rig.app.stop();
    expect(ended).toEqual({ code: 0, signal: null });

    // Started again without the fleet, the alert store shows what the shutdown left behind.
    await rig.app.start();
    const alerts = await rig.app.get<Array<{ labels: Record<string, string>; description: string }>>('/api/alerts');
    expect(alerts.filter((a) => a.labels.kind === 'offline' || a.labels.kind === 'site_offline').map((a) => a.description)).toEqual([]);
  });
});

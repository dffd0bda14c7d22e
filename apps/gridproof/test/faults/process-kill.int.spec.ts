import type { AnchorStatus, BatchRecord } from '@gridproof/anchor';
import type { BatchExport } from '@gridproof/audit';
import { Cleanups } from '@gridproof/testing';
import { figures, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { exactlyOnceReport, FaultRig, startFaultRig, startQos1Load } from '../../../../libs/testing/src/faults/fault-rig';

const DEVICES = 12;
const WINDOW = 8;

/**
 * Issue 8: the real GridProof process (compiled from the current sources, started like
 * `npm start`) is killed with SIGKILL while devices publish at QoS 1, then started again on
 * the same data folder. Devices resend what was not acknowledged (ResendingPublisher keeps
 * its own list). Every acknowledged reading must be in InfluxDB, and (issue 15, commit at
 * ingest) in exactly one sealed batch of the log: readings of windows open at the kill come
 * back from the leaf journal. Short anchoring windows, so several are sealed on each side.
 */
describe('GridProof killed with SIGKILL under QoS 1 load', () => {
  const cleanups = new Cleanups();
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await startFaultRig({ name: 'kill', env: { GP_ANCHOR_INTERVAL_MS: '2000', GP_ANCHOR_SETTLE_MS: '500' } }, cleanups);
  });
  afterAll(() => cleanups.run());

  it('loses no acknowledged reading, and reconnecting devices resend what was not acknowledged', async () => {
    const app = rig.app;
    const load = await startQos1Load(rig, 'kill', DEVICES, WINDOW, cleanups);
    const { publishers, acked } = load;

    await until('load to flow before the kill', () => acked() >= 1_500);
    await app.kill('SIGKILL');
    const ackedAtKill = acked();
    const unackedAtKill = load.unacked();

    await app.start();
    await until('load to flow after the restart', () => acked() >= ackedAtKill + 1_500, 60_000);
    await Promise.all(publishers.map((p) => p.drain()));

    expect(publishers.every((p) => p.reconnects >= 1)).toBe(true);
    // Messages in flight at the kill were resent on the new session.
    expect(publishers.reduce((n, p) => n + p.resent, 0)).toBeGreaterThanOrEqual(unackedAtKill);

    const report = await exactlyOnceReport(rig, load);
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.acked).toBe(load.sent());
    figures('process-kill', { devices: DEVICES, window: WINDOW, ackedAtKill, unackedAtKill, resent: publishers.reduce((n, p) => n + p.resent, 0), acked: report.acked, stored: report.stored });

    // Every acknowledged reading is a leaf of exactly one sealed batch, and nothing else is.
    const drained = Date.now();
    await until('the windows up to the drain to be sealed', async () => (await app.get<AnchorStatus>('/api/anchors/status')).sealedUpTo > drained, 60_000);
    const batches = await app.get<BatchRecord[]>('/api/anchors?limit=1000');
    const leaves = new Map<string, number>();
    const keyEvents = new Set<string>();
    for (const b of batches) {
      const exported = await app.get<BatchExport>(`/api/batches/${b.id}/entries`);
      expect(exported.entries).toHaveLength(b.count);
      for (const e of exported.entries) {
        expect(e.stored).toBe('ok');
        // The devices' registrations are leaves too (key events, docs/anchoring.md §1).
        if (e.record && 'kind' in e.record) {
          keyEvents.add(e.record.device);
          continue;
        }
        const key = `${e.record?.device}#${e.record?.seq}`;
        leaves.set(key, (leaves.get(key) ?? 0) + 1);
      }
    }
    expect(publishers.filter((p) => !keyEvents.has(p.device.id))).toEqual([]);
    const ackedKeys = publishers.flatMap((p) => [...p.acked].map((seq) => `${p.device.id}#${seq}`));
    expect(ackedKeys.filter((k) => leaves.get(k) !== 1)).toEqual([]);
    expect([...leaves.keys()].filter((k) => !ackedKeys.includes(k))).toEqual([]);
    expect(batches.map((b) => b.id).sort((a, b) => a - b)).toEqual(batches.map((_, i) => i));

    // The process serves normally after the restart: nothing failed on the sink side.
    const metrics = await app.metrics();
    expect(metricSum(metrics, 'gridproof_mqtt_sink_failures_total')).toBe(0);
    expect((await app.health()).status).toBe('up');
  }, 180_000); // the load, the kill, the restart, then every batch sealed and exported
});

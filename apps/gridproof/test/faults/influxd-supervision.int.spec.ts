import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Cleanups, freePort, startTestInfluxd } from '@gridproof/testing';
import { figures, GridProofProcess, metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';
import { exactlyOnceReport, FaultRig, startFaultRig, startQos1Load } from '../../../../libs/testing/src/faults/fault-rig';
import { storedSeqs } from '../../../../libs/testing/src/faults/stored-readings';

jest.setTimeout(300_000);

const DEVICES = 6;
const WINDOW = 8;

/**
 * Issue 13, finding 6: the influxd GridProof starts itself (no INFLUX_URL) is supervised. The
 * real GridProof process runs its own influxd here; the test kills that influxd with SIGKILL
 * under QoS 1 load, then kills GridProof itself (influxd, in its own process group, is left
 * orphaned), then offers it a foreign InfluxDB on its port.
 */
describe('the local influxd, supervised', () => {
  const cleanups = new Cleanups();
  let rig: FaultRig;
  const pidFile = () => join(rig.dataDir, 'influxdb', 'influxd.pid');
  const influxdPid = () => (existsSync(pidFile()) ? Number(readFileSync(pidFile(), 'utf8').trim()) : null);

  beforeAll(async () => {
    const port = await freePortPair();
    rig = await startFaultRig({ name: 'influxd-supervised', localInfluxPort: port }, cleanups);
    // Whatever happens to the app, no influxd of this test outlives it.
    cleanups.add(async () => {
      await rig.app.stop();
      const pid = influxdPid();
      if (pid && isInfluxd(pid)) process.kill(pid, 'SIGKILL');
    });
  });
  afterAll(() => cleanups.run());

  it('restarts influxd after kill -9, and every acknowledged reading is stored exactly once', async () => {
    const load = await startQos1Load(rig, 'supervised', DEVICES, WINDOW, cleanups);
    await until('load to flow before the kill', () => load.acked() >= 1_000, 60_000);
    const killed = influxdPid()!;
    expect(isInfluxd(killed)).toBe(true);
    process.kill(killed, 'SIGKILL');
    const killedAt = Date.now();
    const ackedAtKill = load.acked();

    await until('a new influxd', () => influxdPid() !== killed && influxdPid() !== null && isInfluxd(influxdPid()!), 60_000);
    await until('the new influxd to answer', () => fetch(`${rig.influxUrl}/ping`).then((r) => r.status === 204, () => false), 60_000);
    const backAfterMs = Date.now() - killedAt;
    const ackedWhileDown = load.acked() - ackedAtKill;
    await until('more load after the restart', () => load.acked() >= ackedAtKill + 1_000, 60_000);
    await Promise.all(load.publishers.map((p) => p.drain()));
    await until('the spool to be replayed', async () => metricSum(await rig.app.metrics(), 'gridproof_spool_records') === 0 && (await rig.app.health()).status === 'up', 60_000);

    const report = await exactlyOnceReport(rig, load);
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.invented).toEqual([]);
    expect(report.stored).toBe(report.acked);
    expect(metricSum(await rig.app.metrics(), 'gridproof_influxd_restarts_total')).toBe(1);
    expect(rig.app.tail()).toMatch(/local InfluxDB exited \(SIGKILL\); restarting it/);
    figures('influxd-supervised', { devices: DEVICES, window: WINDOW, ackedAtKill, backAfterMs, ackedWhileDown, acked: report.acked, stored: report.stored });
  });

  it('stops the orphan a SIGKILLed GridProof left and starts its own in its place', async () => {
    const stored = (await storedSeqs(rig.influxUrl, rig.database)).size;
    const orphan = influxdPid()!;
    await rig.app.kill('SIGKILL');
    expect(isInfluxd(orphan)).toBe(true); // influxd outlived GridProof

    await rig.app.start();
    expect(isInfluxd(orphan)).toBe(false);
    const replacement = influxdPid()!;
    expect(replacement).not.toBe(orphan);
    expect(isInfluxd(replacement)).toBe(true);
    expect(rig.app.tail()).toContain(`stopping the local InfluxDB a previous GridProof left running (pid ${orphan})`);
    // Same data folder, same readings.
    expect((await storedSeqs(rig.influxUrl, rig.database)).size).toBe(stored);
  });
});

describe('a foreign InfluxDB on the local port', () => {
  const cleanups = new Cleanups();
  afterAll(() => cleanups.run());

  it('is refused unless INFLUX_URL names it', async () => {
    const foreign = await startTestInfluxd();
    cleanups.add(() => foreign.dispose());
    const port = Number(new URL(foreign.url).port);
    const rig = await startFaultRig({ name: 'influxd-foreign', localInfluxPort: port, noStart: true }, cleanups);
    const result = await rig.app.runUntilExit();
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`set INFLUX_URL=http://127.0.0.1:${port}`);
    expect(existsSync(join(rig.dataDir, 'pglite'))).toBe(false);
    // With INFLUX_URL it is used.
    const allowed = await GridProofProcess.create({ entry: rig.entry, dataDir: rig.dataDir, influxUrl: foreign.url, influxDatabase: rig.database });
    cleanups.add(() => allowed.stop());
    await allowed.start();
    expect((await allowed.health()).status).toBe('up');
  });
});

/** True if `pid` is a live (not zombie) influxd. */
function isInfluxd(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.includes('(influxd)') && stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** A free port whose neighbour + 2 (influxd's RPC port) is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port + 2, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

import type { DeviceRef } from '@gridproof/events';
import type { Labels } from '../model/labels';
import type { Signal } from '../model/alert';
import { OfflineDetector } from './offline.source';

const config = { enabled: true, severity: 'warning' as const, expectedIntervalMs: 60_000, expectedIntervalsMs: {}, missed: 3, siteMinDevices: 2, siteSeverity: 'critical' as const };
const MIN = 60_000;

function detector() {
  const fired: Signal[] = [];
  const cleared: Labels[] = [];
  const d = new OfflineDetector(config, { fire: (s) => fired.push(s), clear: (l) => cleared.push(l) });
  return { d, fired, cleared };
}

const device = (id: string, site = 'north'): DeviceRef => ({ id, type: 'smart-meter', family: 'energy', site });

/** Readings every `every` ms from `from` to `to` (exclusive). */
function report(d: OfflineDetector, ref: DeviceRef, from: number, to: number, every: number): void {
  for (let t = from; t < to; t += every) d.seen(ref, t);
}

describe(OfflineDetector.name, () => {
  it('calls a device that disconnected cleanly and stays silent offline once its silence passes the limit, and says it left cleanly', () => {
    const { d, fired } = detector();
    const meter = device('meter-1');
    report(d, meter, 0, 10 * MIN, 10_000);
    d.onConnectivity({ device: meter, online: false, at: 10 * MIN, cause: 'disconnect' }, 10 * MIN);
    d.tick(12 * MIN);
    expect(fired).toHaveLength(0);
    d.tick(13 * MIN + 1_000);
    expect(fired).toHaveLength(1);
    expect(fired[0].labels).toMatchObject({ alertname: 'DeviceOffline', device: 'meter-1' });
    expect(String(fired[0].evidence.cause)).toMatch(/disconnected cleanly .* ago and has not come back/);
  });

  it('raises nothing for a clean disconnect followed by a reconnect within the limit (a reboot, an update)', () => {
    const { d, fired } = detector();
    const meter = device('meter-2');
    report(d, meter, 0, 10 * MIN, 10_000);
    d.onConnectivity({ device: meter, online: false, at: 10 * MIN, cause: 'disconnect' }, 10 * MIN);
    d.onConnectivity({ device: meter, online: true, at: 11 * MIN, cause: 'connect' }, 11 * MIN);
    report(d, meter, 11 * MIN, 30 * MIN, 10_000);
    for (let t = 11 * MIN; t <= 30 * MIN; t += 30_000) d.tick(t);
    expect(fired).toHaveLength(0);
  });

  it("learns a slow device's own interval: a 5-minute device is not offline after 4 minutes, and is after 3 of its intervals", () => {
    const { d, fired } = detector();
    const meter = device('meter-slow');
    report(d, meter, 0, 2 * 3_600_000, 5 * MIN);
    const last = 2 * 3_600_000 - 5 * MIN;
    expect(d.limitOf('meter-slow')).toBe(15 * MIN);
    d.tick(last + 4 * MIN);
    d.tick(last + 14 * MIN);
    expect(fired).toHaveLength(0);
    d.tick(last + 15 * MIN + 1_000);
    expect(fired).toHaveLength(1);
  });

  it('keeps the configured interval as a floor for a fast device, and forgets a device when GridProof itself shuts down', () => {
    const { d, fired } = detector();
    const meter = device('meter-fast');
    report(d, meter, 0, 10 * MIN, 1_000);
    expect(d.limitOf('meter-fast')).toBe(3 * MIN);
    d.onConnectivity({ device: meter, online: false, at: 10 * MIN, cause: 'shutdown' }, 10 * MIN);
    d.tick(60 * MIN);
    expect(fired).toHaveLength(0);
    expect(d.limitOf('meter-fast')).toBeNull();
  });
});

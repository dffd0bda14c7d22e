import type { LoginFailure } from '@gridproof/events';
import type { Signal } from '../model/alert';
import { LoginFailureDetector } from './login-failures.source';
import { TamperingDetector } from './tampering.source';

const config = { enabled: true, windowMs: 60_000, threshold: 50, severity: 'warning' as const, resolveTimeoutMs: 900_000 };
const failure = (i: number, address = '203.0.113.7'): LoginFailure => ({ address, claimedId: `ghost-${i % 50}`, reason: i % 2 ? 'client_id_mismatch' : 'unknown_device', at: 0 });

describe(LoginFailureDetector.name, () => {
  it('turns 255 refused logins for 50 made-up device ids into one alert without a device label', () => {
    const fired: Signal[] = [];
    const detector = new LoginFailureDetector(config, (s) => fired.push(s));
    for (let i = 0; i < 255; i++) detector.record(failure(i), 1_000 + i);
    expect(fired).toHaveLength(1);
    expect(fired[0].labels).toEqual({ alertname: 'LoginFailures', kind: 'security' });
    expect(fired[0].source).toBe('security');
    expect(fired[0].evidence).toMatchObject({ count: 50, addresses: { '203.0.113.7': 50 }, distinctAddresses: 1 });
  });

  it('sends at most one update per window while the failures go on, naming the busiest addresses', () => {
    const fired: Signal[] = [];
    const detector = new LoginFailureDetector(config, (s) => fired.push(s));
    for (let i = 0; i < 300; i++) detector.record(failure(i, i % 3 ? '198.51.100.1' : '198.51.100.2'), i * 400); // 120 s
    expect(fired).toHaveLength(2);
    expect(Object.keys(fired[1].evidence.addresses as object)).toEqual(['198.51.100.1', '198.51.100.2']);
  });

  it('stays quiet below the threshold and when disabled', () => {
    const fired: Signal[] = [];
    new LoginFailureDetector({ ...config, enabled: false }, (s) => fired.push(s)).record(failure(1), 0);
    const quiet = new LoginFailureDetector(config, (s) => fired.push(s));
    for (let i = 0; i < 49; i++) quiet.record(failure(i), i);
    expect(fired).toEqual([]);
  });
});

describe(TamperingDetector.name, () => {
  it('raises a device alert for bad signatures in its own session', () => {
    const fired: Signal[] = [];
    const detector = new TamperingDetector(
      { enabled: true, windowMs: 60_000, threshold: 5, reasons: ['bad_signature'], severity: 'critical', resolveTimeoutMs: 900_000 },
      (id) => ({ device: id, site: 'site-a' }),
      (s) => fired.push(s),
    );
    for (let i = 0; i < 5; i++) detector.record('inv-1', 'bad_signature', 'signature does not verify', i);
    expect(fired.map((s) => s.labels.device)).toEqual(['inv-1']);
  });
});

import { Cleanups, startTestAlertmanager, TestAlertmanager } from '@gridproof/testing';
import { compileAlertsConfig } from '../../config/alerts-config';
import type { Alert, Notification } from '../../model/alert';
import { buildIntegrations, type Integration } from '.';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  endsAt: string;
}

const alertOf = (state: Alert['state'], startsAt: number): Alert => ({
  id: 'a-1',
  fingerprint: 'fp-1',
  source: 'threshold',
  state,
  severity: 'critical',
  labels: { alertname: 'ConnectorOverTemp', device: 'evc-1', site: 'north-1' },
  summary: 'evc-1: connector at 92 °C',
  description: 'connector_temp_c > 80 for 2m',
  evidence: {},
  timeToFailureMs: null,
  recommendedAction: 'Inspect the connector',
  links: { api: 'http://127.0.0.1:3000/api/alerts/a-1' },
  startsAt,
  updatedAt: startsAt,
  endsAt: state === 'resolved' ? Date.now() : null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  ackNote: null,
  resolvedBy: null,
  resolveNote: null,
});

const notification = (alert: Alert): Notification => ({
  id: `n-${alert.state}`,
  receiver: 'ops',
  groupKey: '{}:{alertname="ConnectorOverTemp"}',
  status: alert.state === 'resolved' ? 'resolved' : 'firing',
  groupLabels: { alertname: 'ConnectorOverTemp' },
  commonLabels: alert.labels,
  alerts: [alert],
  at: Date.now(),
});

describe('alertmanager channel (real Prometheus Alertmanager)', () => {
  const cleanups = new Cleanups();
  let am: TestAlertmanager;
  let integration: Integration;
  const warnings: string[] = [];

  beforeAll(async () => {
    am = await startTestAlertmanager();
    cleanups.add(() => am.dispose());
    const config = compileAlertsConfig(
      { route: { receiver: 'ops' }, receivers: [{ name: 'ops', alertmanager_configs: [{ url: am.url, resend_interval: '250ms' }] }] },
      {},
      'test',
    );
    [integration] = buildIntegrations(config.receivers, {
      externalUrl: 'http://127.0.0.1:3000',
      log: () => undefined,
      warn: (m) => warnings.push(m),
      defaultTimeoutMs: 5_000,
    });
    cleanups.add(() => integration.close?.());
  }, 30_000);
  afterAll(() => cleanups.run());

  const held = async (): Promise<GettableAlert[]> => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as GettableAlert[];

  it('posts a firing alert with its labels and annotations, keeps it active past its endsAt by resending, and resolves it', async () => {
    const startsAt = Date.now() - 60_000;
    await integration.send(notification(alertOf('firing', startsAt)), AbortSignal.timeout(5_000));
    const [first] = await held();
    expect(first.labels).toEqual({ alertname: 'ConnectorOverTemp', device: 'evc-1', site: 'north-1', severity: 'critical', source: 'threshold' });
    expect(first.annotations).toMatchObject({ summary: 'evc-1: connector at 92 °C', recommended_action: 'Inspect the connector', gridproof_alert_id: 'a-1' });
    expect(first.status.state).toBe('active');

    // The first endsAt is 4 resend intervals (1 s) ahead; without resends Alertmanager would
    // resolve it by itself after that. Wait well past it.
    const firstEnd = Date.parse(first.endsAt);
    await new Promise((r) => setTimeout(r, firstEnd - Date.now() + 1_000));
    const [later] = await held();
    expect(later.status.state).toBe('active');
    expect(Date.parse(later.endsAt)).toBeGreaterThan(firstEnd);

    await integration.send(notification(alertOf('resolved', startsAt)), AbortSignal.timeout(5_000));
    expect((await held()).filter((a) => a.status.state === 'active' && Date.parse(a.endsAt) > Date.now())).toEqual([]);
    expect(warnings).toEqual([]);
  }, 30_000);
});

import type { Alert, Notification } from '../model/alert';
import { emailContent } from './payloads';

const alert = (over: Partial<Alert>): Alert => ({
  id: 'a1',
  fingerprint: 'f1',
  source: 'threshold',
  state: 'firing',
  severity: 'warning',
  labels: { alertname: 'ConnectorOverTemp', device: 'evc-1', site: 'north-1' },
  summary: 'evc-1 connector hot',
  description: 'connector_temp_c 95 > 90 for 2m',
  evidence: {},
  timeToFailureMs: null,
  recommendedAction: 'inspect the connector',
  links: { api: 'http://127.0.0.1:3000/api/alerts/a1', console: 'http://127.0.0.1:3000/#/alerts/a1', dashboard: 'http://grafana.example/d/device?var-device=evc-1&x=<1>' },
  startsAt: 0,
  updatedAt: 0,
  endsAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  ackNote: null,
  resolvedBy: null,
  resolveNote: null,
  ...over,
});

const notification = (alerts: Alert[]): Notification => ({ id: 'n1', receiver: 'crew', groupKey: 'g', status: 'firing', groupLabels: { site: 'north-1' }, commonLabels: {}, alerts, at: 0 });

describe(emailContent.name, () => {
  it('names the most severe firing alert, its device and how many more in the subject', () => {
    const { subject } = emailContent(notification([alert({}), alert({ id: 'a2', severity: 'critical', labels: { alertname: 'DeviceOffline', device: 'inv-7', site: 'north-1' } })]));
    expect(subject).toBe('GridProof [FIRING:2] site=north-1: CRITICAL DeviceOffline inv-7 (+1 more)');
  });

  it('makes the dashboard and alert links real links in the HTML part, escaped', () => {
    const { html, text } = emailContent(notification([alert({})]));
    expect(html).toContain('Alert: <a href="http://127.0.0.1:3000/api/alerts/a1">http://127.0.0.1:3000/api/alerts/a1</a>');
    expect(html).toContain('<a href="http://grafana.example/d/device?var-device=evc-1&amp;x=&lt;1&gt;">');
    expect(html).not.toContain('<1>');
    expect(text).toContain('Alert: http://127.0.0.1:3000/api/alerts/a1');
  });

  it('links the alert in the console first, which a browser can open without a key header', () => {
    const { html, text } = emailContent(notification([alert({})]));
    expect(html).toContain('Console: <a href="http://127.0.0.1:3000/#/alerts/a1">');
    expect(text.indexOf('Console: http://127.0.0.1:3000/#/alerts/a1')).toBeLessThan(text.indexOf('Alert: '));
  });

  it('says RESOLVED for a resolved group', () => {
    const { subject } = emailContent({ ...notification([alert({ state: 'resolved' })]), status: 'resolved' });
    expect(subject).toBe('GridProof [RESOLVED:1] site=north-1: RESOLVED ConnectorOverTemp evc-1');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AlertsConfigError, compileAlertsConfig, loadAlertsConfig } from './alerts-config';

const EXAMPLE = resolve(__dirname, '../../../../config/alerts.example.yaml');
const minimal = (extra: Record<string, unknown> = {}) => ({
  route: { receiver: 'crew' },
  receivers: [{ name: 'crew', log_configs: [{}] }],
  ...extra,
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof AlertsConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected an AlertsConfigError');
}

describe('loadAlertsConfig', () => {
  it('loads the example file with secrets taken from the environment', () => {
    const config = loadAlertsConfig(EXAMPLE, { SMTP_PASSWORD: 's3cret', DISPATCH_TOKEN: 'tok', SECURITY_SLACK_WEBHOOK: 'https://hooks.example.net/x' });
    const north = config.receivers.find((r) => r.name === 'crew-north')!;
    expect(north.email_configs![0].auth!.pass).toBe('s3cret');
    expect(north.webhook_configs![0].headers!.authorization).toBe('Bearer tok');
    expect(config.route.routes.map((r) => r.receiver)).toEqual(['crew-app', 'security', 'crew-north', 'crew-north']);
    expect(config.rules[0]).toMatchObject({ name: 'ConnectorOverTemp', forMs: 120_000, severity: 'critical' });
  });

  it('uses the built-in default when no file is configured', () => {
    const config = loadAlertsConfig(undefined, {});
    expect(config.source).toBe('built-in default');
    expect(config.receivers[0].mqtt_configs).toHaveLength(1);
  });

  it('names the environment variable a secret reference is missing', () => {
    expect(problemsOf(() => loadAlertsConfig(EXAMPLE, { DISPATCH_TOKEN: 'x', SECURITY_SLACK_WEBHOOK: 'https://h.example.net' }))).toContain(
      'receivers.2.email_configs.0.auth.pass: environment variable SMTP_PASSWORD is not set',
    );
  });

  it('names an unknown receiver with its path in the route tree', () => {
    const raw = minimal({ route: { receiver: 'crew', routes: [{ matchers: ['site="a"'], receiver: 'nobody' }] } });
    expect(problemsOf(() => compileAlertsConfig(raw, {}))).toEqual(['route.routes.0.receiver: unknown receiver "nobody" (defined: crew)']);
  });

  it('names a bad matcher, a bad duration and an unknown key', () => {
    const raw = minimal({
      route: { receiver: 'crew', group_wait: 'soon', routes: [{ matchers: ['site=~"("'] }] },
      inhibit_rules: [{ source_matchers: ['severity critical'], target_matchers: ['a="b"'] }],
      recievers: [],
    });
    const problems = problemsOf(() => compileAlertsConfig(raw, {}));
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^route\.group_wait: a duration like/), expect.stringMatching(/^\(root\): Unrecognized key: "recievers"/)]),
    );
    const semantic = problemsOf(() => compileAlertsConfig(minimal({ route: { receiver: 'crew', routes: [{ matchers: ['site=~"("'] }] }, inhibit_rules: [{ source_matchers: ['severity critical'], target_matchers: ['a="b"'] }] }), {}));
    expect(semantic).toEqual([
      expect.stringMatching(/^route\.routes\.0\.matchers\.0: invalid regex in matcher site=~"\("/),
      expect.stringMatching(/^inhibit_rules\.0\.source_matchers\.0: invalid matcher 'severity critical'/),
    ]);
  });

  it('counts re-spelled signatures, replays and denied topics as tampering by default, harmless redeliveries not', () => {
    const reasons = compileAlertsConfig(minimal(), {}).tampering.reasons;
    expect(reasons).toEqual(expect.arrayContaining(['bad_signature', 'signature_encoding', 'replayed_sequence', 'topic_denied', 'subscribe_denied']));
    expect(reasons).not.toContain('duplicate');
  });

  it('does not accept refused logins as tampering evidence: anyone can claim any device id', () => {
    const raw = minimal({ sources: { tampering: { reasons: ['bad_signature', 'bad_credentials', 'client_id_mismatch'] } } });
    expect(problemsOf(() => compileAlertsConfig(raw, {}))).toEqual([
      expect.stringMatching(/^sources\.tampering\.reasons\.1: Invalid option/),
      expect.stringMatching(/^sources\.tampering\.reasons\.2: Invalid option/),
    ]);
    expect(compileAlertsConfig(minimal(), {}).loginFailures).toMatchObject({ enabled: true, windowMs: 300_000, threshold: 50, severity: 'warning' });
  });

  it('names a tampering reason that ingest and the broker never report', () => {
    const raw = minimal({ sources: { tampering: { reasons: ['bad_signature', 'bad_signatures'] } } });
    expect(problemsOf(() => compileAlertsConfig(raw, {}))).toEqual([expect.stringMatching(/^sources\.tampering\.reasons\.1: Invalid option/)]);
  });

  it('names an unknown timezone in a maintenance window', () => {
    const raw = minimal({ time_intervals: [{ name: 'mw', times: [{ start: '02:00', end: '04:00', timezone: 'Mars/Olympus' }] }] });
    expect(problemsOf(() => compileAlertsConfig(raw, {}))).toEqual([expect.stringMatching(/^time_intervals\.0\.times\.0\.timezone: unknown IANA timezone/)]);
  });

  it('reports a file that is not YAML with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-alerts-'));
    const file = join(dir, 'alerts.yaml');
    writeFileSync(file, 'route: [unclosed\n');
    expect(() => loadAlertsConfig(file, {})).toThrow(new RegExp(`Invalid alerts config ${file}:\\n  - not valid YAML`));
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AlertsConfigError, compileAlertsConfig } from '../../config/alerts-config';
import { ALERT_CHANNELS, buildIntegrations, configsKey } from '.';

const CREWS_DOC = resolve(__dirname, '../../../../../docs/crews.md');
const deps = { externalUrl: 'http://127.0.0.1:3000', log: () => undefined, warn: () => undefined, defaultTimeoutMs: 1_000 };

function problemsOf(file: unknown): string[] {
  try {
    compileAlertsConfig(file, {}, 'test');
  } catch (err) {
    if (err instanceof AlertsConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('ALERT_CHANNELS', () => {
  it.each(ALERT_CHANNELS.map((c) => c.kind))('documents the %s channel in the receivers table of docs/crews.md', (kind) => {
    const doc = readFileSync(CREWS_DOC, 'utf8');
    expect(doc).toMatch(new RegExp(`^\\| \`${configsKey(kind)}\` \\|`, 'm'));
  });

  it('derives the routing file schema from the registry: an unknown channel key is refused', () => {
    const problems = problemsOf({ route: { receiver: 'crew' }, receivers: [{ name: 'crew', pager_configs: [{}] }] });
    expect(problems.join('\n')).toMatch(/pager_configs/);
  });

  it('refuses a receiver without any channel, naming every channel key', () => {
    const problems = problemsOf({ route: { receiver: 'crew' }, receivers: [{ name: 'crew' }] });
    expect(problems).toEqual([`receivers.0: receiver "crew" has no channel (one of ${ALERT_CHANNELS.map((c) => configsKey(c.kind)).join(', ')})`]);
  });

  it('builds one integration per channel entry, named after its channel, in registry order', () => {
    const config = compileAlertsConfig(
      {
        route: { receiver: 'crew' },
        receivers: [{ name: 'crew', log_configs: [{}, {}], webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }], mqtt_configs: [{}] }],
      },
      {},
      'test',
    );
    const integrations = buildIntegrations(config.receivers, { ...deps, publish: () => undefined });
    expect(integrations.map((i) => i.name)).toEqual(['webhook[0]', 'mqtt[0]', 'log[0]', 'log[1]']);
  });

  it('skips an MQTT entry with a warning when there is no broker to publish through', () => {
    const warnings: string[] = [];
    const config = compileAlertsConfig({ route: { receiver: 'crew' }, receivers: [{ name: 'crew', mqtt_configs: [{}] }] }, {}, 'test');
    expect(buildIntegrations(config.receivers, { ...deps, warn: (m) => warnings.push(m) })).toEqual([]);
    expect(warnings).toEqual(['receiver crew: mqtt_configs[0] skipped, no MQTT broker to publish through']);
  });
});

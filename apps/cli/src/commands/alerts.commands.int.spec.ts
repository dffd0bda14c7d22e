import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Command } from 'commander';
import { memoryIo } from '@gridproof/api-client';
import { stringify } from 'yaml';
import { AlertsModule, AlertsService } from '@gridproof/alerts';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import { PipelineEvents, type DeviceRef } from '@gridproof/events';
import { createMetricsRegistry } from '@gridproof/metrics';
import { ApiKeys, RegistryModule } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { Cleanups, freePort } from '@gridproof/testing';
import { until } from '../../../../libs/testing/src/faults/gridproof-process';
import { registerAlertCommands } from './alerts.commands';

/** Runs the gridproof CLI in-process against a real API, capturing what it prints. */
async function gridproof(url: string, key: string, ...args: string[]): Promise<string> {
  const lines: string[] = [];
  const program = new Command('gridproof').exitOverride().configureOutput({ writeErr: (s) => lines.push(s), writeOut: (s) => lines.push(s) });
  registerAlertCommands(program, { ...memoryIo(), out: (s) => void lines.push(s) });
  await program.parseAsync(['node', 'gridproof', ...args, '--api', url, '--api-key', key]);
  return lines.join('\n');
}

describe(registerAlertCommands.name, () => {
  const cleanups = new Cleanups();
  let url: string;
  let keys: { operator: string; crew: string };
  let events: PipelineEvents;
  let alerts: AlertsService;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-alerts-cli-'));
    cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'alerts.yaml');
    writeFileSync(
      file,
      stringify({
        global: { evaluation_interval: '20ms' },
        rules: [{ name: 'ConnectorOverTemp', matchers: ['type="ev-charger"'], metric: 'connector_temp_c', op: '>', value: 90, severity: 'critical' }],
        route: { receiver: 'crew', group_wait: '10ms' },
        receivers: [{ name: 'crew', log_configs: [{}] }],
      }),
    );
    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => store.close());
    events = new PipelineEvents((event, err) => {
      throw new Error(`listener of ${event} failed: ${String(err)}`);
    });
    const config = loadConfig({ GP_DATA_DIR: dir, GP_ALERTS_CONFIG: file, INFLUX_URL: process.env.GP_TEST_INFLUX_URL });
    const moduleRef = await Test.createTestingModule({
      imports: [CoreModule.forRoot({ config, store, events, metrics: createMetricsRegistry(false) }), RegistryModule, AlertsModule.forRoot({})],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication({ logger: false });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    cleanups.add(() => app.close());
    url = `http://127.0.0.1:${port}`;
    alerts = app.get(AlertsService);
    const apiKeys = app.get(ApiKeys);
    keys = {
      operator: (await apiKeys.create({ name: 'op-olga', role: 'operator' })).key,
      crew: (await apiKeys.create({ name: 'crew-carl', role: 'crew' })).key,
    };
  }, 60_000);
  afterAll(() => cleanups.run());

  it('lists a firing alert, shows it, and lets a crew acknowledge then resolve it with notes', async () => {
    const evc: DeviceRef = { id: 'evc-9', type: 'ev-charger', family: 'charging', site: 'north-1' };
    const ts = Date.now();
    events.emit('accepted', [
      { device: evc, record: { v: 1, device: evc.id, ts, seq: 1, readings: { connector_temp_c: 95, power_w: 22_000 }, sig: null, rx: ts } },
    ]);
    await until('the alert to fire', async () => (await alerts.list({ device: 'evc-9', limit: 10, offset: 0 })).length > 0);

    const listed = await gridproof(url, keys.crew, 'alerts', 'list', '--state', 'firing', '--site', 'north-1');
    expect(listed.split('\n')[0]).toMatch(/^ID\s+STATE\s+SEVERITY\s+ALERT\s+SITE\s+DEVICE/);
    const row = listed.split('\n').find((l) => l.includes('evc-9'))!;
    expect(row).toMatch(/\sfiring\s+critical\s+ConnectorOverTemp\s+north-1\s+evc-9\s/);
    const id = row.split(/\s+/)[0];

    expect(await gridproof(url, keys.crew, 'alerts', 'list', '--site', 'south-9')).toBe('no alerts');
    expect(await gridproof(url, keys.crew, 'alerts', 'show', id)).toMatch(/action:\s+\S/);

    expect(await gridproof(url, keys.crew, 'alerts', 'ack', id, '--note', 'on my way')).toBe(`alert ${id} acknowledged`);
    const acked = JSON.parse(await gridproof(url, keys.crew, 'alerts', 'show', id, '--json')) as { state: string; acknowledgedBy: string; ackNote: string };
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'crew-carl', ackNote: 'on my way' });

    expect(await gridproof(url, keys.crew, 'alerts', 'resolve', id, '--note', 'connector replaced')).toBe(`alert ${id} resolved`);
    expect(await gridproof(url, keys.crew, 'alerts', 'show', id)).toMatch(/resolved by crew-carl: connector replaced/);
  });

  it('adds, lists and expires a silence; a crew key may not add one without a site="…" matcher', async () => {
    await expect(gridproof(url, keys.crew, 'silences', 'add', '--matcher', 'alertname=~"Connector.*"', '--duration', '2h', '--comment', 'swap')).rejects.toThrow(/HTTP 403.*site=/);
    const added = await gridproof(url, keys.operator, 'silences', 'add', '--matcher', 'site="north-1"', 'alertname=~"Connector.*"', '--duration', '2h', '--comment', 'connector swap');
    const id = /^silence (\S+) until /.exec(added)![1];
    const listed = await gridproof(url, keys.crew, 'silences', 'list');
    expect(listed).toMatch(new RegExp(`^${id}\\s+site="north-1",alertname=~"Connector\\.\\*"\\s+\\S+\\s+\\S+\\s+op-olga\\s+connector swap$`, 'm'));
    expect(await gridproof(url, keys.operator, 'silences', 'expire', id)).toMatch(new RegExp(`^silence ${id} expired at `));
    const [silence] = JSON.parse(await gridproof(url, keys.operator, 'silences', 'list', '--json')) as Array<{ id: string; endsAt: number }>;
    expect(silence.id).toBe(id);
    expect(silence.endsAt).toBeLessThanOrEqual(Date.now());
  });

  it('refuses --duration together with --ends', async () => {
    await expect(gridproof(url, keys.operator, 'silences', 'add', '--matcher', 'site="x"', '--duration', '1h', '--ends', '2030-01-01T00:00:00Z', '--comment', 'c')).rejects.toThrow(
      /exactly one of --duration or --ends/,
    );
  });
});

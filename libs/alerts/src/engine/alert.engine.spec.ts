import { compileAlertsConfig } from '../config/alerts-config';
import type { Alert, AlertHistoryEntry, Notification, Signal } from '../model/alert';
import { AlertEngine, AlertStateError } from './alert.engine';
import { Dispatcher } from './dispatcher';
import { Suppressor } from './suppression';

class MemoryPersistence {
  readonly alerts = new Map<string, Alert>();
  readonly history: AlertHistoryEntry[] = [];
  async insertAlert(a: Alert, e: AlertHistoryEntry) {
    this.alerts.set(a.id, a);
    this.history.push(e);
  }
  async updateAlert(a: Alert, e?: AlertHistoryEntry) {
    this.alerts.set(a.id, a);
    if (e) this.history.push(e);
  }
  async loadOpen() {
    return [...this.alerts.values()].filter((a) => a.state !== 'resolved');
  }
  async get(id: string) {
    return this.alerts.get(id) ?? null;
  }
}

function setup(raw: Record<string, unknown> = {}) {
  const config = compileAlertsConfig(
    {
      route: { receiver: 'crew', group_by: ['site'], group_wait: '1s', group_interval: '5s', repeat_interval: '1m' },
      receivers: [{ name: 'crew', log_configs: [{}] }],
      ...raw,
    },
    {},
  );
  let now = 1_000_000;
  const clock = { now: () => now };
  const sent: Notification[] = [];
  // eslint-disable-next-line prefer-const
  let engine: AlertEngine;
  const suppressor = new Suppressor(config.inhibitRules, config.timeIntervals, () => engine.openAlerts());
  const dispatcher = new Dispatcher(config.route, suppressor, (n) => sent.push(n));
  const persistence = new MemoryPersistence();
  engine = new AlertEngine({ persistence, dispatcher, clock, links: (id) => ({ api: `http://api/${id}` }) });
  const advance = async (ms: number) => {
    const end = now + ms;
    while (now < end) {
      now = Math.min(end, now + 500);
      await engine.tick();
      dispatcher.tick(now);
    }
  };
  return { engine, dispatcher, suppressor, sent, persistence, advance, clock };
}

const fanSignal = (device = 'inv-1', site = 'north-1', score = 0.8): Signal => ({
  source: 'anomaly',
  labels: { alertname: 'DeviceAnomaly', device, site, type: 'pv-inverter', family: 'energy', kind: 'inverter_fan' },
  severity: 'warning',
  summary: 'fan',
  description: 'fan',
  evidence: { score },
  expiresAfterMs: 60_000,
});

describe(AlertEngine.name, () => {
  it('sends one notification for a fault reported by many readings', async () => {
    const { engine, sent, advance, persistence } = setup();
    for (let i = 0; i < 200; i++) engine.fire(fanSignal('inv-1', 'north-1', 0.7 + i / 1000));
    await advance(30_000);
    expect(sent).toHaveLength(1);
    expect(sent[0].alerts.map((a) => a.labels.device)).toEqual(['inv-1']);
    expect(persistence.alerts.size).toBe(1);
  });

  it('repeats a firing alert after repeat_interval, and stops once it is acknowledged', async () => {
    const { engine, sent, advance } = setup();
    engine.fire(fanSignal());
    await advance(2_000);
    expect(sent).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      engine.fire(fanSignal());
      await advance(16_000);
    }
    expect(sent).toHaveLength(2);
    await engine.acknowledge(engine.openAlerts()[0].id, 'crew-anna', 'on my way');
    for (let i = 0; i < 10; i++) {
      engine.fire(fanSignal());
      await advance(20_000);
    }
    expect(sent).toHaveLength(2);
    await expect(engine.acknowledge(engine.openAlerts()[0].id, 'crew-bob', null)).rejects.toBeInstanceOf(AlertStateError);
  });

  it('announces the resolve of an acknowledged alert and starts a new instance when it fires again', async () => {
    const { engine, sent, advance, persistence } = setup();
    engine.fire(fanSignal());
    await advance(2_000);
    const first = engine.openAlerts()[0];
    await engine.acknowledge(first.id, 'crew-anna', null);
    await engine.resolve(first.id, 'crew-anna', 'fan replaced');
    await advance(6_000);
    expect(sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(sent[1].alerts[0]).toMatchObject({ id: first.id, state: 'resolved', resolvedBy: 'crew-anna' });
    engine.fire(fanSignal());
    await advance(2_000);
    expect(engine.openAlerts()[0].id).not.toBe(first.id);
    expect(engine.openAlerts()[0].fingerprint).toBe(first.fingerprint);
    expect(persistence.history.filter((h) => h.alertId === first.id).map((h) => h.type)).toEqual(['firing', 'acknowledged', 'resolved']);
  });

  it('resolves an alert whose evidence stopped arriving after its timeout', async () => {
    const { engine, sent, advance } = setup();
    engine.fire(fanSignal());
    await advance(61_000);
    expect(engine.openAlerts()).toHaveLength(0);
    await advance(6_000);
    expect(sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
  });

  it('re-notifies when an open alert escalates to critical', async () => {
    const { engine, sent, advance } = setup();
    engine.fire(fanSignal());
    await advance(2_000);
    engine.fire({ ...fanSignal(), severity: 'critical' });
    await advance(6_000);
    expect(sent.map((n) => n.alerts[0].severity)).toEqual(['warning', 'critical']);
  });

  it('holds back an alert that a silence matches, and lets it through once the silence ends', async () => {
    const { engine, sent, advance, suppressor, clock } = setup();
    suppressor.setSilences([
      { id: 's1', matchers: [{ name: 'device', op: '=', value: 'inv-1' }], startsAt: clock.now(), endsAt: clock.now() + 30_000, createdBy: 'op', comment: 'swap', recurrence: null, createdAt: clock.now() },
    ]);
    engine.fire(fanSignal('inv-1', 'north-1'));
    engine.fire(fanSignal('inv-2', 'south-1'));
    await advance(20_000);
    expect(sent.flatMap((n) => n.alerts.map((a) => a.labels.device))).toEqual(['inv-2']);
    engine.fire(fanSignal('inv-1', 'north-1'));
    await advance(20_000);
    expect(sent.flatMap((n) => n.alerts.map((a) => a.labels.device))).toEqual(['inv-2', 'inv-1']);
  });

  it('holds back the alerts of devices at a site that is offline', async () => {
    const { engine, sent, advance } = setup({
      inhibit_rules: [{ source_matchers: ['alertname="SiteOffline"'], target_matchers: ['alertname!="SiteOffline"'], equal: ['site'] }],
    });
    engine.fire({ ...fanSignal('inv-1', 'north-1'), labels: { ...fanSignal().labels, alertname: 'DeviceOffline', kind: 'offline' } });
    engine.fire({ source: 'offline', labels: { alertname: 'SiteOffline', site: 'north-1', kind: 'site_offline' }, severity: 'critical', summary: 'site', description: 'site', evidence: {} });
    engine.fire(fanSignal('inv-9', 'south-1'));
    await advance(20_000);
    const notified = sent.flatMap((n) => n.alerts.map((a) => a.labels.alertname + '/' + a.labels.site));
    expect(notified.sort()).toEqual(['DeviceAnomaly/south-1', 'SiteOffline/north-1']);
  });
});

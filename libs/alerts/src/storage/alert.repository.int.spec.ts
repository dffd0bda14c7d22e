import { randomUUID } from 'node:crypto';
import { SqlStore } from '@gridproof/store';
import { itOn, SQL_STORES, storeAvailable } from '@gridproof/testing';
import type { Alert, AlertHistoryEntry, DeliveryRecord, Silence } from '../model/alert';
import { ALERTS_MIGRATIONS } from './alerts.migrations';
import { AlertRepository } from './alert.repository';

const T0 = Date.parse('2026-03-01T08:00:00Z');

function alert(overrides: Partial<Alert> = {}): Alert {
  const id = randomUUID();
  return {
    id,
    fingerprint: `fp-${id.slice(0, 8)}`,
    source: 'anomaly',
    state: 'firing',
    severity: 'warning',
    labels: { alertname: 'DeviceAnomaly', device: 'evc-1', site: 'depot', kind: 'anomaly' },
    summary: 'Anomalous readings on evc-1',
    description: 'connector temperature rising',
    evidence: { detector: 'maintenance', score: 0.93, metrics: [{ name: 'connector_temp_c', value: 71.5, contribution: 1 }] },
    timeToFailureMs: 86_400_000.4,
    recommendedAction: 'Inspect the connector',
    links: { api: `http://127.0.0.1/api/alerts/${id}` },
    startsAt: T0,
    updatedAt: T0,
    endsAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    ackNote: null,
    resolvedBy: null,
    resolveNote: null,
    ...overrides,
  };
}

const event = (a: Alert, type: AlertHistoryEntry['type'], at: number, actor = 'engine', note: string | null = null): AlertHistoryEntry => ({
  alertId: a.id,
  type,
  actor,
  note,
  severity: a.severity,
  at,
});

/** The alert store's contract, on embedded PGlite and on PostgreSQL (the production store). */
describe.each(SQL_STORES)(`${AlertRepository.name} on %s`, (storeName, open) => {
  const it = itOn(storeName);
  let store: SqlStore;
  let repo: AlertRepository;

  beforeAll(async () => {
    if (!storeAvailable(storeName)) return;
    store = await open();
    await store.migrate(ALERTS_MIGRATIONS);
    repo = new AlertRepository(store);
  });
  afterAll(() => store?.close());

  it('stores an alert with its evidence and history, and reads back exactly what it stored', async () => {
    const a = alert();
    await repo.insertAlert(a, event(a, 'firing', T0));
    const acked: Alert = { ...a, state: 'acknowledged', acknowledgedBy: 'crew-carl', acknowledgedAt: T0 + 60_000, ackNote: 'on my way', updatedAt: T0 + 60_000 };
    await repo.updateAlert(acked, event(a, 'acknowledged', T0 + 60_000, 'crew-carl', 'on my way'));

    // time to failure is kept in whole ms; everything else round-trips unchanged.
    expect(await repo.get(a.id)).toEqual({ ...acked, timeToFailureMs: 86_400_000 });
    expect((await repo.history(a.id)).map((h) => [h.type, h.actor, h.note, h.at])).toEqual([
      ['firing', 'engine', null, T0],
      ['acknowledged', 'crew-carl', 'on my way', T0 + 60_000],
    ]);
    expect(await repo.get(randomUUID())).toBeNull();
  });

  it('loads only open alerts (firing or acknowledged) for the engine to resume with', async () => {
    const open1 = alert({ labels: { alertname: 'X', device: 'open-1', kind: 'offline' } });
    const resolved = alert({ labels: { alertname: 'X', device: 'closed-1', kind: 'offline' }, state: 'resolved', endsAt: T0 + 1 });
    for (const a of [open1, resolved]) await repo.insertAlert(a, event(a, 'firing', T0));
    const ids = (await repo.loadOpen()).map((a) => a.id);
    expect(ids).toContain(open1.id);
    expect(ids).not.toContain(resolved.id);
  });

  it('filters by state, severity, site, device and kind, newest first, with limit and offset', async () => {
    const site = `site-${randomUUID().slice(0, 6)}`;
    const made = [
      alert({ startsAt: T0 + 1_000, severity: 'critical', labels: { alertname: 'A', site, device: 'd1', kind: 'tampering' } }),
      alert({ startsAt: T0 + 2_000, severity: 'warning', labels: { alertname: 'B', site, device: 'd2', kind: 'offline' } }),
      alert({ startsAt: T0 + 3_000, severity: 'critical', state: 'resolved', endsAt: T0 + 4_000, labels: { alertname: 'C', site, device: 'd1', kind: 'offline' } }),
    ];
    for (const a of made) await repo.insertAlert(a, event(a, 'firing', a.startsAt));
    const names = async (f: Parameters<AlertRepository['list']>[0]) => (await repo.list({ site, ...f })).map((a) => a.labels.alertname);

    expect(await names({})).toEqual(['C', 'B', 'A']);
    expect(await names({ state: ['firing', 'acknowledged'] })).toEqual(['B', 'A']);
    expect(await names({ severity: ['critical'] })).toEqual(['C', 'A']);
    expect(await names({ device: 'd1', kind: 'offline' })).toEqual(['C']);
    expect(await names({ limit: 1, offset: 1 })).toEqual(['B']);
  });

  it('logs deliveries per alert and per receiver, in order', async () => {
    const a = alert();
    await repo.insertAlert(a, event(a, 'firing', T0));
    const receiver = `crew-${randomUUID().slice(0, 6)}`;
    const records: DeliveryRecord[] = [
      { notificationId: 'n1', alertId: a.id, receiver, integration: 'webhook[0]', attempt: 1, status: 'failed', error: 'ECONNREFUSED', durationMs: 3, at: T0 + 10 },
      { notificationId: 'n1', alertId: a.id, receiver, integration: 'webhook[0]', attempt: 2, status: 'ok', error: null, durationMs: 12, at: T0 + 2_010 },
    ];
    await repo.logDeliveries(records);
    await repo.logDeliveries([]);
    expect(await repo.deliveries(a.id)).toEqual(records);
    expect(await repo.recentDeliveries(receiver)).toEqual(records);
  });

  it('stores silences with recurrence, and expiring one never extends it', async () => {
    const silence: Silence = {
      id: randomUUID(),
      matchers: [{ name: 'site', op: '=', value: 'depot' }],
      startsAt: T0,
      endsAt: T0 + 3_600_000,
      createdBy: 'op-olga',
      comment: 'maintenance window',
      recurrence: [{ days: ['tue'], start: '22:00', end: '02:00', timezone: 'Europe/Berlin' }],
      createdAt: T0,
    };
    await repo.insertSilence(silence);
    await repo.expireSilence(silence.id, T0 + 600_000);
    await repo.expireSilence(silence.id, T0 + 7_200_000);
    const stored = (await repo.silences()).find((s) => s.id === silence.id);
    expect(stored).toEqual({ ...silence, endsAt: T0 + 600_000 });
  });
});

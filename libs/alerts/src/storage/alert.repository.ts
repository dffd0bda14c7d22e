import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, ne, sql, SQL } from 'drizzle-orm';
import { SqlStore } from '@gridproof/store';
import type { Alert, AlertHistoryEntry, AlertSource, AlertState, DeliveryRecord, Silence } from '../model/alert';
import type { Severity } from '../model/labels';
import { alertEventsTable, alertsTable, deliveriesTable, silencesTable } from './alerts.tables';

export interface AlertFilter {
  state?: AlertState[];
  severity?: Severity[];
  site?: string;
  device?: string;
  kind?: string;
  limit?: number;
  offset?: number;
}

type AlertRow = typeof alertsTable.$inferSelect;
const d = (ms: number | null) => (ms === null ? null : new Date(ms));
const n = (date: Date | null) => (date === null ? null : date.getTime());

function toRow(a: Alert): typeof alertsTable.$inferInsert {
  return {
    id: a.id,
    fingerprint: a.fingerprint,
    source: a.source,
    state: a.state,
    severity: a.severity,
    labels: a.labels,
    summary: a.summary,
    description: a.description,
    evidence: a.evidence,
    timeToFailureMs: a.timeToFailureMs === null ? null : Math.round(a.timeToFailureMs),
    recommendedAction: a.recommendedAction,
    links: a.links,
    startsAt: new Date(a.startsAt),
    updatedAt: new Date(a.updatedAt),
    endsAt: d(a.endsAt),
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: d(a.acknowledgedAt),
    ackNote: a.ackNote,
    resolvedBy: a.resolvedBy,
    resolveNote: a.resolveNote,
    site: a.labels.site ?? null,
    device: a.labels.device ?? null,
    kind: a.labels.kind ?? null,
  };
}

function fromRow(r: AlertRow): Alert {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    source: r.source as AlertSource,
    state: r.state as AlertState,
    severity: r.severity as Severity,
    labels: r.labels,
    summary: r.summary,
    description: r.description,
    evidence: r.evidence,
    timeToFailureMs: r.timeToFailureMs,
    recommendedAction: r.recommendedAction,
    links: r.links,
    startsAt: r.startsAt.getTime(),
    updatedAt: r.updatedAt.getTime(),
    endsAt: n(r.endsAt),
    acknowledgedBy: r.acknowledgedBy,
    acknowledgedAt: n(r.acknowledgedAt),
    ackNote: r.ackNote,
    resolvedBy: r.resolvedBy,
    resolveNote: r.resolveNote,
  };
}

/** Alerts, their history, silences and the delivery log in the SQL store (PGlite or Postgres). */
@Injectable()
export class AlertRepository {
  constructor(private readonly store: SqlStore) {}

  private get db() {
    return this.store.db;
  }

  async insertAlert(alert: Alert, event: AlertHistoryEntry): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(alertsTable).values(toRow(alert));
      await tx.insert(alertEventsTable).values(eventRow(event));
    });
  }

  async updateAlert(alert: Alert, event?: AlertHistoryEntry): Promise<void> {
    const { id: _id, ...row } = toRow(alert);
    await this.db.transaction(async (tx) => {
      await tx.update(alertsTable).set(row).where(eq(alertsTable.id, alert.id));
      if (event) await tx.insert(alertEventsTable).values(eventRow(event));
    });
  }

  async loadOpen(): Promise<Alert[]> {
    const rows = await this.db.select().from(alertsTable).where(ne(alertsTable.state, 'resolved'));
    return rows.map(fromRow);
  }

  async list(filter: AlertFilter): Promise<Alert[]> {
    const where: SQL[] = [];
    if (filter.state?.length) where.push(inArray(alertsTable.state, filter.state));
    if (filter.severity?.length) where.push(inArray(alertsTable.severity, filter.severity));
    if (filter.site) where.push(eq(alertsTable.site, filter.site));
    if (filter.device) where.push(eq(alertsTable.device, filter.device));
    if (filter.kind) where.push(eq(alertsTable.kind, filter.kind));
    const rows = await this.db
      .select()
      .from(alertsTable)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(alertsTable.startsAt), asc(alertsTable.id))
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0);
    return rows.map(fromRow);
  }

  async get(id: string): Promise<Alert | null> {
    const rows = await this.db.select().from(alertsTable).where(eq(alertsTable.id, id));
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async history(alertId: string): Promise<AlertHistoryEntry[]> {
    const rows = await this.db.select().from(alertEventsTable).where(eq(alertEventsTable.alertId, alertId)).orderBy(asc(alertEventsTable.id));
    return rows.map((r) => ({ alertId: r.alertId, type: r.type as AlertHistoryEntry['type'], actor: r.actor, note: r.note, severity: r.severity as Severity, at: r.at.getTime() }));
  }

  async deliveries(alertId: string): Promise<DeliveryRecord[]> {
    const rows = await this.db.select().from(deliveriesTable).where(eq(deliveriesTable.alertId, alertId)).orderBy(asc(deliveriesTable.id));
    return rows.map(deliveryFromRow);
  }

  async recentDeliveries(receiver?: string): Promise<DeliveryRecord[]> {
    const rows = await this.db
      .select()
      .from(deliveriesTable)
      .where(receiver ? eq(deliveriesTable.receiver, receiver) : undefined)
      .orderBy(asc(deliveriesTable.id));
    return rows.map(deliveryFromRow);
  }

  async logDeliveries(records: DeliveryRecord[]): Promise<void> {
    if (!records.length) return;
    await this.db.insert(deliveriesTable).values(
      records.map((r) => ({
        notificationId: r.notificationId,
        alertId: r.alertId,
        receiver: r.receiver,
        integration: r.integration,
        attempt: r.attempt,
        status: r.status,
        error: r.error,
        durationMs: r.durationMs,
        at: new Date(r.at),
      })),
    );
  }

  async insertSilence(s: Silence): Promise<void> {
    await this.db.insert(silencesTable).values({
      id: s.id,
      matchers: s.matchers,
      startsAt: new Date(s.startsAt),
      endsAt: new Date(s.endsAt),
      createdBy: s.createdBy,
      comment: s.comment,
      recurrence: s.recurrence,
      createdAt: new Date(s.createdAt),
    });
  }

  async expireSilence(id: string, at: number): Promise<void> {
    await this.db
      .update(silencesTable)
      .set({ endsAt: sql`least(${silencesTable.endsAt}, ${new Date(at).toISOString()}::timestamptz)` })
      .where(eq(silencesTable.id, id));
  }

  async silences(): Promise<Silence[]> {
    const rows = await this.db.select().from(silencesTable).orderBy(desc(silencesTable.createdAt));
    return rows.map((r) => ({
      id: r.id,
      matchers: r.matchers,
      startsAt: r.startsAt.getTime(),
      endsAt: r.endsAt.getTime(),
      createdBy: r.createdBy,
      comment: r.comment,
      recurrence: r.recurrence ?? null,
      createdAt: r.createdAt.getTime(),
    }));
  }
}

function eventRow(e: AlertHistoryEntry): typeof alertEventsTable.$inferInsert {
  return { alertId: e.alertId, type: e.type, actor: e.actor, note: e.note, severity: e.severity, at: new Date(e.at) };
}

function deliveryFromRow(r: typeof deliveriesTable.$inferSelect): DeliveryRecord {
  return {
    notificationId: r.notificationId,
    alertId: r.alertId,
    receiver: r.receiver,
    integration: r.integration,
    attempt: r.attempt,
    status: r.status as DeliveryRecord['status'],
    error: r.error,
    durationMs: r.durationMs,
    at: r.at.getTime(),
  };
}

import { bigint, bigserial, index, integer, jsonb, pgTable, real, text, timestamp } from 'drizzle-orm/pg-core';
import type { Evidence } from '../model/alert';
import type { Labels } from '../model/labels';
import type { Matcher } from '../model/matchers';
import type { Recurrence } from '../model/recurrence';

/** Tables created by ALERTS_MIGRATIONS; keep both in step. */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const alertsTable = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    fingerprint: text('fingerprint').notNull(),
    source: text('source').notNull(),
    state: text('state').notNull(),
    severity: text('severity').notNull(),
    labels: jsonb('labels').$type<Labels>().notNull(),
    summary: text('summary').notNull(),
    description: text('description').notNull(),
    evidence: jsonb('evidence').$type<Evidence>().notNull(),
    timeToFailureMs: bigint('time_to_failure_ms', { mode: 'number' }),
    recommendedAction: text('recommended_action').notNull(),
    links: jsonb('links').$type<{ dashboard?: string; console?: string; api: string }>().notNull(),
    startsAt: ts('starts_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    endsAt: ts('ends_at'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: ts('acknowledged_at'),
    ackNote: text('ack_note'),
    resolvedBy: text('resolved_by'),
    resolveNote: text('resolve_note'),
    site: text('site'),
    device: text('device'),
    kind: text('kind'),
  },
  (t) => [index('alerts_state_idx').on(t.state), index('alerts_device_idx').on(t.device), index('alerts_fingerprint_idx').on(t.fingerprint)],
);

export const alertEventsTable = pgTable(
  'alert_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: text('alert_id').notNull(),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    note: text('note'),
    severity: text('severity').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('alert_events_alert_idx').on(t.alertId)],
);

export const silencesTable = pgTable('silences', {
  id: text('id').primaryKey(),
  matchers: jsonb('matchers').$type<Matcher[]>().notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  createdBy: text('created_by').notNull(),
  comment: text('comment').notNull(),
  recurrence: jsonb('recurrence').$type<Recurrence[] | null>(),
  createdAt: ts('created_at').notNull(),
});

export const deliveriesTable = pgTable(
  'deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationId: text('notification_id').notNull(),
    alertId: text('alert_id').notNull(),
    receiver: text('receiver').notNull(),
    integration: text('integration').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    error: text('error'),
    durationMs: real('duration_ms').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('deliveries_alert_idx').on(t.alertId)],
);

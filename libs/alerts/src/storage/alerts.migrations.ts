import type { Migration } from '@gridproof/store';

/**
 * The alerts lib's schema; ids 0300_alerts_* sort after the registry's (01xx) and ingest's (02xx).
 * One statement per migration: PGlite runs a migration as one prepared statement.
 */
export const ALERTS_MIGRATIONS: readonly Migration[] = [
  { id: '0300_alerts_01_alerts', sql: `create table alerts (
    id text primary key,
    fingerprint text not null,
    source text not null,
    state text not null check (state in ('firing', 'acknowledged', 'resolved')),
    severity text not null check (severity in ('critical', 'warning', 'info')),
    labels jsonb not null,
    summary text not null,
    description text not null,
    evidence jsonb not null,
    time_to_failure_ms bigint,
    recommended_action text not null,
    links jsonb not null,
    starts_at timestamptz not null,
    updated_at timestamptz not null,
    ends_at timestamptz,
    acknowledged_by text,
    acknowledged_at timestamptz,
    ack_note text,
    resolved_by text,
    resolve_note text,
    site text,
    device text,
    kind text
    )` },
  { id: '0300_alerts_02_alerts_state_idx', sql: `create index alerts_state_idx on alerts (state)` },
  { id: '0300_alerts_03_alerts_device_idx', sql: `create index alerts_device_idx on alerts (device)` },
  { id: '0300_alerts_04_alerts_fingerprint_idx', sql: `create index alerts_fingerprint_idx on alerts (fingerprint)` },
  // One open instance per problem: re-firing after a resolve is a new row.
  { id: '0300_alerts_05_alerts_open_fingerprint_uq', sql: `create unique index alerts_open_fingerprint_uq on alerts (fingerprint) where state <> 'resolved'` },
  { id: '0300_alerts_06_alert_events', sql: `create table alert_events (
    id bigserial primary key,
    alert_id text not null references alerts (id) on delete cascade,
    type text not null,
    actor text not null,
    note text,
    severity text not null,
    at timestamptz not null
    )` },
  { id: '0300_alerts_07_alert_events_alert_idx', sql: `create index alert_events_alert_idx on alert_events (alert_id)` },
  { id: '0300_alerts_08_silences', sql: `create table silences (
    id text primary key,
    matchers jsonb not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    created_by text not null,
    comment text not null,
    recurrence jsonb,
    created_at timestamptz not null
    )` },
  { id: '0300_alerts_09_deliveries', sql: `create table deliveries (
    id bigserial primary key,
    notification_id text not null,
    alert_id text not null,
    receiver text not null,
    integration text not null,
    attempt integer not null,
    status text not null,
    error text,
    duration_ms real not null,
    at timestamptz not null
    )` },
  { id: '0300_alerts_10_deliveries_alert_idx', sql: `create index deliveries_alert_idx on deliveries (alert_id)` },
];

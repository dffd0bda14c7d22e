import type { Migration } from '@gridproof/store';

/** Anomaly events for alerts and audits (scores themselves live in InfluxDB). */
export const DETECT_MIGRATIONS: Migration[] = [
  {
    id: '0200_detect_init',
    sql: `
      create table if not exists detect_anomalies (
        id bigserial primary key,
        device text not null,
        type text not null,
        site text not null,
        detector text not null,
        kind text,
        score double precision not null,
        threshold double precision not null,
        model_version text not null,
        metrics jsonb not null,
        ts timestamptz not null,
        time_to_failure_ms bigint,
        created_at timestamptz not null default now()
      )
    `,
  },
  // One statement per migration: PGlite's extended protocol runs a single command at a time.
  { id: '0201_detect_anomalies_index', sql: 'create index if not exists detect_anomalies_device_ts on detect_anomalies (device, ts desc)' },
];

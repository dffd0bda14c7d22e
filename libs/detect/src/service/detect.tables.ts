import { bigint, bigserial, doublePrecision, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { AnomalyEvent } from '@gridproof/events';

/** Tables created by DETECT_MIGRATIONS; keep both in step. */
export const detectAnomaliesTable = pgTable('detect_anomalies', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  device: text('device').notNull(),
  type: text('type').notNull(),
  site: text('site').notNull(),
  detector: text('detector').notNull(),
  kind: text('kind'),
  score: doublePrecision('score').notNull(),
  threshold: doublePrecision('threshold').notNull(),
  modelVersion: text('model_version').notNull(),
  metrics: jsonb('metrics').$type<AnomalyEvent['metrics']>().notNull(),
  ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
  timeToFailureMs: bigint('time_to_failure_ms', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

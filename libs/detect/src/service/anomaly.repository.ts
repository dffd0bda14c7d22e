import { sql } from 'drizzle-orm';
import type { AnomalyEvent } from '@gridproof/events';
import { rowsOf, SqlStore } from '@gridproof/store';

/** Anomaly events in the SQL store (table detect_anomalies, migration 0200_detect_init). */
export interface StoredAnomaly {
  device: string;
  detector: string;
  kind: string | null;
  score: number;
  ts: Date;
  model_version: string;
  metrics: AnomalyEvent['metrics'];
}

export class AnomalyRepository {
  constructor(private readonly store: SqlStore) {}

  async insert(events: readonly AnomalyEvent[]): Promise<void> {
    for (const e of events) {
      await this.store.db.execute(sql`insert into detect_anomalies
        (device, type, site, detector, kind, score, threshold, model_version, metrics, ts, time_to_failure_ms)
        values (${e.device.id}, ${e.device.type}, ${e.device.site}, ${e.detector}, ${e.kind ?? null}, ${e.score}, ${e.threshold},
                ${e.modelVersion}, ${JSON.stringify(e.metrics)}::jsonb, ${new Date(e.ts).toISOString()}::timestamptz, ${e.timeToFailureMs ?? null})`);
    }
  }

  async recent(device: string, limit = 50): Promise<StoredAnomaly[]> {
    const res = await this.store.db.execute(sql`select device, detector, kind, score, ts, model_version, metrics
      from detect_anomalies where device = ${device} order by ts desc limit ${limit}`);
    return rowsOf<StoredAnomaly>(res);
  }
}

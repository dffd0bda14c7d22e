import { Injectable } from '@nestjs/common';
import { desc, eq } from 'drizzle-orm';
import type { AnomalyEvent } from '@gridproof/events';
import { SqlStore } from '@gridproof/store';
import { detectAnomaliesTable } from './detect.tables';

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

@Injectable()
export class AnomalyRepository {
  constructor(private readonly store: SqlStore) {}

  /** One INSERT for the whole batch (it was one per event). */
  async insert(events: readonly AnomalyEvent[]): Promise<void> {
    if (!events.length) return;
    await this.store.db.insert(detectAnomaliesTable).values(
      events.map((e) => ({
        device: e.device.id,
        type: e.device.type,
        site: e.device.site,
        detector: e.detector,
        kind: e.kind ?? null,
        score: e.score,
        threshold: e.threshold,
        modelVersion: e.modelVersion,
        metrics: e.metrics,
        ts: new Date(e.ts),
        timeToFailureMs: e.timeToFailureMs ?? null,
      })),
    );
  }

  async recent(device: string, limit = 50): Promise<StoredAnomaly[]> {
    const t = detectAnomaliesTable;
    return this.store.db
      .select({ device: t.device, detector: t.detector, kind: t.kind, score: t.score, ts: t.ts, model_version: t.modelVersion, metrics: t.metrics })
      .from(t)
      .where(eq(t.device, device))
      .orderBy(desc(t.ts))
      .limit(limit);
  }
}

/**
 * What InfluxDB holds, by device and seq: the fault tests count what landed by query, never
 * by the sender's count. Uses the v1 /query endpoint with chunking so large series come back
 * whole.
 */
export async function storedSeqs(influxUrl: string, database: string, measurement = 'energy'): Promise<Map<string, number[]>> {
  const q = `SELECT "seq", "device" FROM "${measurement}"`;
  const res = await fetch(`${influxUrl}/query?db=${encodeURIComponent(database)}&chunked=true&chunk_size=10000&q=${encodeURIComponent(q)}`);
  if (!res.ok) throw new Error(`InfluxDB query failed: HTTP ${res.status} ${await res.text()}`);
  const out = new Map<string, number[]>();
  // Chunked answers are one JSON document per line.
  for (const line of (await res.text()).split('\n')) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { results: Array<{ error?: string; series?: Array<{ columns: string[]; values: unknown[][] }> }> };
    for (const result of doc.results) {
      if (result.error) throw new Error(`InfluxDB query failed: ${result.error}`);
      for (const series of result.series ?? []) {
        const seqCol = series.columns.indexOf('seq');
        const devCol = series.columns.indexOf('device');
        for (const row of series.values) {
          const device = String(row[devCol]);
          const list = out.get(device) ?? [];
          list.push(Number(row[seqCol]));
          out.set(device, list);
        }
      }
    }
  }
  return out;
}

export interface ExactlyOnceReport {
  /** Acknowledged readings not found in InfluxDB. */
  missing: Array<{ device: string; seq: number }>;
  /** (device, seq) pairs stored more than once. */
  duplicated: Array<{ device: string; seq: number; times: number }>;
  /** Stored readings the device never sent. */
  invented: Array<{ device: string; seq: number }>;
  acked: number;
  stored: number;
}

/** Compares what each device had acknowledged (and sent) with what InfluxDB holds. */
export function compareExactlyOnce(
  stored: Map<string, number[]>,
  devices: Array<{ id: string; acked: Iterable<number>; sent: number }>,
): ExactlyOnceReport {
  const report: ExactlyOnceReport = { missing: [], duplicated: [], invented: [], acked: 0, stored: 0 };
  for (const d of devices) {
    const seqs = stored.get(d.id) ?? [];
    report.stored += seqs.length;
    const counts = new Map<number, number>();
    for (const s of seqs) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [seq, times] of counts) {
      if (times > 1) report.duplicated.push({ device: d.id, seq, times });
      if (seq < 1 || seq > d.sent) report.invented.push({ device: d.id, seq });
    }
    for (const seq of d.acked) {
      report.acked++;
      if (!counts.has(seq)) report.missing.push({ device: d.id, seq });
    }
  }
  return report;
}

/** Drops a test's database (suites on the shared InfluxDB leave nothing behind). */
export async function dropDatabase(influxUrl: string, database: string): Promise<void> {
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' });
}

import { InfluxDB, escape } from 'influx';
import { ExponentialBackoff } from 'influx/lib/src/backoff/exponential';
import type { GridProofConfig } from '@gridproof/config';
import { CATALOGUE, DEVICE_ID_PATTERN, DEVICE_TYPES, FAMILIES, Family, familyOf } from '@gridproof/telemetry';
import { pointLine } from './line-protocol';
import { MEASUREMENTS, META_RETENTION_POLICY, RAW_RETENTION_POLICY, ROLLUP_MIN_POINTS, ROLLUP_RETENTION_POLICY } from './schema';

export type InfluxConnection = Omit<GridProofConfig['influx'], 'url' | 'localPort'> & { url: string };

/**
 * Why a write failed. Retryable failures (server down, 5xx, timeout, database gone) go to the
 * spool and are retried; a rejected write (400: unparseable line, field type conflict, points
 * outside the retention policy) will never succeed and must not block the spool.
 */
export class InfluxWriteError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface TelemetryQuery {
  deviceId: string;
  /** Unix ms, inclusive. */
  from: number;
  /** Unix ms, exclusive. */
  to: number;
  /** Metric names to return; all of the family's when omitted. */
  metrics?: string[];
  limit?: number;
  /** Search only this family's measurement; all families when omitted. */
  family?: Family;
}

export interface TelemetryPoint {
  ts: number;
  family: Family;
  type: string;
  site: string;
  seq: number;
  rx: number;
  sig: string | null;
  readings: Record<string, number | string>;
}

/** One anomaly score the detectors wrote (measurement `anomaly`; anomalyScores). */
export interface ScorePoint {
  ts: number;
  detector: string;
  score: number;
  threshold: number;
  isAnomaly: boolean;
}

/** One stored reading with its device's tags (recentReadings). */
export interface RecentReading {
  device: string;
  site: string;
  type: string;
  family: Family;
  ts: number;
  readings: Record<string, number | string>;
}

/**
 * The port of a stage that only writes points (the ingest's DurableWriter, anchoring, the audit,
 * detection's score points, alert annotations): newline-separated line protocol in, resolved once
 * InfluxDB has it. InfluxTelemetryStore implements it; a stage never sees the connection.
 */
export interface LineSink {
  writeLines(body: string, options?: WriteOptions): Promise<void>;
}

export interface WriteOptions {
  /** Retention policy to write into; the database's default (autogen) when omitted. */
  retentionPolicy?: string;
}

export interface InfluxStoreOptions {
  /** Per write request; a server that hangs longer counts as down. */
  writeTimeoutMs?: number;
  queryTimeoutMs?: number;
}

const METRIC_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The one adapter GridProof uses for InfluxDB (1.x HTTP API). Schema, retention and queries go
 * through node-influx; the hot write path POSTs line protocol built by line-protocol.ts.
 * Credentials travel only in the Authorization header (HTTP Basic, RFC 7617), never in a URL:
 * InfluxDB also takes `u`/`p` query parameters, but URLs end up in proxy and access logs.
 * CoreModule provides one instance per process; the detection thread builds its own.
 */
export class InfluxTelemetryStore implements LineSink {
  readonly influx: InfluxDB;
  private readonly writeUrl: string;
  private readonly pingUrl: string;
  private readonly authHeader: string | undefined;
  private readonly writeTimeoutMs: number;

  constructor(
    readonly connection: InfluxConnection,
    options: InfluxStoreOptions = {},
  ) {
    const url = new URL(connection.url);
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.influx = new InfluxDB({
      hosts: [{ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol === 'https:' ? 'https' : 'http', path: url.pathname.replace(/\/$/, '') }],
      database: connection.database,
      username: connection.username,
      password: connection.password,
      // node-influx parks a failed host for its backoff; keep it short so queries come back
      // soon after InfluxDB does.
      pool: { maxRetries: 0, requestTimeout: options.queryTimeoutMs ?? 15_000, backoff: new ExponentialBackoff({ initial: 100, max: 1_000, random: 0 }) },
    });
    const base = connection.url.replace(/\/$/, '');
    this.writeUrl = `${base}/write?db=${encodeURIComponent(connection.database)}&precision=ms`;
    this.pingUrl = `${base}/ping`;
    this.authHeader = connection.username ? `Basic ${Buffer.from(`${connection.username}:${connection.password ?? ''}`).toString('base64')}` : undefined;
  }

  get database(): string {
    return this.connection.database;
  }

  /** True when the server answers /ping (204). */
  async ping(timeoutMs = 1_000): Promise<boolean> {
    try {
      const res = await fetch(this.pingUrl, { signal: AbortSignal.timeout(timeoutMs), headers: this.headers() });
      await res.arrayBuffer();
      return res.status === 204;
    } catch {
      return false;
    }
  }

  /**
   * Creates the database, makes `autogen` the default policy with the configured retention,
   * the `rollup` policy, and one continuous query per family that downsamples every numeric
   * metric to its mean per rollupInterval; the `gp_meta` policy and in it the range lengths
   * dashboards read from each policy (rollupRangeLines). Idempotent: safe on every start.
   */
  async ensureSchema(): Promise<void> {
    const { database, retention, rollupRetention } = this.connection;
    await this.influx.createDatabase(database);
    const policies = await this.influx.showRetentionPolicies(database);
    const upsert = async (name: string, duration: string, isDefault: boolean) => {
      const options = { database, duration: influxDuration(duration), replication: 1, isDefault };
      if (policies.some((p) => p.name === name)) await this.influx.alterRetentionPolicy(name, options);
      else await this.influx.createRetentionPolicy(name, options);
    };
    await upsert('autogen', retention, true);
    await upsert(ROLLUP_RETENTION_POLICY, rollupRetention, false);
    await upsert(META_RETENTION_POLICY, 'INF', false);
    const existing = new Set((await this.continuousQueries()).map((cq) => cq.name));
    for (const family of FAMILIES) {
      const name = rollupQueryName(family);
      // A CQ cannot be altered; recreate it so a changed interval or catalogue takes effect.
      if (existing.has(name)) await this.influx.dropContinuousQuery(name, database);
      await this.influx.createContinuousQuery(name, rollupQuery(database, family, this.connection.rollupInterval), database);
    }
    await this.writeLines(rollupRangeLines(this.connection.rollupInterval, retention).join('\n'), { retentionPolicy: META_RETENTION_POLICY });
  }

  /**
   * This database's continuous queries. (node-influx's showContinousQueries flattens the answer
   * of every database on the server into one list.)
   */
  async continuousQueries(): Promise<Array<{ name: string; query: string }>> {
    const raw = (await this.influx.queryRaw('SHOW CONTINUOUS QUERIES')) as {
      results?: Array<{ series?: Array<{ name: string; columns: string[]; values?: unknown[][] }> }>;
    };
    const series = raw.results?.[0]?.series?.find((s) => s.name === this.connection.database);
    if (!series) return [];
    const nameAt = series.columns.indexOf('name');
    const queryAt = series.columns.indexOf('query');
    return (series.values ?? []).map((row) => ({ name: String(row[nameAt]), query: String(row[queryAt]) }));
  }

  /** POSTs line protocol (newline-separated points). Resolves once InfluxDB answered 204. */
  async writeLines(body: string, options: WriteOptions = {}): Promise<void> {
    let res: Response;
    const url = options.retentionPolicy ? `${this.writeUrl}&rp=${encodeURIComponent(options.retentionPolicy)}` : this.writeUrl;
    try {
      res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...this.headers() },
        signal: AbortSignal.timeout(this.writeTimeoutMs),
      });
    } catch (err) {
      throw new InfluxWriteError(`InfluxDB unreachable: ${describeFetchError(err)}`, true);
    }
    if (res.status === 204) {
      await res.arrayBuffer();
      return;
    }
    const text = (await res.text().catch(() => '')).slice(0, 500);
    // 404 "database not found": someone dropped it; the writer re-runs ensureSchema and retries.
    const retryable = res.status >= 500 || res.status === 404 || res.status === 401 || res.status === 403 || res.status === 429;
    throw new InfluxWriteError(`InfluxDB answered ${res.status}: ${text}`, retryable, res.status);
  }

  /**
   * The seq and ts (the point's time) of the newest stored point of each of the given devices
   * of one family (devices with nothing stored are absent). Ingest accepts a reading only with
   * seq and ts above the previous one's, so this is also the highest seq. One query for many
   * devices, so a fleet reconnecting after a restart costs a few queries, not one per device.
   */
  async lastAccepted(family: Family, deviceIds: string[]): Promise<Map<string, { seq: number; ts: number; sig: string | null }>> {
    const out = new Map<string, { seq: number; ts: number; sig: string | null }>();
    const ids = deviceIds.filter((id) => DEVICE_ID_PATTERN.test(id));
    if (!ids.length) return out;
    const where = ids.map((id) => `"device" = ${escape.stringLit(id)}`).join(' OR ');
    // A single selector returns the time (its ts) and other fields of the point it selected (InfluxQL).
    const rows = await this.influx.query<{ device: string; last: number; sig: string | null; time: Date }>(`SELECT last("seq"), "sig" FROM ${escape.quoted(family)} WHERE ${where} GROUP BY "device"`);
    for (const row of rows) {
      if (typeof row.device === 'string' && typeof row.last === 'number') out.set(row.device, { seq: row.last, ts: row.time.getTime(), sig: typeof row.sig === 'string' ? row.sig : null });
    }
    return out;
  }

  /** A device's telemetry in a time range, oldest first. */
  async telemetry(query: TelemetryQuery): Promise<TelemetryPoint[]> {
    if (!DEVICE_ID_PATTERN.test(query.deviceId)) throw new Error(`invalid device id ${JSON.stringify(query.deviceId)}`);
    const families = query.family ? [query.family] : [...FAMILIES];
    const metrics = query.metrics?.length ? query.metrics : null;
    if (metrics?.some((m) => !METRIC_NAME.test(m))) throw new Error('invalid metric name');
    const limit = Math.max(1, Math.min(query.limit ?? 10_000, 100_000));
    const out: TelemetryPoint[] = [];
    for (const family of families) {
      const fields = metrics ?? familyMetrics(family);
      const select = ['seq', 'rx', 'sig', 'type', 'site', ...fields].map((f) => escape.quoted(f)).join(', ');
      const sql =
        `SELECT ${select} FROM ${escape.quoted(family)} WHERE "device" = ${escape.stringLit(query.deviceId)} ` +
        `AND time >= ${Math.trunc(query.from)}ms AND time < ${Math.trunc(query.to)}ms ORDER BY time ASC LIMIT ${limit}`;
      const rows = await this.influx.query<Record<string, unknown>>(sql);
      for (const row of rows) {
        const readings: Record<string, number | string> = {};
        for (const f of fields) {
          const v = row[f];
          if (typeof v === 'number' || typeof v === 'string') readings[f] = v;
        }
        out.push({
          ts: (row.time as Date).getTime(),
          family,
          type: String(row.type ?? ''),
          site: String(row.site ?? ''),
          seq: Number(row.seq),
          rx: Number(row.rx),
          sig: typeof row.sig === 'string' ? row.sig : null,
          readings,
        });
      }
    }
    return out.sort((a, b) => a.ts - b.ts).slice(0, limit);
  }

  /**
   * A device's anomaly scores in [from, to), oldest first, optionally of one detector: the score
   * series an alert's evidence chart draws next to the metric (one point per device, detector
   * and minute by default, GP_DETECT_SCORE_INTERVAL_MS).
   */
  async anomalyScores(query: { deviceId: string; from: number; to: number; detector?: string; limit?: number }): Promise<ScorePoint[]> {
    if (!DEVICE_ID_PATTERN.test(query.deviceId)) throw new Error(`invalid device id ${JSON.stringify(query.deviceId)}`);
    const limit = Math.max(1, Math.min(query.limit ?? 10_000, 100_000));
    const sql =
      `SELECT "score", "threshold", "is_anomaly", "detector" FROM ${escape.quoted(MEASUREMENTS.anomaly)} WHERE "device" = ${escape.stringLit(query.deviceId)} ` +
      (query.detector ? `AND "detector" = ${escape.stringLit(query.detector)} ` : '') +
      `AND time >= ${Math.trunc(query.from)}ms AND time < ${Math.trunc(query.to)}ms ORDER BY time ASC LIMIT ${limit}`;
    const rows = await this.influx.query<Record<string, unknown>>(sql);
    return rows
      .filter((row) => typeof row.score === 'number')
      .map((row) => ({
        ts: (row.time as Date).getTime(),
        detector: String(row.detector ?? ''),
        score: row.score as number,
        threshold: Number(row.threshold),
        isAnomaly: Number(row.is_anomaly) === 1,
      }));
  }

  /**
   * The last `perDevice` readings of every device in [from, to) (Unix ms), oldest first per
   * device, all devices together in time order: one query per family (InfluxQL's LIMIT applies
   * per series of a GROUP BY). What a detector replays at start to be warm again.
   */
  async recentReadings(from: number, to: number, perDevice: number): Promise<RecentReading[]> {
    const limit = Math.max(1, Math.min(Math.trunc(perDevice), 100_000));
    const out: RecentReading[] = [];
    for (const family of FAMILIES) {
      const fields = familyMetrics(family);
      const sql =
        `SELECT ${fields.map((f) => escape.quoted(f)).join(', ')} FROM ${escape.quoted(family)} ` +
        `WHERE time >= ${Math.trunc(from)}ms AND time < ${Math.trunc(to)}ms GROUP BY "device", "site", "type" ORDER BY time DESC LIMIT ${limit}`;
      const raw = (await this.influx.queryRaw(sql, { precision: 'ms' })) as {
        results: Array<{ error?: string; series?: Array<{ tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }>;
      };
      const result = raw.results[0];
      if (result?.error) throw new Error(`InfluxDB query failed: ${result.error}`);
      for (const series of result?.series ?? []) {
        const tags = series.tags ?? {};
        for (const row of series.values) {
          const readings: Record<string, number | string> = {};
          for (let i = 1; i < series.columns.length; i++) {
            const v = row[i];
            if (typeof v === 'number' || typeof v === 'string') readings[series.columns[i]] = v;
          }
          out.push({ device: tags.device ?? '', site: tags.site ?? '', type: tags.type ?? '', family, ts: Number(row[0]), readings });
        }
      }
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  /**
   * An InfluxQL query against this database, answered as InfluxDB's raw JSON with times in epoch
   * ms. For the readers in this lib (InfluxRecordReader, readTypeSeries); stages use those.
   */
  async queryRaw(query: string): Promise<unknown> {
    return this.influx.queryRaw(query, { database: this.connection.database, precision: 'ms' });
  }

  /** Runs a statement that changes data (DELETE, DROP SERIES): POSTed, as InfluxDB 1.x asks. */
  async execute(statement: string): Promise<void> {
    const raw = (await this.influx.queryRaw(statement, { database: this.connection.database, method: 'POST' })) as { results?: Array<{ error?: string }> };
    const error = raw.results?.find((r) => r.error)?.error;
    if (error) throw new Error(`InfluxDB refused ${statement.split(' ')[0]}: ${error}`);
  }

  /** Creates the database alone (no policies or continuous queries; ensureSchema does all). */
  async createDatabase(): Promise<void> {
    await this.influx.createDatabase(this.connection.database);
  }

  async dropDatabase(): Promise<void> {
    await this.influx.dropDatabase(this.connection.database);
  }

  private headers(): Record<string, string> {
    return this.authHeader ? { authorization: this.authHeader } : {};
  }
}

export function rollupQueryName(family: Family): string {
  return `gp_rollup_${family}`;
}

/** Every numeric metric of the family's device types (enums such as status cannot be averaged). */
export function familyMetrics(family: Family, kind: 'number' | 'all' = 'all'): string[] {
  const names = new Set<string>();
  for (const type of DEVICE_TYPES) {
    if (familyOf(type) !== family) continue;
    for (const [name, spec] of Object.entries(CATALOGUE[type].metrics)) {
      if (kind === 'all' || spec.kind === 'number') names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * The downsampling query: mean of each numeric metric, keeping the metric's name so dashboards
 * query the rollup with the same field names, grouped by every tag (device, site, type).
 */
export function rollupQuery(database: string, family: Family, interval: string): string {
  const db = escape.quoted(database);
  const m = escape.quoted(family);
  const fields = familyMetrics(family, 'number')
    .map((f) => `mean(${escape.quoted(f)}) AS ${escape.quoted(f)}`)
    .join(', ');
  return `SELECT ${fields} INTO ${db}.${escape.quoted(ROLLUP_RETENTION_POLICY)}.${m} FROM ${db}."autogen".${m} GROUP BY time(${interval}), *`;
}

/**
 * The same downsampling over [from, to) (Unix ms) at once: what the continuous query would have
 * written for that span. Backfills the rollup of data written before the query existed (or of
 * a test's seed); whole intervals, so run it over interval-aligned bounds.
 */
export function rollupBackfillQuery(database: string, family: Family, interval: string, from: number, to: number): string {
  return rollupQuery(database, family, interval).replace(' GROUP BY time(', ` WHERE time >= ${Math.trunc(from)}ms AND time < ${Math.trunc(to)}ms GROUP BY time(`);
}

/**
 * gp_rollup_ranges (gp_meta policy): ranges shorter than ROLLUP_MIN_POINTS rollup intervals,
 * and shorter than the raw retention, read raw points; longer ones read the rollup. Dashboards'
 * `rp` variable selects the row whose [from_ms, to_ms) holds the range's length.
 */
export function rollupRangeLines(rollupInterval: string, rawRetention: string): string[] {
  const threshold = Math.min(durationMs(rollupInterval) * ROLLUP_MIN_POINTS, durationMs(rawRetention));
  const row = (rp: string, from: number, to: number) =>
    pointLine(MEASUREMENTS.rollupRanges, { rp }, { rp, from_ms: { int: from }, to_ms: { int: to } }, 0);
  return [row(RAW_RETENTION_POLICY, 0, threshold), row(ROLLUP_RETENTION_POLICY, threshold, Number.MAX_SAFE_INTEGER)];
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** 5m, 90d, 12w, INF (config formats) in ms; INF is Number.MAX_SAFE_INTEGER. */
export function durationMs(value: string): number {
  if (value === 'INF') return Number.MAX_SAFE_INTEGER;
  const m = /^(\d+)([smhdw])$/.exec(value);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(value)} (expected e.g. 5m, 90d, 12w or INF)`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Our env format (90d, 12w, 720h, INF) in InfluxQL duration syntax. */
function influxDuration(value: string): string {
  return value === 'INF' ? 'INF' : value;
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'request timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

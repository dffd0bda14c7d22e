import { resolve, join } from 'node:path';
import { Env, envSchema } from './config.schema';

/** The typed configuration every module receives. Built once from the environment. */
export interface GridProofConfig {
  host: string;
  dataDir: string;
  logLevel: Env['GP_LOG_LEVEL'];
  /** tls: serve the API (and HTTPS ingest) over TLS with these PEM files. */
  api: { port: number; tls: { certPath: string; keyPath: string } | null };
  mqtt: {
    port: number;
    wsPort: number;
    tls: { port: number; certPath: string; keyPath: string } | null;
    maxPayloadBytes: number;
    /**
     * Time a new connection has to deliver its CONNECT; then it is closed. Bounds how long a
     * half-open socket (slow-loris) holds a file descriptor.
     */
    connectTimeoutMs: number;
  };
  influx: {
    /** null: start a local influxd under dataDir on localPort. */
    url: string | null;
    localPort: number;
    database: string;
    username?: string;
    password?: string;
    retention: string;
    rollupRetention: string;
    rollupInterval: string;
  };
  sql: { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };
  ingest: {
    batchSize: number;
    flushMs: number;
    maxInFlight: number;
    maxFutureSkewMs: number;
    maxBackfillMs: number;
    spoolDir: string;
    spoolMaxBytes: number;
    /** Ed25519 verification threads; 0 = on the main thread; unset = one per core. */
    verifyThreads?: number;
    /** Messages per second one device may send on average (0: no limit), and in a row. */
    deviceRatePerS: number;
    deviceBurst: number;
  };
  chain: {
    /** null: the embedded in-process EVM. */
    rpcUrl: string | null;
    privateKey?: string;
    chainId?: number;
    confirmations: number;
    /** Loopback JSON-RPC port of the embedded chain (verifiers use it; 0 = any free port). */
    embeddedRpcPort: number;
  };
  anchor: { intervalMs: number; maxRecords: number; settleMs: number };
  alerts: { configPath?: string; grafanaUrl: string };
  /**
   * maxStreams: generic-detector streams (device × metric, peer streams too) kept in memory, ≈ 3 KB each.
   * thread: score in a worker thread (default) instead of on the broker's thread.
   * scoreIntervalMs: one generic score point per device and this much device time in InfluxDB (0: every reading).
   */
  detect: { modelsDir: string; maxStreams: number; multivariate: boolean; thread: boolean; scoreIntervalMs: number; warmStartHours: number; warmStartReadings: number };
  sim: { enabled: boolean; fleetPath?: string };
  /** Contribution ledger: epoch length (UTC days by default), reporting slot, pool per epoch (base units, decimal). */
  rewards: { epochMs: number; slotMs: number; poolPerEpoch: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GridProofConfig {
  // An empty variable means unset: compose files pass `${VAR:-}` through as "".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (Boolean(e.GP_API_TLS_CERT) !== Boolean(e.GP_API_TLS_KEY)) {
    problems.push('GP_API_TLS_CERT and GP_API_TLS_KEY: set both or neither');
  }
  if (Boolean(e.GP_MQTT_TLS_CERT) !== Boolean(e.GP_MQTT_TLS_KEY)) {
    problems.push('GP_MQTT_TLS_CERT and GP_MQTT_TLS_KEY: set both or neither');
  }
  if (e.CHAIN_RPC_URL && !e.CHAIN_PRIVATE_KEY) {
    problems.push('CHAIN_PRIVATE_KEY: required when CHAIN_RPC_URL is set');
  }
  if (e.GP_REWARDS_EPOCH_MS % e.GP_REWARDS_SLOT_MS !== 0) {
    problems.push(`GP_REWARDS_SLOT_MS: the epoch (${e.GP_REWARDS_EPOCH_MS} ms) must be a whole number of slots (${e.GP_REWARDS_SLOT_MS} ms)`);
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = resolve(e.GP_DATA_DIR);
  return {
    host: e.GP_HOST,
    dataDir,
    logLevel: e.GP_LOG_LEVEL,
    api: { port: e.GP_API_PORT, tls: e.GP_API_TLS_CERT && e.GP_API_TLS_KEY ? { certPath: e.GP_API_TLS_CERT, keyPath: e.GP_API_TLS_KEY } : null },
    mqtt: {
      port: e.GP_MQTT_PORT,
      wsPort: e.GP_MQTT_WS_PORT,
      tls: e.GP_MQTT_TLS_CERT && e.GP_MQTT_TLS_KEY ? { port: e.GP_MQTT_TLS_PORT, certPath: e.GP_MQTT_TLS_CERT, keyPath: e.GP_MQTT_TLS_KEY } : null,
      maxPayloadBytes: e.GP_MQTT_MAX_PAYLOAD_BYTES,
      connectTimeoutMs: e.GP_MQTT_CONNECT_TIMEOUT_MS,
    },
    influx: {
      url: e.INFLUX_URL ?? null,
      localPort: e.INFLUX_LOCAL_PORT,
      database: e.INFLUX_DATABASE,
      username: e.INFLUX_USERNAME,
      password: e.INFLUX_PASSWORD,
      retention: e.INFLUX_RETENTION,
      rollupRetention: e.INFLUX_ROLLUP_RETENTION,
      rollupInterval: e.INFLUX_ROLLUP_INTERVAL,
    },
    sql: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dir: join(dataDir, 'pglite') },
    ingest: {
      batchSize: e.GP_INGEST_BATCH_SIZE,
      flushMs: e.GP_INGEST_FLUSH_MS,
      maxInFlight: e.GP_INGEST_MAX_IN_FLIGHT,
      maxFutureSkewMs: e.GP_INGEST_MAX_FUTURE_SKEW_MS,
      maxBackfillMs: e.GP_INGEST_MAX_BACKFILL_MS,
      spoolDir: join(dataDir, 'spool'),
      spoolMaxBytes: e.GP_SPOOL_MAX_BYTES,
      verifyThreads: e.GP_INGEST_VERIFY_THREADS,
      deviceRatePerS: e.GP_INGEST_DEVICE_RATE_PER_S,
      deviceBurst: e.GP_INGEST_DEVICE_BURST,
    },
    chain: {
      rpcUrl: e.CHAIN_RPC_URL ?? null,
      privateKey: e.CHAIN_PRIVATE_KEY,
      chainId: e.CHAIN_ID,
      confirmations: e.CHAIN_CONFIRMATIONS,
      embeddedRpcPort: e.GP_CHAIN_EMBEDDED_PORT,
    },
    anchor: { intervalMs: e.GP_ANCHOR_INTERVAL_MS, maxRecords: e.GP_ANCHOR_MAX_RECORDS, settleMs: e.GP_ANCHOR_SETTLE_MS },
    alerts: { configPath: e.GP_ALERTS_CONFIG, grafanaUrl: e.GP_GRAFANA_URL },
    detect: { modelsDir: e.GP_MODELS_DIR ? resolve(e.GP_MODELS_DIR) : join(dataDir, 'models'), maxStreams: e.GP_DETECT_MAX_STREAMS, multivariate: e.GP_DETECT_MULTIVARIATE, warmStartHours: e.GP_DETECT_WARM_START_HOURS, warmStartReadings: e.GP_DETECT_WARM_START_READINGS, thread: e.GP_DETECT_THREAD, scoreIntervalMs: e.GP_DETECT_SCORE_INTERVAL_MS },
    sim: { enabled: e.GP_SIM_ENABLED, fleetPath: e.GP_SIM_FLEET },
    rewards: { epochMs: e.GP_REWARDS_EPOCH_MS, slotMs: e.GP_REWARDS_SLOT_MS, poolPerEpoch: e.GP_REWARDS_POOL },
  };
}

/** Redacts secrets before a config is logged or shown on the API. */
export function redactConfig(config: GridProofConfig): GridProofConfig {
  return {
    ...config,
    influx: { ...config.influx, password: config.influx.password ? '***' : undefined },
    sql: config.sql.kind === 'postgres' ? { kind: 'postgres', url: config.sql.url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@') } : config.sql,
    chain: { ...config.chain, privateKey: config.chain.privateKey ? '***' : undefined },
  };
}

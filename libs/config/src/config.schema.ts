import { z } from 'zod';

/**
 * Every environment variable GridProof reads, validated once at start-up. Nobody else reads
 * process.env. Each section is a nested object of the typed config. The README's configuration
 * table lists these variables with their defaults; keep both in step.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const optionalUrl = z.string().url().optional();

export const envSchema = z.object({
  GP_HOST: z.string().default('127.0.0.1'),
  GP_DATA_DIR: z.string().default('./.data'),
  GP_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),

  GP_API_PORT: port.default(3000),

  GP_MQTT_PORT: port.default(1883),
  GP_MQTT_WS_PORT: port.default(8083),
  GP_MQTT_TLS_PORT: port.default(8883),
  GP_API_TLS_CERT: z.string().optional(),
  GP_API_TLS_KEY: z.string().optional(),
  GP_MQTT_TLS_CERT: z.string().optional(),
  GP_MQTT_TLS_KEY: z.string().optional(),
  GP_MQTT_MAX_PAYLOAD_BYTES: positiveInt.default(16_384),
  // Time a new connection has to deliver its CONNECT (and a TLS client its handshake).
  GP_MQTT_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),

  INFLUX_URL: optionalUrl,
  INFLUX_DATABASE: z.string().regex(/^[A-Za-z0-9_]+$/).default('gridproof'),
  INFLUX_USERNAME: z.string().optional(),
  INFLUX_PASSWORD: z.string().optional(),
  INFLUX_RETENTION: z.string().regex(/^(INF|\d+[hdw])$/, 'a duration like 90d, 12w, 720h, or INF').default('INF'),
  INFLUX_ROLLUP_RETENTION: z.string().regex(/^(INF|\d+[hdw])$/).default('INF'),
  INFLUX_ROLLUP_INTERVAL: z.string().regex(/^\d+[smhd]$/).default('5m'),
  INFLUX_LOCAL_PORT: port.default(8086),

  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),

  GP_INGEST_BATCH_SIZE: positiveInt.default(5_000),
  GP_INGEST_FLUSH_MS: positiveInt.default(50),
  GP_INGEST_MAX_IN_FLIGHT: positiveInt.default(2),
  GP_INGEST_MAX_FUTURE_SKEW_MS: positiveInt.default(5 * 60_000),
  GP_INGEST_MAX_BACKFILL_MS: positiveInt.default(7 * 24 * 3_600_000),
  GP_SPOOL_MAX_BYTES: positiveInt.default(1024 * 1024 * 1024),
  /** Per-device publish budget (token bucket): sustained messages per second, and how many in a row; 0 turns it off. */
  GP_INGEST_DEVICE_RATE_PER_S: z.coerce.number().min(0).default(1_000),
  GP_INGEST_DEVICE_BURST: positiveInt.default(5_000),
  GP_INGEST_VERIFY_THREADS: z.coerce.number().int().min(0).max(256).optional(),

  CHAIN_RPC_URL: optionalUrl,
  CHAIN_PRIVATE_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex key').optional(),
  CHAIN_ID: positiveInt.optional(),
  CHAIN_CONFIRMATIONS: z.coerce.number().int().min(0).default(1),
  GP_ANCHOR_INTERVAL_MS: positiveInt.default(60_000),
  GP_ANCHOR_MAX_RECORDS: positiveInt.default(100_000),
  GP_ANCHOR_SETTLE_MS: positiveInt.default(2_000),
  GP_CHAIN_EMBEDDED_PORT: port.default(8545),

  GP_ALERTS_CONFIG: z.string().optional(),
  GP_GRAFANA_URL: z.string().url().default('http://localhost:3001'),
  GP_MODELS_DIR: z.string().optional(),
  GP_DETECT_MAX_STREAMS: positiveInt.default(200_000),
  GP_DETECT_THREAD: bool.default(true),
  GP_DETECT_MULTIVARIATE: bool.default(true),
  GP_DETECT_WARM_START_HOURS: z.coerce.number().min(0).max(24 * 90).default(48),
  GP_DETECT_WARM_START_READINGS: z.coerce.number().int().min(0).max(100_000).default(300),
  GP_DETECT_SCORE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),

  // Contribution ledger (libs/rewards): epoch and slot lengths, pool per epoch in token base units.
  GP_REWARDS_EPOCH_MS: positiveInt.default(86_400_000),
  GP_REWARDS_SLOT_MS: positiveInt.default(300_000),
  GP_REWARDS_POOL: z.string().regex(/^(0|[1-9][0-9]*)$/, 'a whole number of token base units, in decimal digits').default('1000000000000000000000'),

  GP_SIM_ENABLED: bool.default(true),
  GP_SIM_FLEET: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

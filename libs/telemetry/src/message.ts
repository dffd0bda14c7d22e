import { z } from 'zod';
import { checkCanonicalInput, decodeUtf8 } from './canonical-input';
import { CATALOGUE, DeviceType } from './catalogue';
import { fastParseMessage } from './message-fast-path';
import { TelemetryRejection } from './rejections';
import { DEVICE_ID_PATTERN } from './topics';

export const MESSAGE_VERSION = 1 as const;

/**
 * A telemetry message as a device publishes it on gp/v1/devices/{id}/telemetry:
 *
 *   { "v": 1, "device": "inv-0001", "ts": 1763683200000, "seq": 42,
 *     "readings": { "ac_power_w": 4210.5, "heatsink_temp_c": 48.2 },
 *     "sig": "<base64 Ed25519 signature>" }
 *
 * ts is the device's clock in Unix milliseconds; seq increases strictly per device (it
 * survives reboots); readings holds one or more metrics of the device's type; sig signs the
 * RFC 8785 canonical JSON of the message without "sig" (see canonical.ts).
 */
export const telemetryMessageSchema = z
  .object({
    v: z.literal(MESSAGE_VERSION),
    device: z.string().regex(DEVICE_ID_PATTERN, 'invalid device id'),
    ts: z.number().int().nonnegative(),
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    readings: z
      .record(z.string().min(1).max(64), z.union([z.number(), z.string().max(64)]))
      .refine((r) => Object.keys(r).length > 0, 'readings must hold at least one metric'),
    sig: z.string().max(200).optional(),
  })
  .strict();

export type TelemetryMessage = z.infer<typeof telemetryMessageSchema>;
export type Readings = TelemetryMessage['readings'];

const NON_FINITE_TOKEN = /(?:^|[^A-Za-z"])-?(?:NaN|Infinity)(?:$|[^A-Za-z"])/;

export interface ParseOptions {
  deviceId: string;
  type: DeviceType;
  maxBytes: number;
}

/** JSON.parse turns 1e999 into Infinity: report it as such, not as a schema error. */
function throwIfNonFinite(json: unknown): void {
  if (json === null || typeof json !== 'object' || !('readings' in json)) return;
  const readings = (json as { readings: unknown }).readings;
  if (!readings || typeof readings !== 'object') return;
  for (const name in readings) {
    const value = (readings as Record<string, unknown>)[name];
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TelemetryRejection('non_finite', `${name} is not a finite number`);
  }
}

/**
 * Parses and checks a raw payload against the message schema and the device type's metrics.
 * Throws TelemetryRejection with a specific reason; signature, replay and clock checks need
 * state and are the ingest pipeline's.
 */
export function parseTelemetry(payload: Buffer | string, opts: ParseOptions): TelemetryMessage {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > opts.maxBytes) {
    throw new TelemetryRejection('too_large', `payload is ${size} bytes, the limit is ${opts.maxBytes}`);
  }
  const text = decodeUtf8(payload);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    if (NON_FINITE_TOKEN.test(text)) throw new TelemetryRejection('non_finite', 'NaN and Infinity are not valid values');
    throw new TelemetryRejection('not_json', `payload is not JSON: ${(err as Error).message}`);
  }
  // I-JSON only (lone surrogates, duplicate names, "__proto__"), for the fast path and zod alike:
  // both see the parsed value, where JSON.parse has already hidden these.
  checkCanonicalInput(text, json);
  // The fast path answers for well-formed messages (never one with a non-finite number); zod
  // decides, and names the problem, otherwise.
  let message = fastParseMessage(json);
  if (!message) {
    throwIfNonFinite(json);
    const parsed = telemetryMessageSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TelemetryRejection('schema', `${issue.path.join('.') || 'message'}: ${issue.message}`);
    }
    message = parsed.data;
  }
  if (message.device !== opts.deviceId) {
    throw new TelemetryRejection('device_mismatch', `message names device ${message.device} on the topic of ${opts.deviceId}`);
  }
  checkReadings(opts.type, message.readings);
  return message;
}

/** Checks every reading against its metric spec: known name, right kind, physically possible. */
export function checkReadings(type: DeviceType, readings: Readings): void {
  const metrics = CATALOGUE[type].metrics;
  for (const name in readings) {
    const value = readings[name];
    const spec = Object.prototype.hasOwnProperty.call(metrics, name) ? metrics[name] : undefined;
    if (!spec) throw new TelemetryRejection('unknown_metric', `${type} has no metric ${name}`);
    if (spec.kind === 'enum') {
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new TelemetryRejection('schema', `${name} must be one of ${spec.values.join(', ')}`);
      }
      continue;
    }
    if (typeof value !== 'number') throw new TelemetryRejection('schema', `${name} must be a number`);
    if (!Number.isFinite(value)) throw new TelemetryRejection('non_finite', `${name} is not a finite number`);
    if (value < spec.min || value > spec.max) {
      throw new TelemetryRejection('out_of_range', `${name}=${value} ${spec.unit} is outside [${spec.min}, ${spec.max}]`);
    }
  }
}

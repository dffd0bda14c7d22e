import type { TelemetryMessage } from './message';
import { DEVICE_ID_PATTERN } from './topics';

const KEYS = new Set(['v', 'device', 'ts', 'seq', 'readings', 'sig']);

/**
 * telemetryMessageSchema's answer for the common, well-formed message, without zod: zod costs
 * ≈10 µs and a dozen allocations per message on the broker thread. Returns the message exactly
 * as the schema would (same keys, same order, sig absent when absent) when the input certainly
 * passes the schema, and null for anything else, including inputs the schema would accept in a
 * way this code does not model: the caller then runs zod, which accepts it or names the
 * problem, so rejections and their wording never depend on this function.
 * message-fast-path.spec.ts holds it to the schema on the fixtures and on mutated messages.
 */
export function fastParseMessage(json: unknown): TelemetryMessage | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  for (const key in o) if (!KEYS.has(key)) return null;
  const { v, device, ts, seq, readings, sig } = o;
  if (v !== 1) return null;
  if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device)) return null;
  if (!isCount(ts) || !isCount(seq)) return null;
  if (typeof readings !== 'object' || readings === null || Array.isArray(readings)) return null;
  let metrics = 0;
  for (const name in readings) {
    // zod's record drops a "__proto__" key; leave that case to zod.
    if (name.length < 1 || name.length > 64 || name === '__proto__') return null;
    const value = (readings as Record<string, unknown>)[name];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return null;
    } else if (typeof value !== 'string' || value.length > 64) return null;
    metrics++;
  }
  if (metrics === 0) return null;
  if (sig === undefined) {
    if ('sig' in o) return null;
    return { v, device, ts, seq, readings: readings as TelemetryMessage['readings'] };
  }
  if (typeof sig !== 'string' || sig.length > 200) return null;
  return { v, device, ts, seq, readings: readings as TelemetryMessage['readings'], sig };
}

/** z.number().int().nonnegative() (zod 4's int() means a safe integer); -0 is left to zod. */
function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && !Object.is(n, -0);
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceType, parseTelemetry, TelemetryRejection } from './index';
import { fastParseMessage } from './message-fast-path';

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof TelemetryRejection ? err.reason : `not a rejection: ${String(err)}`;
  }
  return undefined;
}

const FIXTURES = join(__dirname, '../../../fixtures/telemetry');

interface Fixture {
  type: DeviceType;
  device: string;
  payload?: unknown;
  raw?: string;
  rawBase64?: string;
  reason?: string;
}

function load(kind: 'valid' | 'invalid'): Array<[string, Fixture]> {
  return readdirSync(join(FIXTURES, kind))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, kind, f), 'utf8')) as Fixture]);
}

/** raw: the payload as text; rawBase64: as bytes (for payloads that are not UTF-8). */
const bytesOf = (f: Fixture) => (f.rawBase64 !== undefined ? Buffer.from(f.rawBase64, 'base64') : Buffer.from(f.raw ?? JSON.stringify(f.payload)));

describe('parseTelemetry', () => {
  it.each(load('valid'))('accepts %s', (_name, f) => {
    const msg = parseTelemetry(bytesOf(f), { deviceId: f.device, type: f.type, maxBytes: 16_384 });
    expect(msg.device).toBe(f.device);
  });

  it.each(load('invalid'))('rejects %s with its reason', (name, f) => {
    expect(name.startsWith(f.reason!)).toBe(true);
    let caught: unknown;
    try {
      parseTelemetry(bytesOf(f), { deviceId: f.device, type: f.type, maxBytes: 16_384 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TelemetryRejection);
    expect((caught as TelemetryRejection).reason).toBe(f.reason);
  });

  it('rejects non-canonical input whether the fast path or zod parses the message', () => {
    const canonicalReasons = ['not_utf8', 'lone_surrogate', 'duplicate_key', 'proto_member'];
    const fixtures = load('invalid').filter(([, f]) => canonicalReasons.includes(f.reason!) && f.raw !== undefined);
    // Which parser would have taken the message if the canonical-input check were not there.
    const paths = fixtures.map(([name, f]) => [name, fastParseMessage(JSON.parse(f.raw!)) ? 'fast' : 'zod'] as const);
    expect(new Set(paths.map(([, path]) => path))).toEqual(new Set(['fast', 'zod']));
    for (const [name, f] of fixtures) {
      expect({ name, reason: reasonOf(() => parseTelemetry(bytesOf(f), { deviceId: f.device, type: f.type, maxBytes: 16_384 })) }).toEqual({ name, reason: f.reason });
    }
  });

  it('accepts escapes, surrogate pairs and "__proto__" or ":" inside string values', () => {
    const text = '{"v":1,"device":"wx-7","ts":1763683200000,"seq":1,"readings":{"temp_c":1},"sig":"__proto__ \\ud83d\\ude00 \\" : é 😀"}';
    expect(parseTelemetry(text, { deviceId: 'wx-7', type: 'weather', maxBytes: 16_384 }).sig).toBe('__proto__ \ud83d\ude00 " : é 😀');
    expect(parseTelemetry(Buffer.from(text), { deviceId: 'wx-7', type: 'weather', maxBytes: 16_384 }).sig).toBe('__proto__ 😀 " : é 😀');
  });

  it('rejects an oversized payload before parsing it', () => {
    const big = Buffer.alloc(20_000, 0x20);
    expect(() => parseTelemetry(big, { deviceId: 'wx-7', type: 'weather', maxBytes: 16_384 })).toThrow(
      expect.objectContaining({ reason: 'too_large' }),
    );
  });
});

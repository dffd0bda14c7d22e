import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceType, parseTelemetry, TelemetryRejection } from './index';

const FIXTURES = join(__dirname, '../../../fixtures/telemetry');

interface Fixture {
  type: DeviceType;
  device: string;
  payload?: unknown;
  raw?: string;
  reason?: string;
}

function load(kind: 'valid' | 'invalid'): Array<[string, Fixture]> {
  return readdirSync(join(FIXTURES, kind))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, kind, f), 'utf8')) as Fixture]);
}

const bytesOf = (f: Fixture) => Buffer.from(f.raw ?? JSON.stringify(f.payload));

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

  it('rejects an oversized payload before parsing it', () => {
    const big = Buffer.alloc(20_000, 0x20);
    expect(() => parseTelemetry(big, { deviceId: 'wx-7', type: 'weather', maxBytes: 16_384 })).toThrow(
      expect.objectContaining({ reason: 'too_large' }),
    );
  });
});

import { generateDeviceKeyPair, privateKeyFromBase64, Readings, signingBytes, signMessage, TelemetryMessage } from '@gridproof/telemetry';
import { contentDigest, LastAccepted, RecentAccepted, SequenceTracker } from './sequence-tracker';
import { MemoryLogger } from './testing/ingest-test-kit';

describe(SequenceTracker.name, () => {
  it("recovers a device's last seq and ts from the larger of InfluxDB and the spool an earlier process left", async () => {
    const stored = new Map<string, LastAccepted>([
      ['sm-1', { seq: 10, ts: 1_000 }],
      ['sm-2', { seq: 30, ts: 3_000 }],
    ]);
    const spooled = new Map<string, LastAccepted>([
      ['sm-1', { seq: 12, ts: 1_200 }],
      ['sm-3', { seq: 5, ts: 500 }],
    ]);
    const tracker = new SequenceTracker(async (_family, ids) => new Map(ids.filter((id) => stored.has(id)).map((id) => [id, stored.get(id)!])), spooled, new MemoryLogger());
    await Promise.all(['sm-1', 'sm-2', 'sm-3', 'sm-4'].map((id) => tracker.ensureLoaded(id, 'energy')));
    const last = (id: string) => ({ seq: tracker.get(id).last, ts: tracker.get(id).lastTs });
    expect(last('sm-1')).toEqual({ seq: 12, ts: 1_200 });
    expect(last('sm-2')).toEqual({ seq: 30, ts: 3_000 });
    expect(last('sm-3')).toEqual({ seq: 5, ts: 500 });
    expect(last('sm-4')).toEqual({ seq: -1, ts: -1 });
  });
});

describe(RecentAccepted.name, () => {
  const message = { device: 'sm-1', ts: 1_000, seq: 7, readings: { power_w: 1 } };

  it('matches a redelivery of a recent message by seq, ts and content, signed or not, and forgets the oldest', () => {
    const recent = new RecentAccepted();
    recent.add(7, 1_000, contentDigest(message));
    expect(recent.has(7, 1_000, contentDigest({ ...message, readings: { power_w: 1 } }))).toBe(true);
    expect(recent.has(7, 1_000, contentDigest({ ...message, readings: { power_w: 2 } }))).toBe(false);
    expect(recent.has(7, 1_001, contentDigest(message))).toBe(false);
    for (let seq = 8; seq < 8 + RecentAccepted.CAPACITY; seq++) recent.add(seq, seq * 1_000, seq);
    expect(recent.has(7, 1_000, contentDigest(message))).toBe(false);
    expect(recent.has(8, 8_000, 8)).toBe(true);
  });
});

describe(contentDigest.name, () => {
  it('takes the first 6 bytes of a signed message\'s signature, also from a signature read back after a restart', () => {
    const key = privateKeyFromBase64(generateDeviceKeyPair().privateKey);
    for (let seq = 0; seq < 200; seq++) {
      const message = signMessage({ v: 1, device: 'inv-1', ts: 1_000 + seq, seq, readings: { ac_power_w: seq * 1.5 } }, key);
      const expected = Buffer.from(message.sig, 'base64').readUIntBE(0, 6);
      expect(contentDigest(message)).toBe(expected);
      // SequenceTracker's restart path: the stored point's seq, ts and sig, readings unknown.
      expect(contentDigest({ ts: message.ts, seq, readings: {}, sig: message.sig })).toBe(expected);
    }
  });

  it('gives unsigned messages the same fingerprint exactly when their RFC 8785 forms are the same', () => {
    // Reference: the canonical bytes. Pairs of messages that are spelled differently but the same
    // content, and pairs that differ in one respect.
    const base: Pick<TelemetryMessage, 'device' | 'ts' | 'seq' | 'readings'> = { device: 'sm-1', ts: 1_700_000_000_123, seq: 42, readings: { power_w: 1200.5, voltage_v: 230, status: 'Charging', frequency_hz: 50.01 } };
    const variants: Array<Partial<typeof base> & { readings?: Readings }> = [
      { readings: { frequency_hz: 50.01, status: 'Charging', voltage_v: 230, power_w: 1200.5 } },
      { readings: JSON.parse('{"power_w":1200.50,"voltage_v":230.0,"status":"Charging","frequency_hz":5.001e1}') as Readings },
      { readings: { ...base.readings, voltage_v: 231 } },
      { readings: { ...base.readings, voltage_v: '230' } },
      { readings: { ...base.readings, status: 'charging' } },
      { readings: { ...base.readings, power_w: 230, voltage_v: 1200.5 } },
      { readings: { power_w: 1200.5, voltage_v: 230, status: 'Charging' } },
      { readings: { ...base.readings, current_a: 0 } },
      { readings: { ...base.readings, power_w: 1200.5000000000002 } },
      { readings: { power_w_: 1200.5, voltage_v: 230, status: 'Charging', frequency_hz: 50.01 } },
      { ts: base.ts + 1 },
      { seq: 43 },
      { readings: { ...base.readings, power_w: 0 } },
      { readings: { ...base.readings, power_w: -0 } },
      { readings: { ...base.readings, power_w: -1200.5 } },
    ];
    const messages = [base, ...variants.map((v) => ({ ...base, ...v }))];
    let same = 0;
    let different = 0;
    for (const a of messages) {
      for (const b of messages) {
        const canonicalSame = signingBytes(a).equals(signingBytes(b));
        expect(contentDigest(a) === contentDigest(b)).toBe(canonicalSame);
        if (canonicalSame) same++;
        else different++;
      }
    }
    // Not only the diagonal: the re-spelled variants and ±0 really were the same content.
    expect(same).toBeGreaterThan(messages.length);
    expect(different).toBeGreaterThan(0);
  });

  it('fingerprints random unsigned readings without collisions and in [0, 2^48)', () => {
    const seen = new Set<number>();
    const outOfRange: number[] = [];
    let x = 1;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48_271) % 2_147_483_647;
      const digest = contentDigest({ ts: 1_000 + (i % 7), seq: i % 13, readings: { power_w: x % 1_000, voltage_v: (x >> 10) % 50, energy_kwh: i } });
      if (!(Number.isSafeInteger(digest) && digest >= 0 && digest < 2 ** 48)) outOfRange.push(digest);
      seen.add(digest);
    }
    expect(outOfRange).toEqual([]);
    expect(seen.size).toBe(20_000);
  });
});

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

import { DetectionThread, DetectionThreadDied } from './detection-thread';
import type { ScoringInput } from './detection-engine';

describe(DetectionThread.name, () => {
  const device = { id: 'meter-t', type: 'smart-meter' as const, family: 'energy' as const, site: 'site-t' };
  const slice = (from: number, n: number): ScoringInput[] =>
    Array.from({ length: n }, (_, i) => ({ device, record: { ts: 1_767_225_600_000 + (from + i) * 60_000, readings: { power_w: 100 + ((from + i) % 5), voltage_v: 230 } } }));

  it('keeps detector state in the thread across slices, and restarts a dead thread with its detectors starting over', async () => {
    const problems: string[] = [];
    const thread = new DetectionThread({ maxStreams: 1000, multivariate: true, influx: null, scoreIntervalMs: 60_000 }, { log: () => undefined, problem: (what) => problems.push(what) });
    try {
      const first = await thread.score(slice(0, 10));
      expect(first.scored.generic).toBe(10);
      expect(first.streamCount).toBe(2);
      // A second device in the next slice: the thread remembers the first one's streams.
      const other = { ...device, id: 'meter-u' };
      const second = await thread.score(slice(10, 3).map((r) => ({ ...r, device: other })));
      expect(second.streamCount).toBe(4);

      // A crash while a slice is being scored: that slice fails as lost, idle() still resolves.
      const lost = thread.score(slice(13, 50_000)); // ≈ 0.3 s of scoring: the kill lands first
      await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await expect(lost).rejects.toBeInstanceOf(DetectionThreadDied);
      await thread.idle();
      problems.length = 0;

      // Kill the worker as a crash would; the next request goes to a fresh one.
      await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await new Promise((r) => setTimeout(r, 50));
      expect(problems).toEqual(['thread']);
      const after = await thread.score(slice(13, 2));
      expect(after.scored.generic).toBe(2);
      expect(after.streamCount).toBe(2);
    } finally {
      await thread.close();
    }
  });
});

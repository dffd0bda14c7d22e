import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempSpoolDir } from '../testing/ingest-test-kit';
import { Spool, SpoolClosedError } from './spool';
import { encodeEntry } from './spool-format';

describe(Spool.name, () => {
  let dir: { dir: string; remove(): void };
  beforeEach(() => {
    dir = tempSpoolDir();
  });
  afterEach(() => dir.remove());

  const segments = () => readdirSync(dir.dir).filter((f) => f.endsWith('.spool')).sort();

  async function drainAll(spool: Spool): Promise<string[]> {
    const bodies: string[] = [];
    for (let seg = await spool.oldest(); seg; seg = await spool.oldest()) {
      bodies.push(...seg.entries.map((e) => e.body));
      await spool.release(seg.id);
    }
    return bodies;
  }

  it('gives back appended batches in order, across segments and after a reopen', async () => {
    const spool = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20, segmentBytes: 64 });
    await Promise.all(['a 1', 'b 2', 'c 3'].map((body) => spool.append(body, 1)));
    await spool.append('d 4\ne 5', 2);
    expect(spool.records).toBe(5);
    await spool.close();

    const seen: string[] = [];
    const reopened = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20 }, (e) => seen.push(e.body));
    expect(seen).toEqual(['a 1', 'b 2', 'c 3', 'd 4\ne 5']);
    expect(reopened.records).toBe(5);
    expect(await drainAll(reopened)).toEqual(seen);
    expect(segments()).toEqual([]);
    expect(reopened.bytes).toBe(0);
    expect(reopened.isEmpty()).toBe(true);
    await reopened.close();
  });

  it('never appends to a segment left by an earlier process (its tail may be torn)', async () => {
    const first = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20 });
    await first.append('old 1', 1);
    await first.close();
    const second = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20 });
    await second.append('new 2', 1);
    expect(segments()).toHaveLength(2);
    expect(await drainAll(second)).toEqual(['old 1', 'new 2']);
    await second.close();
  });

  it.each([
    ['a short header', Buffer.from([0, 0, 0])],
    ['a short body', encodeEntry('lost 3', 1).subarray(0, 15)],
    ['a bad checksum', Buffer.from(encodeEntry('lost 3', 1).map((b, i) => (i === 14 ? b ^ 0xff : b)))],
  ])('skips a torn tail (%s) and keeps every intact entry before it', async (_name, tail) => {
    const spool = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20 });
    await spool.append('kept 1', 1);
    await spool.append('kept 2', 1);
    await spool.close();
    appendFileSync(join(dir.dir, segments()[0]), tail);

    const torn: Array<[string, number]> = [];
    const reopened = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20, onTorn: (seg, bytes) => torn.push([seg, bytes]) });
    expect(torn).toEqual([[segments()[0], tail.length]]);
    expect(await drainAll(reopened)).toEqual(['kept 1', 'kept 2']);
    await reopened.close();
  });

  it('pushes back when full: the append stays pending until a release frees room', async () => {
    const entry = encodeEntry('x'.repeat(100), 1).length;
    const fullChanges: boolean[] = [];
    const spool = await Spool.open({ dir: dir.dir, maxBytes: entry * 2, segmentBytes: entry, onFullChange: (f) => fullChanges.push(f) });
    await spool.append('x'.repeat(100), 1);
    await spool.append('y'.repeat(100), 1);
    let settled = false;
    const third = spool.append('z'.repeat(100), 1).then(() => {
      settled = true;
    });
    while (!spool.full) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(fullChanges).toEqual([true]);

    const oldest = (await spool.oldest())!;
    expect(oldest.entries.map((e) => e.body[0])).toEqual(['x']);
    await spool.release(oldest.id);
    await third;
    expect(fullChanges).toEqual([true, false]);
    expect(spool.bytes).toBeLessThanOrEqual(entry * 2);
    expect((await drainAll(spool)).map((b) => b[0])).toEqual(['y', 'z']);
    await spool.close();
  });

  it('hands the segment being appended to over for replay when a full spool has nothing else', async () => {
    const entry = encodeEntry('x'.repeat(100), 1).length;
    const spool = await Spool.open({ dir: dir.dir, maxBytes: entry, segmentBytes: 1 << 20 });
    await spool.append('x'.repeat(100), 1);
    const second = spool.append('y'.repeat(100), 1);
    while (!spool.full) await new Promise((r) => setImmediate(r));
    const seg = (await spool.oldest())!;
    await spool.release(seg.id);
    await second;
    expect((await drainAll(spool)).map((b) => b[0])).toEqual(['y']);
    await spool.close();
  });

  it('rejects appends still waiting for room when closed, and writes nothing of them', async () => {
    const entry = encodeEntry('x'.repeat(100), 1).length;
    const spool = await Spool.open({ dir: dir.dir, maxBytes: entry });
    await spool.append('x'.repeat(100), 1);
    const waiting = spool.append('y'.repeat(100), 1);
    while (!spool.full) await new Promise((r) => setImmediate(r));
    await spool.close();
    await expect(waiting).rejects.toBeInstanceOf(SpoolClosedError);
    expect(segments().reduce((n, f) => n + statSync(join(dir.dir, f)).size, 0)).toBe(entry);
  });
});

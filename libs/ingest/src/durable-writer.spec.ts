import { DurableWriter, LineStore } from './durable-writer';
import { Spool } from './spool/spool';
import { MemoryLogger, tempSpoolDir } from './testing/ingest-test-kit';

/**
 * An InfluxDB stand-in whose writes stay in flight until the test releases them: the batching
 * decisions depend on which writes are in flight, which a real server does not let a test hold.
 * (The writer against a real InfluxDB is covered by ingest-durability.int.spec.ts.)
 */
class GatedStore implements LineStore {
  readonly bodies: string[] = [];
  private readonly gates: Array<() => void> = [];
  private readonly waiters: Array<{ n: number; wake: () => void }> = [];
  constructor(private hold: boolean) {}

  writeLines(body: string): Promise<void> {
    this.bodies.push(body);
    for (const w of this.waiters.filter((w) => this.bodies.length >= w.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.wake();
    }
    if (!this.hold) return Promise.resolve();
    return new Promise<void>((resolve) => this.gates.push(resolve));
  }

  /** Resolves once `n` writes have been sent. */
  sent(n: number): Promise<void> {
    if (this.bodies.length >= n) return Promise.resolve();
    return new Promise<void>((wake) => this.waiters.push({ n, wake }));
  }

  releaseAll(): void {
    this.hold = false;
    for (const open of this.gates.splice(0)) open();
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  ensureSchema(): Promise<void> {
    return Promise.resolve();
  }
}

/** Lets every pending immediate and I/O callback run, so a batch that would be sealed is. */
const nextTurns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

const HOUR = 3_600_000;

describe(DurableWriter.name, () => {
  let dir: { dir: string; remove(): void };
  let writer: DurableWriter<string> | null = null;
  beforeEach(() => {
    dir = tempSpoolDir();
  });
  afterEach(async () => {
    await writer?.close();
    writer = null;
    dir.remove();
  });

  async function start(store: GatedStore, opts: { batchSize?: number; maxInFlight?: number; flushMs?: number } = {}) {
    const durable: string[][] = [];
    const spool = await Spool.open({ dir: dir.dir, maxBytes: 1 << 20 });
    writer = new DurableWriter<string>({
      store,
      spool,
      batchSize: opts.batchSize ?? 5_000,
      flushMs: opts.flushMs ?? HOUR,
      maxInFlight: opts.maxInFlight ?? 1,
      logger: new MemoryLogger(),
      onDurable: (items) => durable.push(items),
    });
    writer.start();
    return { writer, durable };
  }

  describe('group commit', () => {
    it('writes a lone reading at once instead of waiting for the flush window', async () => {
      const store = new GatedStore(false);
      const { writer } = await start(store, { flushMs: HOUR });
      await writer.write('m v=1', 'a');
      expect(store.bodies).toEqual(['m v=1']);
    });

    it('puts the readings written in one turn of the event loop into one batch', async () => {
      const store = new GatedStore(false);
      const { writer, durable } = await start(store);
      await Promise.all(['a', 'b', 'c'].map((x) => writer.write(`m v="${x}"`, x)));
      expect(store.bodies).toEqual(['m v="a"\nm v="b"\nm v="c"']);
      expect(durable).toEqual([['a', 'b', 'c']]);
    });

    it('gathers the readings that arrive while every request slot is busy into one batch, sent when a slot frees', async () => {
      const store = new GatedStore(true);
      const { writer, durable } = await start(store, { maxInFlight: 1 });
      const first = writer.write('m v=1', 'a');
      await store.sent(1);
      const later = ['b', 'c', 'd'].map((x) => writer.write(`m v="${x}"`, x));
      await nextTurns();
      expect(store.bodies).toHaveLength(1);
      expect(writer.pendingPoints).toBe(4);

      store.releaseAll();
      await Promise.all([first, ...later]);
      expect(store.bodies).toEqual(['m v=1', 'm v="b"\nm v="c"\nm v="d"']);
      expect(durable).toEqual([['a'], ['b', 'c', 'd']]);
    });

    it('uses a free request slot at once while another write is in flight', async () => {
      const store = new GatedStore(true);
      const { writer, durable } = await start(store, { maxInFlight: 2 });
      const first = writer.write('m v=1', 'a');
      await store.sent(1);
      const second = writer.write('m v=2', 'b');
      await store.sent(2);
      expect(store.bodies).toEqual(['m v=1', 'm v=2']);

      store.releaseAll();
      await Promise.all([first, second]);
      expect(durable).toEqual([['a'], ['b']]);
    });

    it('still closes a batch at batchSize while every slot is busy, and completes batches in order', async () => {
      const store = new GatedStore(true);
      const { writer, durable } = await start(store, { maxInFlight: 1, batchSize: 2 });
      const writes = [writer.write('m v=1', 'a')];
      await store.sent(1);
      for (const x of ['b', 'c', 'd', 'e', 'f']) writes.push(writer.write(`m v="${x}"`, x));
      await nextTurns();
      expect(store.bodies).toHaveLength(1);

      store.releaseAll();
      await Promise.all(writes);
      expect(store.bodies).toEqual(['m v=1', 'm v="b"\nm v="c"', 'm v="d"\nm v="e"', 'm v="f"']);
      expect(durable).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
    });

    it('closes the open batch after flushMs while every slot stays busy', async () => {
      const store = new GatedStore(true);
      const { writer } = await start(store, { maxInFlight: 1, flushMs: 20 });
      const writes = [writer.write('m v=1', 'a')];
      await store.sent(1);
      writes.push(writer.write('m v=2', 'b'));
      // Sealed by the flushMs bound (queued for the slot), so this one starts a new batch.
      await new Promise((r) => setTimeout(r, 100));
      writes.push(writer.write('m v=3', 'c'));

      store.releaseAll();
      await Promise.all(writes);
      expect(store.bodies).toEqual(['m v=1', 'm v=2', 'm v=3']);
    });
  });
});

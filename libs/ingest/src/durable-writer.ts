import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Spool } from './spool/spool';
import type { IngestLogger } from './ingest-logger';

/** What the writer needs from InfluxDB (InfluxTelemetryStore implements it). */
export interface LineStore {
  writeLines(body: string): Promise<void>;
  ping(): Promise<boolean>;
  ensureSchema(): Promise<void>;
}

export interface DurableWriterOptions<T> {
  store: LineStore;
  spool: Spool;
  batchSize: number;
  /**
   * Upper bound on how long a reading waits in the open batch while every request slot is busy
   * (direct mode), and the batch window while spooling. Not a wait when a slot is free.
   */
  flushMs: number;
  maxInFlight: number;
  logger: IngestLogger;
  /** Every batch, in write order, once durable. Must not throw (it is the event bus). */
  onDurable: (items: T[]) => void;
  onWriteLatency?: (seconds: number) => void;
  onInfluxUp?: (up: boolean) => void;
  /**
   * The log's journal (anchoring's commit at ingest, docs/anchoring.md §3): each batch is
   * appended there at the same time as it goes to InfluxDB or the spool, and a batch is durable
   * (acknowledged) only once both are. A journal failure fails the batch (not acknowledged).
   */
  journal?: (items: T[]) => Promise<void>;
  /** A refused body (its lines, as sent): the readings it names never reached InfluxDB. */
  onDeadLetter?: (lines: number, body: string) => void;
  /** Backoff of the reconnect loop while InfluxDB is down. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface Batch<T> {
  n: number;
  lines: string[];
  items: T[];
  waiters: Array<{ resolve: () => void; reject: (err: Error) => void }>;
  startedAt: number;
  /** The journal append started with the batch (settles to null or its error). */
  journaled?: Promise<Error | null>;
  settled?: { ok: true } | { ok: false; error: Error };
}

export class WriterClosedError extends Error {
  constructor() {
    super('the ingest writer is shut down');
  }
}

/**
 * Makes accepted readings durable: batches line protocol, POSTs up to maxInFlight batches at
 * once, and falls back to the on-disk spool when InfluxDB is down or
 * failing. While the spool holds anything, new batches go to its end too, so the spool is one
 * FIFO that a reconnect loop replays in order; once it is empty, writes go straight to InfluxDB
 * again. write() resolves only once its batch is in InfluxDB or fsynced in the spool, and
 * batches complete in the order they were formed (onDurable sees ingest order).
 *
 * A batch InfluxDB refuses for good (HTTP 400: unparseable point, field type conflict, points
 * outside the retention policy) would block the spool forever: it is written to
 * <spool>/dead-letter/ and reported loudly instead, never silently dropped.
 *
 * Batching is group commit: while a request slot is free, the open batch is sealed at the next
 * turn of the event loop (setImmediate, so every message read in this I/O phase joins it), so a
 * lone reading never waits for a timer; while every slot is busy, readings accumulate and the
 * batch is sealed as soon as a slot frees, when it reaches batchSize, or after flushMs. Under
 * load, batches grow with the write latency instead of a fixed window, and an acknowledgement
 * waits for one write plus at most one earlier write, not for a timer. While spooling, the
 * flushMs window still applies (the spool groups its fsyncs on its own).
 */
export class DurableWriter<T> {
  private current: Batch<T> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly waitingForSlot: Batch<T>[] = [];
  private readonly unfinished = new Map<number, Batch<T>>();
  private nextBatch = 0;
  private nextToComplete = 0;
  private inFlight = 0;
  private spooling = false;
  private drainer: Promise<void> | null = null;
  private schemaPending = false;
  private closed = false;
  private up = true;
  private wakeDrainer: (() => void) | null = null;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: DurableWriterOptions<T>) {}

  /** Starts replaying what an earlier process left in the spool, if anything. */
  start(opts: { schemaPending?: boolean } = {}): void {
    this.schemaPending = opts.schemaPending ?? false;
    if (!this.options.spool.isEmpty()) this.enterSpooling('the spool holds data from an earlier run');
  }

  get mode(): 'direct' | 'spooling' {
    return this.spooling ? 'spooling' : 'direct';
  }

  get influxUp(): boolean {
    return this.up;
  }

  /** Points accepted but not yet durable. */
  get pendingPoints(): number {
    let n = this.current?.lines.length ?? 0;
    for (const b of this.unfinished.values()) if (!b.settled) n += b.lines.length;
    return n;
  }

  write(line: string, item: T): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    return new Promise<void>((resolve, reject) => {
      const batch = (this.current ??= this.newBatch());
      batch.lines.push(line);
      batch.items.push(item);
      batch.waiters.push({ resolve, reject });
      if (batch.lines.length >= this.options.batchSize) this.seal();
      else this.scheduleSeal();
    });
  }

  /** Sends the open batch now and resolves when every batch formed so far is settled. */
  async flush(): Promise<void> {
    this.seal();
    if (this.unfinished.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Graceful stop: sends the open batch, waits for every batch to be written or spooled, stops
   * the replay loop. Readings that cannot be made durable (spool full) are rejected so the
   * broker does not acknowledge them; the devices resend them to the next process.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.seal();
    this.closed = true;
    this.wakeDrainer?.();
    const idle = this.unfinished.size ? new Promise<void>((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
    // Appends blocked on a full spool cannot finish: closing the spool rejects them.
    if (this.options.spool.full) await this.options.spool.close();
    await idle;
    await this.drainer;
    await this.options.spool.close();
  }

  private newBatch(): Batch<T> {
    return { n: this.nextBatch++, lines: [], items: [], waiters: [], startedAt: 0 };
  }

  private slotFree(): boolean {
    return !this.spooling && this.inFlight < this.options.maxInFlight && this.waitingForSlot.length === 0;
  }

  private scheduleSeal(): void {
    if (this.immediate) return;
    if (this.slotFree()) {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.seal();
      });
    } else {
      // Every slot busy: the batch grows until one frees (onSlotFreed) or this bound.
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.seal();
      }, this.options.flushMs);
    }
  }

  /** A request finished: what accumulated while every slot was busy goes out now. */
  private onSlotFreed(): void {
    if (this.current && this.current.lines.length > 0 && this.slotFree()) this.seal();
  }

  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    const batch = this.current;
    if (!batch || batch.lines.length === 0) return;
    this.current = null;
    batch.startedAt = performance.now();
    this.unfinished.set(batch.n, batch);
    const journal = this.options.journal;
    if (!journal) {
      this.dispatch(batch);
      return;
    }
    // Commit, then store: InfluxDB must never hold a reading the log does not. Written side by
    // side, a crash after InfluxDB's answer and before the journal's fsync left a reading stored
    // but not in the log; the device re-sent it (no PUBACK), the duplicate check found it in
    // InfluxDB and acknowledged it, and it was never anchored (the audit then counted more records
    // than the chain had leaves). The reverse gap (journaled, not yet stored) is closed at start:
    // the journal's unsealed readings are written to InfluxDB again.
    batch.journaled = journal(batch.items).then(() => null, (err: unknown) => err as Error);
    void batch.journaled.then((journalError) => (journalError ? this.complete(batch, null) : this.dispatch(batch)));
  }

  private dispatch(batch: Batch<T>): void {
    if (this.spooling) {
      void this.toSpool(batch, batch.lines.join('\n'));
    } else if (this.inFlight < this.options.maxInFlight) {
      void this.send(batch);
    } else {
      this.waitingForSlot.push(batch);
    }
  }

  private async send(batch: Batch<T>): Promise<void> {
    this.inFlight++;
    const body = batch.lines.join('\n');
    try {
      await this.options.store.writeLines(body);
      this.setUp(true);
      this.complete(batch, null);
    } catch (err) {
      if (isRetryable(err)) {
        if ((err as { status?: number }).status === 404) this.schemaPending = true;
        this.setUp(false);
        this.enterSpooling((err as Error).message);
        await this.toSpool(batch, body);
      } else {
        await this.deadLetter(batch, body, err as Error);
      }
    } finally {
      this.inFlight--;
      this.nextFromQueue();
      this.onSlotFreed();
    }
  }

  private nextFromQueue(): void {
    while (this.waitingForSlot.length && (this.spooling || this.inFlight < this.options.maxInFlight)) {
      this.dispatch(this.waitingForSlot.shift()!);
    }
  }

  private async toSpool(batch: Batch<T>, body: string): Promise<void> {
    try {
      await this.options.spool.append(body, batch.lines.length);
      this.complete(batch, null);
    } catch (err) {
      this.options.logger.error(`could not spool ${batch.lines.length} readings (not acknowledged): ${(err as Error).message}`);
      this.complete(batch, err as Error);
    }
  }

  private async deadLetter(batch: Batch<T> | null, body: string, cause: Error): Promise<void> {
    const lines = body.split('\n').length;
    try {
      const dir = join(this.options.spool.dir, 'dead-letter');
      await mkdir(dir, { recursive: true });
      const path = join(dir, `${Date.now()}-${process.pid}-${Math.floor(Math.random() * 1e9)}.lp`);
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(body);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      this.options.onDeadLetter?.(lines, body);
      this.options.logger.error(`InfluxDB refused ${lines} points for good (${cause.message}); kept in ${path} for inspection and re-import`);
      if (batch) this.complete(batch, null);
    } catch (err) {
      this.options.logger.error(`InfluxDB refused ${lines} points and they could not be kept on disk: ${(err as Error).message}`);
      if (batch) this.complete(batch, err as Error);
      else throw err;
    }
  }

  /** The batch's write is done: once its journal append is done too, it settles. */
  private complete(batch: Batch<T>, error: Error | null): void {
    if (!batch.journaled) {
      this.settle(batch, error);
      return;
    }
    void batch.journaled.then((journalError) => {
      if (journalError && !error) this.options.logger.error(`could not journal ${batch.items.length} readings for anchoring (not acknowledged): ${journalError.message}`);
      this.settle(batch, error ?? journalError);
    });
  }

  /** Settles batches strictly in formation order, so listeners see ingest order. */
  private settle(batch: Batch<T>, error: Error | null): void {
    batch.settled = error ? { ok: false, error } : { ok: true };
    for (;;) {
      const next = this.unfinished.get(this.nextToComplete);
      if (!next?.settled) break;
      this.unfinished.delete(next.n);
      this.nextToComplete++;
      if (next.settled.ok) {
        this.options.onWriteLatency?.((performance.now() - next.startedAt) / 1000);
        this.options.onDurable(next.items);
        for (const w of next.waiters) w.resolve();
      } else {
        for (const w of next.waiters) w.reject(next.settled.error);
      }
    }
    if (this.unfinished.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    this.options.onInfluxUp?.(up);
  }

  private enterSpooling(why: string): void {
    if (!this.spooling) {
      this.spooling = true;
      this.options.logger.warn(`InfluxDB writes are going to the spool (${why}); they are replayed in order once it answers`);
      // Batches already waiting for a request slot would only wait behind a dead server.
      this.nextFromQueue();
    }
    this.drainer ??= this.drain().finally(() => {
      this.drainer = null;
    });
  }

  /** Replays the spool in order while InfluxDB answers; backs off while it does not. */
  private async drain(): Promise<void> {
    const min = this.options.retryMinMs ?? 100;
    const max = this.options.retryMaxMs ?? 5_000;
    let delay = min;
    const spool = this.options.spool;
    while (!this.closed && this.spooling) {
      try {
        if (!(await this.options.store.ping())) throw new Error('InfluxDB does not answer /ping');
        if (this.schemaPending) {
          await this.options.store.ensureSchema();
          this.schemaPending = false;
        }
        const segment = await spool.oldest();
        if (!segment) {
          // Checked and switched in one synchronous step: a batch formed after this goes direct.
          if (spool.isEmpty()) {
            this.spooling = false;
            this.setUp(true);
            this.options.logger.log('InfluxDB is back and the spool is replayed: writing directly again');
          } else {
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
          continue;
        }
        for (const entry of segment.entries) {
          if (this.closed) return;
          try {
            await this.options.store.writeLines(entry.body);
          } catch (err) {
            if (isRetryable(err)) {
              if ((err as { status?: number }).status === 404) this.schemaPending = true;
              throw err;
            }
            await this.deadLetter(null, entry.body, err as Error);
          }
        }
        // Only now, with every entry acknowledged by InfluxDB, may the segment go.
        await spool.release(segment.id);
        this.setUp(true);
        delay = min;
      } catch (err) {
        if (this.closed) return;
        this.setUp(false);
        this.options.logger.debug?.(`spool replay waits ${delay} ms: ${(err as Error).message}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeDrainer = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeDrainer = null;
        delay = Math.min(max, delay * 2);
      }
    }
  }
}

function isRetryable(err: unknown): boolean {
  const retryable = (err as { retryable?: unknown })?.retryable;
  return typeof retryable === 'boolean' ? retryable : true;
}

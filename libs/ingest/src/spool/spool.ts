import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSegment, DecodedEntry, encodeEntry } from './spool-format';

export interface SpoolOptions {
  dir: string;
  /** Pushes back (append() stays pending) rather than grow past this many bytes on disk. */
  maxBytes: number;
  /** A segment is closed once it holds this many bytes; defaults to maxBytes / 8, 64 MiB at most. */
  segmentBytes?: number;
  /** Told when the spool becomes full or has room again. */
  onFullChange?: (full: boolean) => void;
  /** Told about a torn or corrupt tail found while reading a segment. */
  onTorn?: (segment: string, bytes: number, reason: string) => void;
}

interface SegmentInfo {
  id: number;
  bytes: number;
  lines: number;
}

interface PendingAppend {
  buf: Buffer;
  lines: number;
  /** Told the id of the segment the entry went into (the leaf journal releases by segment). */
  resolve: (segment: number) => void;
  reject: (err: Error) => void;
}

export interface SpoolSegment {
  id: number;
  name: string;
  entries: DecodedEntry[];
}

export class SpoolClosedError extends Error {
  constructor() {
    super('the spool is closed');
  }
}

const SEGMENT_SUFFIX = '.spool';

/**
 * The on-disk spool: append-only segment files in one folder, oldest first. An append resolves
 * only after write + fdatasync, so a resolved append survives a crash or power loss. Segments
 * are deleted only when the caller releases them (after InfluxDB acknowledged every entry).
 *
 * Appends are group-committed: entries queued while an fsync is running go out together in the
 * next write + fsync, so a busy spool costs one fsync per group, not per batch.
 */
export class Spool {
  private readonly closedSegments: SegmentInfo[] = [];
  private active: { info: SegmentInfo; fh: FileHandle } | null = null;
  private nextId = 1;
  private readonly pending: PendingAppend[] = [];
  private writing: Promise<void> | null = null;
  private spaceWaiters: Array<() => void> = [];
  private totalBytes = 0;
  private totalLines = 0;
  private isFull = false;
  private closed = false;
  private readonly segmentBytes: number;

  private constructor(private readonly options: SpoolOptions) {
    this.segmentBytes = Math.max(1, options.segmentBytes ?? Math.min(64 * 1024 * 1024, Math.floor(options.maxBytes / 8)));
  }

  /**
   * Opens the folder and takes stock of what an earlier process left: every existing segment is
   * closed (never appended to again, since its tail may be torn) and queued for replay.
   * `visit` sees every intact entry, oldest first (used to learn the last seq per device).
   */
  static async open(options: SpoolOptions, visit?: (entry: DecodedEntry, segment: number) => void): Promise<Spool> {
    const spool = new Spool(options);
    await mkdir(options.dir, { recursive: true });
    const ids = (await readdir(options.dir))
      .filter((f) => f.endsWith(SEGMENT_SUFFIX))
      .map((f) => Number.parseInt(f, 10))
      .filter((n) => Number.isSafeInteger(n) && n > 0)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const path = spool.pathOf(id);
      const bytes = (await stat(path)).size;
      let lines = 0;
      const decoded = decodeSegment(await readFile(path));
      for (const entry of decoded.entries) {
        lines += entry.lines;
        visit?.(entry, id);
      }
      if (decoded.tornBytes) options.onTorn?.(spool.nameOf(id), decoded.tornBytes, decoded.tornReason ?? 'torn');
      spool.closedSegments.push({ id, bytes, lines });
      spool.totalBytes += bytes;
      spool.totalLines += lines;
      spool.nextId = id + 1;
    }
    return spool;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Points (lines) held, including those of segments being replayed. */
  get records(): number {
    return this.totalLines;
  }

  get full(): boolean {
    return this.isFull;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Nothing on disk and nothing queued: the spool can be bypassed. */
  isEmpty(): boolean {
    return this.closedSegments.length === 0 && this.active === null && this.pending.length === 0 && this.writing === null;
  }

  /**
   * Appends one batch; resolves once it is on disk (fdatasync), with the id of the segment that
   * holds it; stays pending while full.
   */
  append(body: string, lines: number): Promise<number> {
    if (this.closed) return Promise.reject(new SpoolClosedError());
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ buf: encodeEntry(body, lines), lines, resolve, reject });
      if (!this.writing) this.writing = this.pump();
    });
  }

  /**
   * The oldest segment with its intact entries, for replay. When only the segment being
   * appended to is left, it is closed first (new appends start a new one). Null when empty.
   */
  async oldest(): Promise<SpoolSegment | null> {
    for (;;) {
      if (this.closed) throw new SpoolClosedError();
      const first = this.closedSegments[0];
      if (first) {
        const decoded = decodeSegment(await readFile(this.pathOf(first.id)));
        if (decoded.tornBytes) this.options.onTorn?.(this.nameOf(first.id), decoded.tornBytes, decoded.tornReason ?? 'torn');
        return { id: first.id, name: this.nameOf(first.id), entries: decoded.entries };
      }
      // An append blocked on room is not writing; waiting for it here would deadlock, since
      // only replaying (and releasing) this segment makes room.
      if (this.writing && !this.isFull) {
        await this.writing.catch(() => undefined);
        continue;
      }
      if (this.active) {
        await this.sealActive();
        continue;
      }
      return null;
    }
  }

  /** Ids of the closed segments (never appended to again), oldest first. */
  closedSegmentIds(): number[] {
    return this.closedSegments.map((s) => s.id);
  }

  /** Deletes a replayed segment and frees its space (wakes appends waiting for room). */
  async release(id: number): Promise<void> {
    const index = this.closedSegments.findIndex((s) => s.id === id);
    if (index < 0) return;
    const [info] = this.closedSegments.splice(index, 1);
    await unlink(this.pathOf(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.totalBytes -= info.bytes;
    this.totalLines -= info.lines;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Closes the files; appends still waiting (spool full) are rejected, never half-written. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.spaceWaiters.splice(0)) wake();
    await this.writing?.catch(() => undefined);
    for (const p of this.pending.splice(0)) p.reject(new SpoolClosedError());
    const active = this.active;
    this.active = null;
    if (active) {
      this.closedSegments.push(active.info);
      await active.fh.close();
    }
  }

  private async pump(): Promise<void> {
    try {
      while (this.pending.length && !this.closed) {
        const group = this.takeGroup();
        if (!group.length) {
          this.setFull(true);
          await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
          continue;
        }
        this.setFull(false);
        await this.writeGroup(group);
      }
    } finally {
      this.writing = null;
    }
    if (this.closed) for (const p of this.pending.splice(0)) p.reject(new SpoolClosedError());
  }

  /** The queued entries that fit; an entry larger than the whole spool still goes into an empty one. */
  private takeGroup(): PendingAppend[] {
    const group: PendingAppend[] = [];
    let bytes = this.totalBytes;
    while (this.pending.length) {
      const next = this.pending[0];
      const fits = bytes + next.buf.length <= this.options.maxBytes || (bytes === 0 && group.length === 0);
      if (!fits) break;
      bytes += next.buf.length;
      group.push(this.pending.shift()!);
    }
    return group;
  }

  private async writeGroup(group: PendingAppend[]): Promise<void> {
    const buf = group.length === 1 ? group[0].buf : Buffer.concat(group.map((p) => p.buf));
    const lines = group.reduce((n, p) => n + p.lines, 0);
    let segment: number;
    try {
      const active = await this.activeSegment();
      segment = active.info.id;
      await active.fh.write(buf, 0, buf.length, active.info.bytes);
      await active.fh.datasync();
      active.info.bytes += buf.length;
      active.info.lines += lines;
      this.totalBytes += buf.length;
      this.totalLines += lines;
      if (active.info.bytes >= this.segmentBytes) await this.sealActive();
    } catch (err) {
      // The segment may now end in a partial entry: close it (readers stop at the torn part,
      // which holds nothing acknowledged) and start a fresh one for the next append.
      await this.abandonActive();
      for (const p of group) p.reject(err as Error);
      return;
    }
    for (const p of group) p.resolve(segment);
  }

  private async activeSegment(): Promise<{ info: SegmentInfo; fh: FileHandle }> {
    if (this.active) return this.active;
    const id = this.nextId++;
    const fh = await open(this.pathOf(id), 'wx');
    // The new file's directory entry must survive a crash too (fsync the folder, POSIX).
    await syncDir(this.options.dir);
    this.active = { info: { id, bytes: 0, lines: 0 }, fh };
    return this.active;
  }

  private async sealActive(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = null;
    this.closedSegments.push(active.info);
    await active.fh.close();
  }

  private async abandonActive(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = null;
    // Count what really reached the file so the byte budget stays honest.
    const size = await stat(this.pathOf(active.info.id))
      .then((s) => s.size)
      .catch(() => active.info.bytes);
    this.totalBytes += size - active.info.bytes;
    active.info.bytes = size;
    this.closedSegments.push(active.info);
    await active.fh.close().catch(() => undefined);
  }

  private setFull(full: boolean): void {
    if (this.isFull === full) return;
    this.isFull = full;
    this.options.onFullChange?.(full);
  }

  private nameOf(id: number): string {
    return `${String(id).padStart(12, '0')}${SEGMENT_SUFFIX}`;
  }

  private pathOf(id: number): string {
    return join(this.options.dir, this.nameOf(id));
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    /* some filesystems refuse fsync on a directory; the data fsync still holds */
  } finally {
    await fh.close();
  }
}

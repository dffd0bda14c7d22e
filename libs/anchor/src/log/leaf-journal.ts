import type { AcceptedReading } from '@gridproof/events';
import { Spool } from '@gridproof/ingest';
import { Family, IngestRecord, isKeyEventRecord, keyEventBytes, KeyEventRecord, recordBytes } from '@gridproof/telemetry';
import { leafHash } from '../merkle/merkle';

/** Segment size of the journal: small enough that sealed records are released soon. */
const SEGMENT_BYTES = 8 * 1024 * 1024;

export interface LeafJournalLogger {
  warn(message: string): void;
}

/**
 * The log's write-ahead journal: every accepted reading's record bytes (RFC 8785, exactly what
 * its leaf hashes) are appended and fdatasync'ed here before the broker acknowledges it
 * (the ingest's DurableWriter waits for both this and InfluxDB/the spool). Anchoring builds its
 * batches from these commits, never from InfluxDB, so a row forged into InfluxDB is never
 * anchored; after a crash the records of unsealed windows are recovered from here, sealed once,
 * and written to InfluxDB again by the ingest (idempotent: same point, same fields).
 *
 * Device key events (docs/anchoring.md §1) are committed here too, by the registry, in the
 * transaction that records them: one line per event, ["key-event"] TAB its record bytes.
 *
 * Format: the ingest spool's segment format (CRC-32 framed entries, torn tails skipped); one
 * entry per ingest batch, one line per reading: JSON [family, site, type] TAB record bytes.
 * Neither part holds a raw tab or newline (JSON escapes them). A segment is deleted once every
 * record in it belongs to a sealed batch (the batch and its leaf index are in the SQL store).
 */
export class LeafJournal {
  private readonly maxRx = new Map<number, number>();
  private listener: CommitListener | null = null;
  /** Key events committed while nobody listened (the registry may change keys before anchoring starts). */
  private pendingKeyEvents: KeyEventRecord[] = [];
  private releasing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly spool: Spool,
    private readonly unsealed: AcceptedReading[],
    private readonly unsealedKeyEvents: KeyEventRecord[],
  ) {}

  /** Opens the journal folder and reads back the records of windows not sealed yet (rx ≥ sealedUpTo). */
  static async open(dir: string, sealedUpTo: number, logger?: LeafJournalLogger): Promise<LeafJournal> {
    const unsealed: AcceptedReading[] = [];
    const unsealedKeyEvents: KeyEventRecord[] = [];
    const maxRx = new Map<number, number>();
    const spool = await Spool.open(
      {
        dir,
        maxBytes: Number.MAX_SAFE_INTEGER,
        segmentBytes: SEGMENT_BYTES,
        onTorn: (segment, bytes, reason) => logger?.warn(`leaf journal ${segment}: skipped a torn tail of ${bytes} bytes (${reason}); it was never acknowledged`),
      },
      (entry, segment) => {
        for (const line of entry.body.split('\n')) {
          const decoded = decodeLine(line);
          if (!decoded) {
            if (line) logger?.warn(`leaf journal segment ${segment}: an unreadable line was skipped`);
            continue;
          }
          const rx = 'keyEvent' in decoded ? decoded.keyEvent.rx : decoded.record.rx;
          maxRx.set(segment, Math.max(maxRx.get(segment) ?? -Infinity, rx));
          if (rx < sealedUpTo) continue;
          if ('keyEvent' in decoded) unsealedKeyEvents.push(decoded.keyEvent);
          else unsealed.push(decoded);
        }
      },
    );
    const journal = new LeafJournal(spool, unsealed, unsealedKeyEvents);
    for (const [id, rx] of maxRx) journal.maxRx.set(id, rx);
    await journal.release(sealedUpTo);
    return journal;
  }

  /** The committed records of unsealed windows found at open, in commit order (each with its leaf). */
  recovered(): readonly AcceptedReading[] {
    return this.unsealed;
  }

  /** The committed key events of unsealed windows found at open, in commit order. */
  recoveredKeyEvents(): readonly KeyEventRecord[] {
    return this.unsealedKeyEvents;
  }

  /**
   * Anchoring's hook: told every batch of readings and of key events once it is on disk, in
   * commit order. Key events committed before a listener was set are told to it now.
   */
  onCommit(listener: CommitListener | null): void {
    this.listener = listener;
    if (listener && this.pendingKeyEvents.length) {
      const pending = this.pendingKeyEvents;
      this.pendingKeyEvents = [];
      listener.keyEvents(pending);
    }
  }

  /** Appends and fsyncs key events' record bytes (the registry calls it before its SQL commit). */
  async appendKeyEvents(records: readonly KeyEventRecord[]): Promise<void> {
    if (!records.length) return;
    let rx = -Infinity;
    const lines = records.map((r) => {
      if (r.rx > rx) rx = r.rx;
      return `${KEY_EVENT_HEADER}\t${keyEventBytes(r).toString('utf8')}`;
    });
    const segment = await this.spool.append(lines.join('\n'), lines.length);
    this.maxRx.set(segment, Math.max(this.maxRx.get(segment) ?? -Infinity, rx));
    if (this.listener) this.listener.keyEvents([...records]);
    else this.pendingKeyEvents.push(...records);
  }

  /** Appends and fsyncs the readings' record bytes; sets each reading's leaf; then tells the listener. */
  async append(readings: AcceptedReading[]): Promise<void> {
    if (!readings.length) return;
    const lines = new Array<string>(readings.length);
    let rx = -Infinity;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      const bytes = recordBytes(r.record);
      r.leaf = leafHash(bytes);
      lines[i] = `${JSON.stringify([r.device.family, r.device.site, r.device.type])}\t${bytes.toString('utf8')}`;
      if (r.record.rx > rx) rx = r.record.rx;
    }
    const segment = await this.spool.append(lines.join('\n'), lines.length);
    this.maxRx.set(segment, Math.max(this.maxRx.get(segment) ?? -Infinity, rx));
    this.listener?.readings(readings);
  }

  /** Deletes the closed segments whose records all have rx < sealedUpTo (their batches are stored). */
  release(sealedUpTo: number): Promise<void> {
    this.releasing = this.releasing.then(async () => {
      for (const id of this.spool.closedSegmentIds()) {
        const rx = this.maxRx.get(id) ?? -Infinity;
        if (rx >= sealedUpTo) continue;
        await this.spool.release(id);
        this.maxRx.delete(id);
      }
    });
    return this.releasing;
  }

  get bytes(): number {
    return this.spool.bytes;
  }

  async close(): Promise<void> {
    await this.releasing.catch(() => undefined);
    await this.spool.close();
  }
}

/** What the journal tells anchoring, in commit order. */
export interface CommitListener {
  readings(readings: AcceptedReading[]): void;
  keyEvents(records: KeyEventRecord[]): void;
}

/** The first part of a key event's line (a reading's is [family, site, type]). */
const KEY_EVENT_HEADER = JSON.stringify(['key-event']);

function decodeLine(line: string): AcceptedReading | { keyEvent: KeyEventRecord } | null {
  const tab = line.indexOf('\t');
  if (tab < 0) return null;
  if (line.slice(0, tab) === KEY_EVENT_HEADER) {
    try {
      const keyEvent: unknown = JSON.parse(line.slice(tab + 1));
      return isKeyEventRecord(keyEvent) ? { keyEvent } : null;
    } catch {
      return null;
    }
  }
  try {
    const [family, site, type] = JSON.parse(line.slice(0, tab)) as [Family, string, AcceptedReading['device']['type']];
    const bytes = Buffer.from(line.slice(tab + 1), 'utf8');
    const record = JSON.parse(line.slice(tab + 1)) as IngestRecord;
    return { device: { id: record.device, family, site, type }, record, leaf: leafHash(bytes) };
  } catch {
    return null;
  }
}

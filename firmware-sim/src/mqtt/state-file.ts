import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export const credentialsSchema = z.object({ username: z.string(), password: z.string(), clientId: z.string() });
export type DeviceCredentials = z.infer<typeof credentialsSchema>;

const deviceStateSchema = z.object({
  publicKey: z.string(),
  privateKey: z.string(),
  credentials: credentialsSchema.optional(),
  /** Sequence numbers below this may have been used: a restart continues from here. */
  seq: z.number().int().nonnegative(),
});
const stateSchema = z.object({
  version: z.literal(1),
  devices: z.record(z.string(), deviceStateSchema),
  /** The newest reading timestamp published (Unix ms): a later run starts after it. */
  lastTs: z.number().int().nonnegative().optional(),
});
export type DeviceState = z.infer<typeof deviceStateSchema>;

/** How many sequence numbers a device reserves at a time (one state write per block). */
export const SEQ_BLOCK = 1000;

/**
 * The simulator's device secrets and sequence high-water marks, like a device's flash: keys,
 * MQTT credentials and the next usable sequence number per device. Written atomically
 * (temp file + rename) with mode 0600, because it holds private keys and passwords.
 *
 * Sequence numbers are reserved in blocks and the block is persisted before any number from
 * it is published, so a crash or restart never reuses a sequence number (the ingest would
 * drop the reading as a replay).
 *
 * The newest published timestamp is kept too, because the ingest refuses a timestamp that is
 * not above a device's last one: a restarted run must not replay simulated time it already
 * sent. It is written on stop (exactly) and periodically as a reservation: the newest timestamp
 * the run may publish before its next write (flush's reserveUntil), so a run restarted after a
 * crash resumes after everything the crashed one may have sent.
 */
export class SimStateFile {
  private dirty = false;
  private newestSent: number;

  private constructor(
    readonly path: string | null,
    private readonly devices: Record<string, DeviceState>,
    private storedLastTs: number | undefined,
  ) {
    this.newestSent = storedLastTs ?? 0;
  }

  static open(path: string | null): SimStateFile {
    if (path === null || !existsSync(path)) return new SimStateFile(path, {}, undefined);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`simulator state file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`simulator state file ${path} is invalid: ${parsed.error.issues[0]?.message}`);
    return new SimStateFile(path, parsed.data.devices, parsed.data.lastTs);
  }

  get(id: string): DeviceState | undefined {
    return this.devices[id];
  }

  set(id: string, state: DeviceState): void {
    this.devices[id] = state;
    this.dirty = true;
  }

  /** Reserves the next block for a device; returns the new exclusive upper bound. */
  reserve(id: string, from: number): number {
    const d = this.devices[id];
    d.seq = from + SEQ_BLOCK;
    this.dirty = true;
    return d.seq;
  }

  /** The newest timestamp an earlier run published, if the file knows one. */
  get lastTs(): number | undefined {
    return this.storedLastTs;
  }

  /** Remembers a published timestamp (written with the next flush). */
  noteSent(ts: number): void {
    if (ts > this.newestSent) this.newestSent = ts;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /**
   * Writes the file if anything changed (synchronously: callers rely on it being durable).
   * withLastTs stores the newest published timestamp, or `reserveUntil` when later: the newest
   * one the run may publish before its next flush, so that a run restarted after a crash (which
   * loses what came after the last flush) resumes after everything this one may have sent, like
   * the sequence blocks. A clean stop stores the exact newest one.
   */
  flush(opts: { withLastTs?: boolean; reserveUntil?: number } = {}): void {
    const lastTs = opts.withLastTs ? Math.max(this.newestSent, opts.reserveUntil ?? 0) : 0;
    if (lastTs > 0 && lastTs !== this.storedLastTs) this.dirty = true;
    if (!this.dirty || this.path === null) {
      this.dirty = false;
      return;
    }
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    if (lastTs > 0) this.storedLastTs = lastTs;
    else if (this.newestSent > (this.storedLastTs ?? 0)) this.storedLastTs = this.newestSent;
    writeFileSync(tmp, JSON.stringify({ version: 1, devices: this.devices, ...(this.storedLastTs ? { lastTs: this.storedLastTs } : {}) }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    this.dirty = false;
  }
}

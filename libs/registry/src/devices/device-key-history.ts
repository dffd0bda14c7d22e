import { and, asc, eq, gte, inArray, isNull, lt } from 'drizzle-orm';
import type { SqlDatabase } from '@gridproof/store';
import { KEY_EVENT_KIND, KEY_EVENT_VERSION, KeyEventName, KeyEventRecord } from '@gridproof/telemetry';
import { deviceKeyEvents } from '../sql/registry.tables';

/**
 * What happened to a device's signing key. Registration, rotation (a new key), revocation (no
 * key any more), a change of the signing requirement alone, and deletion each append one row;
 * nothing is ever updated or deleted, so the key a reading was signed with stays known after
 * the device rotates its key or is deleted (docs/devices.md). Each event is also a leaf of the
 * log (KeyEventRecord, docs/anchoring.md §1): the one write to a row is stamping `rx` when an
 * event made before key events were logged is imported into the log.
 */
export type KeyEventKind = KeyEventName;

export interface KeyEvent {
  /** The row's id: the event's number in the history, and its identity in the log. */
  id: number;
  device: string;
  event: KeyEventKind;
  /** The key valid from `at` until the device's next event (null: none). */
  publicKey: string | null;
  requireSignature: boolean;
  /** GridProof's clock, Unix ms: the same clock that stamps a reading's rx. */
  at: number;
  /** When the log received the event (its batch window); null: not in the log. */
  rx: number | null;
}

/** The key valid at one time, with its validity: [validFrom, validTo), and the event that made it valid. */
export interface ValidKey {
  publicKey: string | null;
  requireSignature: boolean;
  event: KeyEventKind;
  validFrom: number;
  validTo: number | null;
  source: KeyEvent;
}

/** The event that a change of key or signing requirement appends (null: nothing changed). */
export function keyEventFor(before: { publicKey: string | null; requireSignature: boolean }, after: { publicKey: string | null; requireSignature: boolean }): KeyEventKind | null {
  if (before.publicKey !== after.publicKey) return after.publicKey ? 'rotated' : 'revoked';
  return before.requireSignature !== after.requireSignature ? 'policy' : null;
}

type KeyEventRow = typeof deviceKeyEvents.$inferSelect;

function toKeyEvent(r: KeyEventRow): KeyEvent {
  return { id: r.id, device: r.deviceId, event: r.event as KeyEventKind, publicKey: r.publicKey, requireSignature: r.requireSignature, at: r.at.getTime(), rx: r.rx ?? null };
}

/** Appends one event (inside the transaction that makes the change); returns it with its id. */
export async function appendKeyEvent(db: SqlDatabase, e: Omit<KeyEvent, 'id'>): Promise<KeyEvent> {
  const [row] = await db.insert(deviceKeyEvents).values({ deviceId: e.device, event: e.event, publicKey: e.publicKey, requireSignature: e.requireSignature, at: new Date(e.at), rx: e.rx }).returning();
  return toKeyEvent(row);
}

/** The event's leaf record (docs/anchoring.md §1), or null while it is not in the log. */
export function keyEventRecordOf(e: KeyEvent): KeyEventRecord | null {
  if (e.rx === null) return null;
  return { kind: KEY_EVENT_KIND, v: KEY_EVENT_VERSION, id: e.id, device: e.device, event: e.event, publicKey: e.publicKey, requireSignature: e.requireSignature, at: e.at, rx: e.rx };
}

/** Every device's events in order (ids are assigned in commit order within a device's transactions). */
export async function keyEventsOf(db: SqlDatabase, ids: readonly string[]): Promise<Map<string, KeyEvent[]>> {
  const out = new Map<string, KeyEvent[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await db
    .select()
    .from(deviceKeyEvents)
    .where(ids.length === 1 ? eq(deviceKeyEvents.deviceId, ids[0]) : and(inArray(deviceKeyEvents.deviceId, [...ids])))
    .orderBy(asc(deviceKeyEvents.id));
  for (const r of rows) out.get(r.deviceId)?.push(toKeyEvent(r));
  return out;
}

/** Events the log received in [from, to) (by rx), in id order: what the audit rebuilds batches with. */
export async function keyEventsLoggedBetween(db: SqlDatabase, from: number, to: number): Promise<KeyEvent[]> {
  const rows = await db
    .select()
    .from(deviceKeyEvents)
    .where(and(gte(deviceKeyEvents.rx, from), lt(deviceKeyEvents.rx, to)))
    .orderBy(asc(deviceKeyEvents.id));
  return rows.map(toKeyEvent);
}

/** Events that are not in the log (rx null), in id order. */
export async function unloggedKeyEvents(db: SqlDatabase, opts: { forUpdate?: boolean } = {}): Promise<KeyEvent[]> {
  const query = db.select().from(deviceKeyEvents).where(isNull(deviceKeyEvents.rx)).orderBy(asc(deviceKeyEvents.id));
  return (opts.forUpdate ? await query.for('update') : await query).map(toKeyEvent);
}

/** Stamps the log's receive time on events imported into the log (the only update the table sees). */
export async function markKeyEventsLogged(db: SqlDatabase, ids: readonly number[], rx: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 1_000) {
    await db
      .update(deviceKeyEvents)
      .set({ rx })
      .where(and(inArray(deviceKeyEvents.id, ids.slice(i, i + 1_000)), isNull(deviceKeyEvents.rx)));
  }
}

/** The key valid at `at` from a device's events in order; null before its registration or after deletion. */
export function keyValidAt(events: readonly KeyEvent[], at: number): ValidKey | null {
  let found = -1;
  for (let i = 0; i < events.length && events[i].at <= at; i++) found = i;
  if (found < 0) return null;
  const e = events[found];
  if (e.event === 'deleted') return null;
  return { publicKey: e.publicKey, requireSignature: e.requireSignature, event: e.event, validFrom: e.at, validTo: events[found + 1]?.at ?? null, source: e };
}

import { and, asc, eq, inArray } from 'drizzle-orm';
import type { SqlDatabase } from '@gridproof/store';
import { deviceKeyEvents } from '../sql/registry.tables';

/**
 * What happened to a device's signing key. Registration, rotation (a new key), revocation (no
 * key any more), a change of the signing requirement alone, and deletion each append one row;
 * nothing is ever updated or deleted, so the key a reading was signed with stays known after
 * the device rotates its key or is deleted (docs/devices.md).
 */
export type KeyEventKind = 'registered' | 'rotated' | 'revoked' | 'policy' | 'deleted';

export interface KeyEvent {
  device: string;
  event: KeyEventKind;
  /** The key valid from `at` until the device's next event (null: none). */
  publicKey: string | null;
  requireSignature: boolean;
  /** GridProof's clock, Unix ms: the same clock that stamps a reading's rx. */
  at: number;
}

/** The key valid at one time, with its validity: [validFrom, validTo). */
export interface ValidKey {
  publicKey: string | null;
  requireSignature: boolean;
  event: KeyEventKind;
  validFrom: number;
  validTo: number | null;
}

/** The event that a change of key or signing requirement appends (null: nothing changed). */
export function keyEventFor(before: { publicKey: string | null; requireSignature: boolean }, after: { publicKey: string | null; requireSignature: boolean }): KeyEventKind | null {
  if (before.publicKey !== after.publicKey) return after.publicKey ? 'rotated' : 'revoked';
  return before.requireSignature !== after.requireSignature ? 'policy' : null;
}

/** Appends one event (inside the transaction that makes the change). */
export async function appendKeyEvent(db: SqlDatabase, e: KeyEvent): Promise<void> {
  await db.insert(deviceKeyEvents).values({ deviceId: e.device, event: e.event, publicKey: e.publicKey, requireSignature: e.requireSignature, at: new Date(e.at) });
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
  for (const r of rows) out.get(r.deviceId)?.push({ device: r.deviceId, event: r.event as KeyEventKind, publicKey: r.publicKey, requireSignature: r.requireSignature, at: r.at.getTime() });
  return out;
}

/** The key valid at `at` from a device's events in order; null before its registration or after deletion. */
export function keyValidAt(events: readonly KeyEvent[], at: number): ValidKey | null {
  let found = -1;
  for (let i = 0; i < events.length && events[i].at <= at; i++) found = i;
  if (found < 0) return null;
  const e = events[found];
  if (e.event === 'deleted') return null;
  return { publicKey: e.publicKey, requireSignature: e.requireSignature, event: e.event, validFrom: e.at, validTo: events[found + 1]?.at ?? null };
}

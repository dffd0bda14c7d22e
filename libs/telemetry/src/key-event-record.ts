import { z } from 'zod';
import { jcs } from './canonical';
import { DEVICE_ID_PATTERN } from './topics';

/**
 * A device key event as a leaf of the log (docs/anchoring.md §1, "Key events"): every
 * registration, key rotation, revocation, change of the signing requirement and deletion is
 * committed to the same RFC 6962 log as the readings, through the same leaf journal, so a key
 * swapped in the SQL store behind GridProof's back no longer matches what was anchored.
 *
 *   { "kind": "key-event", "v": 1, "id": 7, "device": "meter-01", "event": "rotated",
 *     "publicKey": "<base64>" | null, "requireSignature": true, "at": <ms>, "rx": <ms> }
 *
 * Record bytes = RFC 8785 (JCS) of this object, UTF-8; leaf = SHA-256(0x00 ‖ bytes), as for a
 * telemetry record. It cannot be mistaken for one: a telemetry record has exactly the members
 * device, readings, rx, seq, sig, ts, v (the message schema is strict) and never "kind", so the
 * two JSON values differ and so do their canonical bytes (RFC 8785 is a function of the value).
 * The first member tells them apart without parsing: key events begin `{"at":`, telemetry
 * records `{"device":`.
 */
export const KEY_EVENT_KIND = 'key-event' as const;
export const KEY_EVENT_VERSION = 1 as const;
export const KEY_EVENT_NAMES = ['registered', 'rotated', 'revoked', 'policy', 'deleted'] as const;
export type KeyEventName = (typeof KEY_EVENT_NAMES)[number];

const ms = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const keyEventRecordSchema = z
  .object({
    kind: z.literal(KEY_EVENT_KIND),
    v: z.literal(KEY_EVENT_VERSION),
    /** The event's number in the registry's append-only history (device_key_events.id). */
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    device: z.string().regex(DEVICE_ID_PATTERN, 'invalid device id'),
    event: z.enum(KEY_EVENT_NAMES),
    /** Base64 of the raw 32-byte Ed25519 key valid from `at` on (null: none). */
    publicKey: z.string().min(1).max(200).nullable(),
    requireSignature: z.boolean(),
    /** When the event took effect: GridProof's clock, Unix ms (the clock that stamps readings' rx). */
    at: ms,
    /**
     * When the log received it, Unix ms: its batch window, like a reading's rx. Equal to `at`
     * for events made since key events are logged; later for history imported on upgrade.
     */
    rx: ms,
  })
  .strict();

export type KeyEventRecord = z.infer<typeof keyEventRecordSchema>;

/** The bytes anchoring hashes into the event's leaf: RFC 8785 of exactly the record's members. */
export function keyEventBytes(r: KeyEventRecord): Buffer {
  // Members picked one by one, so nothing else a caller's object carries can slip into the leaf.
  return jcs({ kind: r.kind, v: r.v, id: r.id, device: r.device, event: r.event, publicKey: r.publicKey, requireSignature: r.requireSignature, at: r.at, rx: r.rx });
}

/** True for a well-formed key event record (the strict schema). */
export function isKeyEventRecord(x: unknown): x is KeyEventRecord {
  return keyEventRecordSchema.safeParse(x).success;
}

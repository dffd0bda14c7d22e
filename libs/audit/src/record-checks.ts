import type { KeyObject } from 'node:crypto';
import type { RecordRef } from '@gridproof/anchor';
import { KeyEvent, keyValidAt } from '@gridproof/registry';
import { IngestRecord, publicKeyFromBase64, verifyMessageSignature } from '@gridproof/telemetry';

/** At most this many records are named per list (the counts are always complete). */
export const MAX_NAMED = 1_000;

export interface SignatureFindings {
  /** Records whose Ed25519 signature was checked. */
  checked: number;
  /** Signed, but the signature does not verify with the key valid at the record's rx. */
  invalid: RecordRef[];
  /** Unsigned although the device had to sign at the record's rx. */
  unsigned: RecordRef[];
  /** No key history covers the record's rx (unknown device, or received after its deletion). */
  noKey: RecordRef[];
}

/**
 * Checks every stored record's signature against the key its device had when the record was
 * received (rx: GridProof's clock, which also stamps key events; the device's own ts is not
 * comparable). Keys come from the registry's append-only history, so readings made before a
 * rotation or a deletion are checked against the key they were signed with.
 */
export function checkSignatures(records: readonly IngestRecord[], histories: Map<string, KeyEvent[]>): SignatureFindings {
  const out: SignatureFindings = { checked: 0, invalid: [], unsigned: [], noKey: [] };
  const keys = new Map<string, KeyObject | null>();
  const keyObject = (b64: string): KeyObject | null => {
    if (!keys.has(b64)) {
      try {
        keys.set(b64, publicKeyFromBase64(b64));
      } catch {
        keys.set(b64, null);
      }
    }
    return keys.get(b64)!;
  };
  for (const r of records) {
    const ref = { device: r.device, seq: r.seq, ts: r.ts, rx: r.rx };
    const key = keyValidAt(histories.get(r.device) ?? [], r.rx);
    if (!key) {
      push(out.noKey, ref);
      continue;
    }
    if (r.sig === null) {
      if (key.requireSignature) push(out.unsigned, ref);
      continue;
    }
    out.checked++;
    const publicKey = key.publicKey ? keyObject(key.publicKey) : null;
    let ok = false;
    try {
      ok = publicKey !== null && verifyMessageSignature(r, r.sig, publicKey);
    } catch {
      ok = false;
    }
    if (!ok) push(out.invalid, ref);
  }
  return out;
}

export interface SequenceFindings {
  /** Devices with records in the period. */
  devices: number;
  /** Sequence numbers skipped between consecutive records of a device (in leaf order). */
  missingSeqs: number;
  gaps: Array<{ device: string; after: number; next: number }>;
  /** A record whose seq is below an earlier received record's of the same device. */
  reordered: Array<RecordRef & { after: number }>;
}

/**
 * Per device, in receive order: gaps (seq jumps by more than one) and reordering (seq goes
 * down). Dead-lettered readings and readings of other periods show up as gaps: the report puts
 * the dead-letter count next to them so the two can be told apart.
 */
export function checkSequences(records: readonly IngestRecord[]): SequenceFindings {
  const out: SequenceFindings = { devices: 0, missingSeqs: 0, gaps: [], reordered: [] };
  const last = new Map<string, number>();
  for (const r of records) {
    const prev = last.get(r.device);
    if (prev === undefined) {
      out.devices++;
    } else if (r.seq < prev) {
      push(out.reordered, { device: r.device, seq: r.seq, ts: r.ts, rx: r.rx, after: prev });
      continue;
    } else if (r.seq > prev + 1) {
      out.missingSeqs += r.seq - prev - 1;
      push(out.gaps, { device: r.device, after: prev, next: r.seq });
    }
    last.set(r.device, Math.max(prev ?? r.seq, r.seq));
  }
  return out;
}

function push<T>(list: T[], item: T): void {
  if (list.length < MAX_NAMED) list.push(item);
}

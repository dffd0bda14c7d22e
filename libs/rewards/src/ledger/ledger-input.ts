import type { DeviceType, IngestRecord } from '@gridproof/telemetry';

/**
 * What the ledger knows of a device: a snapshot of the registry taken for the epoch (its hash is
 * in the manifest). `ratedKwp` is the PV array's rated DC power at STC: the catalogue's
 * nameplate attribute `rated_power_kwp`, as registered in the device's metadata (null when it
 * was not registered: the catalogue's default is a dashboard's guess, not evidence of an array's
 * size, so such a device is held as pv_no_rated_power rather than paid against a default).
 */
export interface LedgerDevice {
  id: string;
  type: DeviceType;
  /** EVM address that is paid (registry device.owner); null: the device cannot be paid. */
  owner: string | null;
  site: { id: string; lat: number; lon: number };
  ratedKwp: number | null;
  /** The device's Ed25519 public keys (base64, raw 32 bytes) and since when each signs (receive time, ms). */
  keys: Array<{ publicKey: string; fromMs: number }>;
}

/** The head of the anchored log that covers the epoch's records (docs/anchoring.md §3). */
export interface LogHead {
  treeSize: number;
  /** RFC 6962 root, hex. */
  root: string;
}

/**
 * What carries over from one epoch to the next: each owner's cumulative amount (base units,
 * decimal) and each device's streak of consecutive good epochs. Cumulative amounts are what the
 * reward tree commits to, so a late claim never needs a catch-up computation.
 */
export interface LedgerState {
  /** The epoch this state closes; -1 for the genesis state. */
  epoch: number;
  cumulative: Record<string, string>;
  streaks: Record<string, number>;
}

export const GENESIS_STATE: LedgerState = { epoch: -1, cumulative: {}, streaks: {} };

/**
 * Signatures: `verify` re-checks every record's Ed25519 signature against the device's key (an
 * auditor's full check, ≈ 3,000 records/s per core here); `present` requires a well-formed
 * signature on every record and trusts its validity to ingest, which verified it before the
 * record was accepted and anchored (the epoch job's mode; see docs/owners.md). Both give the same
 * roots for untampered records.
 */
export type SignatureCheck = 'verify' | 'present';

/** Where the result is paid: part of every reward leaf (domain separation). */
export interface RewardDomain {
  chainId: number;
  /** The distributor contract's address (0x, 40 hex digits). */
  distributor: string;
}

export interface EpochInput {
  epoch: number;
  devices: readonly LedgerDevice[];
  /**
   * Stored records with device times in [epoch start − rule.maxCounterGapMs, epoch end): those
   * before the epoch serve only as each counter's starting point.
   */
  records: readonly IngestRecord[];
  logHead: LogHead;
  previous: LedgerState;
  domain: RewardDomain;
}

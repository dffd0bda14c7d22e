import { createHash } from 'node:crypto';
import { jcs } from '@gridproof/telemetry';
import type { HoldCode } from '../contribution/device-contribution';
import type { RewardRule } from '../rule';
import type { LedgerDevice, LedgerState, LogHead, RewardDomain } from './ledger-input';

/**
 * The version of the ledger's arithmetic. Bump it with any change that can move a figure (a
 * quality penalty, the clear-sky model, the split): `verify` recomputes only manifests of its
 * own version, and says so for others instead of reporting a false mismatch.
 */
export const LEDGER_CODE_VERSION = 'gridproof-rewards/1';
export const MANIFEST_FORMAT = 'gridproof-rewards-manifest/1';

/**
 * Everything needed to recompute an epoch, and what it produced. Inputs are named by hash (the
 * device snapshot, the previous state) or by the anchored log head; outputs by root and hash.
 */
export interface EpochManifest {
  format: typeof MANIFEST_FORMAT;
  code: typeof LEDGER_CODE_VERSION;
  epoch: { index: number; startMs: number; endMs: number };
  domain: RewardDomain;
  inputs: {
    logHead: LogHead;
    /** SHA-256 (hex) of JCS(device snapshot, sorted by id). */
    devicesHash: string;
    devices: number;
    records: number;
    /** Records of devices outside the snapshot (ignored, counted). */
    unknownDeviceRecords: number;
    previousStateHash: string;
    previousEpoch: number;
  };
  rule: RewardRule;
  ruleHash: string;
  roots: { contribution: string; reward: string };
  totals: {
    pool: string;
    energyPool: string;
    dataPool: string;
    /** Σ of this epoch's owner amounts; pool = paid + unallocated, exactly. */
    paid: string;
    unallocated: string;
    wh: number;
    eligibleDevices: number;
    heldDevices: number;
    holds: Partial<Record<HoldCode, number>>;
    owners: number;
  };
  stateHash: string;
}

export function sha256Hex(value: unknown): string {
  return createHash('sha256').update(jcs(value)).digest('hex');
}

export function devicesHash(devices: readonly LedgerDevice[]): string {
  return sha256Hex([...devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}

export function stateHash(state: LedgerState): string {
  return sha256Hex(state);
}

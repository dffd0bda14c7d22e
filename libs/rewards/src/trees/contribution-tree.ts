import { inclusionPath, leafHash, merkleRoot } from '@gridproof/anchor';
import { jcs } from '@gridproof/telemetry';
import type { DeviceContribution } from '../contribution/device-contribution';

/**
 * The contribution tree: one leaf per device of the snapshot, in device-id order (UTF-16 code
 * units), each the RFC 6962 leaf hash SHA-256(0x00 ‖ JCS(leaf)) of the RFC 8785 canonical JSON
 * below; the root is RFC 6962 §2.1's Merkle Tree Hash (libs/anchor's functions, the same as the
 * anchored log's). `logRoot` is the head of the anchored log that covers the epoch, and
 * `readingsDigest` the SHA-256 over the device's own records (ts, seq, rx, signature), so a leaf names exactly which stored
 * readings it was computed from. Holds appear in `flags` as `hold:<code>`.
 */
export interface ContributionLeaf {
  device: string;
  epoch: number;
  wh: number;
  slots: { valid: number; expected: number };
  quality: number;
  flags: string[];
  logRoot: string;
  readingsDigest: string;
}

export function contributionLeaf(c: DeviceContribution, logRoot: string): ContributionLeaf {
  return {
    device: c.device,
    epoch: c.epoch,
    wh: c.wh,
    slots: { valid: c.slots.valid, expected: c.slots.expected },
    quality: c.qualityBps,
    flags: [...c.flags, ...c.holds.map((h) => `hold:${h.code}`)].sort(),
    logRoot,
    readingsDigest: c.readingsDigest,
  };
}

export function contributionLeafHash(leaf: ContributionLeaf): Buffer {
  return leafHash(jcs(leaf));
}

/** Leaves must already be in device-id order (computeEpoch sorts them). */
export function contributionRoot(leaves: readonly ContributionLeaf[]): string {
  return merkleRoot(leaves.map(contributionLeafHash)).toString('hex');
}

/** RFC 6962 §2.1.1 audit path of leaf `index` (hex), for docs/owners.md's check. */
export function contributionProof(leaves: readonly ContributionLeaf[], index: number): string[] {
  return inclusionPath(leaves.map(contributionLeafHash), index).map((h) => h.toString('hex'));
}

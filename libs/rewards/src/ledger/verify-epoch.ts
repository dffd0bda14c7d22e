import type { IngestRecord } from '@gridproof/telemetry';
import { rewardRuleSchema, ruleHash } from '../rule';
import { computeEpoch, EpochResult } from './epoch-ledger';
import type { LedgerDevice, LedgerState, SignatureCheck } from './ledger-input';
import { devicesHash, EpochManifest, LEDGER_CODE_VERSION, stateHash } from './manifest';

export interface EpochVerification {
  ok: boolean;
  /** Each disagreement, in words (empty when ok). */
  problems: string[];
  recomputed: EpochResult | null;
}

/**
 * Recomputes an epoch from its manifest and the published inputs (the device snapshot, the
 * records under the manifest's log head, the previous state) and compares every root and hash.
 * Signatures are re-verified by default: an auditor trusts nothing the operator computed.
 */
export function verifyEpoch(
  manifest: EpochManifest,
  inputs: { devices: readonly LedgerDevice[]; records: readonly IngestRecord[]; previous: LedgerState },
  signatures: SignatureCheck = 'verify',
): EpochVerification {
  const problems: string[] = [];
  if (manifest.code !== LEDGER_CODE_VERSION) {
    return { ok: false, problems: [`the manifest was computed by ${manifest.code}; this verifier recomputes ${LEDGER_CODE_VERSION} only`], recomputed: null };
  }
  const parsed = rewardRuleSchema.safeParse(manifest.rule);
  if (!parsed.success) return { ok: false, problems: [`the manifest's rule is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`], recomputed: null };
  const rule = parsed.data;
  if (ruleHash(rule) !== manifest.ruleHash) problems.push(`rule hash ${manifest.ruleHash} does not match the rule listed (${ruleHash(rule)})`);
  const dh = devicesHash(inputs.devices);
  if (dh !== manifest.inputs.devicesHash) problems.push(`device snapshot hash ${dh} differs from the manifest's ${manifest.inputs.devicesHash}`);
  const ph = stateHash(inputs.previous);
  if (ph !== manifest.inputs.previousStateHash) problems.push(`previous state hash ${ph} differs from the manifest's ${manifest.inputs.previousStateHash}`);

  const recomputed = computeEpoch({ epoch: manifest.epoch.index, devices: inputs.devices, records: inputs.records, logHead: manifest.inputs.logHead, previous: inputs.previous, domain: manifest.domain }, rule, signatures);
  const r = recomputed.manifest;
  if (r.epoch.startMs !== manifest.epoch.startMs || r.epoch.endMs !== manifest.epoch.endMs) problems.push('epoch bounds differ');
  if (r.roots.contribution !== manifest.roots.contribution) problems.push(`contribution root: published ${manifest.roots.contribution}, recomputed ${r.roots.contribution}`);
  if (r.roots.reward !== manifest.roots.reward) problems.push(`reward root: published ${manifest.roots.reward}, recomputed ${r.roots.reward}`);
  if (r.stateHash !== manifest.stateHash) problems.push(`state hash: published ${manifest.stateHash}, recomputed ${r.stateHash}`);
  if (r.inputs.records !== manifest.inputs.records) problems.push(`records: the manifest counts ${manifest.inputs.records}, ${r.inputs.records} were given`);
  if (r.totals.paid !== manifest.totals.paid || r.totals.unallocated !== manifest.totals.unallocated) problems.push('paid or unallocated totals differ');
  return { ok: problems.length === 0, problems, recomputed };
}

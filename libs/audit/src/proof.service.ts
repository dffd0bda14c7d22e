import type { RecordSource } from '@gridproof/influx';
import { AnchorQueries, keyEventLeaf, LogProofs, recordLeaf } from '@gridproof/anchor';
import { KeyEvent, keyEventRecordOf, keyValidAt } from '@gridproof/registry';
import { ANCHOR_ABI_IDS, PROOF_ALGORITHMS, PROOF_BUNDLE_FORMAT, ProofBundle } from './proof-bundle';
import { DomainError } from '@gridproof/core';

/**
 * How proofs and audits learn the key a device had at a reading's time: its append-only key
 * history (the registry implements it), kept after rotation and deletion.
 */
export interface DeviceKeyLookup {
  keyHistories(deviceIds: readonly string[]): Promise<Map<string, KeyEvent[]>>;
  /** Key events the log received in [from, to) (by rx). */
  keyEventsLoggedBetween(from: number, to: number): Promise<KeyEvent[]>;
  /** Key events the SQL store holds that are not in the log. */
  unloggedKeyEvents(): Promise<KeyEvent[]>;
}

/** Why no proof can be given: no such reading (404), or not provable yet / any more (409). */
export class ProofError extends DomainError {
  constructor(
    readonly reason: 'not_found' | 'not_anchored' | 'mismatch',
    message: string,
  ) {
    super(reason === 'not_found' ? 'not_found' : 'conflict', message);
  }
}

/** Builds the self-contained proof bundle of one stored reading. */
export class ProofService {
  constructor(
    private readonly repo: AnchorQueries,
    private readonly reader: RecordSource,
    private readonly devices: DeviceKeyLookup,
  ) {}

  /**
   * The bundle of one stored reading: the record, the device key, the RFC 6962 inclusion proof
   * of its leaf in its batch's tree head, and with `consistencyTo` the §2.1.2 consistency proof
   * from that head to a later anchored head ('latest': the newest anchored batch).
   */
  async proof(device: string, by: { seq: number } | { ts: number }, opts: { consistencyTo?: 'latest' | number } = {}): Promise<ProofBundle> {
    const found = await this.reader.findRecords(device, by);
    if (!found.length) throw new ProofError('not_found', `no stored reading of ${device} with ${'seq' in by ? `seq ${by.seq}` : `ts ${by.ts}`}`);
    const record = found[0].record;
    const batch = await this.repo.batchAt(record.rx);
    if (!batch) throw new ProofError('not_anchored', `the reading (rx ${record.rx}) is not in a sealed batch yet`);
    if (!batch.anchor) throw new ProofError('not_anchored', `batch ${batch.id} is sealed but not anchored yet`);
    const { blockHash, blockTimestamp } = batch.anchor;
    if (blockHash === null || blockTimestamp === null) throw new ProofError('not_anchored', `batch ${batch.id} was anchored before block hashes were kept; its block is filled in at the next start`);
    const leaves = (await this.repo.leaves(batch.id)) ?? [];
    const index = leaves.findIndex((l) => l.kind !== 'key-event' && l.device === record.device && l.seq === record.seq);
    if (index < 0) throw new ProofError('mismatch', `batch ${batch.id} did not anchor ${device}#${record.seq}: the stored reading was added afterwards`);
    const leaf = recordLeaf(record);
    if (!leaves[index].leaf.equals(leaf)) throw new ProofError('mismatch', `the stored reading ${device}#${record.seq} differs from what batch ${batch.id} anchored`);
    // The key valid when the reading was received (rx: GridProof's clock, the clock of key
    // events), not the current one: a proof made before a rotation or deletion still verifies.
    const key = keyValidAt((await this.devices.keyHistories([record.device])).get(record.device) ?? [], record.rx);
    const log = new LogProofs(this.repo);
    const inclusion = await log.inclusion(batch, index);
    const keyEvent = key ? await this.keyEventProof(key.source, log) : null;
    const bundle: ProofBundle = {
      format: PROOF_BUNDLE_FORMAT,
      algorithms: { ...PROOF_ALGORITHMS },
      record,
      device: { id: record.device, publicKey: key?.publicKey ?? null },
      signature: record.sig,
      leaf: leaf.toString('hex'),
      leafIndex: inclusion.leafIndex,
      path: inclusion.path.map((h) => h.toString('hex')),
      batch: { id: batch.id, start: batch.start, end: batch.end, count: batch.count, treeSize: batch.treeSize, root: batch.root, prevRoot: batch.prevRoot },
      chain: { chainId: batch.anchor.chainId, contract: batch.anchor.contract.toLowerCase(), txHash: batch.anchor.txHash.toLowerCase(), blockNumber: batch.anchor.blockNumber, blockHash: blockHash.toLowerCase(), blockTimestamp, abi: { ...ANCHOR_ABI_IDS } },
    };
    if (keyEvent) bundle.keyEvent = keyEvent;
    if (opts.consistencyTo !== undefined) {
      const to = opts.consistencyTo === 'latest' ? await this.repo.lastAnchored() : await this.repo.batch(opts.consistencyTo);
      if (!to?.anchor) throw new ProofError('not_anchored', `no anchored batch ${opts.consistencyTo} to prove consistency with`);
      if (to.id < batch.id) throw new ProofError('mismatch', `batch ${to.id} is older than the reading's batch ${batch.id}`);
      const proof = await log.consistency(batch, to);
      bundle.consistency = { batchId: to.id, treeSize: to.treeSize, root: to.root, proof: proof.map((h) => h.toString('hex')) };
    }
    return bundle;
  }

  /**
   * The inclusion proof of the key event that made the key valid, in the head of the batch that
   * logged it. Built from the SQL history as it stands: an event edited there no longer hashes
   * to its leaf, and verify fails the bundle (the bundle is the store's claim; verify judges it).
   * Null when the event is not in the log (never logged, or its leaf is not where SQL says).
   */
  private async keyEventProof(e: KeyEvent, log: LogProofs): Promise<ProofBundle['keyEvent'] | null> {
    const record = keyEventRecordOf(e);
    if (!record) return null;
    const batch = await this.repo.batchAt(record.rx);
    if (!batch) throw new ProofError('not_anchored', `key event ${e.id} of ${e.device} (rx ${record.rx}) is not in a sealed batch yet`);
    if (!batch.anchor) throw new ProofError('not_anchored', `batch ${batch.id}, which holds key event ${e.id} of ${e.device}, is sealed but not anchored yet`);
    const leaves = (await this.repo.leaves(batch.id)) ?? [];
    const index = leaves.findIndex((l) => l.kind === 'key-event' && l.seq === e.id);
    if (index < 0) return null;
    const inclusion = await log.inclusion(batch, index);
    return {
      record,
      leaf: keyEventLeaf(record).toString('hex'),
      leafIndex: inclusion.leafIndex,
      path: inclusion.path.map((h) => h.toString('hex')),
      batch: { id: batch.id, start: batch.start, end: batch.end, count: batch.count, treeSize: batch.treeSize, root: batch.root, prevRoot: batch.prevRoot },
    };
  }
}

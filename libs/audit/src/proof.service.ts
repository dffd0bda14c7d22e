import { AnchorRepository, inclusionPath, InfluxRecordReader, recordLeaf } from '@gridproof/anchor';
import { PROOF_BUNDLE_FORMAT, ProofBundle } from './proof-bundle';

/** How the proof service learns a device's public key (the registry implements it). */
export interface DeviceKeyLookup {
  find(deviceId: string): Promise<{ publicKey: string | null } | null>;
}

export class ProofError extends Error {
  constructor(
    readonly kind: 'not_found' | 'not_anchored' | 'mismatch',
    message: string,
  ) {
    super(message);
  }
}

/** Builds the self-contained proof bundle of one stored reading. */
export class ProofService {
  constructor(
    private readonly repo: AnchorRepository,
    private readonly reader: InfluxRecordReader,
    private readonly devices: DeviceKeyLookup,
  ) {}

  async proof(device: string, by: { seq: number } | { ts: number }): Promise<ProofBundle> {
    const found = await this.reader.findRecords(device, by);
    if (!found.length) throw new ProofError('not_found', `no stored reading of ${device} with ${'seq' in by ? `seq ${by.seq}` : `ts ${by.ts}`}`);
    const record = found[0].record;
    const batch = await this.repo.batchAt(record.rx);
    if (!batch) throw new ProofError('not_anchored', `the reading (rx ${record.rx}) is not in a sealed batch yet`);
    if (!batch.anchor) throw new ProofError('not_anchored', `batch ${batch.id} is sealed but not anchored yet`);
    const leaves = (await this.repo.leaves(batch.id)) ?? [];
    const index = leaves.findIndex((l) => l.device === record.device && l.seq === record.seq);
    if (index < 0) throw new ProofError('mismatch', `batch ${batch.id} did not anchor ${device}#${record.seq}: the stored reading was added afterwards`);
    const leaf = recordLeaf(record);
    if (!leaves[index].leaf.equals(leaf)) throw new ProofError('mismatch', `the stored reading ${device}#${record.seq} differs from what batch ${batch.id} anchored`);
    const registered = await this.devices.find(record.device);
    return {
      format: PROOF_BUNDLE_FORMAT,
      record,
      device: { id: record.device, publicKey: registered?.publicKey ?? null },
      signature: record.sig,
      leaf: leaf.toString('hex'),
      leafIndex: index,
      path: inclusionPath(
        leaves.map((l) => l.leaf),
        index,
      ).map((h) => h.toString('hex')),
      batch: { id: batch.id, start: batch.start, end: batch.end, count: batch.count, root: batch.root, prevRoot: batch.prevRoot },
      chain: { chainId: batch.anchor.chainId, contract: batch.anchor.contract.toLowerCase(), txHash: batch.anchor.txHash.toLowerCase(), blockNumber: batch.anchor.blockNumber },
    };
  }
}

import { IngestRecord, privateKeyFromBase64, recordBytes, signMessage } from '@gridproof/telemetry';
import { inclusionPath, leafHash, merkleRoot, nodeHash } from './merkle/merkle';
import { compareRecords } from './records/record-leaf';

/**
 * The worked example of docs/anchoring.md, computed by the real code (worked-example.spec.ts
 * checks that every value printed in the document is what this computes).
 */
export function workedExample() {
  const seed = Buffer.alloc(32, 7).toString('base64');
  const key = privateKeyFromBase64(seed);
  const messages: Array<{ v: 1; device: string; ts: number; seq: number; readings: Record<string, number | string> }> = [
    { v: 1 as const, device: 'meter-01', ts: 1763683200000, seq: 41, readings: { power_w: 1520.5, voltage_v: 230.1 } },
    { v: 1 as const, device: 'charger-07', ts: 1763683200350, seq: 9, readings: { power_kw: 7.4, status: 'charging' } },
    { v: 1 as const, device: 'meter-01', ts: 1763683201000, seq: 42, readings: { power_w: 1498, voltage_v: 229.8 } },
  ];
  const rx = [1763683200120, 1763683200120, 1763683201090];
  const records: IngestRecord[] = messages.map((m, i) => ({ ...signMessage(m, key), rx: rx[i] })).map((r) => ({ v: r.v, device: r.device, ts: r.ts, seq: r.seq, readings: r.readings, sig: r.sig, rx: r.rx }));
  records.sort(compareRecords);
  const bytes = records.map((r) => recordBytes(r));
  const leaves = bytes.map((b) => leafHash(b));
  const n01 = nodeHash(leaves[0], leaves[1]);
  const root = merkleRoot(leaves);
  return {
    seed,
    records,
    recordJcs: bytes.map((b) => b.toString('utf8')),
    leaves: leaves.map((l) => l.toString('hex')),
    node01: n01.toString('hex'),
    root: root.toString('hex'),
    pathOf2: inclusionPath(leaves, 2).map((h) => h.toString('hex')),
    pathOf0: inclusionPath(leaves, 0).map((h) => h.toString('hex')),
  };
}

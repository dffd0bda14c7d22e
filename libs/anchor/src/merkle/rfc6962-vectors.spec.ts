import { vectorFiles } from '@gridproof/testing';
import { consistencyProof, inclusionProof, leafHash, MerkleFrontier, merkleRoot, rangeHasherOf, verifyConsistency, verifyInclusion } from './merkle';

// transparency-dev/merkle testdata (../shared/vectors/rfc6962, README there): base64 hashes,
// wantErr = a correct verifier must reject the probe.
interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string | null;
  root2: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const b64 = (s: string | null) => Buffer.from(s ?? '', 'base64');
// The reference tree the same repository's tests build (README of the vectors).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => leafHash(Buffer.from(h, 'hex')));

describe('RFC 6962 vectors (transparency-dev/merkle)', () => {
  const inclusion = vectorFiles<InclusionProbe>('rfc6962', 'inclusion');
  const consistency = vectorFiles<ConsistencyProbe>('rfc6962', 'consistency');

  it('finds both probe sets', () => {
    expect(inclusion.length).toBeGreaterThan(50);
    expect(consistency.length).toBeGreaterThan(50);
  });

  it.each(inclusion.map(([name, p]) => [name, p] as const))('inclusion %s: accepted exactly when it should be', (_name, p) => {
    // Negative leaf indexes and sizes are probes too: the verifier must refuse them, not throw.
    const ok = verifyInclusion(b64(p.leafHash), p.leafIdx, p.treeSize, (p.proof ?? []).map(b64), b64(p.root));
    expect(ok).toBe(!p.wantErr);
  });

  it.each(consistency.map(([name, p]) => [name, p] as const))('consistency %s: accepted exactly when it should be', (_name, p) => {
    const ok = verifyConsistency(p.size1, p.size2, b64(p.root1), b64(p.root2), (p.proof ?? []).map(b64));
    expect(ok).toBe(!p.wantErr);
  });

  it('builds the published proofs of the happy paths with the project\'s own builders', async () => {
    const hasher = rangeHasherOf(LEAVES);
    let checked = 0;
    for (const [, p] of inclusion) {
      if (p.wantErr || p.treeSize > LEAVES.length || p.treeSize < 1) continue;
      if (!b64(p.leafHash).equals(LEAVES[p.leafIdx])) continue;
      expect((await inclusionProof(p.leafIdx, p.treeSize, hasher)).map((h) => h.toString('base64'))).toEqual(p.proof ?? []);
      expect(merkleRoot(LEAVES.slice(0, p.treeSize)).toString('base64')).toBe(p.root);
      checked++;
    }
    for (const [, p] of consistency) {
      if (p.wantErr || p.size2 > LEAVES.length || p.size1 < 1) continue;
      if (merkleRoot(LEAVES.slice(0, p.size2)).toString('base64') !== p.root2) continue;
      expect((await consistencyProof(p.size1, p.size2, hasher)).map((h) => h.toString('base64'))).toEqual(p.proof ?? []);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('grows a frontier whose root is the published root at every size, and proves every pair of sizes consistent', async () => {
    const f = MerkleFrontier.empty();
    const hasher = rangeHasherOf(LEAVES);
    for (let n = 1; n <= LEAVES.length; n++) {
      f.append(LEAVES[n - 1]);
      expect(f.root().equals(merkleRoot(LEAVES.slice(0, n)))).toBe(true);
      expect(MerkleFrontier.from(f.size, f.hashes).root().equals(f.root())).toBe(true);
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(m, n, hasher);
        expect(verifyConsistency(m, n, merkleRoot(LEAVES.slice(0, m)), f.root(), proof)).toBe(true);
        if (m < n) expect(verifyConsistency(m, n, merkleRoot(LEAVES.slice(1, m + 1)), f.root(), proof)).toBe(false);
      }
    }
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { EMPTY_ROOT, inclusionPath, leafHash, merkleRoot, merkleRootYielding, nodeHash, rootFromPath, verifyInclusion } from './merkle';

// The Certificate Transparency reference test data (RFC 6962 test suite, as in
// certificate-transparency merkle_tree_test.cc and trillian's rfc6962 tests): eight leaf inputs
// and the published tree heads MTH(D[0:n]) for n = 0..8.
const CT_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// Published audit paths (leaf index, tree size, PATH) from the same suite.
const CT_PATHS: Array<[number, number, string[]]> = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
];

const hex = (b: Buffer) => b.toString('hex');
const leaves = CT_INPUTS.map(leafHash);

describe('RFC 6962 Merkle tree', () => {
  it('reproduces the published tree heads for every prefix of the CT test data', () => {
    for (let n = 0; n <= 8; n++) expect(hex(merkleRoot(leaves.slice(0, n)))).toBe(CT_ROOTS[n]);
  });

  it('gives the same root when it pauses between hashes as when it does not', async () => {
    for (const n of [0, 1, 2, 3, 5, 8, 13, 100, 1_000]) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
      for (const chunk of [1, 3, 4_096]) expect((await merkleRootYielding(leaves, chunk)).toString('hex')).toBe(merkleRoot(leaves).toString('hex'));
    }
  });

  it('hashes the empty tree as SHA-256 of the empty string', () => {
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
  });

  it('produces the published audit paths', () => {
    for (const [index, size, path] of CT_PATHS) {
      expect(inclusionPath(leaves.slice(0, size), index).map(hex)).toEqual(path);
    }
  });

  it('verifies the published audit paths against the published roots', () => {
    for (const [index, size, path] of CT_PATHS) {
      const p = path.map((h) => Buffer.from(h, 'hex'));
      expect(verifyInclusion(leaves[index], index, size, p, Buffer.from(CT_ROOTS[size], 'hex'))).toBe(true);
    }
  });

  it('hashes leaves of any size and nodes as the RFC 6962 definition does (the reused input buffers included)', () => {
    const reference = (prefix: number, ...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256').update(Buffer.from([prefix]))).digest();
    // Sizes around and well past the reused leaf buffer (1 KiB), each twice in a row.
    for (const size of [0, 1, 300, 1023, 1024, 5000, 300, 70_000, 10]) {
      for (let k = 0; k < 2; k++) {
        const data = randomBytes(size);
        expect(leafHash(data).equals(reference(0x00, data))).toBe(true);
      }
    }
    for (let k = 0; k < 20; k++) {
      const [left, right] = [randomBytes(32), randomBytes(32)];
      expect(nodeHash(left, right).equals(reference(0x01, left, right))).toBe(true);
    }
    // Not two hashes (never in a tree): the streaming path.
    const [a, b] = [randomBytes(5), randomBytes(40)];
    expect(nodeHash(a, b).equals(reference(0x01, a, b))).toBe(true);
    // Each call returns its own buffer: earlier results stay intact.
    const first = nodeHash(Buffer.alloc(32, 1), Buffer.alloc(32, 2));
    const copy = Buffer.from(first);
    nodeHash(Buffer.alloc(32, 3), Buffer.alloc(32, 4));
    expect(first.equals(copy)).toBe(true);
  });

  it('separates leaf and node domains', () => {
    const a = leafHash(Buffer.from('a'));
    const b = leafHash(Buffer.from('b'));
    expect(leafHash(Buffer.concat([a, b])).equals(nodeHash(a, b))).toBe(false);
  });

  it('verifies every path of trees up to 40 leaves and rejects a wrong index, leaf or path', () => {
    for (let n = 1; n <= 40; n++) {
      const ls = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf-${i}`)));
      const root = merkleRoot(ls);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(ls, m);
        expect(verifyInclusion(ls[m], m, n, path, root)).toBe(true);
        if (n > 1) expect(verifyInclusion(ls[m], (m + 1) % n, n, path, root)).toBe(false);
        expect(verifyInclusion(leafHash(Buffer.from('x')), m, n, path, root)).toBe(false);
        if (path.length) expect(rootFromPath(ls[m], m, n, path.slice(0, -1))).toBeNull();
      }
    }
  });

  it('refuses a leaf index outside the tree', () => {
    expect(() => inclusionPath(leaves, 8)).toThrow(RangeError);
    expect(rootFromPath(leaves[0], 3, 3, [])).toBeNull();
  });
});

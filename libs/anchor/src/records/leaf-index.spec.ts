import { decodeLeafIndex, encodeLeafIndex, IndexedLeaf } from './leaf-index';

const leaf = (b: number) => Buffer.alloc(32, b);

describe('the leaf index', () => {
  it('keeps which leaves are key events, and reads an index written before key events the same', () => {
    const leaves: IndexedLeaf[] = [
      { kind: 'key-event', device: 'meter-01', seq: 7, ts: 1763683230000, rx: 1763683230000, leaf: leaf(1) },
      { device: 'meter-01', seq: 7, ts: 1763683229000, rx: 1763683230000, leaf: leaf(2) },
    ];
    expect(decodeLeafIndex(encodeLeafIndex(leaves))).toEqual(leaves);
    // Written without the flag (every index sealed before key events were logged): records only.
    const old = encodeLeafIndex([leaves[1]]);
    expect(old[0]).toBe('meter-01'.length);
    expect(decodeLeafIndex(old)).toEqual([leaves[1]]);
  });
});

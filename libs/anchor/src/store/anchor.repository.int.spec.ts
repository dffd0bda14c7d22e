import { createHash } from 'node:crypto';
import { SqlStore } from '@gridproof/store';
import { itOn, SQL_STORES, storeAvailable } from '@gridproof/testing';
import type { IndexedLeaf } from '../records/leaf-index';
import { AnchorRepository, MAX_NAMED_DEAD_LETTERS } from './anchor.repository';

const hex32 = (s: string) => createHash('sha256').update(s).digest('hex');

function leaves(n: number, device = 'inv-ünï-01'): IndexedLeaf[] {
  return Array.from({ length: n }, (_, i) => ({ device, seq: i + 1, ts: 1_767_225_600_000 + i * 1_000, rx: 1_767_225_600_250 + i * 1_000, leaf: createHash('sha256').update(`leaf ${i}`).digest() }));
}

/**
 * The anchoring store's contract, on embedded PGlite and on PostgreSQL: batches, their leaf
 * indexes (stored as bytes the server decodes from base64, a 100,000-leaf index included),
 * dead letters, chain positions.
 */
describe.each(SQL_STORES)(`${AnchorRepository.name} on %s`, (storeName, open) => {
  const it = itOn(storeName);
  let store: SqlStore;
  let repo: AnchorRepository;

  beforeAll(async () => {
    if (!storeAvailable(storeName)) return;
    store = await open();
    repo = new AnchorRepository(store);
    await repo.migrate();
  });
  afterAll(() => store?.close());

  it('stores a batch with its leaf index and reads both back byte for byte', async () => {
    const index = leaves(3);
    await repo.insertBatch({ id: 1, start: 1_000, end: 61_000, count: 3, root: hex32('root 1'), prevRoot: '0'.repeat(64), treeSize: 3, frontier: [] }, index);
    expect(await repo.batch(1)).toMatchObject({ id: 1, start: 1_000, end: 61_000, count: 3, root: hex32('root 1'), deadLettered: 0, deadLetters: [], anchor: null });
    expect(await repo.leaves(1)).toEqual(index);
    expect(await repo.leaves(999)).toBeNull();
  });

  it('keeps a 100,000-leaf index intact', async () => {
    const index = leaves(100_000, 'meter-0001');
    await repo.insertBatch({ id: 2, start: 61_000, end: 121_000, count: index.length, root: hex32('root 2'), prevRoot: hex32('root 1'), treeSize: 3, frontier: [] }, index);
    const back = await repo.leaves(2);
    expect(back).toHaveLength(100_000);
    expect(back![99_999]).toEqual(index[99_999]);
    expect(Buffer.concat(back!.map((l) => l.leaf)).equals(Buffer.concat(index.map((l) => l.leaf)))).toBe(true);
  });

  it('finds batches by receive time and window overlap, and pages the list newest first', async () => {
    expect((await repo.batchAt(60_999))?.id).toBe(1);
    expect((await repo.batchAt(61_000))?.id).toBe(2);
    expect(await repo.batchAt(121_000)).toBeNull();
    expect((await repo.batchesOverlapping(50_000, 70_000)).map((b) => b.id)).toEqual([1, 2]);
    expect((await repo.list({ limit: 1 })).map((b) => b.id)).toEqual([2]);
    expect((await repo.list({ limit: 5, beforeId: 2 })).map((b) => b.id)).toEqual([1]);
  });

  it('records chain positions in order, and when the chain lost them keeps each lost position under a re-anchoring event', async () => {
    expect((await repo.firstUnanchored())?.id).toBe(1);
    const contract = '0x' + 'ab'.repeat(20);
    await repo.markAnchored(1, { chainId: 31337, contract, txHash: '0x' + hex32('tx 1'), blockNumber: 7, blockHash: '0x' + hex32('block 7'), blockTimestamp: 1_700_000_007 });
    await repo.markAnchored(2, { chainId: 31337, contract, txHash: '0x' + hex32('tx 2'), blockNumber: 8, blockHash: '0x' + hex32('block 8'), blockTimestamp: 1_700_000_008 });
    expect(await repo.unanchoredCount()).toBe(0);
    expect((await repo.lastAnchored())?.anchor).toMatchObject({ chainId: 31337, blockNumber: 8, blockHash: '0x' + hex32('block 8'), blockTimestamp: 1_700_000_008 });

    const event = await repo.recordReanchor({ reason: 'chain_behind', detail: 'the chain holds 2 batches', chainId: 31337, contractBefore: contract, contractAfter: contract, fromBatch: 2 });
    expect(event).toMatchObject({ reason: 'chain_behind', fromBatch: 2, batches: 1 });
    expect((await repo.firstUnanchored())?.id).toBe(2);
    expect((await repo.batch(1))?.anchor?.blockNumber).toBe(7);
    expect(await repo.reanchoredBatches(0, 10)).toEqual([
      { batchId: 2, event, lost: { txHash: '0x' + hex32('tx 2'), blockNumber: 8, blockHash: '0x' + hex32('block 8'), anchoredAt: expect.any(Number) } },
    ]);
    expect(await repo.reanchoredCount()).toBe(1);
    expect(await repo.reanchorEvents()).toEqual([event]);
  });

  it('counts every dead letter of a batch and names at most MAX_NAMED_DEAD_LETTERS of them', async () => {
    const refs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ device: 'bat-01', seq: from + i, ts: from + i, rx: from + i }));
    await repo.insertBatch({ id: 3, start: 121_000, end: 181_000, count: 0, root: hex32('root 3'), prevRoot: hex32('root 2'), treeSize: 0, frontier: [], deadLetters: refs(1, 2) }, []);
    await repo.addDeadLetters(3, refs(3, MAX_NAMED_DEAD_LETTERS));
    const batch = await repo.batch(3);
    expect(batch?.deadLettered).toBe(MAX_NAMED_DEAD_LETTERS + 2);
    expect(batch?.deadLetters).toHaveLength(MAX_NAMED_DEAD_LETTERS);
    expect(batch?.deadLetters[0]).toEqual({ device: 'bat-01', seq: 1, ts: 1, rx: 1 });
  });

  it('keeps the deployed contract per chain and small state values, overwriting on save', async () => {
    await repo.saveContract({ chainKey: 'chain-a', chainId: 1, address: '0x' + '01'.repeat(20), deployedBlock: 5 });
    await repo.saveContract({ chainKey: 'chain-a', chainId: 1, address: '0x' + '02'.repeat(20), deployedBlock: 9 });
    expect(await repo.contract('chain-a')).toEqual({ chainKey: 'chain-a', chainId: 1, address: '0x' + '02'.repeat(20), deployedBlock: 9 });
    expect(await repo.contract('chain-b')).toBeNull();
    await repo.setState('cursor', 'a');
    await repo.setState('cursor', 'b');
    expect(await repo.state('cursor')).toBe('b');
    expect(await repo.state('missing')).toBeNull();
  });
});

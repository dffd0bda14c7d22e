import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { chainContractSuite } from '../../chain.contract';
import { ChainJournalError } from './chain-journal';
import { BatchAnchor } from '../../chain.port';
import { EMBEDDED_DEV_KEY, EmbeddedChain } from './embedded-chain';

const ZERO = '00'.repeat(32);
const root = (n: number) => n.toString(16).padStart(64, '0');
const batch = (id: number): BatchAnchor => ({ batchId: id, root: root(id + 1), prevRoot: id === 0 ? ZERO : root(id), count: id, start: 1_000 * id, end: 1_000 * (id + 1) });
const fast = { confirmations: 1, dropTimeoutMs: 30_000 };

const dirs: string[] = [];
const journalIn = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-chain-journal-'));
  dirs.push(dir);
  return join(dir, 'chain', 'embedded-chain.jsonl');
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The shared ChainPort contract on the journaled chain (dropped and re-submitted transactions,
// manual mining), then the whole history it wrote must replay to the same blocks.
let suiteJournal = '';
chainContractSuite(
  `${EmbeddedChain.name} with a journal`,
  async () => {
    suiteJournal = journalIn();
    const chain = await EmbeddedChain.start({ rpcPort: null, journalPath: suiteJournal });
    return { chain, rpc: (m, p) => chain.send(m, p) };
  },
  (c) => c.chain.close(),
);

describe(`${EmbeddedChain.name} journal`, () => {
  it('replays the history the contract suite wrote (dropped transactions, manual mining) to the same block hashes', async () => {
    expect(suiteJournal).not.toBe('');
    const lines = readFileSync(suiteJournal, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]) as { number: number; hash: string };
    const chain = await EmbeddedChain.start({ rpcPort: null, journalPath: suiteJournal });
    try {
      expect(chain.restore?.replayedBlocks).toBe(lines.length - 1);
      expect(((await chain.send('eth_getBlockByNumber', ['latest', false])) as { hash: string }).hash).toBe(last.hash);
    } finally {
      await chain.close();
    }
  });

  it('keeps every anchored batch, its transaction and its block across a restart, and dates new blocks now', async () => {
    const path = journalIn();
    const first = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    const { address } = await first.deploy();
    const receipts = [];
    for (let id = 0; id < 3; id++) receipts.push(await first.anchor(batch(id), fast));
    await first.close();

    const again = await EmbeddedChain.start({ rpcPort: 0, journalPath: path });
    try {
      again.use(address);
      expect(again.restore).toMatchObject({ replayedBlocks: 4, droppedBytes: 0 });
      expect(await again.nextBatchId()).toBe(3);
      for (let id = 0; id < 3; id++) {
        expect(await again.getBatch(id)).toMatchObject({ root: root(id + 1), anchoredAtBlock: receipts[id].blockNumber });
        const { resubmissions: _, ...mined } = receipts[id];
        expect(await again.minedAt(receipts[id].txHash)).toEqual(mined);
      }
      // Anchoring goes on from there, dated by the wall clock, not by the replayed blocks.
      const next = await again.anchor(batch(3), fast);
      expect(Math.abs(next.blockTimestamp - Date.now() / 1000)).toBeLessThan(5);
    } finally {
      await again.close();
    }
    // What the restored chain added is journaled after the restored history, not over it.
    const third = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    try {
      third.use(address);
      expect(third.restore?.replayedBlocks).toBe(5);
      expect(await third.nextBatchId()).toBe(4);
    } finally {
      await third.close();
    }
  });

  it('journals transactions of every type sent by anyone (raw legacy and access-list ones, eth_sendTransaction) so they replay', async () => {
    const path = journalIn();
    const chain = await EmbeddedChain.start({ rpcPort: 0, journalPath: path });
    const key = new Wallet(EMBEDDED_DEV_KEY);
    const to = Wallet.createRandom().address;
    const nonce = async () => Number(BigInt((await chain.send('eth_getTransactionCount', [key.address, 'latest'])) as string));
    const sent: string[] = [];
    try {
      sent.push((await chain.send('eth_sendRawTransaction', [await key.signTransaction({ type: 0, to, value: 1n, nonce: await nonce(), gasLimit: 21_000n, gasPrice: 10n ** 10n, chainId: 31337n })])) as string);
      sent.push((await chain.send('eth_sendRawTransaction', [await key.signTransaction({ type: 1, to, value: 2n, nonce: await nonce(), gasLimit: 30_000n, gasPrice: 10n ** 10n, chainId: 31337n, accessList: [{ address: to, storageKeys: [`0x${root(1)}`] }] })])) as string);
      sent.push((await chain.send('eth_sendTransaction', [{ from: key.address, to, value: '0x3' }])) as string);
    } finally {
      await chain.close();
    }
    const again = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    try {
      expect(again.restore?.replayedBlocks).toBe(3);
      for (const hash of sent) expect(await again.minedAt(hash)).not.toBeNull();
      expect(await again.send('eth_getBalance', [to, 'latest'])).toBe('0x6');
    } finally {
      await again.close();
    }
  });

  it('drops a last line cut short by a crash (never acknowledged) and keeps the rest', async () => {
    const path = journalIn();
    const first = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    const { address } = await first.deploy();
    await first.anchor(batch(0), fast);
    await first.close();
    const whole = statSync(path).size;
    const torn = '{"number":3,"timestamp":17';
    appendFileSync(path, torn);

    const again = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    try {
      again.use(address);
      expect(again.restore?.droppedBytes).toBe(torn.length);
      expect(statSync(path).size).toBe(whole);
      expect(await again.nextBatchId()).toBe(1);
    } finally {
      await again.close();
    }
  });

  it('refuses a journal written with another key, naming CHAIN_PRIVATE_KEY', async () => {
    const path = journalIn();
    await (await EmbeddedChain.start({ rpcPort: null, journalPath: path })).close();
    const other = Wallet.createRandom().privateKey;
    const started = EmbeddedChain.start({ rpcPort: null, journalPath: path, privateKey: other });
    await expect(started).rejects.toBeInstanceOf(ChainJournalError);
    await expect(started).rejects.toThrow(/belongs to another chain: account .* \(CHAIN_PRIVATE_KEY\)/);
  });

  it('refuses, on its RPC port too, the Hardhat methods that would change an anchored root outside a block', async () => {
    const chain = await EmbeddedChain.start({ rpcPort: 0, journalPath: journalIn() });
    try {
      const { address } = await chain.deploy();
      await chain.anchor(batch(0), fast);
      await expect(chain.send('hardhat_setStorageAt', [address, '0x0', `0x${root(9)}`])).rejects.toThrow(/not available on the embedded chain/);
      const res = await fetch(chain.rpcUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_revert', params: ['0x1'] }),
      });
      expect(((await res.json()) as { error?: { message: string } }).error?.message).toMatch(/evm_revert is not available on the embedded chain/);
      expect(await chain.getBatch(0)).toMatchObject({ root: root(1) });
    } finally {
      await chain.close();
    }
  });
});

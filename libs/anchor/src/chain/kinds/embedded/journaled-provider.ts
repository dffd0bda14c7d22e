import { Eip1193Provider, keccak256, Transaction, TransactionLike } from 'ethers';
import { ChainJournal, ChainJournalError, JournaledBlock } from './chain-journal';

type Policy = 'read' | 'write' | 'refuse';

/** Hardhat and EVM methods that add blocks or transactions only through mined blocks: journaled. */
const WRITE_METHODS = new Set(['eth_sendRawTransaction', 'eth_sendTransaction', 'evm_mine', 'hardhat_mine', 'evm_setAutomine', 'evm_setNextBlockTimestamp', 'evm_increaseTime', 'hardhat_dropTransaction']);
/** Hardhat methods that only read. */
const READ_METHODS = new Set(['hardhat_getAutomine', 'hardhat_metadata']);

/**
 * Which requests the journaled chain takes. Standard methods (eth_, net_, web3_, debug_) are
 * reads except the two that send transactions. Of Hardhat's own methods only those whose effect
 * lands in a mined block pass: the others (setStorageAt, setCode, setBalance, snapshot/revert,
 * reset, impersonation, interval mining) change state outside any block, so no journal of blocks
 * could replay them, and on the served RPC port they would let anyone rewrite an anchored root.
 */
export function methodPolicy(method: string): Policy {
  if (WRITE_METHODS.has(method)) return 'write';
  if (READ_METHODS.has(method)) return 'read';
  if (/^(evm|hardhat|anvil|ganache|tevm)_/.test(method)) return 'refuse';
  return 'read';
}

/** A JSON-RPC error the handler answers with (code -32601: method not supported here). */
export class RefusedMethodError extends Error {
  readonly code = -32601;
  constructor(method: string) {
    super(`${method} is not available on the embedded chain: it changes state outside a mined block, which the chain's journal cannot keep`);
  }
}

interface RpcBlock {
  number: string;
  hash: string;
  timestamp: string;
  transactions: RpcTransaction[];
}

interface RpcTransaction {
  hash: string;
  type: string;
  chainId?: string;
  nonce: string;
  to: string | null;
  value: string;
  input: string;
  gas: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  accessList?: TransactionLike['accessList'];
  v: string;
  r: string;
  s: string;
  yParity?: string;
}

interface Listeners {
  addListener(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

const hexNumber = (n: number) => `0x${n.toString(16)}`;

/**
 * The signed transaction exactly as it was sent, rebuilt from a block's JSON (Hardhat has no
 * eth_getRawTransaction). ethers serialises it; the hash of the result must be the transaction's
 * hash, or the journal would keep something that does not replay.
 */
export function rawTransaction(t: RpcTransaction): string {
  const type = Number(t.type);
  const tx = Transaction.from({
    type,
    chainId: t.chainId !== undefined ? BigInt(t.chainId) : undefined,
    nonce: Number(t.nonce),
    to: t.to,
    value: BigInt(t.value),
    data: t.input,
    gasLimit: BigInt(t.gas),
    ...(type >= 2 ? { maxFeePerGas: BigInt(t.maxFeePerGas!), maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas!) } : { gasPrice: BigInt(t.gasPrice!) }),
    ...(type >= 1 ? { accessList: t.accessList ?? [] } : {}),
    signature: type === 0 ? { r: t.r, s: t.s, v: BigInt(t.v) } : { r: t.r, s: t.s, yParity: Number(t.yParity ?? t.v) as 0 | 1 },
  });
  if (tx.hash !== t.hash) throw new ChainJournalError(`transaction ${t.hash} (type ${type}) cannot be journaled: rebuilt, it hashes to ${tx.hash}`);
  return tx.serialized;
}

/**
 * The in-process Hardhat provider with every mined block journaled (ChainJournal) before the
 * request that mined it returns, so a transaction the caller saw mined survives SIGKILL.
 * Requests run one at a time, so nobody (the anchoring service, a verifier on the RPC port)
 * sees a block the journal lacks.
 * If the journal cannot be written (disk full), every request fails until it can: the chain
 * fails closed rather than confirm what a restart would lose.
 */
export class JournaledProvider implements Eip1193Provider {
  private tail: Promise<void> = Promise.resolve();
  private behind = false;
  /** Raw bytes of transactions sent with eth_sendRawTransaction, by hash, until journaled. */
  private readonly sentRaw = new Map<string, string>();

  constructor(
    private readonly inner: Eip1193Provider & Listeners,
    readonly journal: ChainJournal,
  ) {}

  // Subscriptions (eth_subscribe over WebSocket) are notifications of the inner provider.
  addListener(event: string, listener: (...args: unknown[]) => void): this {
    this.inner.addListener(event, listener);
    return this;
  }

  removeListener(event: string, listener: (...args: unknown[]) => void): this {
    this.inner.removeListener(event, listener);
    return this;
  }

  async request(request: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    const policy = methodPolicy(request.method);
    if (policy === 'refuse') throw new RefusedMethodError(request.method);
    const params = Array.isArray(request.params) ? request.params : [];
    const isHex = (v: unknown): v is string => typeof v === 'string' && /^0x(?:[0-9a-fA-F]{2})+$/.test(v);
    // The bytes as sent are what the journal keeps (whatever their type); rebuilding from the
    // block's JSON is the fallback for eth_sendTransaction.
    if (request.method === 'eth_sendRawTransaction' && isHex(params[0])) this.sentRaw.set(keccak256(params[0]), params[0]);
    if (request.method === 'hardhat_dropTransaction' && typeof params[0] === 'string') this.sentRaw.delete(params[0].toLowerCase());
    // Every request waits its turn (they are in-process calls of well under a millisecond), so
    // none can see a block mined by a write before that write's blocks are journaled.
    const run = this.tail.then(async () => {
      if (policy === 'read') {
        if (this.behind) await this.catchUp();
        return this.inner.request(request);
      }
      let result: unknown;
      let failure: unknown = null;
      try {
        result = await this.inner.request(request);
      } catch (err) {
        failure = err;
      }
      // Also after an error: Hardhat mines a reverting transaction and then reports the revert.
      // A journal that cannot be written fails the request, whatever it did.
      await this.catchUp();
      if (failure !== null) {
        // A transaction the node refused is never mined: forget its bytes.
        if (request.method === 'eth_sendRawTransaction' && isHex(params[0])) this.sentRaw.delete(keccak256(params[0]));
        throw failure;
      }
      return result;
    });
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Journals every block mined since the journal's last one. */
  private async catchUp(): Promise<void> {
    try {
      const head = Number(BigInt((await this.inner.request({ method: 'eth_blockNumber', params: [] })) as string));
      const blocks: JournaledBlock[] = [];
      for (let n = this.journal.lastBlock + 1; n <= head; n++) {
        const b = (await this.inner.request({ method: 'eth_getBlockByNumber', params: [hexNumber(n), true] })) as RpcBlock;
        blocks.push({ number: n, timestamp: Number(BigInt(b.timestamp)), hash: b.hash, txs: b.transactions.map((t) => this.sentRaw.get(t.hash.toLowerCase()) ?? rawTransaction(t)) });
      }
      this.journal.append(blocks);
      for (const b of blocks) for (const raw of b.txs) this.sentRaw.delete(keccak256(raw));
      this.behind = false;
    } catch (err) {
      this.behind = true;
      throw new ChainJournalError(`the embedded chain could not journal its blocks to ${this.journal.path}: ${(err as Error).message}`);
    }
  }
}

/**
 * Mines the journaled blocks again on a fresh chain with the same genesis: same transactions,
 * same timestamps, so the same block hashes (checked block by block; Hardhat's prevRandao and
 * base fee are deterministic). Returns the newest block's timestamp.
 */
export async function replayJournal(inner: Eip1193Provider, blocks: readonly JournaledBlock[], path: string): Promise<number | null> {
  if (!blocks.length) return null;
  await inner.request({ method: 'evm_setAutomine', params: [false] });
  try {
    for (const b of blocks) {
      for (const raw of b.txs) await inner.request({ method: 'eth_sendRawTransaction', params: [raw] });
      try {
        await inner.request({ method: 'evm_mine', params: [b.timestamp] });
      } catch {
        // A transaction that reverted then reverts again; the hash below is the judge.
      }
      const mined = (await inner.request({ method: 'eth_getBlockByNumber', params: [hexNumber(b.number), false] })) as { hash: string } | null;
      if (mined?.hash !== b.hash) {
        throw new ChainJournalError(
          `the chain journal ${path} does not replay: block ${b.number} is ${mined?.hash ?? 'missing'} on replay, ${b.hash} in the journal. ` +
            'The chain cannot be restored; move the file aside to start an empty chain (the anchoring service then records every batch as re-anchored).',
        );
      }
    }
  } finally {
    await inner.request({ method: 'evm_setAutomine', params: [true] });
  }
  return blocks[blocks.length - 1].timestamp;
}

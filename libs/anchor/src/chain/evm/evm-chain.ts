import { ContractFactory, Interface, JsonRpcApiProvider, TransactionReceipt, Wallet } from 'ethers';
import { anchorContractArtifact, anchorContractInterface } from '../../contract/anchor-contract';
import { AnchorOptions, AnchorReceipt, AnchorRejectedError, BatchAnchor, ChainPort, MinedAt, OnChainBatch } from '../chain.port';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hex32 = (h: string) => `0x${h}`;
const strip0x = (h: string) => h.replace(/^0x/, '').toLowerCase();

/**
 * The transaction life cycle shared by both chains (both are EVMs reached through ethers v6;
 * they differ only in how the provider is made): explicit nonces, gas estimation that surfaces
 * the contract's custom errors before anything is sent, polling for the receipt, confirmation
 * depth with a reorg re-check, and re-submission of a transaction that was dropped or stuck:
 * same nonce, fees raised by 25% per attempt (nodes require ≥ 10% to replace a pending one).
 */
export class EvmChain implements ChainPort {
  private readonly iface: Interface = anchorContractInterface();
  private address: string | null = null;

  constructor(
    readonly kind: string,
    readonly rpcUrl: string | null,
    protected readonly provider: JsonRpcApiProvider,
    protected readonly wallet: Wallet,
    private readonly pollMs: number,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  get contractAddress(): string | null {
    return this.address;
  }

  async chainId(): Promise<number> {
    return Number(BigInt((await this.provider.send('eth_chainId', [])) as string));
  }

  async account(): Promise<string> {
    return this.wallet.address;
  }

  async blockNumber(): Promise<number> {
    return this.provider.getBlockNumber();
  }

  async hasCode(address: string): Promise<boolean> {
    const code = await this.provider.getCode(address);
    return code !== '0x' && code !== '0x0';
  }

  async deploy(): Promise<{ address: string; blockNumber: number }> {
    const artifact = anchorContractArtifact();
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, this.wallet);
    const tx = await factory.getDeployTransaction(this.wallet.address);
    const nonce = await this.provider.getTransactionCount(this.wallet.address, 'latest');
    const gasLimit = await this.provider.estimateGas({ ...tx, from: this.wallet.address });
    const sent = await this.wallet.sendTransaction({ ...tx, nonce, gasLimit, chainId: await this.chainId(), ...(await this.fees(0)) });
    const receipt = await this.waitForReceipt([sent.hash], 120_000);
    if (!receipt || receipt.status !== 1 || !receipt.contractAddress) throw new Error(`contract deployment failed (tx ${sent.hash})`);
    this.address = receipt.contractAddress.toLowerCase();
    return { address: this.address, blockNumber: receipt.blockNumber };
  }

  use(address: string): void {
    this.address = address.toLowerCase();
  }

  async nextBatchId(): Promise<number> {
    const [n] = await this.read('nextBatchId', []);
    return Number(n);
  }

  async getBatch(batchId: number): Promise<OnChainBatch | null> {
    const [b] = await this.read('getBatch', [batchId]);
    const anchoredAt = Number(b.anchoredAt);
    if (anchoredAt === 0) return null;
    return {
      batchId,
      root: strip0x(b.root),
      prevRoot: strip0x(b.prevRoot),
      count: Number(b.count),
      start: Number(b.start),
      end: Number(b.end),
      anchoredAtBlock: anchoredAt,
    };
  }

  async findAnchorTx(batchId: number, fromBlock: number): Promise<MinedAt | null> {
    const event = this.iface.getEvent('Anchored');
    if (!event) throw new Error('the contract ABI has no Anchored event');
    const logs = await this.provider.getLogs({
      address: this.requireAddress(),
      fromBlock,
      toBlock: 'latest',
      topics: [event.topicHash, `0x${batchId.toString(16).padStart(64, '0')}`],
    });
    const log = logs[logs.length - 1];
    return log ? this.minedAt(log.transactionHash) : null;
  }

  async minedAt(txHash: string): Promise<MinedAt | null> {
    const receipt = await this.provider.getTransactionReceipt(txHash);
    return receipt ? this.mined(receipt) : null;
  }

  private async mined(receipt: TransactionReceipt): Promise<MinedAt> {
    const block = await this.provider.getBlock(receipt.blockHash);
    if (!block) throw new Error(`block ${receipt.blockHash} of transaction ${receipt.hash} not found`);
    return { txHash: receipt.hash.toLowerCase(), blockNumber: receipt.blockNumber, blockHash: receipt.blockHash.toLowerCase(), blockTimestamp: block.timestamp };
  }

  async anchor(batch: BatchAnchor, options: AnchorOptions): Promise<AnchorReceipt> {
    const to = this.requireAddress();
    const data = this.iface.encodeFunctionData('anchor', [batch.batchId, hex32(batch.root), hex32(batch.prevRoot), batch.count, batch.start, batch.end]);
    let gasLimit: bigint;
    try {
      gasLimit = ((await this.provider.estimateGas({ from: this.wallet.address, to, data })) * 12n) / 10n;
    } catch (err) {
      throw this.rejection(err) ?? err;
    }
    const nonce = await this.provider.getTransactionCount(this.wallet.address, 'latest');
    const chainId = await this.chainId();
    const hashes: string[] = [];
    for (let attempt = 0; ; attempt++) {
      const sent = await this.wallet.sendTransaction({ to, data, nonce, gasLimit, chainId, ...(await this.fees(attempt)) });
      hashes.push(sent.hash);
      options.onSent?.(sent.hash, attempt);
      const receipt = await this.waitForReceipt(hashes, options.dropTimeoutMs);
      if (!receipt) {
        // Dropped or stuck. If a transaction of ours anchored it meanwhile, take that one.
        if ((await this.nextBatchId()) > batch.batchId) {
          const found = await this.findAnchorTx(batch.batchId, 0);
          if (found) return { ...found, resubmissions: attempt };
        }
        continue;
      }
      if (receipt.status !== 1) throw new AnchorRejectedError('reverted', `anchor transaction ${receipt.hash} reverted`);
      const confirmed = await this.waitForConfirmations(receipt, options.confirmations);
      if (confirmed) return { ...(await this.mined(confirmed)), resubmissions: attempt };
      // Reorged out before reaching the depth: send again (same nonce; it may be re-mined too).
    }
  }

  async close(): Promise<void> {
    this.provider.destroy();
    await this.onClose();
  }

  private async waitForReceipt(hashes: readonly string[], timeoutMs: number): Promise<TransactionReceipt | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const h of hashes) {
        const r = await this.provider.getTransactionReceipt(h);
        if (r) return r;
      }
      if (Date.now() >= deadline) return null;
      await sleep(this.pollMs);
    }
  }

  private async waitForConfirmations(receipt: TransactionReceipt, confirmations: number): Promise<TransactionReceipt | null> {
    if (confirmations <= 1) return receipt;
    while ((await this.provider.getBlockNumber()) - receipt.blockNumber + 1 < confirmations) await sleep(this.pollMs);
    const again = await this.provider.getTransactionReceipt(receipt.hash);
    return again && again.blockHash === receipt.blockHash ? again : null;
  }

  private async fees(attempt: number): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint }> {
    const f = await this.provider.getFeeData();
    // ×1.25 per attempt, +1 wei so a zero fee still grows.
    const bump = (v: bigint) => (v * 125n ** BigInt(attempt)) / 100n ** BigInt(attempt) + BigInt(attempt);
    if (f.maxFeePerGas !== null && f.maxPriorityFeePerGas !== null) {
      return { maxFeePerGas: bump(f.maxFeePerGas), maxPriorityFeePerGas: bump(f.maxPriorityFeePerGas) };
    }
    return { gasPrice: bump(f.gasPrice ?? 1_000_000_000n) };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async read(fn: string, args: unknown[]): Promise<any> {
    const data = await this.provider.call({ to: this.requireAddress(), data: this.iface.encodeFunctionData(fn, args) });
    return this.iface.decodeFunctionResult(fn, data);
  }

  private requireAddress(): string {
    if (!this.address) throw new Error('no anchoring contract bound: deploy() or use() first');
    return this.address;
  }

  private rejection(err: unknown): AnchorRejectedError | null {
    const e = err as { code?: string; data?: string; revert?: { name: string }; info?: { error?: { data?: string } }; message?: string };
    const data = typeof e.data === 'string' ? e.data : e.info?.error?.data;
    if (typeof data === 'string' && data.length >= 10) {
      try {
        const parsed = this.iface.parseError(data);
        if (parsed) return new AnchorRejectedError(parsed.name, `the contract rejected the batch: ${parsed.name}(${parsed.args.join(', ')})`);
      } catch {
        // not one of ours
      }
    }
    if (e.code === 'CALL_EXCEPTION') return new AnchorRejectedError('call_exception', e.message ?? 'the contract rejected the batch');
    return null;
  }
}

export { strip0x };

import { Interface, JsonRpcProvider, Network } from 'ethers';
import { anchorContractInterface } from '../../contract/anchor-contract';
import type { AnchorTx, ChainVerifier, StoredHead } from '../chain-verifier';
import { fetchChainId } from './fetch-chain-id';

/**
 * The verifier of an EVM chain reached over JSON-RPC (both chain kinds today: the embedded
 * chain serves JSON-RPC on loopback). Reads the anchoring contract's getBatch and the
 * transaction's Anchored event with ethers v6.
 */
export class EvmChainVerifier implements ChainVerifier {
  private readonly iface: Interface = anchorContractInterface();

  private constructor(private readonly provider: JsonRpcProvider) {}

  /**
   * Asking the chain id first (when not given) makes an unreachable node an error, not ethers'
   * endless retry.
   */
  static async open(rpcUrl: string, chainId?: number): Promise<EvmChainVerifier> {
    const id = chainId ?? (await fetchChainId(rpcUrl, 15_000));
    return new EvmChainVerifier(new JsonRpcProvider(rpcUrl, Network.from(id), { staticNetwork: true, batchMaxCount: 1 }));
  }

  async chainId(): Promise<number> {
    return Number(BigInt((await this.provider.send('eth_chainId', [])) as string));
  }

  async storedHead(contract: string, batchId: number): Promise<StoredHead | null> {
    const raw = await this.provider.call({ to: contract, data: this.iface.encodeFunctionData('getBatch', [batchId]) });
    if (raw === '0x') return null;
    const [s] = this.iface.decodeFunctionResult('getBatch', raw);
    return { root: String(s.root).slice(2), prevRoot: String(s.prevRoot).slice(2), count: Number(s.count), start: Number(s.start), end: Number(s.end), anchoredAtBlock: Number(s.anchoredAt) };
  }

  async anchorTx(txHash: string, contract: string, batchId: number): Promise<AnchorTx | null> {
    const receipt = await this.provider.getTransactionReceipt(txHash);
    if (!receipt) return null;
    const event = this.iface.getEvent('Anchored');
    const log = receipt.logs.find((l) => l.address.toLowerCase() === contract && event && l.topics[0] === event.topicHash && BigInt(l.topics[1]) === BigInt(batchId));
    const decoded = log ? this.iface.decodeEventLog('Anchored', log.data, log.topics) : null;
    return { status: receipt.status, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash.toLowerCase(), anchoredRoot: decoded ? String(decoded.root).slice(2) : null };
  }

  async block(tag: string | number): Promise<{ hash: string; timestamp: number } | null> {
    const b = await this.provider.getBlock(tag);
    return b?.hash ? { hash: b.hash, timestamp: b.timestamp } : null;
  }

  blockNumber(): Promise<number> {
    return this.provider.getBlockNumber();
  }

  close(): void {
    this.provider.destroy();
  }
}

import { FetchRequest, JsonRpcProvider, Network, Wallet } from 'ethers';
import { EvmChain } from '../../evm/evm-chain';
import { fetchChainId } from '../../evm/fetch-chain-id';

export interface JsonRpcChainOptions {
  url: string;
  privateKey: string;
  /** Expected chain id; when absent it is asked once from the node. */
  chainId?: number;
  pollMs?: number;
  requestTimeoutMs?: number;
}

/** Any EVM chain over JSON-RPC (production), through ethers v6. */
export class JsonRpcChain extends EvmChain {
  /** The chain kind's name (stored with each deployed contract: never change it). */
  static readonly KIND = 'rpc';
  /**
   * With a chain id this does no network I/O, so it works while the node is unreachable;
   * without one it asks the node once (and throws when it cannot be reached).
   */
  static async connect(options: JsonRpcChainOptions): Promise<JsonRpcChain> {
    const chainId = options.chainId ?? (await fetchChainId(options.url, options.requestTimeoutMs ?? 10_000));
    return JsonRpcChain.create({ ...options, chainId });
  }

  static create(options: JsonRpcChainOptions & { chainId: number }): JsonRpcChain {
    const req = new FetchRequest(options.url);
    req.timeout = options.requestTimeoutMs ?? 10_000;
    // A static network stops ethers from probing (and retrying forever) at construction; the
    // anchoring service checks the node's real chain id before it writes anything.
    const network = Network.from(options.chainId);
    const provider = new JsonRpcProvider(req, network, { staticNetwork: network, batchMaxCount: 1, pollingInterval: options.pollMs ?? 500, cacheTimeout: -1 });
    const wallet = new Wallet(options.privateKey, provider);
    return new JsonRpcChain(JsonRpcChain.KIND, options.url, provider, wallet, options.pollMs ?? 500);
  }

  send(method: string, params: unknown[]): Promise<unknown> {
    return this.provider.send(method, params);
  }
}

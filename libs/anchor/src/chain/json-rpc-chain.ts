import { FetchRequest, JsonRpcProvider, Network, Wallet } from 'ethers';
import { EvmChain } from './evm-chain';

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
    return new JsonRpcChain('rpc', options.url, provider, wallet, options.pollMs ?? 500);
  }

  send(method: string, params: unknown[]): Promise<unknown> {
    return this.provider.send(method, params);
  }
}

export async function fetchChainId(url: string, timeoutMs: number): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (!body.result) throw new Error(`eth_chainId failed: ${body.error?.message ?? res.status}`);
  return Number(BigInt(body.result));
}

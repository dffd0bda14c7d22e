import { BrowserProvider, Eip1193Provider, Wallet } from 'ethers';
import { EvmChain } from './evm-chain';

/**
 * Hardhat's own well-known development key (account #0 of "test test ... junk"): a key
 * everybody knows, fine for a chain that lives in this process's memory only.
 */
export const EMBEDDED_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const EMBEDDED_CHAIN_ID = 31337;

export interface EmbeddedChainOptions {
  privateKey?: string;
  chainId?: number;
  /** Serve JSON-RPC on this loopback port so verifiers can reach the chain; 0 = any, null = none. */
  rpcPort: number | null;
  host?: string;
}

interface HardhatRpcServer {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

/**
 * The embedded development chain: Hardhat 2's in-process EVM (EDR), automining every
 * transaction, in memory only. A restart starts an empty chain: the anchoring service then
 * redeploys the contract and re-anchors every batch from the SQL store (docs/anchoring.md).
 */
export class EmbeddedChain extends EvmChain {
  static async start(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
    // Hardhat's internals are CommonJS modules without a public programmatic entry for an
    // in-process network; these two are what `hardhat node` itself uses.
    const { resolveConfig } = require('hardhat/internal/core/config/config-resolution') as {
      resolveConfig(path: string, user: unknown): unknown;
    };
    const { createProvider } = require('hardhat/internal/core/providers/construction') as {
      createProvider(config: unknown, network: string): Promise<Eip1193Provider>;
    };
    const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server') as {
      JsonRpcServer: new (c: { hostname: string; port: number; provider: Eip1193Provider }) => HardhatRpcServer;
    };
    const privateKey = options.privateKey ?? EMBEDDED_DEV_KEY;
    const chainId = options.chainId ?? EMBEDDED_CHAIN_ID;
    const config = resolveConfig(__filename, {
      networks: {
        hardhat: {
          chainId,
          hardfork: 'cancun',
          accounts: [{ privateKey, balance: (10n ** 24n).toString() }],
          mining: { auto: true },
          loggingEnabled: false,
        },
      },
    });
    const eip1193 = await createProvider(config, 'hardhat');
    let server: HardhatRpcServer | null = null;
    let rpcUrl: string | null = null;
    if (options.rpcPort !== null) {
      const host = options.host ?? '127.0.0.1';
      server = new JsonRpcServer({ hostname: host, port: options.rpcPort, provider: eip1193 });
      const address = await server.listen();
      rpcUrl = `http://${host}:${address.port}`;
    }
    const provider = new BrowserProvider(eip1193, chainId, { pollingInterval: 50, cacheTimeout: -1 });
    const wallet = new Wallet(privateKey, provider);
    return new EmbeddedChain('embedded', rpcUrl, provider, wallet, 5, async () => {
      await server?.close();
    });
  }

  /** Raw JSON-RPC into the in-process network (tests: evm_mine, hardhat_dropTransaction...). */
  send(method: string, params: unknown[]): Promise<unknown> {
    return this.provider.send(method, params);
  }
}

import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { BrowserProvider, Eip1193Provider, Wallet } from 'ethers';
import { WebSocket, WebSocketServer } from 'ws';
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

interface HardhatRpcHandler {
  handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleWs(ws: WebSocket): Promise<void>;
}

/** The embedded chain's JSON-RPC port is taken: start-up stops with this, naming the setting. */
export class EmbeddedChainPortError extends Error {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super(
      cause.code === 'EADDRINUSE'
        ? `the embedded chain cannot serve JSON-RPC on ${host}:${port}: the port is in use (another GridProof, or a hardhat node?). ` +
            'Stop that process, or set GP_CHAIN_EMBEDDED_PORT to a free port (0 picks any free port).'
        : `the embedded chain cannot serve JSON-RPC on ${host}:${port} (GP_CHAIN_EMBEDDED_PORT): ${cause.message}`,
    );
    this.name = 'EmbeddedChainPortError';
  }
}

/**
 * Hardhat's JsonRpcServer listens without an 'error' listener, so a taken port surfaced later
 * as an unhandled EADDRINUSE (re-emitted by its WebSocket server) that killed the process. This
 * is the same server (HTTP and WebSocket on one port, Hardhat's own request handler) with the
 * bind failure returned to the caller and sockets closed on close().
 */
class RpcServer {
  private constructor(
    private readonly http: Server,
    private readonly ws: WebSocketServer,
  ) {}

  static async listen(provider: Eip1193Provider, host: string, port: number): Promise<{ server: RpcServer; port: number }> {
    const { JsonRpcHandler } = require('hardhat/internal/hardhat-network/jsonrpc/handler') as { JsonRpcHandler: new (p: Eip1193Provider) => HardhatRpcHandler };
    const handler = new JsonRpcHandler(provider);
    const http = createServer((req, res) => void handler.handleHttp(req, res));
    const ws = new WebSocketServer({ server: http });
    ws.on('connection', (socket) => void handler.handleWs(socket));
    // ws re-emits the HTTP server's errors; without a listener they would be thrown.
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err: NodeJS.ErrnoException) => reject(new EmbeddedChainPortError(host, port, err)));
      http.listen(port, host, () => resolve());
    });
    const address = http.address();
    return { server: new RpcServer(http, ws), port: typeof address === 'object' && address ? address.port : port };
  }

  async close(): Promise<void> {
    for (const client of this.ws.clients) client.terminate();
    await new Promise<void>((resolve) => this.ws.close(() => resolve()));
    // Keep-alive connections (verifiers, ethers) would hold the server open otherwise.
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
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
    let server: RpcServer | null = null;
    let rpcUrl: string | null = null;
    if (options.rpcPort !== null) {
      const host = options.host ?? '127.0.0.1';
      const listening = await RpcServer.listen(eip1193, host, options.rpcPort);
      server = listening.server;
      rpcUrl = `http://${host}:${listening.port}`;
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

import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { BrowserProvider, Eip1193Provider, Wallet } from 'ethers';
import { WebSocket, WebSocketServer } from 'ws';
import { CHAIN_JOURNAL_FORMAT, ChainJournal, ChainJournalError } from './chain-journal';
import { EvmChain } from '../../evm/evm-chain';
import { JournaledProvider, replayJournal } from './journaled-provider';

/**
 * Hardhat's own well-known development key (account #0 of "test test ... junk"): a key
 * everybody knows, fine for a development chain that only this process writes to.
 */
export const EMBEDDED_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const EMBEDDED_CHAIN_ID = 31337;

export interface EmbeddedChainOptions {
  privateKey?: string;
  chainId?: number;
  /** Serve JSON-RPC on this loopback port so verifiers can reach the chain; 0 = any, null = none. */
  rpcPort: number | null;
  host?: string;
  /**
   * The chain's journal (ChainJournal): every mined block is appended there before it is
   * acknowledged and replayed at the next start, so the chain keeps its history across restarts
   * and crashes. Absent: the chain lives in memory only (tests).
   */
  journalPath?: string;
}

/** What start-up did to restore the chain (logged, and measured in docs/anchoring.md). */
export interface EmbeddedChainRestore {
  journalPath: string;
  /** Blocks mined again from the journal (0 on a first start). */
  replayedBlocks: number;
  replayMs: number;
  journalBytes: number;
  /** A line cut short by a crash, dropped (it was never acknowledged). */
  droppedBytes: number;
}

const HARDFORK = 'cancun';

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
 * Hardhat's in-process EVM (EDR) with GridProof's account funded. Hardhat's internals are
 * CommonJS modules without a public programmatic entry for an in-process network; these two are
 * what `hardhat node` itself uses.
 */
async function createHardhatProvider(privateKey: string, chainId: number, genesisTime: number | undefined): Promise<Eip1193Provider & { addListener(e: string, l: (...a: unknown[]) => void): unknown; removeListener(e: string, l: (...a: unknown[]) => void): unknown }> {
  const { resolveConfig } = require('hardhat/internal/core/config/config-resolution') as {
    resolveConfig(path: string, user: unknown): unknown;
  };
  const { createProvider } = require('hardhat/internal/core/providers/construction') as {
    createProvider(config: unknown, network: string): Promise<Eip1193Provider & { addListener(e: string, l: (...a: unknown[]) => void): unknown; removeListener(e: string, l: (...a: unknown[]) => void): unknown }>;
  };
  const config = resolveConfig(__filename, {
    networks: {
      hardhat: {
        chainId,
        hardfork: HARDFORK,
        accounts: [{ privateKey, balance: (10n ** 24n).toString() }],
        mining: { auto: true },
        loggingEnabled: false,
        ...(genesisTime !== undefined ? { initialDate: new Date(genesisTime * 1000).toISOString() } : {}),
      },
    },
  });
  return createProvider(config, 'hardhat');
}

function checkHeader(journal: ChainJournal, chainId: number, account: string): void {
  const h = journal.header;
  const wrong =
    h.chainId !== chainId
      ? `chain id ${h.chainId}, configured ${chainId} (CHAIN_ID)`
      : h.account !== account
        ? `account ${h.account}, configured ${account} (CHAIN_PRIVATE_KEY)`
        : h.hardfork !== HARDFORK
          ? `hardfork ${h.hardfork}, this version runs ${HARDFORK}`
          : null;
  if (wrong) {
    journal.close();
    throw new ChainJournalError(`the chain journal ${journal.path} belongs to another chain: ${wrong}. Restore the setting, or move the file aside to start an empty chain.`);
  }
}

/**
 * Hardhat's clock runs at an offset from the wall clock: initialDate (the genesis time of a
 * restored chain) and each replayed timestamp move it into the past. Without this, the next
 * block would be dated right after the newest replayed one, not now. The pending block is
 * dated with Hardhat's current time.
 */
async function catchUpClock(hardhat: Eip1193Provider): Promise<void> {
  const pending = (await hardhat.request({ method: 'eth_getBlockByNumber', params: ['pending', false] })) as { timestamp: string };
  const behind = Math.floor(Date.now() / 1000) - Number(BigInt(pending.timestamp));
  if (behind > 0) await hardhat.request({ method: 'evm_increaseTime', params: [behind] });
}

/**
 * The embedded development chain: Hardhat 2's in-process EVM (EDR), automining every
 * transaction. With a journal (the app always gives one, under GP_DATA_DIR) it keeps its
 * history: each mined block is journaled (fsynced) before it is acknowledged and mined again,
 * same transactions and timestamps, hence same block hashes, at the next start
 * (docs/anchoring.md). Without one it lives in memory only.
 */
export class EmbeddedChain extends EvmChain {
  /** The chain kind's name (stored with each deployed contract: never change it). */
  static readonly KIND = 'embedded';
  /** Set when the chain was started with a journal. */
  restore: EmbeddedChainRestore | null = null;

  static async start(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
    const privateKey = options.privateKey ?? EMBEDDED_DEV_KEY;
    const chainId = options.chainId ?? EMBEDDED_CHAIN_ID;
    const account = new Wallet(privateKey).address.toLowerCase();
    const opened = options.journalPath ? ChainJournal.open(options.journalPath) : null;
    if (opened) checkHeader(opened.journal, chainId, account);
    // The genesis block's hash depends on its timestamp: a journaled chain restarts from the
    // genesis time it was created with, so the same blocks hash the same on replay.
    const genesisTime = opened?.journal.header.genesisTime ?? Math.floor(Date.now() / 1000);
    const t0 = Date.now();
    const hardhat = await createHardhatProvider(privateKey, chainId, options.journalPath ? genesisTime : undefined);
    let eip1193: Eip1193Provider = hardhat;
    let journal: ChainJournal | null = null;
    let restore: EmbeddedChainRestore | null = null;
    if (options.journalPath) {
      const genesis = (await hardhat.request({ method: 'eth_getBlockByNumber', params: ['0x0', false] })) as { hash: string };
      if (opened && opened.journal.header.genesisHash !== genesis.hash) {
        opened.journal.close();
        throw new ChainJournalError(
          `the chain journal ${options.journalPath} was written by a chain with genesis ${opened.journal.header.genesisHash}; this one's is ${genesis.hash} (another Hardhat version?)`,
        );
      }
      journal = opened?.journal ?? ChainJournal.create(options.journalPath, { format: CHAIN_JOURNAL_FORMAT, chainId, account, hardfork: HARDFORK, genesisTime, genesisHash: genesis.hash });
      try {
        await replayJournal(hardhat, opened?.blocks ?? [], options.journalPath);
        await catchUpClock(hardhat);
      } catch (err) {
        journal.close();
        throw err;
      }
      restore = { journalPath: options.journalPath, replayedBlocks: opened?.blocks.length ?? 0, replayMs: Date.now() - t0, journalBytes: journal.sizeBytes(), droppedBytes: opened?.journal.droppedBytes ?? 0 };
      eip1193 = new JournaledProvider(hardhat, journal);
    }
    let server: RpcServer | null = null;
    let rpcUrl: string | null = null;
    if (options.rpcPort !== null) {
      const host = options.host ?? '127.0.0.1';
      try {
        const listening = await RpcServer.listen(eip1193, host, options.rpcPort);
        server = listening.server;
        rpcUrl = `http://${host}:${listening.port}`;
      } catch (err) {
        journal?.close();
        throw err;
      }
    }
    const provider = new BrowserProvider(eip1193, chainId, { pollingInterval: 50, cacheTimeout: -1 });
    const wallet = new Wallet(privateKey, provider);
    const chain = new EmbeddedChain(EmbeddedChain.KIND, rpcUrl, provider, wallet, 5, async () => {
      await server?.close();
      journal?.close();
    });
    chain.restore = restore;
    return chain;
  }

  /** Raw JSON-RPC into the in-process network (tests: evm_mine, hardhat_dropTransaction...). */
  send(method: string, params: unknown[]): Promise<unknown> {
    return this.provider.send(method, params);
  }
}

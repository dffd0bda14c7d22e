import { join } from 'node:path';
import { defineChainKind } from '../../chain-kind';
import { EvmChainVerifier } from '../../evm/evm-verifier';
import { EmbeddedChain } from './embedded-chain';

/** Where the embedded chain journals its blocks. */
export function embeddedChainJournal(dataDir: string): string {
  return join(dataDir, 'chain', 'embedded-chain.jsonl');
}

/**
 * The embedded development chain (Hardhat's in-process EVM), used when no CHAIN_RPC_URL is set.
 * It keeps its history in a journal under the data folder (docs/anchoring.md) and serves
 * JSON-RPC on loopback, which is where verifiers read it.
 */
export const embeddedChainKind = defineChainKind({
  kind: EmbeddedChain.KIND,
  description: "the in-process Hardhat EVM, journaled under GP_DATA_DIR, JSON-RPC on loopback (no CHAIN_RPC_URL)",
  selects: (s) => !s.rpcUrl,
  opensAtStart: true,
  dropTimeoutMs: 10_000,
  async openWriter(s, logger) {
    const chain = await EmbeddedChain.start({ rpcPort: s.embeddedRpcPort, host: '127.0.0.1', privateKey: s.privateKey, chainId: s.chainId, journalPath: embeddedChainJournal(s.dataDir) });
    const r = chain.restore;
    if (r) {
      if (r.droppedBytes) logger.warn(`the embedded chain's journal ended in a line cut short by a crash (${r.droppedBytes} bytes, never acknowledged): dropped`);
      logger.log(`embedded chain: ${r.replayedBlocks} blocks restored from ${r.journalPath} (${r.journalBytes} bytes) in ${r.replayMs} ms`);
    }
    return chain;
  },
  openVerifier: (rpcUrl) => EvmChainVerifier.open(rpcUrl),
});

import { defineChainKind } from '../../chain-kind';
import { EvmChainVerifier } from '../../evm/evm-verifier';
import { JsonRpcChain } from './json-rpc-chain';

/** Any EVM chain over JSON-RPC (production), selected by CHAIN_RPC_URL with CHAIN_PRIVATE_KEY. */
export const rpcChainKind = defineChainKind({
  kind: JsonRpcChain.KIND,
  description: 'any EVM chain over JSON-RPC (CHAIN_RPC_URL, CHAIN_PRIVATE_KEY, CHAIN_ID)',
  selects: (s) => !!s.rpcUrl,
  opensAtStart: false,
  // Public chains can take minutes to mine a transaction at a low fee.
  dropTimeoutMs: 180_000,
  openWriter: async (s) => JsonRpcChain.connect({ url: s.rpcUrl!, privateKey: s.privateKey!, chainId: s.chainId }),
  openVerifier: (rpcUrl) => EvmChainVerifier.open(rpcUrl),
});

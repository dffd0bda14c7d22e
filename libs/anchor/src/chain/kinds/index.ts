import type { ChainKind, ChainSettings } from '../chain-kind';
import type { ChainVerifier } from '../chain-verifier';
import { embeddedChainKind } from './embedded/embedded.chain-kind';
import { rpcChainKind } from './rpc/rpc.chain-kind';

/**
 * Every chain kind. Adding one is a folder beside these (its writer, its verifier, its
 * `<kind>.chain-kind.ts` and an int spec running chain.contract.ts's suite) and one entry here;
 * chain-kinds.spec.ts fails until the folder is registered and documented in docs/anchoring.md.
 */
export const CHAIN_KINDS = [rpcChainKind, embeddedChainKind] as const;

export type ChainKindName = (typeof CHAIN_KINDS)[number]['kind'];

/** The kind these settings select. */
export function chainKindFor(settings: ChainSettings): ChainKind<ChainKindName> {
  const kind = CHAIN_KINDS.find((k) => k.selects(settings));
  if (!kind) throw new Error(`no chain kind for these chain settings (kinds: ${CHAIN_KINDS.map((k) => k.kind).join(', ')})`);
  return kind;
}

/**
 * The verifier for a chain reached at this JSON-RPC URL. A proof bundle does not name its
 * chain kind (every kind so far is an EVM with the same contract and is read the same way), so
 * the first registered kind's verifier reads it.
 */
export function openChainVerifier(rpcUrl: string): Promise<ChainVerifier> {
  return CHAIN_KINDS[0].openVerifier(rpcUrl);
}

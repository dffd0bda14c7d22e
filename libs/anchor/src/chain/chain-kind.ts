import type { ChainPort } from './chain.port';
import type { ChainVerifier } from './chain-verifier';

/** The chain settings of GridProofConfig, and the data folder (the embedded chain journals there). */
export interface ChainSettings {
  /** null: no external node configured. */
  rpcUrl: string | null;
  privateKey?: string;
  chainId?: number;
  embeddedRpcPort: number;
  dataDir: string;
}

/** What a writer may report while it opens (the embedded chain's journal replay). */
export interface ChainKindLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * One kind of chain GridProof anchors on: one folder under chain/kinds/<kind>/ with its writer
 * (the ChainPort the anchoring service writes through) and its verifier (what an auditor reads
 * back), registered once in chain/kinds/index.ts. Everything else (which kind the configuration
 * selects, the status, the contract key, verify's chain access) derives from that registry.
 */
export interface ChainKind<K extends string = string> {
  readonly kind: K;
  /** One line for docs and errors. */
  readonly description: string;
  /** Whether these settings select this kind (the first kind that says yes is used). */
  selects(settings: ChainSettings): boolean;
  /**
   * Opened at start-up rather than on first use. A chain that runs in this process and serves
   * JSON-RPC on a fixed port starts with the app, so a taken port stops start-up with a clear
   * error; a remote node stays lazy (an unreachable node must never block start-up).
   */
  readonly opensAtStart: boolean;
  /** How long a sent transaction may stay unmined before it is re-submitted with higher fees. */
  readonly dropTimeoutMs: number;
  /** The writer: opens the chain the anchoring service anchors on. */
  openWriter(settings: ChainSettings, logger: ChainKindLogger): Promise<ChainPort>;
  /** The verifier: reads anchored heads back through the chain's public JSON-RPC URL. */
  openVerifier(rpcUrl: string): Promise<ChainVerifier>;
}

/** Types a chain kind's definition (and keeps its literal `kind`). */
export function defineChainKind<K extends string>(kind: ChainKind<K>): ChainKind<K> {
  return kind;
}

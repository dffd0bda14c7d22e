/**
 * What a verifier reads back from a chain to check a proof bundle's anchoring, without trusting
 * the GridProof service (the other half of a chain kind, next to its ChainPort writer). Each
 * chain kind provides one that reaches the chain through its public JSON-RPC URL; verify-bundle
 * in libs/audit holds the checks and asks only this.
 */
export interface ChainVerifier {
  chainId(): Promise<number>;
  /**
   * The head the anchoring contract at `contract` stores for this batch; null when there is no
   * contract at that address. Hex values lowercase, 0x-less; `count` is the log's size.
   */
  storedHead(contract: string, batchId: number): Promise<StoredHead | null>;
  /** The transaction's receipt with the root of the contract's Anchored(batchId) event in it (null: not mined or unknown). */
  anchorTx(txHash: string, contract: string, batchId: number): Promise<AnchorTx | null>;
  /** A block by hash or number (null: unknown). `hash` as the node gives it. */
  block(tag: string | number): Promise<{ hash: string; timestamp: number } | null>;
  blockNumber(): Promise<number>;
  close(): void;
}

export interface StoredHead {
  root: string;
  prevRoot: string;
  count: number;
  start: number;
  end: number;
  /** Block the batch was anchored in (0: not anchored). */
  anchoredAtBlock: number;
}

export interface AnchorTx {
  status: number | null;
  blockNumber: number;
  /** Lowercase, 0x-prefixed. */
  blockHash: string;
  /** Root in the contract's Anchored event for the batch (0x-less), null when the receipt has none. */
  anchoredRoot: string | null;
}

/** A batch as the anchoring contract stores it. Hex values are lowercase, 0x-less, 32 bytes. */
export interface BatchAnchor {
  batchId: number;
  root: string;
  prevRoot: string;
  count: number;
  start: number;
  end: number;
}

export interface OnChainBatch extends BatchAnchor {
  /** Block the anchor transaction was mined in. */
  anchoredAtBlock: number;
}

/** Where a transaction was mined: bundles pin all four, so a re-created chain cannot pass for the original. */
export interface MinedAt {
  txHash: string;
  blockNumber: number;
  /** 0x-prefixed lowercase. */
  blockHash: string;
  /** The block header's timestamp, Unix seconds. */
  blockTimestamp: number;
}

export interface AnchorReceipt extends MinedAt {
  /** Transactions that replaced a dropped or stuck one for this batch. */
  resubmissions: number;
}

export interface AnchorOptions {
  confirmations: number;
  /** How long a sent transaction may stay unmined before it is re-submitted with higher fees. */
  dropTimeoutMs: number;
  /** Called for each transaction sent, so the caller can count and log them. */
  onSent?: (txHash: string, attempt: number) => void;
}

/**
 * The EVM chain behind one interface: the embedded in-process Hardhat network for development
 * and any EVM over JSON-RPC for production. The shared contract suite (chain.contract.ts) runs
 * against both.
 */
export interface ChainPort {
  /** Its chain kind's name (chain/kinds); with the chain id it keys the deployed contract in the store. */
  readonly kind: string;
  /** JSON-RPC URL an auditor's verifier can use (the embedded chain serves one on loopback). */
  readonly rpcUrl: string | null;
  chainId(): Promise<number>;
  /** The anchoring account's address. */
  account(): Promise<string>;
  blockNumber(): Promise<number>;
  hasCode(address: string): Promise<boolean>;
  /** Deploys GridProofAnchor with this chain's account as the only anchorer. */
  deploy(): Promise<{ address: string; blockNumber: number }>;
  /** Binds the contract every other call uses. */
  use(address: string): void;
  readonly contractAddress: string | null;
  /** The id the contract expects next (= number of anchored batches). */
  nextBatchId(): Promise<number>;
  getBatch(batchId: number): Promise<OnChainBatch | null>;
  /** The transaction that anchored this batch, from the contract's Anchored event. */
  findAnchorTx(batchId: number, fromBlock: number): Promise<MinedAt | null>;
  /** Where this transaction is mined now (null: not mined, or unknown to the node). */
  minedAt(txHash: string): Promise<MinedAt | null>;
  /** Sends anchor(...) and waits for it to be mined and confirmed; re-submits a dropped one. */
  anchor(batch: BatchAnchor, options: AnchorOptions): Promise<AnchorReceipt>;
  close(): Promise<void>;
}

/** The contract rejected the batch (out of order, wrong previous root, not the anchorer). */
export class AnchorRejectedError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

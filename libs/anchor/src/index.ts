// Public face of @gridproof/anchor. Anchoring: Merkle log, batches, chain kinds and the AnchorQueries port the audit reads through.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { AnchorModule } from './anchor.module';
export { ReceiveClock } from './batch/receive-clock';
export type { ChainVerifier } from './chain/chain-verifier';
export type { BatchAnchor, ChainPort, OnChainBatch } from './chain/chain.port';
export { openChainVerifier } from './chain/kinds';
export { EMBEDDED_CHAIN_ID, EMBEDDED_DEV_KEY, EmbeddedChain } from './chain/kinds/embedded/embedded-chain';
export { JsonRpcChain } from './chain/kinds/rpc/json-rpc-chain';
export { anchorContractInterface } from './contract/anchor-contract';
export { LeafJournal } from './log/leaf-journal';
export { LogProofs } from './log/log-proofs';
export { MerkleFrontier, inclusionPath, leafHash, merkleRoot, rootFromPath, verifyConsistency } from './merkle/merkle';
export type { IndexedLeaf } from './records/leaf-index';
export { compareRecords, keyEventLeaf, keyEventRef, recordKey, recordLeaf } from './records/record-leaf';
export type { LeafRef, RecordRef } from './records/record-leaf';
export type { AnchorStatus } from './service/anchor-status';
export { AnchorService } from './service/anchor.service';
export { ANCHOR_QUERIES, anchorQueries } from './store/anchor-queries';
export type { AnchorQueries } from './store/anchor-queries';
export { AnchorRepository } from './store/anchor.repository';
export type { BatchRecord, ReanchoredBatch } from './store/anchor.repository';

import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { orNull } from '@gridproof/core';
import { CHAIN_KINDS, type ChainKindName } from '../chain/kinds';

/** The anchors API's contract as zod DTOs (validated queries; documented answers, checked at compile time by @ZodResponse). */

export const listBatchesSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
    before: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional().describe('only batches with a smaller id (paging)'),
  })
  .strict();
export class ListBatchesQuery extends createZodDto(listBatchesSchema) {}

const hex = z.string().describe('lowercase hex, no 0x');
const recordRef = z.object({ device: z.string(), seq: z.number().int(), ts: z.number(), rx: z.number() });

const batchRecordSchema = z.object({
  id: z.number().int(),
  start: z.number().describe('window start, receive time (Unix ms)'),
  end: z.number().describe('window end, exclusive (Unix ms)'),
  count: z.number().int().describe('leaves this batch added to the log'),
  treeSize: z.number().int().describe("the log's size after this batch (RFC 6962 tree_size)"),
  root: hex.describe("the log's root at treeSize (RFC 6962)"),
  prevRoot: hex,
  frontier: z.array(hex).describe('right-edge subtree roots at treeSize, largest first'),
  sealedAt: z.number(),
  deadLettered: z.number().int().describe('accepted readings InfluxDB refused for good: not in the batch'),
  deadLetters: z.array(recordRef).describe('the first of them, by name'),
  anchor: z
    .object({
      chainId: z.number().int(),
      contract: z.string(),
      txHash: z.string(),
      blockNumber: z.number().int(),
      blockHash: orNull(z.string(), 'null only for batches anchored before block hashes were kept'),
      blockTimestamp: orNull(z.number(), 'Unix seconds (block header)'),
      anchoredAt: z.number(),
    })
    .nullable(),
});
export class BatchDto extends createZodDto(batchRecordSchema) {}

const reanchorEventSchema = z.object({
  id: z.number().int(),
  detectedAt: z.number(),
  reason: z.enum(['contract_missing', 'chain_behind', 'new_chain']),
  detail: z.string(),
  chainId: z.number().int(),
  contractBefore: orNull(z.string(), 'contract address'),
  contractAfter: orNull(z.string(), 'contract address'),
  fromBatch: z.number().int(),
  batches: z.number().int(),
});

const anchorStatusSchema = z.object({
  running: z.boolean(),
  sealedUpTo: z.number().describe('end of the last sealed window: every rx below it is in a sealed batch'),
  lastSealed: z.object({ id: z.number().int(), start: z.number(), end: z.number(), count: z.number().int() }).nullable(),
  lastAnchored: z.object({ id: z.number().int(), end: z.number(), txHash: z.string(), blockNumber: z.number().int() }).nullable(),
  backlog: z.number().int().describe('sealed batches not yet on chain'),
  lagMs: z.number().describe('now minus the end of the newest anchored window'),
  openWindows: z.number().int(),
  lateRecords: z.number().int(),
  deadLettered: z.number().int(),
  history: z.object({
    reanchoredBatches: z.number().int(),
    reanchorEvents: z.array(reanchorEventSchema),
    storeMismatches: z.object({ count: z.number().int(), batches: z.array(z.number().int()) }),
    startupCheck: z.object({ batches: z.number().int(), mismatches: z.number().int(), durationMs: z.number() }).nullable(),
  }),
  chain: z.object({
    kind: z.enum(CHAIN_KINDS.map((k) => k.kind) as [ChainKindName, ...ChainKindName[]]).describe('the chain kind (libs/anchor/src/chain/kinds)'),
    chainId: z.number().int().nullable(),
    contract: orNull(z.string(), 'anchor contract address'),
    rpcUrl: orNull(z.string(), 'JSON-RPC endpoint, without credentials'),
    reachable: z.boolean(),
    lastError: orNull(z.string(), 'the last chain error'),
  }),
});
export class AnchorStatusDto extends createZodDto(anchorStatusSchema) {}

import { bigint, bigserial, customType, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { RecordRef } from '../records/record-leaf';

const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => Buffer.from(v),
});

export const anchorBatchesTable = pgTable('anchor_batches', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  startMs: bigint('start_ms', { mode: 'number' }).notNull(),
  endMs: bigint('end_ms', { mode: 'number' }).notNull(),
  count: integer('count').notNull(),
  root: text('root').notNull(),
  prevRoot: text('prev_root').notNull(),
  sealedAt: timestamp('sealed_at', { withTimezone: true }).notNull().defaultNow(),
  chainId: bigint('chain_id', { mode: 'number' }),
  contract: text('contract'),
  txHash: text('tx_hash'),
  blockNumber: bigint('block_number', { mode: 'number' }),
  anchoredAt: timestamp('anchored_at', { withTimezone: true }),
  deadLettered: integer('dead_lettered').notNull().default(0),
  deadLetters: jsonb('dead_letters').$type<RecordRef[]>().notNull().default([]),
  treeSize: bigint('tree_size', { mode: 'number' }),
  frontier: text('frontier').notNull().default(''),
  blockHash: text('block_hash'),
  blockTime: bigint('block_time', { mode: 'number' }),
});

/** Each time start-up found the chain without batches the store had recorded as anchored. */
export const anchorReanchorEventsTable = pgTable('anchor_reanchor_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
  reason: text('reason').notNull(),
  detail: text('detail').notNull(),
  chainId: bigint('chain_id', { mode: 'number' }).notNull(),
  contractBefore: text('contract_before'),
  contractAfter: text('contract_after'),
  fromBatch: bigint('from_batch', { mode: 'number' }).notNull(),
  batches: integer('batches').notNull(),
});

/** The anchoring each such event lost, per batch: kept as evidence, never used to verify. */
export const anchorReanchoredBatchesTable = pgTable('anchor_reanchored_batches', {
  eventId: bigint('event_id', { mode: 'number' }).notNull(),
  batchId: bigint('batch_id', { mode: 'number' }).notNull(),
  lostTxHash: text('lost_tx_hash').notNull(),
  lostBlockNumber: bigint('lost_block_number', { mode: 'number' }).notNull(),
  lostBlockHash: text('lost_block_hash'),
  lostAnchoredAt: timestamp('lost_anchored_at', { withTimezone: true }),
});

export const anchorBatchLeavesTable = pgTable('anchor_batch_leaves', {
  batchId: bigint('batch_id', { mode: 'number' }).primaryKey(),
  leaves: bytea('leaves').notNull(),
});

export const anchorContractsTable = pgTable('anchor_contracts', {
  chainKey: text('chain_key').primaryKey(),
  chainId: bigint('chain_id', { mode: 'number' }).notNull(),
  address: text('address').notNull(),
  deployedBlock: bigint('deployed_block', { mode: 'number' }).notNull(),
});

export const anchorStateTable = pgTable('anchor_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

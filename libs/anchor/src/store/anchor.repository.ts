import { and, asc, desc, eq, gt, gte, isNull, lt, lte, sql } from 'drizzle-orm';
import type { SqlStore } from '@gridproof/store';
import { decodeLeafIndex, encodeLeafIndex, IndexedLeaf } from '../records/leaf-index';
import type { RecordRef } from '../records/record-leaf';
import { anchorBatchesTable, anchorBatchLeavesTable, anchorContractsTable, anchorReanchoredBatchesTable, anchorReanchorEventsTable, anchorStateTable } from './anchor.tables';
import { ANCHOR_MIGRATIONS } from './anchor.migrations';

/**
 * A sealed batch: its window, the signed tree head of the log after it and, once anchored,
 * where on chain. The records of all batches form one RFC 6962 log (docs/anchoring.md §3).
 */
export interface BatchRecord {
  id: number;
  start: number;
  end: number;
  /** Leaves this batch added to the log. */
  count: number;
  /** The log's size after this batch (RFC 6962 tree_size; on chain as `count`). */
  treeSize: number;
  /** The log's root at treeSize: lowercase hex, 32 bytes, no 0x. */
  root: string;
  /** The previous batch's root (zero for batch 0). */
  prevRoot: string;
  /** Right-edge subtree roots of the log at treeSize, largest first (MerkleFrontier), hex. */
  frontier: string[];
  sealedAt: number;
  /**
   * Accepted readings of the window that InfluxDB refused for good (kept in the ingest's
   * dead-letter folder): not in the batch, not on chain. `deadLetters` names them, up to
   * MAX_NAMED_DEAD_LETTERS; `deadLettered` is the full count.
   */
  deadLettered: number;
  deadLetters: RecordRef[];
  anchor: AnchorPosition | null;
}

/** Where a batch is anchored. blockHash and blockTimestamp are null only on rows anchored before they were kept. */
export interface AnchorPosition {
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
  blockHash: string | null;
  /** Unix seconds (the block header's timestamp). */
  blockTimestamp: number | null;
  anchoredAt: number;
}

/** Start-up found the chain without batches the store recorded as anchored, and re-anchored them. */
export interface ReanchorEvent {
  id: number;
  detectedAt: number;
  /** contract_missing: no contract at the stored address; chain_behind: the contract holds fewer batches; new_chain: another chain than the one that anchored them. */
  reason: 'contract_missing' | 'chain_behind' | 'new_chain';
  detail: string;
  chainId: number;
  contractBefore: string | null;
  contractAfter: string | null;
  fromBatch: number;
  batches: number;
}

/** One batch's lost anchoring, with the event that found it lost. */
export interface ReanchoredBatch {
  batchId: number;
  event: ReanchorEvent;
  lost: { txHash: string; blockNumber: number; blockHash: string | null; anchoredAt: number | null };
}

export interface ContractRecord {
  chainKey: string;
  chainId: number;
  address: string;
  deployedBlock: number;
}

type BatchRow = typeof anchorBatchesTable.$inferSelect;

function toEvent(r: typeof anchorReanchorEventsTable.$inferSelect): ReanchorEvent {
  return { ...r, reason: r.reason as ReanchorEvent['reason'], detectedAt: r.detectedAt.getTime() };
}

/** A batch names at most this many dead-lettered readings (the count is always complete). */
export const MAX_NAMED_DEAD_LETTERS = 1_000;

function toBatch(r: BatchRow): BatchRecord {
  return {
    id: r.id,
    start: r.startMs,
    end: r.endMs,
    count: r.count,
    // A batch sealed before the log spanned batches (no tree_size) was its own tree.
    treeSize: r.treeSize ?? r.count,
    root: r.root,
    prevRoot: r.prevRoot,
    frontier: r.frontier ? r.frontier.split(',') : [],
    sealedAt: r.sealedAt.getTime(),
    deadLettered: r.deadLettered,
    deadLetters: r.deadLetters,
    anchor:
      r.txHash && r.chainId !== null && r.contract && r.blockNumber !== null
        ? { chainId: r.chainId, contract: r.contract, txHash: r.txHash, blockNumber: r.blockNumber, blockHash: r.blockHash, blockTimestamp: r.blockTime, anchoredAt: r.anchoredAt?.getTime() ?? 0 }
        : null,
  };
}

/** Batch metadata, per-batch leaf indexes and the deployed contract, in the SQL store. */
export class AnchorRepository {
  constructor(private readonly store: SqlStore) {}

  migrate(): Promise<string[]> {
    return this.store.migrate(ANCHOR_MIGRATIONS);
  }

  private get db() {
    return this.store.db;
  }

  /** Stores a sealed batch and its leaf index in one transaction. */
  async insertBatch(batch: Omit<BatchRecord, 'sealedAt' | 'anchor' | 'deadLettered' | 'deadLetters'> & { deadLetters?: readonly RecordRef[] }, leaves: readonly IndexedLeaf[]): Promise<void> {
    const dead = batch.deadLetters ?? [];
    await this.db.transaction(async (tx) => {
      await tx.insert(anchorBatchesTable).values({
        id: batch.id,
        startMs: batch.start,
        endMs: batch.end,
        count: batch.count,
        treeSize: batch.treeSize,
        frontier: batch.frontier.join(','),
        root: batch.root,
        prevRoot: batch.prevRoot,
        deadLettered: dead.length,
        deadLetters: dead.slice(0, MAX_NAMED_DEAD_LETTERS),
      });
      // As base64 text the server decodes: PGlite takes a large bytea parameter ≈10× slower (≈1.2 s
      // of the broker's thread for a 100,000-leaf index, 6.5 MB) than the same bytes as text.
      await tx.insert(anchorBatchLeavesTable).values({ batchId: batch.id, leaves: sql`decode(${encodeLeafIndex(leaves).toString('base64')}, 'base64')` });
    });
  }

  /** Dead-lettered readings learnt after the batch was sealed (a spool replayed after a restart). */
  async addDeadLetters(batchId: number, refs: readonly RecordRef[]): Promise<void> {
    if (!refs.length) return;
    await this.db.transaction(async (tx) => {
      const rows = await tx.select().from(anchorBatchesTable).where(eq(anchorBatchesTable.id, batchId)).for('update');
      if (!rows[0]) return;
      const named = [...rows[0].deadLetters, ...refs].slice(0, MAX_NAMED_DEAD_LETTERS);
      await tx
        .update(anchorBatchesTable)
        .set({ deadLettered: rows[0].deadLettered + refs.length, deadLetters: named })
        .where(eq(anchorBatchesTable.id, batchId));
    });
  }

  async lastBatch(): Promise<BatchRecord | null> {
    const rows = await this.db.select().from(anchorBatchesTable).orderBy(desc(anchorBatchesTable.id)).limit(1);
    return rows[0] ? toBatch(rows[0]) : null;
  }

  /** The batch whose leaves hold log index `index` (treeSize − count ≤ index < treeSize). */
  async batchHoldingLeaf(index: number): Promise<BatchRecord | null> {
    const rows = await this.db
      .select()
      .from(anchorBatchesTable)
      .where(and(gt(anchorBatchesTable.treeSize, index), gt(anchorBatchesTable.count, 0)))
      .orderBy(asc(anchorBatchesTable.id))
      .limit(1);
    return rows[0] ? toBatch(rows[0]) : null;
  }

  async batch(id: number): Promise<BatchRecord | null> {
    const rows = await this.db.select().from(anchorBatchesTable).where(eq(anchorBatchesTable.id, id));
    return rows[0] ? toBatch(rows[0]) : null;
  }

  /** The batch whose window holds this receive time. */
  async batchAt(rx: number): Promise<BatchRecord | null> {
    const rows = await this.db
      .select()
      .from(anchorBatchesTable)
      .where(and(lte(anchorBatchesTable.startMs, rx), gt(anchorBatchesTable.endMs, rx)))
      .limit(1);
    return rows[0] ? toBatch(rows[0]) : null;
  }

  /** Batches whose window overlaps [from, to), oldest first. */
  async batchesOverlapping(from: number, to: number): Promise<BatchRecord[]> {
    const rows = await this.db
      .select()
      .from(anchorBatchesTable)
      .where(and(lt(anchorBatchesTable.startMs, to), gt(anchorBatchesTable.endMs, from)))
      .orderBy(asc(anchorBatchesTable.id));
    return rows.map(toBatch);
  }

  async list(opts: { limit: number; beforeId?: number }): Promise<BatchRecord[]> {
    const rows = await this.db
      .select()
      .from(anchorBatchesTable)
      .where(opts.beforeId === undefined ? undefined : lt(anchorBatchesTable.id, opts.beforeId))
      .orderBy(desc(anchorBatchesTable.id))
      .limit(opts.limit);
    return rows.map(toBatch);
  }

  async firstUnanchored(): Promise<BatchRecord | null> {
    const rows = await this.db.select().from(anchorBatchesTable).where(isNull(anchorBatchesTable.txHash)).orderBy(asc(anchorBatchesTable.id)).limit(1);
    return rows[0] ? toBatch(rows[0]) : null;
  }

  async unanchoredCount(): Promise<number> {
    const rows = await this.db.select({ n: sql<number>`count(*)::int` }).from(anchorBatchesTable).where(isNull(anchorBatchesTable.txHash));
    return Number(rows[0]?.n ?? 0);
  }

  async lastAnchored(): Promise<BatchRecord | null> {
    const rows = await this.db
      .select()
      .from(anchorBatchesTable)
      .where(sql`${anchorBatchesTable.txHash} is not null`)
      .orderBy(desc(anchorBatchesTable.id))
      .limit(1);
    return rows[0] ? toBatch(rows[0]) : null;
  }

  async markAnchored(id: number, a: Omit<AnchorPosition, 'anchoredAt' | 'blockHash' | 'blockTimestamp'> & { blockHash: string; blockTimestamp: number }): Promise<void> {
    await this.db
      .update(anchorBatchesTable)
      .set({ chainId: a.chainId, contract: a.contract, txHash: a.txHash, blockNumber: a.blockNumber, blockHash: a.blockHash, blockTime: a.blockTimestamp, anchoredAt: new Date() })
      .where(eq(anchorBatchesTable.id, id));
  }

  /** Fills the block hash and time of a batch anchored before they were kept. */
  async setAnchorBlock(id: number, blockHash: string, blockTimestamp: number): Promise<void> {
    await this.db.update(anchorBatchesTable).set({ blockHash, blockTime: blockTimestamp }).where(eq(anchorBatchesTable.id, id));
  }

  /** Anchored batches with ids in [fromId, toId), oldest first (the start-up check pages through them). */
  async anchoredBetween(fromId: number, toId: number, limit: number): Promise<BatchRecord[]> {
    const rows = await this.db
      .select()
      .from(anchorBatchesTable)
      .where(and(gte(anchorBatchesTable.id, fromId), lt(anchorBatchesTable.id, toId), sql`${anchorBatchesTable.txHash} is not null`))
      .orderBy(asc(anchorBatchesTable.id))
      .limit(limit);
    return rows.map(toBatch);
  }

  /**
   * The chain lost the anchoring of every batch from `fromBatch` on: records the event and each
   * lost position (evidence), and forgets the positions so the batches are anchored again, in
   * one transaction. Returns the event (batches = how many anchorings were lost).
   */
  async recordReanchor(e: Omit<ReanchorEvent, 'id' | 'detectedAt' | 'batches'>): Promise<ReanchorEvent> {
    return this.db.transaction(async (tx) => {
      const [event] = await tx
        .insert(anchorReanchorEventsTable)
        .values({ reason: e.reason, detail: e.detail, chainId: e.chainId, contractBefore: e.contractBefore, contractAfter: e.contractAfter, fromBatch: e.fromBatch, batches: 0 })
        .returning();
      const lost = await tx
        .select()
        .from(anchorBatchesTable)
        .where(and(gte(anchorBatchesTable.id, e.fromBatch), sql`${anchorBatchesTable.txHash} is not null`));
      for (let i = 0; i < lost.length; i += 1_000) {
        await tx.insert(anchorReanchoredBatchesTable).values(
          lost.slice(i, i + 1_000).map((b) => ({
            eventId: event.id,
            batchId: b.id,
            lostTxHash: b.txHash!,
            lostBlockNumber: b.blockNumber!,
            lostBlockHash: b.blockHash,
            lostAnchoredAt: b.anchoredAt,
          })),
        );
      }
      await tx
        .update(anchorBatchesTable)
        .set({ chainId: null, contract: null, txHash: null, blockNumber: null, blockHash: null, blockTime: null, anchoredAt: null })
        .where(and(gte(anchorBatchesTable.id, e.fromBatch), sql`${anchorBatchesTable.txHash} is not null`));
      const [done] = await tx.update(anchorReanchorEventsTable).set({ batches: lost.length }).where(eq(anchorReanchorEventsTable.id, event.id)).returning();
      return toEvent(done);
    });
  }

  /** Re-anchoring events, newest first. */
  async reanchorEvents(limit = 100): Promise<ReanchorEvent[]> {
    const rows = await this.db.select().from(anchorReanchorEventsTable).orderBy(desc(anchorReanchorEventsTable.id)).limit(limit);
    return rows.map(toEvent);
  }

  /** Batches whose anchoring was lost at least once, of those with ids in [fromId, toId]. */
  async reanchoredBatches(fromId: number, toId: number): Promise<ReanchoredBatch[]> {
    const rows = await this.db
      .select()
      .from(anchorReanchoredBatchesTable)
      .innerJoin(anchorReanchorEventsTable, eq(anchorReanchoredBatchesTable.eventId, anchorReanchorEventsTable.id))
      .where(and(gte(anchorReanchoredBatchesTable.batchId, fromId), lte(anchorReanchoredBatchesTable.batchId, toId)))
      .orderBy(asc(anchorReanchoredBatchesTable.batchId), asc(anchorReanchoredBatchesTable.eventId));
    return rows.map((r) => ({
      batchId: r.anchor_reanchored_batches.batchId,
      event: toEvent(r.anchor_reanchor_events),
      lost: {
        txHash: r.anchor_reanchored_batches.lostTxHash,
        blockNumber: r.anchor_reanchored_batches.lostBlockNumber,
        blockHash: r.anchor_reanchored_batches.lostBlockHash,
        anchoredAt: r.anchor_reanchored_batches.lostAnchoredAt?.getTime() ?? null,
      },
    }));
  }

  /** How many batch anchorings the chain has lost, over all events. */
  async reanchoredCount(): Promise<number> {
    const rows = await this.db.select({ n: sql<number>`count(*)::int` }).from(anchorReanchoredBatchesTable);
    return Number(rows[0]?.n ?? 0);
  }

  async leaves(batchId: number): Promise<IndexedLeaf[] | null> {
    const rows = await this.db.select().from(anchorBatchLeavesTable).where(eq(anchorBatchLeavesTable.batchId, batchId));
    return rows[0] ? decodeLeafIndex(rows[0].leaves) : null;
  }

  async contract(chainKey: string): Promise<ContractRecord | null> {
    const rows = await this.db.select().from(anchorContractsTable).where(eq(anchorContractsTable.chainKey, chainKey));
    return rows[0] ?? null;
  }

  async saveContract(c: ContractRecord): Promise<void> {
    await this.db
      .insert(anchorContractsTable)
      .values(c)
      .onConflictDoUpdate({ target: anchorContractsTable.chainKey, set: { chainId: c.chainId, address: c.address, deployedBlock: c.deployedBlock } });
  }

  async state(key: string): Promise<string | null> {
    const rows = await this.db.select().from(anchorStateTable).where(eq(anchorStateTable.key, key));
    return rows[0]?.value ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.db.insert(anchorStateTable).values({ key, value }).onConflictDoUpdate({ target: anchorStateTable.key, set: { value } });
  }
}

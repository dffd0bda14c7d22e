import { setImmediate as nextTurn } from 'node:timers/promises';
import { anchorBatchLine, MEASUREMENTS, type LineSink } from '@gridproof/influx';
import { AnchorRejectedError, ChainPort, MinedAt } from '../chain/chain.port';
import { AnchorRepository, BatchRecord, ReanchorEvent } from '../store/anchor.repository';
import type { AnchorMetrics } from './anchor-metrics';
import type { AnchorLogger, AnchorServiceOptions } from './anchor-options';
import type { AnchorStatus } from './anchor-status';
import type { ChainKindName } from '../chain/kinds';

export interface ChainAnchorerDeps {
  repo: AnchorRepository;
  openChain: () => Promise<ChainPort>;
  options: Pick<AnchorServiceOptions, 'confirmations' | 'dropTimeoutMs' | 'tickMs' | 'retryMinMs' | 'retryMaxMs'>;
  logger: AnchorLogger;
  metrics: AnchorMetrics | null;
  /** Where the anchor_batches points for Grafana go; none in tests that do not look. */
  influxWriter: LineSink | null;
  wallClock: () => number;
  /** The configured chain kind, shown in the status before the chain is connected. */
  chainKind: ChainKindName;
}

/**
 * Anchors sealed batches' tree heads (size, root) on chain, continuously.
 *
 * Batches go on chain strictly in id order (the contract refuses a gap). Chain errors are
 * retried with exponential backoff; meanwhile batches queue in the SQL store. The contract,
 * not the SQL store, says what is anchored: every pass starts from its nextBatchId.
 */
export class ChainAnchorer {
  private anchorLoop: Promise<void> | null = null;
  private running = false;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private chain: ChainPort | null = null;
  private deployedBlock = 0;
  private chainReachable = false;
  private chainError: string | null = null;
  private chainId: number | null = null;
  private storeCheck: Promise<void> | null = null;
  private storeMismatches: number[] = [];
  private storeMismatchCount = 0;
  private startupCheck: AnchorStatus['history']['startupCheck'] = null;
  private reanchorEvents: ReanchorEvent[] = [];
  private reanchoredBatches = 0;
  lastAnchored: BatchRecord | null = null;
  backlog = 0;

  constructor(private readonly d: ChainAnchorerDeps) {}

  /** Reads what the store says is anchored and queued (before sealing starts, so no batch is counted twice). */
  async load(): Promise<void> {
    this.lastAnchored = await this.d.repo.lastAnchored();
    this.backlog = await this.d.repo.unanchoredCount();
    this.reanchoredBatches = await this.d.repo.reanchoredCount();
  }

  /** Starts the anchoring loop. */
  run(): void {
    this.running = true;
    this.stopping = false;
    this.anchorLoop = this.runAnchorLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake();
    await this.anchorLoop;
    this.anchorLoop = null;
    await this.storeCheck;
    this.storeCheck = null;
    // The chain belongs to whoever opened it (AnchorModule closes it after the service).
  }

  /** A batch was sealed: one more waits for the chain. */
  batchSealed(): void {
    this.backlog++;
  }

  /** Ends the idle wait, so batches just sealed go on chain now. */
  wake(): void {
    this.wakeUp?.();
  }

  /** The chain, once connected (the audit and proofs read roots through it). */
  currentChain(): ChainPort | null {
    return this.chain;
  }

  history(): AnchorStatus['history'] {
    return {
      reanchoredBatches: this.reanchoredBatches,
      reanchorEvents: this.reanchorEvents,
      storeMismatches: { count: this.storeMismatchCount, batches: this.storeMismatches },
      startupCheck: this.startupCheck,
    };
  }

  chainStatus(): AnchorStatus['chain'] {
    return {
      kind: (this.chain?.kind as ChainKindName | undefined) ?? this.d.chainKind,
      chainId: this.chainId,
      contract: this.chain?.contractAddress ?? null,
      rpcUrl: this.chain?.rpcUrl ?? null,
      reachable: this.chainReachable,
      lastError: this.chainError,
    };
  }

  /**
   * /api/health: degraded while the chain has lost history this process re-anchored, or the
   * store differs from the chain; the detail says which.
   */
  health(): { status: 'up' | 'degraded'; detail?: string; reanchoredBatches: number; storeMismatches: number } {
    const problems: string[] = [];
    for (const e of this.reanchorEvents) problems.push(`re-anchoring event ${e.id} (${e.reason}): ${e.batches} batches anchored again`);
    if (this.storeMismatchCount) problems.push(`${this.storeMismatchCount} anchored batches in the store differ from the chain (first: ${this.storeMismatches.slice(0, 5).join(', ')})`);
    return {
      status: problems.length ? 'degraded' : 'up',
      ...(problems.length ? { detail: problems.join('; ') } : {}),
      reanchoredBatches: this.reanchoredBatches,
      storeMismatches: this.storeMismatchCount,
    };
  }

  private async runAnchorLoop(): Promise<void> {
    let delay = this.d.options.retryMinMs;
    while (this.running) {
      try {
        await this.anchorPending();
        delay = this.d.options.retryMinMs;
        await this.idle(this.d.options.tickMs);
      } catch (err) {
        this.chainReachable = !(err instanceof ChainUnavailable);
        this.chainError = (err as Error).message;
        this.d.metrics?.errors.inc({ what: err instanceof AnchorRejectedError ? 'rejected' : 'chain' });
        this.d.logger.warn(`anchoring paused (${this.backlog} batches queued), retry in ${delay} ms: ${(err as Error).message}`);
        await this.idle(delay);
        delay = Math.min(delay * 2, this.d.options.retryMaxMs);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** One pass: connects, reconciles with the contract, and anchors every queued batch in order. */
  async anchorPending(): Promise<number> {
    const { repo } = this.d;
    const chain = await this.connect();
    let next: number;
    try {
      next = await chain.nextBatchId();
    } catch (err) {
      throw new ChainUnavailable(err);
    }
    this.chainReachable = true;
    this.chainError = null;
    const last = await repo.lastAnchored();
    if (last && last.id >= next) {
      await this.reanchor('chain_behind', next, `contract ${chain.contractAddress} on chain ${this.chainId} holds ${next} batches, the store recorded batches up to ${last.id} as anchored on it`, chain.contractAddress, chain.contractAddress);
    }
    if (!this.storeCheck) {
      // In the background: ≈ 3 ms per batch (bench:chain-journal), minutes for a long history,
      // which must not hold up anchoring.
      this.storeCheck = this.checkStoreAgainstChain(chain, next).catch((err: unknown) => {
        this.d.metrics?.errors.inc({ what: 'check' });
        this.d.logger.error(`the start-up check of the store against the chain stopped: ${(err as Error).message}`);
      });
    }
    let anchored = 0;
    while (!this.stopping) {
      const batch = await repo.firstUnanchored();
      if (!batch) break;
      if (batch.id < next) {
        await this.adopt(chain, batch);
      } else {
        const receipt = await this.guard(() =>
          chain.anchor(
            // The tree head: on chain, `count` is the log's size after the batch (RFC 6962 tree_size).
            { batchId: batch.id, root: batch.root, prevRoot: batch.prevRoot, count: batch.treeSize, start: batch.start, end: batch.end },
            {
              confirmations: this.d.options.confirmations,
              dropTimeoutMs: this.d.options.dropTimeoutMs,
              onSent: (_hash, attempt) => this.d.metrics?.transactions.inc({ kind: attempt === 0 ? 'sent' : 'resubmitted' }),
            },
          ),
        );
        await this.recordAnchored(chain, batch, receipt);
        next = batch.id + 1;
      }
      anchored++;
    }
    this.backlog = await repo.unanchoredCount();
    return anchored;
  }

  /** A batch the chain already holds (sent before a crash): check the root, take the tx. */
  private async adopt(chain: ChainPort, batch: BatchRecord): Promise<void> {
    const onChain = await this.guard(() => chain.getBatch(batch.id));
    if (!onChain || onChain.root !== batch.root) {
      throw new Error(`batch ${batch.id}: the chain holds root ${onChain?.root ?? 'none'}, the store ${batch.root}; refusing to continue`);
    }
    const tx = await this.guard(() => chain.findAnchorTx(batch.id, this.deployedBlock));
    if (!tx) throw new Error(`batch ${batch.id} is on chain but its Anchored event was not found`);
    await this.recordAnchored(chain, batch, tx);
  }

  private async recordAnchored(chain: ChainPort, batch: BatchRecord, tx: MinedAt): Promise<void> {
    const anchor = { chainId: this.chainId ?? 0, contract: chain.contractAddress ?? '', txHash: tx.txHash, blockNumber: tx.blockNumber, blockHash: tx.blockHash, blockTimestamp: tx.blockTimestamp };
    await this.d.repo.markAnchored(batch.id, anchor);
    this.lastAnchored = { ...batch, anchor: { ...anchor, anchoredAt: this.d.wallClock() } };
    this.backlog = Math.max(0, this.backlog - 1);
    this.writeBatchPoint(this.lastAnchored);
  }

  private writeBatchPoint(b: BatchRecord): void {
    if (!this.d.influxWriter || !b.anchor) return;
    this.d.influxWriter
      .writeLines(anchorBatchLine({ batchId: b.id, count: b.count, lagMs: Math.max(0, this.d.wallClock() - b.end), root: b.root, txHash: b.anchor.txHash, blockNumber: b.anchor.blockNumber, end: b.end }))
      .catch((err: unknown) => this.d.logger.warn(`could not write ${MEASUREMENTS.anchorBatches} point: ${(err as Error).message}`));
  }

  /**
   * The chain no longer holds batches the store recorded as anchored on it. Anchoring them again
   * is the only way to go on (the contract takes batch ids in order from 0), but never silently:
   * the event and every lost position are recorded (anchor_reanchor_events), logged as an error,
   * counted, shown by health, and the audit reports each such batch as re-anchored, not verified.
   */
  private async reanchor(reason: ReanchorEvent['reason'], fromBatch: number, detail: string, contractBefore: string | null, contractAfter: string | null): Promise<void> {
    const { repo } = this.d;
    const event = await repo.recordReanchor({ reason, detail, chainId: this.chainId ?? 0, contractBefore, contractAfter, fromBatch });
    this.reanchorEvents.push(event);
    this.reanchoredBatches += event.batches;
    this.backlog = await repo.unanchoredCount();
    this.lastAnchored = await repo.lastAnchored();
    this.d.logger.error(
      `HISTORY LOST ON CHAIN (re-anchoring event ${event.id}, ${reason}): ${detail}. ${event.batches} batches from batch ${fromBatch} on are anchored again now; ` +
        'their earlier anchoring is gone, the audit reports them as re-anchored and proofs exported before no longer verify',
    );
  }

  /**
   * Once per process: every batch the store records as anchored must be on chain with the same
   * root, previous root and block. A difference means the store was edited (or the chain
   * replaced): it is logged as an error, counted and shown by health, never "repaired" by
   * re-anchoring the store's version. Also fills the block hash and time of batches anchored
   * before they were kept.
   */
  private async checkStoreAgainstChain(chain: ChainPort, next: number): Promise<void> {
    const t0 = this.d.wallClock();
    let checked = 0;
    for (let from = 0; from < next; ) {
      const page = await this.d.repo.anchoredBetween(from, next, 500);
      if (!page.length) break;
      for (const b of page) {
        if (this.stopping) return;
        const onChain = await this.guard(() => chain.getBatch(b.id));
        const wrong = !onChain
          ? 'not on chain'
          : onChain.root !== b.root
            ? `root ${onChain.root} on chain, ${b.root} in the store`
            : onChain.prevRoot !== b.prevRoot
              ? `previous root ${onChain.prevRoot} on chain, ${b.prevRoot} in the store`
              : b.anchor && onChain.anchoredAtBlock !== b.anchor.blockNumber
                ? `anchored in block ${onChain.anchoredAtBlock} on chain, ${b.anchor.blockNumber} in the store`
                : null;
        if (wrong) {
          if (this.storeMismatches.length < 100) this.storeMismatches.push(b.id);
          this.storeMismatchCount++;
          this.d.logger.error(`batch ${b.id}: the SQL store does not match the chain (${wrong}): the store was edited or the chain replaced; the audit reports the batch as not verified`);
        } else if (b.anchor && (b.anchor.blockHash === null || b.anchor.blockTimestamp === null)) {
          const mined = await this.guard(() => chain.minedAt(b.anchor!.txHash));
          if (mined) await this.d.repo.setAnchorBlock(b.id, mined.blockHash, mined.blockTimestamp);
        }
        checked++;
        if (checked % 256 === 0) await nextTurn();
      }
      from = page[page.length - 1].id + 1;
    }
    this.startupCheck = { batches: checked, mismatches: this.storeMismatchCount, durationMs: this.d.wallClock() - t0 };
    if (this.storeMismatchCount) this.d.logger.error(`start-up check: ${this.storeMismatchCount} of ${checked} anchored batches in the SQL store differ from the chain`);
  }

  /** Connects on first use, checks the chain id, and finds or deploys the contract. */
  private async connect(): Promise<ChainPort> {
    const { repo } = this.d;
    try {
      this.chain ??= await this.d.openChain();
      const chain = this.chain;
      this.chainId = await chain.chainId();
      const key = `${chain.kind}:${this.chainId}`;
      const known = await repo.contract(key);
      if (known && chain.contractAddress === known.address) return chain;
      if (known && (await chain.hasCode(known.address))) {
        chain.use(known.address);
        this.deployedBlock = known.deployedBlock;
        return chain;
      }
      const deployed = await chain.deploy();
      this.deployedBlock = deployed.blockNumber;
      await repo.saveContract({ chainKey: key, chainId: this.chainId, address: deployed.address, deployedBlock: deployed.blockNumber });
      this.d.logger.log(`deployed the anchoring contract at ${deployed.address} on chain ${this.chainId}`);
      if (known) {
        await this.reanchor('contract_missing', 0, `no anchoring contract at ${known.address} on chain ${this.chainId} (the chain was reset or lost its state); deployed ${deployed.address}`, known.address, deployed.address);
      } else if (await repo.lastAnchored()) {
        const was = await repo.lastAnchored();
        await this.reanchor('new_chain', 0, `the store's batches were anchored on chain ${was?.anchor?.chainId} (contract ${was?.anchor?.contract}), not on this chain (${key}); deployed ${deployed.address}`, was?.anchor?.contract ?? null, deployed.address);
      }
      return chain;
    } catch (err) {
      if (err instanceof AnchorRejectedError) throw err;
      throw new ChainUnavailable(err);
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AnchorRejectedError) throw err;
      throw new ChainUnavailable(err);
    }
  }
}

/** A chain call failed for a reason other than the contract's verdict (network, node down). */
export class ChainUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super(`chain unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

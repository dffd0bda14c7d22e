import { join } from 'node:path';
import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { PipelineEvents } from '@gridproof/events';
import { InfluxRecordReader, InfluxTelemetryStore } from '@gridproof/influx';
import { Registry } from '@gridproof/metrics';
import { DeviceRegistry, RegistryModule } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { ReceiveClock } from './batch/receive-clock';
import { ChainPort } from './chain/chain.port';
import type { ChainKind, ChainSettings } from './chain/chain-kind';
import { chainKindFor, type ChainKindName } from './chain/kinds';
import { AnchorsController } from './http/anchors.controller';
import { LeafJournal } from './log/leaf-journal';
import { AnchorMetrics } from './service/anchor-metrics';
import { AnchorService } from './service/anchor.service';
import { ANCHOR_QUERIES, anchorQueries } from './store/anchor-queries';
import { AnchorRepository } from './store/anchor.repository';

/** Opens the configured chain on first use (so an unreachable node never blocks start-up). */
@Injectable()
export class ChainConnection {
  private chain: Promise<ChainPort> | null = null;

  constructor(@Inject(GP_CONFIG) private readonly config: GridProofConfig) {}

  open(): Promise<ChainPort> {
    this.chain ??= this.create().catch((err: unknown) => {
      this.chain = null;
      throw err;
    });
    return this.chain;
  }

  /** Opens the chain now when its kind starts with the app (ChainKind.opensAtStart). */
  async startIfEmbedded(): Promise<void> {
    if (this.kind().opensAtStart) await this.open();
  }

  /** The chain kind the configuration selects (chain/kinds). */
  kind(): ChainKind<ChainKindName> {
    return chainKindFor(this.settings());
  }

  private settings(): ChainSettings {
    return { ...this.config.chain, dataDir: this.config.dataDir };
  }

  private create(): Promise<ChainPort> {
    return this.kind().openWriter(this.settings(), new Logger('Anchor'));
  }

  async close(): Promise<void> {
    const chain = this.chain;
    this.chain = null;
    if (chain) await (await chain.catch(() => null))?.close();
  }
}

/** Starts anchoring once the app is up; stops it, then closes the chain, on shutdown. */
@Injectable()
export class AnchorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly service: AnchorService,
    private readonly chain: ChainConnection,
    private readonly events: PipelineEvents,
    private readonly registry: DeviceRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.chain.startIfEmbedded();
    await this.service.start(this.events);
    // Key events recorded before they were logged (an upgraded store) enter the log once.
    await this.service.importKeyHistory(this.registry);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.service.stop();
    await this.chain.close();
  }
}

/**
 * Anchoring: seals receive-time windows into RFC 6962 batches and anchors their roots on the
 * configured chain (docs/anchoring.md). Needs the global CoreModule; commits the registry's key
 * events to the same log. Exports ReceiveClock (the ingest pipeline stamps rx with it),
 * AnchorService (status), ANCHOR_QUERIES (the AnchorQueries port the audit reads batches
 * through; records come from CoreModule's InfluxRecordReader) and the leaf journal.
 */
@Module({
  imports: [RegistryModule],
  controllers: [AnchorsController],
  providers: [
    { provide: ReceiveClock, useValue: new ReceiveClock() },
    { provide: AnchorRepository, useFactory: (store: SqlStore) => new AnchorRepository(store), inject: [SqlStore] },
    ChainConnection,
    {
      // The log's journal: the ingest commits every reading here before PUBACK (IngestModule's
      // `journal`); opened before anything is ingested, with what the SQL store has sealed.
      provide: LeafJournal,
      useFactory: async (config: GridProofConfig, repo: AnchorRepository) => {
        await repo.migrate();
        const last = await repo.lastBatch();
        return LeafJournal.open(join(config.dataDir, 'leaf-journal'), last?.end ?? 0, new Logger('Anchor'));
      },
      inject: [GP_CONFIG, AnchorRepository],
    },
    {
      provide: AnchorService,
      useFactory: (config: GridProofConfig, repo: AnchorRepository, store: InfluxTelemetryStore | undefined, reader: InfluxRecordReader | undefined, chain: ChainConnection, clock: ReceiveClock, registry: Registry, journal: LeafJournal, devices: DeviceRegistry) => {
        if (!store || !reader) throw new Error('AnchorModule needs a resolved influx.url');
        const logger = new Logger('Anchor');
        let service: AnchorService | null = null;
        const metrics = new AnchorMetrics(registry, () => service!.status());
        service = new AnchorService({
          repo,
          reader,
          openChain: () => chain.open(),
          clock,
          options: {
            intervalMs: config.anchor.intervalMs,
            maxRecords: config.anchor.maxRecords,
            settleMs: config.anchor.settleMs + config.ingest.flushMs,
            maxBackfillMs: config.ingest.maxBackfillMs,
            maxFutureSkewMs: config.ingest.maxFutureSkewMs,
            confirmations: config.chain.confirmations,
            dropTimeoutMs: chain.kind().dropTimeoutMs,
            tickMs: Math.min(1_000, Math.max(50, Math.floor(config.anchor.intervalMs / 4))),
            retryMinMs: 500,
            retryMaxMs: 60_000,
          },
          logger,
          metrics,
          influxWriter: store,
          chainKind: chain.kind().kind,
          journal,
        });
        // Key events become leaves of the log from here on, committed through the same journal.
        devices.useKeyEventLog(service.keyEventLog());
        return service;
      },
      inject: [GP_CONFIG, AnchorRepository, { token: InfluxTelemetryStore, optional: true }, { token: InfluxRecordReader, optional: true }, ChainConnection, ReceiveClock, Registry, LeafJournal, DeviceRegistry],
    },
    { provide: ANCHOR_QUERIES, useFactory: (repo: AnchorRepository, service: AnchorService) => anchorQueries(repo, () => service.currentChain()), inject: [AnchorRepository, AnchorService] },
    AnchorLifecycle,
  ],
  exports: [ReceiveClock, AnchorService, ANCHOR_QUERIES, ChainConnection, LeafJournal],
})
export class AnchorModule {}

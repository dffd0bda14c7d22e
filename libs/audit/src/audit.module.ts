import { Module } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { ANCHOR_QUERIES, AnchorModule, type AnchorQueries } from '@gridproof/anchor';
import { InfluxRecordReader, InfluxTelemetryStore } from '@gridproof/influx';
import { DeviceRegistry, RegistryModule } from '@gridproof/registry';
import { AuditService } from './audit.service';
import { BatchExportService } from './batch-export';
import { AuditController } from './http/audit.controller';
import { ProofService } from './proof.service';

/**
 * Audits and proof bundles on the API (/api/audit, /api/proofs); auditors read, never write.
 * Batches come from AnchorModule's ANCHOR_QUERIES port; records from CoreModule's
 * InfluxRecordReader (the record source).
 */
@Module({
  imports: [AnchorModule, RegistryModule],
  controllers: [AuditController],
  providers: [
    {
      provide: AuditService,
      useFactory: (config: GridProofConfig, anchored: AnchorQueries, reader: InfluxRecordReader, store: InfluxTelemetryStore, registry: DeviceRegistry) =>
        new AuditService(anchored, reader, () => anchored.currentChain(), { maxBackfillMs: config.ingest.maxBackfillMs, maxFutureSkewMs: config.ingest.maxFutureSkewMs }, store, registry),
      inject: [GP_CONFIG, ANCHOR_QUERIES, InfluxRecordReader, InfluxTelemetryStore, DeviceRegistry],
    },
    {
      provide: BatchExportService,
      useFactory: (config: GridProofConfig, anchored: AnchorQueries, reader: InfluxRecordReader, registry: DeviceRegistry) =>
        new BatchExportService(anchored, reader, { maxBackfillMs: config.ingest.maxBackfillMs, maxFutureSkewMs: config.ingest.maxFutureSkewMs }, registry),
      inject: [GP_CONFIG, ANCHOR_QUERIES, InfluxRecordReader, DeviceRegistry],
    },
    {
      provide: ProofService,
      useFactory: (anchored: AnchorQueries, reader: InfluxRecordReader, registry: DeviceRegistry) => new ProofService(anchored, reader, registry),
      inject: [ANCHOR_QUERIES, InfluxRecordReader, DeviceRegistry],
    },
  ],
  exports: [AuditService, ProofService, BatchExportService],
})
export class AuditModule {}


import { Module } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { AnchorModule, AnchorRepository, AnchorService } from '@gridproof/anchor';
import { InfluxRecordReader, InfluxTelemetryStore } from '@gridproof/influx';
import { DeviceRegistry, RegistryModule } from '@gridproof/registry';
import { AuditService } from './audit.service';
import { BatchExportService } from './batch-export';
import { AuditController } from './http/audit.controller';
import { ProofService } from './proof.service';

/**
 * Audits and proof bundles on the API (/api/audit, /api/proofs); auditors read, never write.
 * Records come from CoreModule's InfluxRecordReader (the record source).
 */
@Module({
  imports: [AnchorModule, RegistryModule],
  controllers: [AuditController],
  providers: [
    {
      provide: AuditService,
      useFactory: (config: GridProofConfig, repo: AnchorRepository, reader: InfluxRecordReader, store: InfluxTelemetryStore, anchors: AnchorService, registry: DeviceRegistry) =>
        new AuditService(repo, reader, () => anchors.currentChain(), { maxBackfillMs: config.ingest.maxBackfillMs, maxFutureSkewMs: config.ingest.maxFutureSkewMs }, store, registry),
      inject: [GP_CONFIG, AnchorRepository, InfluxRecordReader, InfluxTelemetryStore, AnchorService, DeviceRegistry],
    },
    {
      provide: BatchExportService,
      useFactory: (config: GridProofConfig, repo: AnchorRepository, reader: InfluxRecordReader, registry: DeviceRegistry) =>
        new BatchExportService(repo, reader, { maxBackfillMs: config.ingest.maxBackfillMs, maxFutureSkewMs: config.ingest.maxFutureSkewMs }, registry),
      inject: [GP_CONFIG, AnchorRepository, InfluxRecordReader, DeviceRegistry],
    },
    {
      provide: ProofService,
      useFactory: (repo: AnchorRepository, reader: InfluxRecordReader, registry: DeviceRegistry) => new ProofService(repo, reader, registry),
      inject: [AnchorRepository, InfluxRecordReader, DeviceRegistry],
    },
  ],
  exports: [AuditService, ProofService, BatchExportService],
})
export class AuditModule {}


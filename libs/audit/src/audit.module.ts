import { Module } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { AnchorModule, AnchorRepository, AnchorService, InfluxRecordReader } from '@gridproof/anchor';
import { DeviceRegistry, RegistryModule } from '@gridproof/registry';
import { AuditService } from './audit.service';
import { BatchExportService } from './batch-export';
import { AuditController } from './http/audit.controller';
import { ProofService } from './proof.service';

/** Audits and proof bundles on the API (/api/audit, /api/proofs); auditors read, never write. */
@Module({
  imports: [AnchorModule, RegistryModule],
  controllers: [AuditController],
  providers: [
    {
      provide: AuditService,
      useFactory: (config: GridProofConfig, repo: AnchorRepository, reader: InfluxRecordReader, anchors: AnchorService, registry: DeviceRegistry) =>
        new AuditService(repo, reader, () => anchors.currentChain(), { maxBackfillMs: config.ingest.maxBackfillMs, maxFutureSkewMs: config.ingest.maxFutureSkewMs }, reader.client, registry),
      inject: [GP_CONFIG, AnchorRepository, InfluxRecordReader, AnchorService, DeviceRegistry],
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


import { Inject, Injectable, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { IngestPipeline } from '@gridproof/ingest';
import { Registry } from '@gridproof/metrics';
import { AnchorModule, ReceiveClock } from '@gridproof/anchor';

/** Closes the pipeline (flushes the writer, spools the rest) after the broker stopped. */
@Injectable()
export class IngestLifecycle implements OnModuleDestroy {
  constructor(private readonly pipeline: IngestPipeline) {}

  async onModuleDestroy(): Promise<void> {
    await this.pipeline.close();
  }
}

/**
 * The ingest stage as the app runs it: the InfluxDB adapter, the pipeline, and anchoring's
 * receive clock stamping rx, so every record falls into exactly one anchoring window.
 */
@Module({
  imports: [AnchorModule],
  providers: [
    {
      provide: InfluxTelemetryStore,
      useFactory: (config: GridProofConfig) => new InfluxTelemetryStore({ ...config.influx, url: config.influx.url! }),
      inject: [GP_CONFIG],
    },
    {
      provide: IngestPipeline,
      useFactory: (config: GridProofConfig, store: InfluxTelemetryStore, events: PipelineEvents, metrics: Registry, clock: ReceiveClock) =>
        IngestPipeline.start({ config, store, events, metrics, logger: new Logger('Ingest'), stampRx: () => clock.now() }),
      inject: [GP_CONFIG, InfluxTelemetryStore, PipelineEvents, Registry, ReceiveClock],
    },
    IngestLifecycle,
  ],
  exports: [IngestPipeline, InfluxTelemetryStore],
})
export class IngestWiringModule {}

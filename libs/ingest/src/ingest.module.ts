import { DynamicModule, Injectable, InjectionToken, Logger, Module, ModuleMetadata, OnApplicationShutdown } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import type { GridProofConfig } from '@gridproof/config';
import { GP_CONFIG } from '@gridproof/core';
import { PipelineEvents } from '@gridproof/events';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { Registry } from '@gridproof/metrics';
import { RegistryModule } from '@gridproof/registry';
import { TelemetryController } from './http/telemetry.controller';
import { IngestPipeline, ReadingJournal } from './ingest-pipeline';
import { TELEMETRY_SINK } from './telemetry-sink';
import { InlineSignatureVerifier, SignatureVerifier } from './signatures/signature-verifier';
import { WorkerPoolVerifier } from './signatures/worker-pool-verifier';

/**
 * Optional provider the pipeline stamps rx with: a function (receivedAt) => rx, or an object
 * with now() (anchoring's ReceiveClock). Bind it with IngestModule.register({ rxStamp }).
 */
export const INGEST_RX_STAMP = 'GP_INGEST_RX_STAMP';

/** Optional provider of the log's journal (ReadingJournal); bind it with register({ journal }). */
export const INGEST_JOURNAL = 'GP_INGEST_JOURNAL';

type RxStamp = ((receivedAt: number) => number) | { now(): number };

/** Closes the pipeline after the broker stopped handing it messages (broker: onModuleDestroy). */
@Injectable()
export class IngestLifecycle implements OnApplicationShutdown {
  constructor(private readonly pipeline: IngestPipeline) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline.close();
  }
}

export interface IngestModuleOptions {
  /** Modules exporting the rxStamp provider (e.g. AnchorModule). */
  imports?: ModuleMetadata['imports'];
  /** Token of the rx stamp (e.g. ReceiveClock); rx = receivedAt when omitted. */
  rxStamp?: InjectionToken;
  /** Token of the log's journal (e.g. LeafJournal): readings are committed there before PUBACK. */
  journal?: InjectionToken;
}

/**
 * Ingest as a Nest module. Needs the global CoreModule (GP_CONFIG with a resolved influx.url,
 * InfluxTelemetryStore for the telemetry reads of the API, PipelineEvents, Registry). Provides and exports
 * IngestPipeline (also under TELEMETRY_SINK, the broker's port; it is also the 'ingest'
 * /api/health contributor) and serves GET /api/devices/:id/telemetry.
 */
@Module({})
export class IngestModule {
  static register(options: IngestModuleOptions = {}): DynamicModule {
    return {
      module: IngestModule,
      imports: [RegistryModule, ...(options.imports ?? [])],
      controllers: [TelemetryController],
      providers: [
        ...(options.rxStamp ? [{ provide: INGEST_RX_STAMP, useExisting: options.rxStamp }] : []),
        ...(options.journal ? [{ provide: INGEST_JOURNAL, useExisting: options.journal }] : []),
        {
          provide: IngestPipeline,
          useFactory: (config: GridProofConfig, events: PipelineEvents, metrics: Registry, rxStamp?: RxStamp, journal?: ReadingJournal) => {
            if (!config.influx.url) throw new Error('IngestModule needs a resolved influx.url (main starts the local InfluxDB first)');
            // The hot path keeps an adapter of its own (same class, same settings): sharing
            // CoreModule's, whose node-influx pool parks the host after any failed query of any
            // stage, made process-kill.int.spec.ts lose leaves of the kill's in-flight window
            // (failed 6 of 9 runs shared, passed 4 of 4 with its own; the cause is not pinned down).
            const store = new InfluxTelemetryStore({ ...config.influx, url: config.influx.url });
            return IngestPipeline.start({
              config,
              store,
              events,
              metrics,
              logger: new Logger('Ingest'),
              verifier: verifierFor(config),
              stampRx: stampRxOf(rxStamp),
              journal,
            });
          },
          inject: [GP_CONFIG, PipelineEvents, Registry, { token: INGEST_RX_STAMP, optional: true }, { token: INGEST_JOURNAL, optional: true }],
        },
        { provide: TELEMETRY_SINK, useExisting: IngestPipeline },
        IngestLifecycle,
      ],
      exports: [IngestPipeline, TELEMETRY_SINK],
    };
  }
}

/**
 * Verification threads: GP_INGEST_VERIFY_THREADS, or one per core. Signed ingest is bound by
 * verification; on the 2-core development machine two threads beat one (docs/benchmarks.md)
 * even though they share the cores with the MQTT thread: idle verifiers cost nothing.
 */
export function verifierFor(config: GridProofConfig): SignatureVerifier {
  const threads = config.ingest.verifyThreads ?? Math.max(1, availableParallelism());
  return threads === 0 ? new InlineSignatureVerifier() : new WorkerPoolVerifier({ size: threads });
}

function stampRxOf(stamp: RxStamp | undefined): ((receivedAt: number) => number) | undefined {
  if (!stamp) return undefined;
  if (typeof stamp === 'function') return stamp;
  return () => stamp.now();
}

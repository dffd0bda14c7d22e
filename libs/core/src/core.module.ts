import { DynamicModule, Global, Logger, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { GridProofConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { InfluxRecordReader, InfluxTelemetryStore } from '@gridproof/influx';
import { createMetricsRegistry, Registry } from '@gridproof/metrics';
import { SqlStore, SqlStoreTarget } from '@gridproof/store';
import { DomainErrorFilter } from './http/domain-error.filter';
import { ZodInputPipe } from './http/validation.pipe';

/** Injection token of the validated GridProofConfig: `@Inject(GP_CONFIG) config: GridProofConfig`. */
export const GP_CONFIG = 'GP_CONFIG';

/** Where the config's SQL store is: Postgres (DATABASE_URL) or the embedded PGlite folder. */
export function sqlStoreTarget(config: GridProofConfig): SqlStoreTarget {
  return config.sql.kind === 'postgres' ? config.sql : { kind: 'pglite', dir: config.sql.dir };
}

export interface CoreModuleOptions {
  /** Fully resolved: influx.url is set (main starts the local InfluxDB first when needed). */
  config: GridProofConfig;
  /** An already opened store (tests share one); opened from config.sql otherwise. */
  store?: SqlStore;
  events?: PipelineEvents;
  metrics?: Registry;
}

/**
 * The process's one InfluxDB adapter and the record reader on top of it, when the config names
 * an InfluxDB (main resolves influx.url before it builds the app). Modules that cannot work
 * without one inject them as optional and say so; the others (detection, alerts) go without.
 */
function influxProviders(config: GridProofConfig): Provider[] {
  const { url } = config.influx;
  if (!url) return [];
  return [
    { provide: InfluxTelemetryStore, useValue: new InfluxTelemetryStore({ ...config.influx, url }) },
    { provide: InfluxRecordReader, useFactory: (store: InfluxTelemetryStore) => new InfluxRecordReader(store), inject: [InfluxTelemetryStore] },
  ];
}

/**
 * The process-wide singletons every module shares: config, SQL store, pipeline event bus,
 * Prometheus registry, the InfluxDB adapter (InfluxTelemetryStore, InfluxRecordReader), and the
 * HTTP conventions (input validation pipe, domain error filter). Each feature module runs its own
 * migrations against the store.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    const logger = new Logger('PipelineEvents');
    const influx = influxProviders(options.config);
    return {
      module: CoreModule,
      providers: [
        { provide: GP_CONFIG, useValue: options.config },
        {
          provide: SqlStore,
          useFactory: async () => options.store ?? SqlStore.open(sqlStoreTarget(options.config)),
        },
        {
          provide: PipelineEvents,
          useValue: options.events ?? new PipelineEvents((event, err) => logger.error(`listener of ${event} failed: ${(err as Error).stack ?? err}`)),
        },
        { provide: Registry, useValue: options.metrics ?? createMetricsRegistry() },
        ...influx,
        // The API's conventions, one place for every lib: zod DTOs validated into one 400 shape,
        // domain errors mapped to HTTP by kind.
        { provide: APP_PIPE, useClass: ZodInputPipe },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
      exports: [GP_CONFIG, SqlStore, PipelineEvents, Registry, ...(influx.length ? [InfluxTelemetryStore, InfluxRecordReader] : [])],
    };
  }
}

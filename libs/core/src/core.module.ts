import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { PipelineEvents } from '@gridproof/events';
import { createMetricsRegistry, Registry } from '@gridproof/metrics';
import { SqlStore, SqlStoreTarget } from '@gridproof/store';

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
 * The process-wide singletons every module shares: config, SQL store, pipeline event bus and
 * Prometheus registry. Each feature module runs its own migrations against the store.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    const logger = new Logger('PipelineEvents');
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
      ],
      exports: [GP_CONFIG, SqlStore, PipelineEvents, Registry],
    };
  }
}

import { Registry, collectDefaultMetrics } from 'prom-client';
export * from './metric-names';

/** One Prometheus registry per process (or per test), shared by every module through DI. */
export function createMetricsRegistry(withDefaults = true): Registry {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'gridproof_process_' });
  return registry;
}

export { Registry } from 'prom-client';

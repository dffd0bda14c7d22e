import { numericMetrics } from '@gridproof/telemetry';
import { cumulativeFlags, fitNormalisation } from '../features';
import { ModelMeta, ModelStore } from '../model-store';
import type { TfRuntime } from '../tf-runtime';
import { WindowAutoencoder } from '../window-autoencoder';

/** The shape of the test model: windows of 2 weather readings. */
export const UNTRAINED_WEATHER_SHAPE = { window: 2, metrics: numericMetrics('weather').length, hidden: 8, latent: 2 };

/**
 * Publishes an untrained weather autoencoder as `version` into the store (tests): enough to load
 * and score windows, with a normalisation fitted to readings i + j for metric j.
 */
export async function publishUntrainedWeatherModel(rt: TfRuntime, store: ModelStore, version: string): Promise<ModelMeta> {
  const metrics = numericMetrics('weather');
  const rows = Array.from({ length: 50 }, (_, i) => metrics.map((_, j) => i + j));
  const meta: ModelMeta = {
    type: 'weather',
    version,
    createdAt: new Date().toISOString(),
    backend: rt.backend,
    seed: 1,
    shape: UNTRAINED_WEATHER_SHAPE,
    normalisation: fitNormalisation(metrics, cumulativeFlags('weather'), rows),
    threshold: 1,
    dataRange: { from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z', source: 'test', windows: 0, devices: 0 },
  };
  const ae = WindowAutoencoder.create(rt.tf, UNTRAINED_WEATHER_SHAPE, 1);
  try {
    await store.publish(meta, (d) => ae.save(d));
  } finally {
    ae.dispose();
  }
  return meta;
}

import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { GridProofConfig } from '@gridproof/config';
import { ensureInfluxdInstalled, InfluxdSupervisor } from '@gridproof/influx';
import { METRIC, Registry } from '@gridproof/metrics';

/**
 * Embedded defaults for a fresh machine: when INFLUX_URL is not set, GridProof runs Debian's
 * influxd itself with its data under GP_DATA_DIR/influxdb (installing the package when it is
 * missing and we are root), supervised: restarted when it dies, an orphan of a SIGKILLed
 * GridProof stopped, a foreign InfluxDB on the port refused (see InfluxdSupervisor).
 * Returns the config with influx.url resolved, and a stop function.
 */
export async function startLocalServices(config: GridProofConfig, logger: Logger, metrics: Registry): Promise<{ config: GridProofConfig; stop: () => Promise<void> }> {
  if (config.influx.url) return { config, stop: async () => undefined };

  const restarts = new Counter({ name: METRIC.influxdRestarts, help: 'Restarts of the local influxd GridProof supervises (it died)', registers: [metrics] });
  const dataDir = join(config.dataDir, 'influxdb');
  const server = new InfluxdSupervisor({
    dataDir,
    httpPort: config.influx.localPort,
    // influxd always opens an RPC port for backup/restore; keep it beside the HTTP one.
    rpcPort: config.influx.localPort + 2,
    host: '127.0.0.1',
    logFile: join(dataDir, 'influxd.log'),
    // Ctrl-C must stop GridProof first (its last batch goes to InfluxDB), then influxd.
    ownProcessGroup: true,
    log: logger,
    onRestart: () => restarts.inc(),
  });
  ensureInfluxdInstalled((line) => logger.log(line));
  logger.log(`starting local InfluxDB on ${server.url} (data in ${dataDir})`);
  await server.start();
  return { config: { ...config, influx: { ...config.influx, url: server.url } }, stop: () => server.stop() };
}

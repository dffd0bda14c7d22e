import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { GridProofConfig } from '@gridproof/config';
import { ensureInfluxdInstalled, LocalInfluxd } from '@gridproof/influx';

/**
 * Embedded defaults for a fresh machine: when INFLUX_URL is not set, GridProof runs Debian's
 * influxd itself with its data under GP_DATA_DIR/influxdb (installing the package when it is
 * missing and we are root). Returns the config with influx.url resolved, and a stop function.
 */
export async function startLocalServices(config: GridProofConfig, logger: Logger): Promise<{ config: GridProofConfig; stop: () => Promise<void> }> {
  if (config.influx.url) return { config, stop: async () => undefined };

  const server = new LocalInfluxd({
    dataDir: join(config.dataDir, 'influxdb'),
    httpPort: config.influx.localPort,
    // influxd always opens an RPC port for backup/restore; keep it beside the HTTP one.
    rpcPort: config.influx.localPort + 2,
    host: '127.0.0.1',
    logFile: join(config.dataDir, 'influxdb', 'influxd.log'),
    // Ctrl-C must stop GridProof first (its last batch goes to InfluxDB), then influxd.
    ownProcessGroup: true,
  });
  if (await server.ping()) {
    logger.warn(`InfluxDB already answers on ${server.url}: using it (not started by this process)`);
    return { config: { ...config, influx: { ...config.influx, url: server.url } }, stop: async () => undefined };
  }
  ensureInfluxdInstalled((line) => logger.log(line));
  logger.log(`starting local InfluxDB on ${server.url} (data in ${join(config.dataDir, 'influxdb')})`);
  await server.start();
  return { config: { ...config, influx: { ...config.influx, url: server.url } }, stop: () => server.stop() };
}

import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@gridproof/config';
import { createMetricsRegistry } from '@gridproof/metrics';
import { announceFirstAdminKey } from './admin-key';
import { startGridProof } from './bootstrap';
import { DataDirLockedError, lockDataDir } from './data-dir-lock';
import { startDemoFleet } from './demo-fleet';
import { assertPortsFree, PortInUseError } from './free-ports';
import { startLocalServices } from './local-services';
import { StatusLine } from './status-line';

/**
 * `npm start`: the whole pipeline on one machine. Locks the data folder and checks its ports,
 * starts a local InfluxDB unless INFLUX_URL is set, opens the SQL store, starts the broker and the API, optionally a demo fleet, and prints a
 * live status line. Ctrl-C stops everything cleanly.
 */
async function main(): Promise<void> {
  const logger = new Logger('GridProof');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // Before anything in the data folder or on a port is opened (issue 13: a second start opened
  // the embedded store of the first, then failed on a taken port, and the store was lost).
  let lock;
  try {
    lock = lockDataDir(config.dataDir);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    console.error(err.message);
    process.exit(3);
  }
  const held = lock;
  process.on('exit', () => held.release());
  try {
    await assertPortsFree(config);
  } catch (err) {
    if (!(err instanceof PortInUseError)) throw err;
    console.error(err.message);
    process.exit(3);
  }
  // One registry for the app and for what runs beside it (the local influxd's supervisor).
  const metrics = createMetricsRegistry();
  const local = await startLocalServices(config, logger, metrics);
  let running;
  try {
    running = await startGridProof({ config: local.config, metrics });
  } catch (err) {
    // The local InfluxDB is a child of this process: stop it rather than orphan it.
    await local.stop();
    throw err;
  }
  await announceFirstAdminKey(running);
  const fleet = await startDemoFleet(running).catch((err: unknown) => {
    logger.error(`demo fleet did not start: ${(err as Error).message}`);
    return null;
  });
  const status = new StatusLine(running);
  status.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    status.stop();
    await fleet?.stop();
    logger.log(`${signal}: stopping`);
    await running.close();
    await local.stop();
    process.exit(0);
  };
  // `on`, not `once`: libraries using signal-exit re-raise a signal when they see no other
  // listener left, which would kill the process in the middle of its clean shutdown.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// Relative paths: jest loads its global setup without the @gridproof/* module mapping.
import { commandWorks, ensureDebianPackages } from '../../influx/src/debian-packages';
import { INFLUXDB_PACKAGE } from '../../influx/src/local-influxd';
import { ALERTMANAGER_BIN } from './alertmanager';
import { startTestInfluxd } from './influxd';
import { postgresAvailable, startTestPostgres } from './postgres';

/**
 * What the tests run besides Node: InfluxDB, PostgreSQL, mosquitto_pub (a client nobody here
 * wrote), docker-compose (validates the compose file offline), Prometheus Alertmanager (the
 * alertmanager channel's real peer).
 */
const TEST_PACKAGES = [
  INFLUXDB_PACKAGE,
  { name: 'postgresql', present: postgresAvailable },
  { name: 'mosquitto-clients', present: () => commandWorks('which', ['mosquitto_pub']) },
  { name: 'docker-compose', present: () => commandWorks('docker-compose', ['version']) },
  { name: 'prometheus-alertmanager', present: () => commandWorks(ALERTMANAGER_BIN, ['--version']) },
];

/**
 * Starts the servers shared by the whole jest run: one InfluxDB (suites use their own database
 * names) and, when installed, one PostgreSQL (suites create their own databases). Suites that
 * stop or kill a server start their own instead.
 */
export default async function globalSetup(): Promise<void> {
  // A fresh machine: `npm test` installs what it needs when it may (root), like `npm start`.
  ensureDebianPackages(TEST_PACKAGES);
  const influx = await startTestInfluxd();
  process.env.GP_TEST_INFLUX_URL = influx.url;
  const handles: Record<string, unknown> = { influx };
  if (postgresAvailable()) {
    const pg = await startTestPostgres();
    process.env.GP_TEST_POSTGRES_URL = pg.url();
    handles.pg = pg;
  } else if (process.env.CI) {
    throw new Error('CI must test the Postgres store too: install the postgresql package');
  }
  (globalThis as Record<string, unknown>).__GP_TEST_SERVERS__ = handles;
}

import { startTestInfluxd } from './influxd';
import { postgresAvailable, startTestPostgres } from './postgres';

/**
 * Starts the servers shared by the whole jest run: one InfluxDB (suites use their own database
 * names) and, when installed, one PostgreSQL (suites create their own databases). Suites that
 * stop or kill a server start their own instead.
 */
export default async function globalSetup(): Promise<void> {
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

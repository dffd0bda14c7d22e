import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalInfluxd } from '../../influx/src/local-influxd';
import { freePort } from './ports';

/** A throw-away InfluxDB server on free ports with a temporary data folder. */
export interface TestInfluxd {
  server: LocalInfluxd;
  url: string;
  dataDir: string;
  dispose(): Promise<void>;
}

export async function startTestInfluxd(): Promise<TestInfluxd> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-influx-'));
  const server = new LocalInfluxd({ dataDir, httpPort: await freePort(), rpcPort: await freePort() });
  await server.start();
  return {
    server,
    url: server.url,
    dataDir,
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The InfluxDB server shared by the whole jest run (started in global-setup). */
export function sharedInfluxUrl(): string {
  const url = process.env.GP_TEST_INFLUX_URL;
  if (!url) throw new Error('GP_TEST_INFLUX_URL is not set: run the tests through jest (global-setup starts InfluxDB)');
  return url;
}

/** A database name unique to the calling suite, so suites never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`.replace(/[^A-Za-z0-9_]/g, '_');
}

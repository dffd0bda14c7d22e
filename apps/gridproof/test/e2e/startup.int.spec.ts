/**
 * Start-up as `npm start` users meet it: a port the embedded chain needs is taken.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@gridproof/config';
import { freePort, sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { startGridProof } from '../../src/bootstrap';

jest.setTimeout(60_000);

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject).listen(port, '127.0.0.1', () => resolve(s));
  });
const close = (s: Server) => new Promise((r) => s.close(r));

describe('GridProof start-up', () => {
  it('stops with an error naming GP_CHAIN_EMBEDDED_PORT when the embedded chain port is taken, and releases its other ports', async () => {
    const taken = await listen(0);
    const dataDir = mkdtempSync(join(tmpdir(), 'gp-startup-'));
    const database = uniqueName('startup');
    const ports = { api: await freePort(), mqtt: await freePort(), ws: await freePort() };
    try {
      const config = loadConfig({
        GP_DATA_DIR: dataDir,
        GP_API_PORT: String(ports.api),
        GP_MQTT_PORT: String(ports.mqtt),
        GP_MQTT_WS_PORT: String(ports.ws),
        GP_CHAIN_EMBEDDED_PORT: String((taken.address() as AddressInfo).port),
        INFLUX_URL: sharedInfluxUrl(),
        INFLUX_DATABASE: database,
        GP_SIM_ENABLED: 'false',
      });
      await expect(startGridProof({ config, logger: false })).rejects.toThrow(/port is in use.*GP_CHAIN_EMBEDDED_PORT/);
      // Nothing is left listening: a second start on the same ports would work.
      for (const port of Object.values(ports)) await close(await listen(port));
    } finally {
      await close(taken);
      await fetch(`${sharedInfluxUrl()}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' }).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

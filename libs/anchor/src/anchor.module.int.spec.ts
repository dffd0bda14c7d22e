import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import { InfluxTelemetryStore } from '@gridproof/influx';
import { SqlStore } from '@gridproof/store';
import { sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { AnchorModule } from './anchor.module';
import { AnchorService } from './service/anchor.service';

describe(AnchorModule.name, () => {
  it('boots with the embedded chain, deploys the contract and anchors the first window', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gp-anchormod-'));
    const config = loadConfig({ GP_DATA_DIR: dataDir, INFLUX_URL: sharedInfluxUrl(), INFLUX_DATABASE: uniqueName('anchormod'), GP_CHAIN_EMBEDDED_PORT: '0', GP_ANCHOR_INTERVAL_MS: '200', GP_ANCHOR_SETTLE_MS: '50' });
    // The ingest pipeline creates the database in the app; here the test does.
    const influx = new InfluxTelemetryStore({ ...config.influx, url: config.influx.url! });
    await influx.createDatabase();
    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    const moduleRef = await Test.createTestingModule({ imports: [CoreModule.forRoot({ config, store }), AnchorModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(AnchorService);
      const deadline = Date.now() + 20_000;
      while (!service.status().lastAnchored && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const status = service.status();
      expect({ id: status.lastAnchored?.id, error: status.chain.lastError }).toEqual({ id: 0, error: null });
      expect(status.chain).toMatchObject({ kind: 'embedded', chainId: 31337, reachable: true });
      expect(status.chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await app.close();
      await store.close();
      await influx.dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

import { anchorQueries, AnchorRepository, AnchorService, ChainPort, ReceiveClock } from '@gridproof/anchor';
import { loadConfig } from '@gridproof/config';
import { InfluxRecordReader, InfluxTelemetryStore } from '@gridproof/influx';
import { DeviceType, familyOf, IngestRecord, privateKeyFromBase64, generateDeviceKeyPair, signMessage, toIngestRecord } from '@gridproof/telemetry';
import { DeviceRegistry, REGISTRY_MIGRATIONS } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { sharedInfluxUrl, uniqueName } from '@gridproof/testing';
import { AuditService } from '../audit.service';
import { BatchExportService } from '../batch-export';
import { ProofService } from '../proof.service';

export interface FixtureDevice {
  id: string;
  type: DeviceType;
  site: string;
  publicKey: string;
  privateKey: string;
  seq: number;
}

/**
 * Everything the audit scenarios need, with real servers: the shared InfluxDB (own database),
 * an in-memory PGlite store holding the registry (devices, key history) and the batches, a
 * chain, and the anchoring service fed straight with records (committed, then written to
 * InfluxDB per the layout, as the ingest pipeline does).
 */
export class AuditFixture {
  readonly devices: FixtureDevice[];
  readonly written: Array<{ device: FixtureDevice; record: IngestRecord }> = [];
  readonly exports: BatchExportService;

  private constructor(
    readonly influxUrl: string,
    readonly database: string,
    readonly influx: InfluxTelemetryStore,
    readonly store: SqlStore,
    readonly repo: AnchorRepository,
    readonly reader: InfluxRecordReader,
    readonly service: AnchorService,
    readonly audit: AuditService,
    readonly proofs: ProofService,
    readonly registry: DeviceRegistry,
  ) {
    this.exports = new BatchExportService(anchorQueries(repo, () => service.currentChain()), reader, { maxBackfillMs: 3_600_000, maxFutureSkewMs: 60_000 }, registry);
    this.devices = (['smart-meter', 'pv-inverter', 'ev-charger'] as DeviceType[]).map((type, i) => {
      const keys = generateDeviceKeyPair();
      return { id: `dev-${i}`, type, site: `site-${i % 2}`, publicKey: keys.publicKey, privateKey: keys.privateKey, seq: 0 };
    });
  }

  /**
   * keyEvents 'live' (default): the registry commits key events to the anchoring service's log
   * as the app wires it. 'import': the devices are registered before key events were logged
   * (rx null, an upgraded store), and the history is imported at start as the app does once.
   */
  static async start(openChain: () => Promise<ChainPort>, opts: { intervalMs?: number; keyEvents?: 'live' | 'import' } = {}): Promise<AuditFixture> {
    const influxUrl = sharedInfluxUrl();
    const database = uniqueName('audit');
    const influx = new InfluxTelemetryStore({ ...loadConfig({}).influx, url: influxUrl, database });
    const reader = new InfluxRecordReader(influx);
    await influx.createDatabase();
    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    await store.migrate(REGISTRY_MIGRATIONS);
    const registry = new DeviceRegistry(store);
    const repo = new AnchorRepository(store);
    const options = {
      intervalMs: opts.intervalMs ?? 250,
      maxRecords: 1_000,
      settleMs: 200,
      maxBackfillMs: 3_600_000,
      maxFutureSkewMs: 60_000,
      confirmations: 1,
      dropTimeoutMs: 10_000,
      tickMs: 40,
      retryMinMs: 50,
      retryMaxMs: 400,
    };
    let chain: ChainPort | null = null;
    const service = new AnchorService({ repo, reader, openChain: async () => (chain ??= await openChain()), clock: new ReceiveClock(), options });
    const anchored = anchorQueries(repo, () => service.currentChain());
    const audit = new AuditService(anchored, reader, () => anchored.currentChain(), options, null, registry);
    const fixture: AuditFixture = new AuditFixture(influxUrl, database, influx, store, repo, reader, service, audit, new ProofService(anchored, reader, registry), registry);
    const provision = async () => {
      for (const d of fixture.devices) await registry.provision({ id: d.id, type: d.type, site: { id: d.site, lat: 52.5, lon: 13.4 }, publicKey: d.publicKey });
    };
    if (opts.keyEvents === 'import') await provision();
    await service.start();
    registry.useKeyEventLog(service.keyEventLog());
    if (opts.keyEvents === 'import') await service.importKeyHistory(registry);
    else await provision();
    // Connect (and deploy) before ingesting: starting the embedded EVM blocks the event loop
    // for a moment, longer than this fixture's short settle delay.
    const deadline = Date.now() + 30_000;
    while (!service.status().chain.reachable) {
      if (Date.now() > deadline) throw new Error(`chain not reachable: ${service.status().chain.lastError}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return fixture;
  }

  /** Signs, commits to the anchoring windows, and stores readings (line protocol, the layout of libs/influx/src/schema.ts). */
  async ingest(n: number): Promise<IngestRecord[]> {
    const out: Array<{ device: FixtureDevice; record: IngestRecord }> = [];
    for (let i = 0; i < n; i++) {
      const device = this.devices[i % this.devices.length];
      const readings: Record<string, number | string> =
        device.type === 'ev-charger' ? { power_kw: 7.4 + (i % 5) / 10, status: i % 2 ? 'charging' : 'idle' } : { power_w: 1000 + i * 3.25, voltage_v: 230.1 };
      const signed = signMessage({ v: 1 as const, device: device.id, ts: Date.now() - 500 + i, seq: ++device.seq, readings }, privateKeyFromBase64(device.privateKey));
      out.push({ device, record: toIngestRecord(signed, this.service.clock.now()) });
    }
    // Committed in the same turn as rx was stamped, as the ingest's journal commit follows its
    // stamp: a slow InfluxDB write (a loaded machine) must not let the window be sealed first,
    // which would leave the records out as late. Sealing never reads InfluxDB.
    this.service.onAccepted(out.map((o) => ({ record: o.record })));
    this.written.push(...out);
    await this.writePoints(out.map((o) => ({ device: o.device, record: o.record })));
    return out.map((o) => o.record);
  }

  async writePoints(points: Array<{ device: FixtureDevice; record: IngestRecord }>): Promise<void> {
    const body = points.map((p) => lineOf(p.device, p.record)).join('\n');
    await this.influx.writeLines(body);
  }

  async query(q: string): Promise<void> {
    await this.influx.execute(q);
  }

  /** Waits until every record ingested so far is in an anchored batch. */
  async anchoredUpTo(rx: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.service.status();
      if (s.lastAnchored && s.lastAnchored.end > rx && s.backlog === 0) return;
      if (Date.now() > deadline) throw new Error(`not anchored within ${timeoutMs} ms: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private disposed = false;

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.service.stop();
    await this.influx.dropDatabase().catch(() => undefined);
    await this.registry.close();
    await this.store.close();
  }
}

export function lineOf(device: FixtureDevice, r: IngestRecord): string {
  const esc = (s: string) => s.replace(/[ ,=]/g, (c) => `\\${c}`);
  const fields = Object.entries(r.readings).map(([k, v]) => `${esc(k)}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  fields.push(`seq=${r.seq}i`, `rx=${r.rx}i`);
  if (r.sig !== null) fields.push(`sig="${r.sig}"`);
  return `${familyOf(device.type)},device=${esc(device.id)},site=${esc(device.site)},type=${esc(device.type)} ${fields.join(',')} ${r.ts}`;
}

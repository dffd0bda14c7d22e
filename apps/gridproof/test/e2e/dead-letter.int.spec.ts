/**
 * End to end: readings the ingest accepted (PUBACK) but InfluxDB then refused for good (a field
 * type conflict, HTTP 400) must not stall anchoring. The window is sealed with what InfluxDB
 * holds, the batch says how many readings are missing, and the good readings stay provable.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchRecord } from '@gridproof/anchor';
import { AuditReport, ProofBundle, verifyBundle } from '@gridproof/audit';
import { E2eApp, startE2eApp, waitFor } from './e2e-app';

jest.setTimeout(60_000);

describe('dead-lettered readings and anchoring', () => {
  let app: E2eApp;

  beforeAll(async () => {
    app = await startE2eApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('anchors the window without the readings InfluxDB refused, records how many, and keeps the good readings provable', async () => {
    const t0 = Date.now();
    // A point that makes voltage_v a string field in this shard: every later float voltage_v
    // point of the shard is refused with HTTP 400 (partial write: field type conflict).
    const seeded = await fetch(`${app.influxUrl}/write?db=${app.database}&precision=ms`, { method: 'POST', body: `energy,device=seed,site=x,type=smart-meter voltage_v="text" ${t0 - 60_000}` });
    expect(seeded.status).toBe(204);

    const good = await app.provision('meter-good', 'smart-meter');
    const bad = await app.provision('meter-bad', 'smart-meter');
    const n = 6;
    for (let seq = 1; seq <= n; seq++) {
      const ts = t0 - 10_000 + seq * 100;
      // Published together, so some InfluxDB writes hold both (a partially refused write).
      await Promise.all([good.publish(seq, ts, { power_w: 1000 + seq }), bad.publish(seq, ts, { power_w: 500, voltage_v: 230 + seq / 10 })]);
    }
    const published = Date.now();

    // Accepted (acknowledged) but refused by InfluxDB: kept in the dead-letter folder.
    const deadLetterDir = join(app.running.config.ingest.spoolDir, 'dead-letter');
    await waitFor('a dead-letter file', async () => readdirSync(deadLetterDir, { withFileTypes: true }).some((e) => e.isFile()) || null);

    // Without the dead-letter event anchoring would wait for the refused readings forever.
    await waitFor('the window of the readings to be anchored', async () => {
      const s = (await app.api<{ sealedUpTo: number; backlog: number; lastAnchored: { end: number } | null }>('/api/anchors/status')).body;
      return s.sealedUpTo > published && s.backlog === 0 && (s.lastAnchored?.end ?? 0) >= s.sealedUpTo;
    });

    const batches = (await app.api<BatchRecord[]>('/api/anchors?limit=1000')).body.filter((b) => b.end > t0);
    expect(batches.reduce((sum, b) => sum + b.deadLettered, 0)).toBe(n);
    const named = batches.flatMap((b) => b.deadLetters);
    expect(named.map((r) => `${r.device}#${r.seq}`).sort()).toEqual(Array.from({ length: n }, (_, i) => `meter-bad#${i + 1}`).sort());
    // The good readings, and the two devices' registrations (key events are leaves too).
    expect(batches.reduce((sum, b) => sum + b.count, 0)).toBe(n + 2);

    // The audit verifies what was anchored and shows the gap explicitly.
    const audit = await app.api<AuditReport>(`/api/audit?from=${t0}&to=${published + 1}`);
    expect(audit.status).toBe(200);
    expect(audit.body.failed).toBe(0);
    expect(audit.body.records).toBe(n);
    expect(audit.body.batches.reduce((sum, b) => sum + b.deadLettered.count, 0)).toBe(n);

    const rpcUrl = (await app.api<{ chain: { rpcUrl: string } }>('/api/anchors/status')).body.chain.rpcUrl;
    const proof = await app.api<ProofBundle>('/api/proofs?device=meter-good&seq=3');
    expect(proof.status).toBe(200);
    expect((await verifyBundle(proof.body, rpcUrl)).ok).toBe(true);
    expect((await app.api('/api/proofs?device=meter-bad&seq=3')).status).toBe(404);
  });
});

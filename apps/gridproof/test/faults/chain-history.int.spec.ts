import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { AnchorStatus, BatchRecord } from '@gridproof/anchor';
import type { AuditReport, ProofBundle } from '@gridproof/audit';
import { verifyBundle } from '@gridproof/audit';
import { SqlStore } from '@gridproof/store';
import { Cleanups } from '@gridproof/testing';
import { FaultRig, Qos1Load, startFaultRig, startQos1Load } from '../../../../libs/testing/src/faults/fault-rig';
import { metricSum, until } from '../../../../libs/testing/src/faults/gridproof-process';

jest.setTimeout(240_000);

const DEVICES = 3;

/**
 * Issue 15, "an embedded chain that keeps its history", against the real process (compiled from
 * the current sources, started like `npm start`) and its default embedded chain: SIGKILL and
 * restart keep every confirmed batch; a bundle exported before a restart verifies after it;
 * an edited root in the SQL store is never verified; a chain that lost its history is
 * re-anchored loudly, never silently.
 */
describe('the embedded chain keeps its history across restarts of GridProof', () => {
  const cleanups = new Cleanups();
  let rig: FaultRig;
  let load: Qos1Load;
  let confirmed: BatchRecord[];
  let bundle: ProofBundle;
  let from: number;

  const status = () => rig.app.get<AnchorStatus>('/api/anchors/status');
  const batches = () => rig.app.get<BatchRecord[]>('/api/anchors?limit=1000');
  /**
   * Audits the run so far, once the spool is empty: after a restart, the readings of unsealed
   * windows left in the leaf journal are written to InfluxDB again through the spool, and a batch
   * audited before they land there is missing records (a CI run failed that way once).
   */
  const audit = async () => {
    await until('the spool to be replayed into InfluxDB', async () => metricSum(await rig.app.metrics(), 'gridproof_spool_records') === 0, 60_000);
    return rig.app.get<AuditReport>(`/api/audit?from=${from}&to=${Date.now()}`);
  };
  const anchorHealth = async () => ((await rig.app.health()).components as Record<string, { status: string; detail?: string }>).anchor;
  const rpcUrl = () => `http://127.0.0.1:${rig.app.ports.chain}`;
  /** Waits until everything sealed so far is anchored and nothing is queued. */
  const settled = async (after: number) =>
    until('every sealed batch to be anchored', async () => {
      const s = await status();
      return s.sealedUpTo > after && s.backlog === 0 && (s.lastAnchored?.end ?? 0) >= s.sealedUpTo;
    }, 60_000);

  /** Runs SQL on the app's embedded store (PGlite) while the app is stopped, as an operator could. */
  async function editStore(statements: ReturnType<typeof sql>[]): Promise<void> {
    const store = await SqlStore.open({ kind: 'pglite', dir: join(rig.app.dataDir, 'pglite') });
    try {
      for (const s of statements) await store.db.execute(s);
    } finally {
      await store.close();
    }
  }

  beforeAll(async () => {
    rig = await startFaultRig({ name: 'chain', env: { GP_ANCHOR_INTERVAL_MS: '1000', GP_ANCHOR_SETTLE_MS: '200' } }, cleanups);
    from = Date.now() - 1;
    load = await startQos1Load(rig, 'chain', DEVICES, 4, cleanups);
  });
  afterAll(() => cleanups.run());

  it('SIGKILL during load, then restart: the chain still holds every batch it had confirmed, same transaction and block', async () => {
    await until('several batches anchored under load', async () => ((await status()).lastAnchored?.id ?? -1) >= 4, 60_000);
    confirmed = (await batches()).filter((b) => b.anchor);
    await rig.app.kill('SIGKILL');
    await rig.app.start();
    await until('anchoring to resume', async () => ((await status()).lastAnchored?.id ?? -1) > confirmed[0].id, 60_000);

    const after = new Map((await batches()).map((b) => [b.id, b]));
    for (const b of confirmed) {
      expect(after.get(b.id)?.anchor).toMatchObject({ txHash: b.anchor!.txHash, blockNumber: b.anchor!.blockNumber, blockHash: b.anchor!.blockHash, blockTimestamp: b.anchor!.blockTimestamp });
    }
    const s = await status();
    expect(s.history.reanchoredBatches).toBe(0);
    expect(s.history.reanchorEvents).toEqual([]);
    expect(s.history.storeMismatches.count).toBe(0);
    expect(s.history.startupCheck?.batches).toBeGreaterThanOrEqual(confirmed.length);
  });

  it('a bundle exported before a restart verifies after it, against the same embedded chain', async () => {
    await Promise.all(load.publishers.map((p) => p.drain()));
    const published = Date.now();
    await settled(published);
    const device = load.publishers[0].device.id;
    bundle = await rig.app.get<ProofBundle>(`/api/proofs?device=${device}&seq=3`);
    expect(bundle.chain.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
    const before = await verifyBundle(bundle, rpcUrl());
    expect(before.checks.filter((c) => !c.ok)).toEqual([]);
    expect(before.anchoringDelaySeconds).toBeGreaterThan(0);
    expect(before.warnings.join('\n')).toMatch(/chain id 31337 is a development chain/);

    await rig.app.stop();
    await rig.app.start();
    const after = await verifyBundle(bundle, rpcUrl());
    expect(after.checks.filter((c) => !c.ok)).toEqual([]);
    expect(after.ok).toBe(true);
    // Named, so a failure says which batch and why.
    expect((await audit()).batches.filter((b) => !b.verified).map((b) => ({ batchId: b.batchId, problems: b.problems, count: b.count }))).toEqual([]);
  });

  it('a root edited in the SQL store (and the next prevRoot) with the app stopped is never verified; the earlier bundle still verifies', async () => {
    const victim = bundle.batch.id;
    const forged = 'ab'.repeat(32);
    await rig.app.stop();
    await editStore([sql`update anchor_batches set root = ${forged} where id = ${victim}`, sql`update anchor_batches set prev_root = ${forged} where id = ${victim + 1}`]);
    await rig.app.start();
    await until('the start-up check', async () => (await status()).history.startupCheck !== null, 60_000);

    const report = await audit();
    const edited = report.batches.find((b) => b.batchId === victim)!;
    expect(edited.verified).toBe(false);
    expect(edited.problems).toContain('the store records a different root than the chain');
    expect(report.batches.find((b) => b.batchId === victim + 1)?.verified).toBe(false);

    const s = await status();
    expect(s.history.storeMismatches.batches).toEqual(expect.arrayContaining([victim, victim + 1]));
    expect(s.history.reanchorEvents).toEqual([]);
    expect(metricSum(await rig.app.metrics(), 'gridproof_anchor_store_mismatch_batches')).toBeGreaterThanOrEqual(2);
    const health = await anchorHealth();
    expect(health.status).toBe('degraded');
    expect(health.detail).toMatch(/differ from the chain/);

    const verified = await verifyBundle(bundle, rpcUrl());
    expect(verified.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a chain that lost its history is re-anchored loudly: recorded, counted, and reported as re-anchored by audit and verify', async () => {
    await rig.app.stop();
    // The chain loses its state (its journal is gone) while the store still holds the edited
    // root of the test before: re-anchoring must not pass that root off as history either.
    rmSync(join(rig.app.dataDir, 'chain'), { recursive: true, force: true });
    await rig.app.start();
    await until('the re-anchoring to finish', async () => {
      const s = await status();
      return s.history.reanchorEvents.length > 0 && s.backlog === 0 && (s.lastAnchored?.id ?? -1) > bundle.batch.id;
    }, 60_000);

    const s = await status();
    expect(s.history.reanchorEvents[0]).toMatchObject({ reason: 'contract_missing', fromBatch: 0 });
    expect(s.history.reanchoredBatches).toBeGreaterThan(bundle.batch.id);
    expect(metricSum(await rig.app.metrics(), 'gridproof_anchor_reanchored_batches')).toBe(s.history.reanchoredBatches);
    const health = await anchorHealth();
    expect(health.status).toBe('degraded');
    expect(health.detail).toMatch(/re-anchoring event/);

    const report = await audit();
    const reanchored = report.batches.find((b) => b.batchId === bundle.batch.id)!;
    expect(reanchored.verified).toBe(false);
    expect(reanchored.reanchored[0]).toMatchObject({ reason: 'contract_missing', lost: { txHash: bundle.chain.txHash, blockHash: bundle.chain.blockHash } });
    expect(reanchored.problems.join('\n')).toMatch(/RE-ANCHORED: the chain lost this batch's anchoring .* anchored again on \d{4}-/);

    const verified = await verifyBundle(bundle, rpcUrl());
    expect(verified.ok).toBe(false);
    expect(verified.checks.find((c) => c.name === 'transaction')?.detail).toMatch(/RE-ANCHORED at \d{4}-\d\d-\d\dT/);
  });
});

import { sql } from 'drizzle-orm';
import { EmbeddedChain, keyEventLeaf, rootFromPath } from '@gridproof/anchor';
import { generateDeviceKeyPair, IngestRecord } from '@gridproof/telemetry';
import { AuditFixture } from './testing/audit-fixture';
import { VerificationReport, verifyBundle } from './verify-bundle';

/**
 * Issue 15: key events are leaves of the log, so an operator cannot swap a key without it
 * showing. Real PGlite registry, real InfluxDB, the embedded chain; the anchoring service logs
 * the registry's key events as the app wires it.
 */
describe('key events as leaves of the log', () => {
  let chain: EmbeddedChain | null = null;
  let f: AuditFixture;
  let from: number;

  const keyCheck = (r: VerificationReport) => r.checks.filter((c) => c.name === 'keyEvent');
  const ingestOf = async (device: string, n: number): Promise<IngestRecord[]> => {
    const out: IngestRecord[] = [];
    while (out.length < n) out.push(...(await f.ingest(3)).filter((r) => r.device === device));
    return out;
  };
  const settle = async (records: IngestRecord[]) => f.anchoredUpTo(Math.max(...records.map((r) => r.rx)) + 1);
  const execute = (q: ReturnType<typeof sql>) => f.store.db.execute(q);

  beforeAll(async () => {
    f = await AuditFixture.start(async () => (chain = await EmbeddedChain.start({ rpcPort: 0 })));
    from = 0;
  }, 120_000);

  afterAll(async () => {
    await f?.dispose();
    await chain?.close();
  });

  it('proves a reading made before a key rotation with the registration, and one after with the rotation, each an anchored key event', async () => {
    const before = await ingestOf('dev-0', 1);
    const rotatedTo = generateDeviceKeyPair();
    const oldKey = f.devices[0].publicKey;
    await f.registry.update('dev-0', { publicKey: rotatedTo.publicKey });
    Object.assign(f.devices[0], rotatedTo);
    const after = await ingestOf('dev-0', 1);
    await settle([...before, ...after]);

    const early = await f.proofs.proof('dev-0', { seq: before[0].seq });
    expect(early.device.publicKey).toBe(oldKey);
    expect(early.keyEvent!.record).toMatchObject({ kind: 'key-event', device: 'dev-0', event: 'registered', publicKey: oldKey });
    // The inclusion proof is an RFC 6962 audit path to the head of the batch that logged the event.
    const k = early.keyEvent!;
    expect(rootFromPath(keyEventLeaf(k.record), k.leafIndex, k.batch.treeSize, k.path.map((h) => Buffer.from(h, 'hex')))!.toString('hex')).toBe(k.batch.root);
    const report = await verifyBundle(early, chain!.rpcUrl!);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(keyCheck(report).map((c) => c.ok)).toEqual([true, true]);
    expect(report.warnings.filter((w) => w.includes('key event'))).toEqual([]);

    const late = await f.proofs.proof('dev-0', { seq: after[0].seq });
    expect(late.keyEvent!.record).toMatchObject({ event: 'rotated', publicKey: rotatedTo.publicKey });
    expect((await verifyBundle(late, chain!.rpcUrl!)).ok).toBe(true);

    // Another device's key event, or none, does not do.
    const ofDev1 = await ingestOf('dev-1', 1);
    await settle(ofDev1);
    const other = await f.proofs.proof('dev-1', { seq: ofDev1[0].seq });
    const borrowed = await verifyBundle({ ...late, keyEvent: other.keyEvent }, chain!.rpcUrl!);
    expect(keyCheck(borrowed)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/does not come from an anchored key event.*of dev-1/) });
    const { keyEvent: _dropped, ...without } = late;
    expect(keyCheck(await verifyBundle(without, chain!.rpcUrl!))[0]).toMatchObject({ ok: false, detail: expect.stringContaining('carries no key event') });

    // The audit rebuilds each batch from InfluxDB's records and SQL's key events: all verify.
    const audit = await f.audit.audit(from, Date.now());
    expect(audit.failed).toBe(0);
    expect(audit.keyHistory).toMatchObject({ altered: [], missingFromLog: [], notInSql: [], unlogged: [], verified: true });
    expect(audit.keyHistory.checked).toBeGreaterThanOrEqual(4); // three registrations and the rotation
  }, 60_000);

  it("names a key event whose public key was changed in SQL, and fails a bundle of the forger's reading made with that history", async () => {
    const genuine = await ingestOf('dev-1', 1);
    await settle(genuine);
    const [registration] = await f.registry.keyHistory('dev-1');
    expect(registration.event).toBe('registered');
    const honest = await f.proofs.proof('dev-1', { seq: genuine[0].seq });
    expect((await verifyBundle(honest, chain!.rpcUrl!)).ok).toBe(true);

    // An operator with database access swaps dev-1's registered key for one they hold, and
    // makes a reading with it that the ingest (reading the same SQL store) accepts and logs.
    const forger = generateDeviceKeyPair();
    const realKeys = { publicKey: f.devices[1].publicKey, privateKey: f.devices[1].privateKey };
    await execute(sql`update device_key_events set public_key = ${forger.publicKey} where id = ${registration.id}`);
    try {
      Object.assign(f.devices[1], forger);
      const forged = await ingestOf('dev-1', 1);
      await settle(forged);

      const report = await f.audit.audit(from, Date.now());
      expect(report.keyHistory.altered.map((e) => ({ id: e.id, device: e.device }))).toEqual([{ id: registration.id, device: 'dev-1' }]);
      expect(report.keyHistory.verified).toBe(false);
      // The batch that logged the registration is named; dev-1's genuine readings now fail their
      // signature check against the swapped key as well.
      const named = report.batches.filter((b) => b.keyEvents.altered.length);
      expect(named.map((b) => ({ verified: b.verified, altered: b.keyEvents.altered.map((e) => e.id) }))).toEqual([{ verified: false, altered: [registration.id] }]);
      expect(named[0].problems.join(' ')).toContain('the SQL key history differs from the log');

      // Signed with the key SQL now shows, included in the log, anchored: only the key event gives it away.
      const bundle = await f.proofs.proof('dev-1', { seq: forged[0].seq });
      expect(bundle.device.publicKey).toBe(forger.publicKey);
      const verdict = await verifyBundle(bundle, chain!.rpcUrl!);
      expect(verdict.ok).toBe(false);
      expect(verdict.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['keyEvent']);
      expect(keyCheck(verdict)[0].detail).toMatch(/does not come from an anchored key event.*audit path/);
      // And the earlier genuine reading's bundle, made from the tampered history, fails too.
      expect(keyCheck(await verifyBundle(await f.proofs.proof('dev-1', { seq: genuine[0].seq }), chain!.rpcUrl!))[0].ok).toBe(false);
    } finally {
      await execute(sql`update device_key_events set public_key = ${realKeys.publicKey} where id = ${registration.id}`);
      Object.assign(f.devices[1], realKeys);
    }
  }, 60_000);

  it('names a key event added to SQL behind the log, and one deleted from SQL', async () => {
    const [registration] = await f.registry.keyHistory('dev-2');
    const backdated = registration.at + 1;
    const res = await execute(
      sql`insert into device_key_events (device_id, event, public_key, require_signature, at) values ('dev-2', 'rotated', ${generateDeviceKeyPair().publicKey}, true, ${new Date(backdated).toISOString()}) returning id`,
    );
    const inserted = Number(((res as unknown as { rows: Array<{ id: number | string }> }).rows ?? res)[0].id);
    await execute(sql`delete from device_key_events where id = ${registration.id}`);
    try {
      const report = await f.audit.audit(from, Date.now());
      expect(report.keyHistory.unlogged.map((e) => e.id)).toEqual([inserted]);
      expect(report.keyHistory.notInSql.map((e) => ({ id: e.id, device: e.device }))).toEqual([{ id: registration.id, device: 'dev-2' }]);
      expect(report.keyHistory.verified).toBe(false);
    } finally {
      await execute(sql`delete from device_key_events where id = ${inserted}`);
      await execute(
        sql`insert into device_key_events (id, device_id, event, public_key, require_signature, at, rx) values (${registration.id}, 'dev-2', 'registered', ${registration.publicKey}, true, ${new Date(registration.at).toISOString()}, ${registration.rx})`,
      );
    }
    expect((await f.audit.audit(from, Date.now())).keyHistory.verified).toBe(true);
  }, 60_000);
});

describe('key history recorded before key events were logged', () => {
  let chain: EmbeddedChain | null = null;
  let f: AuditFixture;

  beforeAll(async () => {
    f = await AuditFixture.start(async () => (chain = await EmbeddedChain.start({ rpcPort: 0 })), { keyEvents: 'import' });
  }, 120_000);

  afterAll(async () => {
    await f?.dispose();
    await chain?.close();
  });

  it('is committed to the log once at start, and bundles say the key is vouched for only since then', async () => {
    const history = await f.registry.keyHistory('dev-0');
    expect(history).toHaveLength(1);
    expect(history[0].rx).toBeGreaterThan(history[0].at);
    // A second start imports nothing: an event found without rx later is named, never logged.
    expect(await f.service.importKeyHistory(f.registry)).toBe(0);

    const [reading] = (await f.ingest(3)).filter((r) => r.device === 'dev-0');
    await f.anchoredUpTo(reading.rx + 1);
    const bundle = await f.proofs.proof('dev-0', { seq: reading.seq });
    expect(bundle.keyEvent!.record).toMatchObject({ event: 'registered', at: history[0].at, rx: history[0].rx });
    const report = await verifyBundle(bundle, chain!.rpcUrl!);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.warnings.some((w) => w.includes('history imported when key events began to be logged'))).toBe(true);
    const audit = await f.audit.audit(0, Date.now());
    expect(audit.failed).toBe(0);
    expect(audit.keyHistory.verified).toBe(true);
  }, 60_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { repoRoot } from '@gridproof/testing';
import { ChainPort, leafHash, MerkleFrontier, openChainVerifier } from '@gridproof/anchor';
import { generateDeviceKeyPair, jcs } from '@gridproof/telemetry';
import { IngestRecord } from '@gridproof/telemetry';
import { AuditFixture, lineOf } from './testing/audit-fixture';
import { verifyBundle } from './verify-bundle';

export interface ChainVariant {
  name: string;
  /** Opens the chain the anchoring service writes to. */
  open(): Promise<ChainPort>;
  /** A JSON-RPC URL of the same chain for the standalone verifier. */
  verifierUrl(): string;
  chainId: number;
  close(): Promise<void>;
}

const ref = (r: Pick<IngestRecord, 'device' | 'seq'>) => ({ device: r.device, seq: r.seq });

/**
 * The audit and proof behaviours of issue 6, run against each chain (embedded and JSON-RPC):
 * one InfluxDB row changed, deleted or injected is named by the audit; a proof bundle verifies
 * with only the chain left running; any flipped bit of a bundle fails.
 */
export function auditScenarios(variant: () => ChainVariant): void {
  let chain: ChainVariant;
  let f: AuditFixture;
  let records: IngestRecord[];
  let from: number;
  let to: number;

  beforeAll(async () => {
    chain = variant();
    f = await AuditFixture.start(() => chain.open());
    from = f.service.clock.now() - 1;
    records = await f.ingest(12);
    await new Promise((r) => setTimeout(r, 300));
    records.push(...(await f.ingest(9)));
    to = Math.max(...records.map((r) => r.rx)) + 1;
    await f.anchoredUpTo(to);
  }, 120_000); // the chain, the registry (one scrypt hash per device) and two anchored windows

  afterAll(async () => {
    await f?.dispose();
    await chain?.close();
  });

  const entry = (r: IngestRecord) => f.written.find((w) => w.record === r)!;

  it('verifies every batch of an untouched period', async () => {
    const report = await f.audit.audit(from, to);
    expect(report.batches.length).toBeGreaterThanOrEqual(2);
    expect(report.failed).toBe(0);
    expect(report.records).toBe(records.length);
    // Every record's signature was checked against its device's key, none is off.
    expect(report.batches.reduce((n, b) => n + b.signatures!.checked, 0)).toBe(records.length);
    expect(report.batches.flatMap((b) => [...b.signatures!.invalid, ...b.signatures!.unsigned, ...b.signatures!.noKey])).toEqual([]);
    expect(report.sequences).toMatchObject({ devices: 3, missingSeqs: 0, gaps: [], reordered: [], deadLettered: 0 });
  });

  it('names the record whose stored row had one field changed', async () => {
    const victim = records[4];
    const w = entry(victim);
    const [metric, value] = Object.entries(victim.readings).find(([, v]) => typeof v === 'number')!;
    await f.writePoints([{ device: w.device, record: { ...victim, readings: { ...victim.readings, [metric]: (value as number) + 0.5 } } }]);
    try {
      const report = await f.audit.audit(from, to);
      const failed = report.batches.filter((b) => !b.verified);
      expect(failed).toHaveLength(1);
      expect(failed[0].altered.map((r) => ({ device: r.device, seq: r.seq }))).toEqual([ref(victim)]);
      expect(failed[0].missing).toEqual([]);
      expect(failed[0].injected).toEqual([]);
    } finally {
      await f.writePoints([w]);
    }
    expect((await f.audit.audit(from, to)).failed).toBe(0);
  });

  it('names a deleted row as missing', async () => {
    const victim = records[7];
    const w = entry(victim);
    await f.query(`DELETE FROM "${lineOf(w.device, victim).split(',')[0]}" WHERE "device" = '${victim.device}' AND time >= ${victim.ts}ms AND time <= ${victim.ts}ms`);
    try {
      const report = await f.audit.audit(from, to);
      const failed = report.batches.filter((b) => !b.verified);
      expect(failed).toHaveLength(1);
      expect(failed[0].missing.map((r) => ({ device: r.device, seq: r.seq }))).toEqual([ref(victim)]);
      expect(failed[0].altered).toEqual([]);
      expect(failed[0].injected).toEqual([]);
    } finally {
      await f.writePoints([w]);
    }
    expect((await f.audit.audit(from, to)).failed).toBe(0);
  });

  it('names an inserted row as injected', async () => {
    const model = entry(records[15]);
    const fake: IngestRecord = { ...model.record, seq: 9_999, ts: model.record.ts + 3, sig: null };
    await f.writePoints([{ device: model.device, record: fake }]);
    try {
      const report = await f.audit.audit(from, to);
      const failed = report.batches.filter((b) => !b.verified);
      expect(failed).toHaveLength(1);
      expect(failed[0].injected.map((r) => ({ device: r.device, seq: r.seq }))).toEqual([ref(fake)]);
      expect(failed[0].altered).toEqual([]);
      expect(failed[0].missing).toEqual([]);
      // Unsigned from a device that must sign, and a jump in its device's seq.
      expect(failed[0].signatures!.unsigned.map(ref)).toEqual([ref(fake)]);
      expect(report.sequences.gaps).toContainEqual({ device: fake.device, after: expect.any(Number), next: 9_999 });
    } finally {
      await f.query(`DELETE FROM "${lineOf(model.device, fake).split(',')[0]}" WHERE "device" = '${fake.device}' AND time >= ${fake.ts}ms AND time <= ${fake.ts}ms`);
    }
  });

  it('never anchors a row forged into InfluxDB before its window is sealed, and names it injected', async () => {
    const since = f.service.clock.now();
    const genuine = await f.ingest(4);
    // Written straight to InfluxDB with an rx inside the still open window, as an operator with
    // database access could: the ingest never accepted it, so it was never committed.
    const model = entry(genuine[1]);
    const forged: IngestRecord = { ...model.record, seq: 8_888, ts: model.record.ts + 1, rx: f.service.clock.now(), sig: null };
    await f.writePoints([{ device: model.device, record: forged }]);
    const until = Math.max(forged.rx, ...genuine.map((r) => r.rx)) + 1;
    await f.anchoredUpTo(until);
    try {
      const batches = await f.repo.batchesOverlapping(since, until);
      expect(batches.reduce((n, b) => n + b.count, 0)).toBe(genuine.length);
      const leaves = (await Promise.all(batches.map((b) => f.repo.leaves(b.id)))).flat();
      expect(leaves.map((l) => `${l!.device}#${l!.seq}`)).not.toContain(`${forged.device}#${forged.seq}`);
      const report = await f.audit.audit(since, until);
      const failed = report.batches.filter((b) => !b.verified);
      expect(failed).toHaveLength(1);
      expect(failed[0].injected.map(ref)).toEqual([ref(forged)]);
      expect(failed[0].altered).toEqual([]);
      expect(failed[0].missing).toEqual([]);
    } finally {
      await f.query(`DELETE FROM "${lineOf(model.device, forged).split(',')[0]}" WHERE "device" = '${forged.device}' AND time >= ${forged.ts}ms AND time <= ${forged.ts}ms`);
    }
  });

  it('offers a consistency proof from a bundle\'s head to the latest head, which the verifier checks', async () => {
    const target = records[2];
    const bundle = await f.proofs.proof(target.device, { seq: target.seq }, { consistencyTo: 'latest' });
    expect(bundle.consistency!.treeSize).toBeGreaterThan(bundle.batch.treeSize);
    const report = await verifyBundle(bundle, chain.verifierUrl());
    expect(report.checks.filter((c) => c.name === 'consistency').map((c) => c.ok)).toEqual([true, true]);
    expect(report.ok).toBe(true);
    // A proof that does not fit the heads fails visibly.
    const bent = { ...bundle, consistency: { ...bundle.consistency!, proof: [...bundle.consistency!.proof].reverse() } };
    if (bent.consistency.proof.length > 1) expect((await verifyBundle(bent, chain.verifierUrl())).ok).toBe(false);
    const shorter = { ...bundle, consistency: { ...bundle.consistency!, treeSize: bundle.consistency!.treeSize - 1 } };
    expect((await verifyBundle(shorter, chain.verifierUrl())).ok).toBe(false);
  });

  it('exports every leaf of a batch, from which the tree head on chain is recomputed without InfluxDB', async () => {
    const batch = (await f.repo.batchesOverlapping(from, to)).find((b) => b.count > 1)!;
    const exported = JSON.parse(JSON.stringify(await f.exports.exportBatch(batch.id))) as Awaited<ReturnType<typeof f.exports.exportBatch>>;
    expect(exported.entries).toHaveLength(batch.count);
    expect(exported.entries.every((e) => e.stored === 'ok')).toBe(true);
    // What an auditor does with the file alone: the previous head's frontier, then each leaf.
    const log = MerkleFrontier.from(exported.previous.treeSize, exported.previous.frontier.map((h) => Buffer.from(h, 'hex')));
    for (const e of exported.entries) {
      const leaf = leafHash(jcs(e.record));
      expect(leaf.toString('hex')).toBe(e.leaf);
      log.append(leaf);
    }
    const onChain = await f.service.currentChain()!.getBatch(batch.id);
    expect({ size: log.size, root: log.root().toString('hex') }).toEqual({ size: onChain!.count, root: onChain!.root });
  });

  it('checks the RFC 6962 consistency of every anchored head with the one before', async () => {
    const report = await f.audit.audit(from, to);
    const later = report.batches.filter((b) => b.batchId > 0);
    expect(later.length).toBeGreaterThan(0);
    for (const b of later) expect(b.consistency).toMatchObject({ verified: true });
    expect(report.batches.some((b) => (b.consistency?.proofLength ?? 0) > 0)).toBe(true);
  });

  it('flags a stored record whose signature does not verify with the key valid at its receive time', async () => {
    const victim = records[5];
    const w = entry(victim);
    const other = records.find((r) => r.device === victim.device && r.seq !== victim.seq)!;
    await f.writePoints([{ device: w.device, record: { ...victim, sig: other.sig } }]);
    try {
      const report = await f.audit.audit(from, to);
      const failed = report.batches.filter((b) => !b.verified);
      expect(failed).toHaveLength(1);
      expect(failed[0].signatures!.invalid.map(ref)).toEqual([ref(victim)]);
      expect(failed[0].altered.map(ref)).toEqual([ref(victim)]);
    } finally {
      await f.writePoints([w]);
    }
  });

  it('proves readings made before a key rotation and before a device deletion with the key they were signed with', async () => {
    const rotated = records.find((r) => r.device === 'dev-0')!;
    const deleted = records.find((r) => r.device === 'dev-2')!;
    const before = { rotated: (await f.proofs.proof(rotated.device, { seq: rotated.seq })).device.publicKey, deleted: (await f.proofs.proof(deleted.device, { seq: deleted.seq })).device.publicKey };
    await f.registry.update('dev-0', { publicKey: generateDeviceKeyPair().publicKey });
    await f.registry.delete('dev-2');
    const afterRotation = await f.proofs.proof(rotated.device, { seq: rotated.seq });
    const afterDeletion = await f.proofs.proof(deleted.device, { seq: deleted.seq });
    expect(afterRotation.device.publicKey).toBe(before.rotated);
    expect(afterDeletion.device.publicKey).toBe(before.deleted);
    for (const bundle of [afterRotation, afterDeletion]) {
      const report = await verifyBundle(bundle, chain.verifierUrl());
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    }
    // The registry's history keeps every key with its validity.
    expect((await f.registry.keyHistory('dev-0')).map((e) => e.event)).toEqual(['registered', 'rotated']);
    expect((await f.registry.keyHistory('dev-2')).map((e) => e.event)).toEqual(['registered', 'deleted']);
    // And the bulk audit still checks the earlier readings against their own keys.
    const report = await f.audit.audit(from, to);
    expect(report.failed).toBe(0);
  });

  it('exports a bundle that verifies with only the chain running, and fails with any one bit flipped', async () => {
    const target = records[10];
    const bundle = await f.proofs.proof(target.device, { seq: target.seq });
    expect(bundle.record).toEqual(target);
    // The published JSON Schema (docs/proof-bundle.schema.json) accepts what the service writes.
    const jsonSchema = JSON.parse(readFileSync(join(repoRoot(), 'docs', 'proof-bundle.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(jsonSchema);
    expect(validate(JSON.parse(JSON.stringify(bundle)))).toBe(true);
    // Only the chain stays up: the anchoring service, the SQL store and the InfluxDB database go.
    await f.dispose();
    const report = await verifyBundle(bundle, chain.verifierUrl());
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);

    const text = Buffer.from(JSON.stringify(bundle, null, 2));
    const verifier = await openChainVerifier(chain.verifierUrl());
    const accepted: string[] = [];
    try {
      for (let i = 0; i < text.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const flipped = Buffer.from(text);
          flipped[i] ^= 1 << bit;
          let parsed: unknown;
          try {
            parsed = JSON.parse(flipped.toString('utf8'));
          } catch {
            continue; // not even JSON: rejected before any check
          }
          if ((await verifyBundle(parsed, verifier)).ok) accepted.push(`byte ${i} bit ${bit}: ${text.toString('utf8', Math.max(0, i - 20), i + 5)}`);
        }
      }
    } finally {
      verifier.close();
    }
    expect(accepted).toEqual([]);
  });
}

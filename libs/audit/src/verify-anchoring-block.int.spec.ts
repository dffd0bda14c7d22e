import { EmbeddedChain } from '@gridproof/anchor';
import { AuditFixture } from './testing/audit-fixture';
import { verifyBundle } from './verify-bundle';

/**
 * Issue 15: bundles pin the anchoring block (hash and timestamp); verify checks both, reports
 * the anchoring delay, and warns on a development chain and on a batch anchored long after its
 * window (a queue through an outage, or a re-anchoring).
 */
describe('verify and the anchoring block', () => {
  let chain: EmbeddedChain;
  let f: AuditFixture;

  beforeAll(async () => {
    chain = await EmbeddedChain.start({ rpcPort: 0 });
    f = await AuditFixture.start(async () => chain);
  });
  afterAll(async () => {
    await f?.dispose();
    await chain?.close();
  });

  it('reports the delay from receipt to block, warns when anchoring came hours after the window, and fails a bundle whose block hash or time was changed', async () => {
    // The chain's clock runs three hours ahead: as if the batch had waited that long to be anchored.
    await chain.send('evm_increaseTime', [10_800]);
    const records = await f.ingest(3);
    await f.anchoredUpTo(Math.max(...records.map((r) => r.rx)));
    const bundle = await f.proofs.proof(records[1].device, { seq: records[1].seq });

    const report = await verifyBundle(bundle, chain.rpcUrl!);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.anchoringDelaySeconds).toBeGreaterThan(10_799);
    expect(report.anchoringDelaySeconds).toBeLessThan(10_860);
    expect(report.warnings.join('\n')).toMatch(/chain id 31337 is a development chain/);
    expect(report.warnings.join('\n')).toMatch(/anchored 3\.0 h after its window closed/);

    const otherTime = await verifyBundle({ ...bundle, chain: { ...bundle.chain, blockTimestamp: bundle.chain.blockTimestamp - 7_200 } }, chain.rpcUrl!);
    expect(otherTime.ok).toBe(false);
    expect(otherTime.checks.find((c) => c.name === 'transaction')?.ok).toBe(false);
    const otherHash = await verifyBundle({ ...bundle, chain: { ...bundle.chain, blockHash: `0x${'cd'.repeat(32)}` } }, chain.rpcUrl!);
    expect(otherHash.checks.find((c) => c.name === 'transaction')?.detail).toMatch(/RE-ANCHORED/);
  });
});

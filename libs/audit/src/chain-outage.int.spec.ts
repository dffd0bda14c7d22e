import { EMBEDDED_CHAIN_ID, EMBEDDED_DEV_KEY, JsonRpcChain, OnChainBatch } from '@gridproof/anchor';
import { freePort, HardhatNode, startHardhatNode, TcpProxy } from '@gridproof/testing';
import { AuditFixture } from './testing/audit-fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// A restarted `hardhat node` forgets its chain, so the outage is a TCP proxy in front of it
// that refuses connections for a while: the chain keeps its state, the service cannot reach it.
describe('anchoring through a chain outage', () => {
  let node: HardhatNode;
  let proxy: TcpProxy;
  let chain: JsonRpcChain;
  let f: AuditFixture;

  beforeAll(async () => {
    node = await startHardhatNode();
    proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: node.port });
    await proxy.start();
    chain = JsonRpcChain.create({ url: proxy.url, privateKey: EMBEDDED_DEV_KEY, chainId: EMBEDDED_CHAIN_ID, pollMs: 20, requestTimeoutMs: 2_000 });
    f = await AuditFixture.start(async () => chain);
  });

  afterAll(async () => {
    await f?.dispose();
    await chain?.close();
    await proxy?.stop();
    await node?.stop();
  });

  it('queues batches while the chain is unreachable and anchors them in order, with no gap, once it is back', async () => {
    const from = f.service.clock.now() - 1;
    const before = await f.ingest(5);
    await f.anchoredUpTo(Math.max(...before.map((r) => r.rx)));

    await proxy.stop();
    const during = [];
    for (let i = 0; i < 3; i++) {
      during.push(...(await f.ingest(4)));
      await sleep(300);
    }
    await until('batches to queue while the chain is down', () => f.service.status().backlog >= 3 && !f.service.status().chain.reachable);
    const queued = f.service.status().backlog;

    await proxy.start();
    const lastRx = Math.max(...during.map((r) => r.rx));
    await f.anchoredUpTo(lastRx);
    expect(f.service.status().chain.reachable).toBe(true);

    const lastId = f.service.status().lastAnchored!.id;
    expect(lastId).toBeGreaterThanOrEqual(queued);
    expect(await chain.nextBatchId()).toBe(lastId + 1);
    let prev: OnChainBatch | null = null;
    for (let id = 0; id <= lastId; id++) {
      const b = await chain.getBatch(id);
      expect(b).not.toBeNull();
      if (prev) {
        expect(b!.start).toBe(prev.end);
        expect(b!.prevRoot).toBe(prev.root);
      } else {
        expect(b!.prevRoot).toBe('00'.repeat(32));
      }
      prev = b;
    }
    const report = await f.audit.audit(from, lastRx + 1);
    expect(report.failed).toBe(0);
    expect(report.records).toBe(before.length + during.length);
  });
});

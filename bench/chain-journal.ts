/**
 * `npm run bench:chain-journal`: what keeping the embedded chain's history costs. Anchors
 * BENCH_BATCHES batches on the embedded chain with its journal (each block fsynced before it is
 * acknowledged) and, for comparison, in memory only; then restarts the journaled chain
 * (re-creating every block, each hash checked) and reads every batch back as the anchoring
 * service's start-up check does. Prints per-batch anchoring time, journal bytes per block,
 * restart time and check time; figures go to docs/anchoring.md by hand, with this command.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchAnchor, EmbeddedChain } from '@gridproof/anchor';
import { fmt, machineReport, table } from './lib/report';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 2_000);
const ZERO = '00'.repeat(32);
const root = (n: number) => n.toString(16).padStart(64, '0');
const batch = (id: number): BatchAnchor => ({ batchId: id, root: root(id + 1), prevRoot: id === 0 ? ZERO : root(id), count: 1_000, start: 60_000 * id, end: 60_000 * (id + 1) });

async function anchorAll(chain: EmbeddedChain): Promise<number> {
  await chain.deploy();
  const t0 = process.hrtime.bigint();
  for (let id = 0; id < BATCHES; id++) await chain.anchor(batch(id), { confirmations: 1, dropTimeoutMs: 30_000 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  console.log(machineReport());
  console.log(`workload: ${fmt(BATCHES)} anchor transactions on the embedded chain (one block each), then a restart`);
  const dir = mkdtempSync(join(tmpdir(), 'gp-bench-chain-'));
  try {
    const path = join(dir, 'chain', 'embedded-chain.jsonl');
    const memory = await EmbeddedChain.start({ rpcPort: null });
    const memoryMs = await anchorAll(memory);
    await memory.close();

    const journaled = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    const journaledMs = await anchorAll(journaled);
    const address = journaled.contractAddress!;
    await journaled.close();

    const t0 = Date.now();
    const restored = await EmbeddedChain.start({ rpcPort: null, journalPath: path });
    const restartMs = Date.now() - t0;
    restored.use(address);
    const c0 = Date.now();
    for (let id = 0; id < BATCHES; id++) if (!(await restored.getBatch(id))) throw new Error(`batch ${id} lost`);
    const checkMs = Date.now() - c0;
    const r = restored.restore!;
    await restored.close();

    console.log(
      table(
        ['measure', 'value'],
        [
          ['anchor, in memory (ms per batch)', (memoryMs / BATCHES).toFixed(2)],
          ['anchor, journaled + fsync (ms per batch)', (journaledMs / BATCHES).toFixed(2)],
          ['journal size (bytes per block)', Math.round(r.journalBytes / r.replayedBlocks)],
          ['journal size (MB per year of one-minute batches)', ((r.journalBytes / r.replayedBlocks) * 525_600 / 1e6).toFixed(0)],
          [`restart: blocks replayed`, fmt(r.replayedBlocks)],
          ['restart: total (ms)', restartMs],
          ['restart: replay (ms per block)', (r.replayMs / r.replayedBlocks).toFixed(3)],
          ['restart, extrapolated to a year of one-minute batches (s)', ((r.replayMs / r.replayedBlocks) * 525_600 / 1000).toFixed(0)],
          ['start-up check: getBatch (ms per batch)', (checkMs / BATCHES).toFixed(3)],
        ],
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Exports the detection evaluation fleet (bench/detect-eval.fleet.yaml) to firmware-sim CSV:
 *   node dist/bench/detect-export.js --seed 1 --out /tmp/detect-eval/seed-1
 * The same fleet, seed and period always give the same files.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportCsv, loadFleet } from '@gridproof/firmware-sim';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      // The build copies the fleet file next to this script (swc --copy-files).
      fleet: { type: 'string', default: join(__dirname, 'detect-eval.fleet.yaml') },
      from: { type: 'string', default: '2025-05-01T00:00:00Z' },
      to: { type: 'string', default: '2025-05-29T00:00:00Z' },
    },
  });
  if (!values.seed || !values.out) throw new Error('usage: detect-export --seed N --out DIR [--fleet FILE] [--from ISO] [--to ISO]');
  const t0 = performance.now();
  const r = await exportCsv({ fleet: loadFleet(values.fleet!), from: values.from!, to: values.to!, seed: Number(values.seed), outDir: values.out });
  process.stdout.write(`seed ${values.seed}: ${JSON.stringify(r.rows)} rows, ${r.labels.length} faults → ${r.outDir} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { apiClientFor, CliIo, processIo, withApiOptions } from '@gridproof/api-client';
import type { AuditReport, BatchExport, ProofBundle } from '@gridproof/audit';

const time = (v: string): string => {
  if (/^\d+$/.test(v)) return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`not a time (Unix ms or ISO 8601): ${v}`);
  return String(ms);
};

/**
 * `gridproof audit|proof|verify`. audit and proof ask the running service over its API (the
 * CLI never opens the SQL store); verify is standalone: the bundle file and a chain RPC only,
 * and loads the verifier (ethers) only when it runs.
 */
export function registerAuditCommands(program: Command, io: CliIo = processIo): Command {
  withApiOptions(program.command('audit'))
    .description('rebuild every batch of a period from InfluxDB and compare with the chain')
    .requiredOption('--from <time>', 'start (Unix ms or ISO 8601)', time)
    .requiredOption('--to <time>', 'end, exclusive (Unix ms or ISO 8601)', time)
    .option('--json', 'print the full JSON report')
    .action(async (o: { from: string; to: string; json?: boolean }, command: Command) => {
      const report = await apiClientFor(command).get<AuditReport>('/api/audit', { from: o.from, to: o.to });
      if (o.json) io.out(JSON.stringify(report, null, 2));
      else {
        for (const b of report.batches) {
          io.out(`batch ${b.batchId} [${new Date(b.start).toISOString()}, ${new Date(b.end).toISOString()}) ${b.count.stored} records: ${b.verified ? 'verified' : 'NOT VERIFIED'}`);
          for (const p of b.problems) io.out(`  ${p}`);
          if (b.deadLettered.count) io.out(`  ${b.deadLettered.count} accepted readings were refused by InfluxDB (dead-lettered) and are not in this batch`);
          for (const r of b.deadLettered.readings) io.out(`  dead-lettered: ${r.device} seq ${r.seq} ts ${r.ts} rx ${r.rx}`);
          for (const [what, list] of [['altered', b.altered], ['missing', b.missing], ['injected', b.injected]] as const) {
            for (const r of list) io.out(`  ${what}: ${r.device} seq ${r.seq} ts ${r.ts} rx ${r.rx}`);
          }
        }
        const k = report.keyHistory;
        const keyEvent = (e: AuditReport['keyHistory']['unlogged'][number]) => `key event ${e.id} of ${e.device}${e.event ? ` (${e.event})` : ''} at ${new Date(e.at).toISOString()}${e.rx !== null ? ` rx ${e.rx}` : ''}`;
        for (const [what, list] of [
          ['KEY EVENT ALTERED in SQL', k.altered],
          ['KEY EVENT NOT IN THE LOG', [...k.missingFromLog, ...k.unlogged]],
          ['KEY EVENT NOT IN SQL (in the log)', k.notInSql],
        ] as const) {
          for (const e of list) io.out(`${what}: ${keyEvent(e)}`);
        }
        io.out(`key history: ${k.checked} key events compared with the log: ${k.verified ? 'verified' : 'NOT VERIFIED'}`);
        io.out(`${report.verified} verified, ${report.failed} not verified, ${report.records} records in ${report.durationMs} ms`);
      }
      if (report.failed || !report.keyHistory.verified) process.exitCode = 1;
    });

  withApiOptions(program.command('proof'))
    .description('export the self-contained proof bundle of one reading')
    .requiredOption('--device <id>', 'device id')
    .option('--seq <n>', 'sequence number of the reading')
    .option('--ts <time>', 'device timestamp of the reading (instead of --seq)', time)
    .option('--consistency-to <batch>', "add the RFC 6962 consistency proof to this later batch's head ('latest' or an id)")
    .option('--out <file>', 'write the bundle to a file (default: stdout)')
    .action(async (o: { device: string; seq?: string; ts?: string; consistencyTo?: string; out?: string }, command: Command) => {
      const bundle = await apiClientFor(command).get<ProofBundle>('/api/proofs', { device: o.device, seq: o.seq, ts: o.ts, consistencyTo: o.consistencyTo });
      const text = `${JSON.stringify(bundle, null, 2)}\n`;
      if (o.out) {
        writeFileSync(o.out, text);
        io.out(`proof of ${o.device} seq ${bundle.record.seq} (batch ${bundle.batch.id}, tx ${bundle.chain.txHash}) written to ${o.out}`);
      } else io.out(text.trimEnd());
    });

  withApiOptions(program.command('export-batch'))
    .description('write every leaf of a batch with its record, to re-verify its tree head without InfluxDB')
    .requiredOption('--id <n>', 'batch id')
    .option('--out <file>', 'write the export to a file (default: stdout)')
    .action(async (o: { id: string; out?: string }, command: Command) => {
      const exported = await apiClientFor(command).get<BatchExport>(`/api/batches/${encodeURIComponent(o.id)}/entries`);
      const text = `${JSON.stringify(exported, null, 2)}\n`;
      if (o.out) {
        writeFileSync(o.out, text);
        io.out(`batch ${exported.batch.id}: ${exported.entries.length} leaves (log ${exported.batch.treeSize - exported.batch.count}..${exported.batch.treeSize - 1}) written to ${o.out}`);
      } else io.out(text.trimEnd());
    });

  program
    .command('verify')
    .description('verify a proof bundle with only a chain RPC (no GridProof service needed)')
    .argument('<bundle>', 'proof bundle file (from gridproof proof)')
    .requiredOption('--rpc <url>', 'JSON-RPC URL of the chain the bundle names')
    .option('--json', 'print the JSON report')
    .action(async (file: string, o: { rpc: string; json?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        io.err(`cannot read ${file} as JSON: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const { verifyBundle } = await import('@gridproof/audit');
      const report = await verifyBundle(input, o.rpc);
      if (o.json) io.out(JSON.stringify(report, null, 2));
      else {
        for (const c of report.checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
        if (report.anchoringDelaySeconds !== null) io.out(`anchoring delay: ${report.anchoringDelaySeconds.toFixed(3)} s from the reading's receipt (rx) to the anchoring block's time`);
        for (const w of report.warnings) io.out(`WARN ${w}`);
        io.out(report.ok ? 'VERIFIED' : 'NOT VERIFIED');
      }
      if (!report.ok) process.exitCode = 1;
    });
  return program;
}

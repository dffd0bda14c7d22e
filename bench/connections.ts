/**
 * `npm run bench:connections`: idle device connections held by one broker process, and its
 * memory per connection (RSS after a full GC, minus the RSS before any connection, divided by
 * the connections). Generators are several processes on their own loopback source addresses.
 * Bounded: BENCH_CONNECTIONS (default 50,000, capped by the file-descriptor limit), BENCH_RUNS.
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@gridproof/testing';
import { repoRoot } from '../libs/testing/src/faults/gridproof-process';
import { fmt, machineReport, median, table, updateDocSection } from './lib/report';

const WANTED = Number(process.env.BENCH_CONNECTIONS ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PER_GENERATOR = 12_000;

function fileLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
}

function ask<T>(child: ChildProcess, message: unknown, answer: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === 'error') reject(new Error(m.message));
      if (m.type !== answer) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(message as object);
  });
}

interface Memory {
  rss: number;
  heapUsed: number;
  online: number;
}

async function oneRun(target: number, steps: number[]): Promise<Array<{ connections: number; memory: Memory; seconds: number }>> {
  const port = await freePort();
  // Fresh loopback source addresses per run (127.0.0.0/8 is all loopback): ports of an earlier
  // run may still be in TIME_WAIT on the old ones.
  const sourceNet = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const broker = fork(join(__dirname, 'lib', 'broker-process.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const generators: ChildProcess[] = [];
  try {
    await ask(broker, { devices: target, port }, 'ready');
    const out: Array<{ connections: number; memory: Memory; seconds: number }> = [];
    out.push({ connections: 0, memory: await ask<Memory>(broker, { type: 'memory' }, 'memory'), seconds: 0 });
    let opened = 0;
    for (const step of steps) {
      const t0 = Date.now();
      const jobs: Array<Promise<unknown>> = [];
      // Spread the new connections over generator processes of PER_GENERATOR each.
      while (opened < step) {
        const g = Math.floor(opened / PER_GENERATOR);
        const upTo = Math.min(step, (g + 1) * PER_GENERATOR);
        generators[g] ??= fork(join(__dirname, 'lib', 'connection-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const ids = Array.from({ length: upTo - opened }, (_, i) => opened + i);
        jobs.push(ask(generators[g], { type: 'open', job: { port, localAddress: `${sourceNet}.${10 + g}`, ids, concurrency: 64 } }, 'opened'));
        opened = upTo;
      }
      await Promise.all(jobs);
      const seconds = (Date.now() - t0) / 1000;
      const memory = await ask<Memory>(broker, { type: 'memory' }, 'memory');
      if (memory.online !== step) throw new Error(`broker reports ${memory.online} devices online, expected ${step}`);
      out.push({ connections: step, memory, seconds });
      console.log(`  ${fmt(step)} connections: RSS ${fmt(memory.rss / 2 ** 20)} MiB, heap ${fmt(memory.heapUsed / 2 ** 20)} MiB, ${(((memory.rss - out[0].memory.rss) / step) / 1024).toFixed(1)} KB/connection (opened in ${seconds.toFixed(1)} s)`);
    }
    return out;
  } finally {
    // The broker first, so the closing side (and its TIME_WAIT) is the server's.
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    for (const g of generators) g.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const limit = fileLimit();
  // The broker process needs one descriptor per connection plus its own files and listeners.
  const target = Math.min(WANTED, limit - 500);
  const steps = [1_000, 5_000, 10_000, 20_000, 30_000, 40_000, 50_000].filter((s) => s < target).concat(target);
  const header = [machineReport(), `workload: ${fmt(target)} idle MQTT 3.1.1 connections (CONNECT with credentials, keep-alive 0) to one broker process, ${RUNS} runs; file-descriptor limit ${fmt(limit)}${target < WANTED ? ` (below the ${fmt(WANTED)} asked for: the limit cannot be raised here)` : ''}`].join('\n');
  console.log(header);
  const runs: Array<Awaited<ReturnType<typeof oneRun>>> = [];
  for (let run = 0; run < RUNS; run++) {
    console.log(`run ${run + 1}/${RUNS}`);
    runs.push(await oneRun(target, steps));
  }
  const rows = steps.map((step, i) => {
    const perConn = runs.map((r) => (r[i + 1].memory.rss - r[0].memory.rss) / step / 1024);
    const heap = runs.map((r) => (r[i + 1].memory.heapUsed - r[0].memory.heapUsed) / step / 1024);
    const prev = i === 0 ? 0 : steps[i - 1];
    const marginal = runs.map((r) => (r[i + 1].memory.rss - r[i].memory.rss) / (step - prev) / 1024);
    return [fmt(step), median(perConn).toFixed(1), median(marginal).toFixed(1), median(heap).toFixed(1), fmt(median(runs.map((r) => r[i + 1].memory.rss / 2 ** 20))), median(runs.map((r) => r[i + 1].seconds)).toFixed(1)];
  });
  const atTarget = median(runs.map((r) => (r[r.length - 1].memory.rss - r[0].memory.rss) / target / 1024));
  const summary = [
    '## Connections',
    '',
    `Command: \`npm run build && npm run bench:connections\` (BENCH_CONNECTIONS=${WANTED} BENCH_RUNS=${RUNS}), measured ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
    '```',
    header,
    '```',
    '',
    'The broker process is the real `startBroker` (aedes, device hooks, packet guard, metrics) with an in-memory device directory, so logins skip the registry\'s scrypt check; generators are raw-socket processes of 12,000 connections each, each on its own loopback source address (127.x.y.10, .11, ...) Memory is after a full GC; "KB/connection" is (RSS − RSS with no connection) / connections. Medians of the runs.',
    '',
    table(['connections', 'KB/connection (RSS)', 'KB/connection, marginal (RSS since the previous step)', 'KB/connection (JS heap)', 'broker RSS MiB', 'seconds to open the step'], rows),
    '',
    `Goal ≤ 20 KB per connection: **${atTarget.toFixed(1)} KB** at ${fmt(target)} connections (${atTarget <= 20 ? 'met' : 'missed'}).`,
  ].join('\n');
  console.log(`\n${summary}\n`);
  console.log(`written to ${updateDocSection(repoRoot(), 'connections', summary)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

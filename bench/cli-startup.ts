/**
 * `npm run bench:cli-startup`: how long the `gridproof` command takes to start, measured as a
 * user runs it (`node bin/gridproof.js ...`, the compiled dist/), BENCH_RUNS times per command,
 * one after the other. Also counts the modules each command loads and whether the heavy server
 * dependencies (Nest, ethers, drizzle, TensorFlow.js) are among them: a REST command should load
 * the REST client only.
 *
 * Run `npm run build` first. Wall time includes Node's own start (`node -e 0` is the floor).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { machineReport, median, percentile } from './lib/report';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'gridproof.js');
const HEAVY = ['@nestjs/core', 'ethers', 'drizzle-orm', '@tensorflow/tfjs-core', '@electric-sql/pglite'];

/** Prints the resolved module paths at exit, so a run also tells what it loaded. */
const LIST_MODULES = `process.on('exit', () => process.stderr.write('\\n@@modules ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));`;

function timeRuns(args: string[]): { median: number; p90: number; modules: number; heavy: string[] } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}`);
  }
  // `node -e CODE -- bin args...` leaves process.argv as [node, bin, args...], as the real command sees it.
  const listed = spawnSync(process.execPath, ['-e', `${LIST_MODULES} require(${JSON.stringify(args[0])});`, '--', ...args], { cwd: root, encoding: 'utf8' });
  const line = (listed.stderr ?? '').split('\n').find((l) => l.startsWith('@@modules '));
  const modules: string[] = line ? (JSON.parse(line.slice('@@modules '.length)) as string[]) : [];
  const heavy = HEAVY.filter((name) => modules.some((m) => m.includes(`/node_modules/${name}/`)));
  return { median: median(times), p90: percentile(times, 90), modules: modules.length, heavy };
}

function main(): void {
  console.log(machineReport());
  console.log(`runs per command: ${RUNS} (BENCH_RUNS), sequential, wall time of the whole process`);
  const commands: Array<[string, string[]]> = [
    ['node -e 0 (floor)', ['-e', '0']],
    ['gridproof --help', [bin, '--help']],
    ['gridproof devices list --help', [bin, 'devices', 'list', '--help']],
    ['gridproof verify --help', [bin, 'verify', '--help']],
  ];
  console.log('| command | median ms | p90 ms | modules loaded | heavy dependencies loaded |');
  console.log('|---|---|---|---|---|');
  for (const [name, args] of commands) {
    const r = timeRuns(args);
    const modules = args[0] === '-e' ? '–' : String(r.modules);
    const heavy = args[0] === '-e' ? '–' : r.heavy.join(', ') || 'none';
    console.log(`| \`${name}\` | ${r.median.toFixed(0)} | ${r.p90.toFixed(0)} | ${modules} | ${heavy} |`);
  }
}

main();

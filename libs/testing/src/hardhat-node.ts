import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports';

/** A `hardhat node` child process on a loopback port: a chain reached only over JSON-RPC. */
export interface HardhatNode {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..', '..');
const CONFIG = join(__dirname, '..', 'fixtures', 'hardhat', 'hardhat.config.js');

export async function startHardhatNode(port?: number): Promise<HardhatNode> {
  const p = port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'hardhat', 'internal', 'cli', 'cli.js'), 'node', '--hostname', '127.0.0.1', '--port', String(p), '--config', CONFIG],
    { cwd: ROOT, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${p}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hardhat node did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port: p, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

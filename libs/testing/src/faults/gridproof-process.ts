import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { freePort } from '../ports';

/** The repository root: the folder above this file holding the gridproof package.json. */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gridproof') return dir;
  }
  throw new Error(`no gridproof package.json above ${__dirname}`);
}

/**
 * Compiles the current sources (apps, libs, firmware-sim) with swc, the way `npm run build`
 * does, into node_modules/.cache so the fault tests run the app as it is now, not a stale
 * dist/. Inside the repository so node_modules and contracts/ resolve as from dist/.
 */
export function compileApp(): { entry: string; remove: () => void } {
  const root = repoRoot();
  const out = join(root, 'node_modules', '.cache', 'gridproof-faults', `${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(out, { recursive: true });
  const swc = () =>
    execFileSync(join(root, 'node_modules', '.bin', 'swc'), ['apps', 'libs', 'firmware-sim', '-d', out, '--config-file', '.swcrc', '--copy-files', '--quiet'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  try {
    swc();
  } catch {
    // A file that vanished between swc's listing and its read (a shared work tree): once more.
    swc();
  }
  return { entry: join(out, 'apps', 'gridproof', 'src', 'main.js'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

/**
 * Node flags GridProof's server runs with, in `npm start`, the Dockerfile's CMD and here (a test
 * holds the three together). A 64 MB semi-space keeps the readings in flight (≈ 1,600 messages
 * with their packets, records and line protocol) from being copied by every scavenge: about
 * half the garbage-collection time at full load (docs/benchmarks.md), for up to ≈ 190 MB more
 * young generation at peak.
 */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=64'];

export interface GridProofProcessOptions {
  /** The compiled main.js (dist/apps/gridproof/src/main.js or compileApp().entry). */
  entry: string;
  dataDir: string;
  influxUrl: string;
  influxDatabase: string;
  /** More environment (GP_SPOOL_MAX_BYTES, ...). */
  env?: Record<string, string>;
  /** More node flags, e.g. --cpu-prof (after SERVER_NODE_ARGS). */
  nodeArgs?: string[];
}

export interface ProvisionRequest {
  id: string;
  type: string;
  site: { id: string; lat: number; lon: number };
  publicKey?: string;
  requireSignature?: boolean;
}

/**
 * The real GridProof service as a child process (what `npm start` runs), on fixed loopback
 * ports chosen once, so a restart after SIGKILL comes back where devices expect it.
 */
export class GridProofProcess {
  private child: ChildProcess | null = null;
  private output = '';
  private exited: Promise<number | null> = Promise.resolve(null);
  ports = { api: 0, mqtt: 0, ws: 0, chain: 0 };

  private constructor(private readonly options: GridProofProcessOptions) {}

  static async create(options: GridProofProcessOptions): Promise<GridProofProcess> {
    const p = new GridProofProcess(options);
    p.ports = { api: await freePort(), mqtt: await freePort(), ws: await freePort(), chain: await freePort() };
    return p;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.ports.mqtt}`;
  }

  /** GP_DATA_DIR of the process (its SQL store, spool, chain journal). */
  get dataDir(): string {
    return this.options.dataDir;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last output lines, for failure messages. */
  tail(chars = 4_000): string {
    return this.output.slice(-chars);
  }

  /** Starts the process and waits until the API answers and the MQTT port accepts connections. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = this.spawnChild();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child !== child) throw new Error(`GridProof exited during start-up:\n${this.tail()}`);
      if ((await this.apiAnswers()) && (await tcpOpen(this.ports.mqtt))) return;
      if (Date.now() > deadline) throw new Error(`GridProof did not start within ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(100);
    }
  }

  /**
   * Starts a process that is expected to stop by itself (a start that must be refused) and
   * waits for its exit; SIGKILL after `timeoutMs`.
   */
  async runUntilExit(timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
    const child = this.spawnChild();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, output: this.output };
  }

  private spawnChild(): ChildProcess {
    if (this.child) throw new Error('already running');
    this.output = '';
    const child = spawn(process.execPath, [...SERVER_NODE_ARGS, ...(this.options.nodeArgs ?? []), this.options.entry], {
      cwd: repoRoot(),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        GP_DATA_DIR: this.options.dataDir,
        GP_API_PORT: String(this.ports.api),
        GP_MQTT_PORT: String(this.ports.mqtt),
        GP_MQTT_WS_PORT: String(this.ports.ws),
        GP_CHAIN_EMBEDDED_PORT: String(this.ports.chain),
        INFLUX_URL: this.options.influxUrl,
        INFLUX_DATABASE: this.options.influxDatabase,
        GP_SIM_ENABLED: 'false',
        GP_LOG_LEVEL: 'warn',
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-50_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      if (this.child === child) this.child = null;
      resolve(code);
    }));
    return child;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends the signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
  }

  /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. Resolves with how the process ended. */
  async stop(graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child) return { code: null, signal: null };
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    return { code: child.exitCode, signal: child.signalCode };
  }

  /** GET on the API with the first admin key. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`, { headers: { authorization: `Bearer ${this.adminKey()}` } });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  adminKey(): string {
    return readFileSync(join(this.options.dataDir, 'admin.key'), 'utf8').trim();
  }

  /** Provisions devices through the REST API with the first admin key; returns their MQTT passwords. */
  async provision(devices: ProvisionRequest[]): Promise<Map<string, string>> {
    const key = this.adminKey();
    const passwords = new Map<string, string>();
    let next = 0;
    const worker = async () => {
      while (next < devices.length) {
        const device = devices[next++];
        const res = await fetch(`${this.apiUrl}/api/devices`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(device),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`provisioning ${device.id}: HTTP ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { credentials: { password: string } };
        passwords.set(device.id, body.credentials.password);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return passwords;
  }

  async health(): Promise<Record<string, unknown> & { status: string }> {
    const res = await fetch(`${this.apiUrl}/api/health`);
    return (await res.json()) as Record<string, unknown> & { status: string };
  }

  /** /api/metrics as name{labels} → value. */
  async metrics(): Promise<Map<string, number>> {
    // One retry: a kept-alive connection the server just closed fails once ("other side closed").
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${this.apiUrl}/api/metrics`);
        return parsePrometheus(await res.text());
      } catch (err) {
        if (attempt === 0 && this.running) continue;
        throw new Error(`GET /api/metrics failed (${(err as Error).message}); process ${this.running ? 'running' : 'gone'}:\n${this.tail()}`);
      }
    }
  }

  private async apiAnswers(): Promise<boolean> {
    try {
      const res = await fetch(`${this.apiUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return true;
    } catch {
      return false;
    }
  }
}

/** Prometheus text exposition → series (name plus its label set, as printed) → value. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The sum of every series of a metric whose labels include all of `labels`. */
export function metricSum(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of series) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls a condition the system reaches on its own; fails with `what` instead of asserting on time. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** With GP_FAULT_FIGURES=1, prints a test's figures (for docs/reliability.md); silent otherwise. */
export function figures(test: string, values: Record<string, number | string>): void {
  if (process.env.GP_FAULT_FIGURES === '1') process.stdout.write(`[figures] ${test} ${JSON.stringify(values)}\n`);
}

import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandWorks, DebianPackage, ensureDebianPackages, MissingPackagesError } from './debian-packages';

/**
 * Runs a local InfluxDB 1.x server (Debian's `influxd`) with its data under a folder of ours,
 * bound to loopback. Used by `npm start` when INFLUX_URL is not set, and by the tests.
 * The stock config binds every interface and phones home; ours does neither.
 */
export interface LocalInfluxdOptions {
  dataDir: string;
  httpPort: number;
  /** The RPC port influxd always opens (backup/restore); must be free too. */
  rpcPort: number;
  host?: string;
  binary?: string;
  /** Writes influxd's own log here instead of discarding it. */
  logFile?: string;
  /**
   * Run influxd in its own process group, so a terminal's Ctrl-C (SIGINT to the whole
   * foreground group) reaches only the parent, which then stops influxd last, after its own
   * final writes. Off for tests: there the group signal is what cleans up after an interrupted run.
   */
  ownProcessGroup?: boolean;
  /** Called when influxd exits without stop() having been asked for (a crash, a kill -9). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export class InfluxdNotInstalledError extends Error {}

export function findInfluxd(binary = 'influxd'): string | null {
  return [binary, '/usr/bin/influxd', '/usr/local/bin/influxd'].find((candidate) => commandWorks(candidate, ['version'])) ?? null;
}

/** The Debian package that provides influxd, for ensureDebianPackages. */
export const INFLUXDB_PACKAGE: DebianPackage = { name: 'influxdb', present: () => findInfluxd() !== null };

/** Installs Debian's influxdb package when we are root and apt is there; otherwise explains. */
export function ensureInfluxdInstalled(log: (line: string) => void = console.log): string {
  const found = findInfluxd();
  if (found) return found;
  try {
    ensureDebianPackages([INFLUXDB_PACKAGE], log);
  } catch (err) {
    if (!(err instanceof MissingPackagesError)) throw err;
    throw new InfluxdNotInstalledError(`${err.message} Or point GridProof at an existing server with INFLUX_URL=http://host:8086.`);
  }
  return findInfluxd()!;
}

export class LocalInfluxd {
  private child: ChildProcess | null = null;
  readonly url: string;

  constructor(private readonly opts: LocalInfluxdOptions) {
    this.url = `http://${opts.host ?? '127.0.0.1'}:${opts.httpPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  writeConfig(): string {
    const { dataDir, httpPort, rpcPort } = this.opts;
    const host = this.opts.host ?? '127.0.0.1';
    for (const dir of ['meta', 'data', 'wal']) mkdirSync(join(dataDir, dir), { recursive: true });
    const configPath = join(dataDir, 'influxdb.conf');
    writeFileSync(
      configPath,
      [
        'reporting-enabled = false',
        `bind-address = "${host}:${rpcPort}"`,
        '[meta]',
        `  dir = "${join(dataDir, 'meta')}"`,
        '[data]',
        `  dir = "${join(dataDir, 'data')}"`,
        `  wal-dir = "${join(dataDir, 'wal')}"`,
        '  query-log-enabled = false',
        '  wal-fsync-delay = "0s"',
        '[monitor]',
        '  store-enabled = false',
        '[http]',
        `  bind-address = "${host}:${httpPort}"`,
        '  log-enabled = false',
        '  pprof-enabled = false',
        '[logging]',
        '  level = "warn"',
        '  suppress-logo = true',
        '',
      ].join('\n'),
    );
    return configPath;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    if (this.child) return;
    const binary = this.opts.binary ?? findInfluxd() ?? 'influxd';
    const configPath = this.writeConfig();
    const out = this.opts.logFile ? await import('node:fs').then((fs) => fs.openSync(this.opts.logFile!, 'a')) : 'ignore';
    const child = spawn(binary, ['-config', configPath], { stdio: ['ignore', out, out], detached: this.opts.ownProcessGroup ?? false });
    // The child has its own copy of the log descriptor; ours would leak one per restart.
    if (typeof out === 'number') closeSync(out);
    this.child = child;
    let exited = false;
    let started = false;
    child.once('exit', (code, signal) => {
      exited = true;
      // Still ours (stop() clears it first) and past start-up: nobody asked it to go.
      if (this.child === child) {
        this.child = null;
        if (started) this.opts.onUnexpectedExit?.(code, signal);
      }
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`influxd exited during start-up (port ${this.opts.httpPort} in use?)`);
      if (await this.ping()) {
        started = true;
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`influxd did not answer /ping on ${this.url} within ${timeoutMs} ms`);
  }

  async ping(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) });
      return res.status === 204;
    } catch {
      return false;
    }
  }

  /** Graceful stop (SIGTERM), or SIGKILL to simulate a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  }
}

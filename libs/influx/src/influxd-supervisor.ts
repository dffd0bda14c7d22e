import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LocalInfluxd, LocalInfluxdOptions } from './local-influxd';

/**
 * Supervises the influxd that GridProof starts itself (no INFLUX_URL), issue 13 finding 6:
 *
 * - it is restarted when it dies, after a backoff (1 s, doubling to 30 s; back to 1 s once a
 *   run lasted a minute), each restart counted and logged; meanwhile ingest spools to disk;
 * - its pid is kept in <dataDir>/influxd.pid, so after GridProof itself was SIGKILLed (influxd
 *   runs in its own process group and survives) the next start finds that orphan and stops it,
 *   but only if the pid is a live influxd whose command line names our config file: never a
 *   process that merely reused the pid;
 * - an InfluxDB that answers on the port and is not ours is refused: it may hold another
 *   data folder (issue 13: a moved folder was silently replaced). INFLUX_URL says "use that one".
 */
export interface InfluxdSupervisorOptions extends Omit<LocalInfluxdOptions, 'onUnexpectedExit'> {
  log: { log(message: string): void; warn(message: string): void; error(message: string): void };
  /** Called after each restart (a Prometheus counter). */
  onRestart?: () => void;
  backoff?: { initialMs: number; maxMs: number; stableMs: number };
}

export class ForeignInfluxdError extends Error {
  constructor(url: string, port: number) {
    super(
      `an InfluxDB GridProof did not start already answers on ${url}: it may hold another data folder, so it is not used. ` +
        `To use it, set INFLUX_URL=${url}; to run GridProof's own, stop it or set INFLUX_LOCAL_PORT to a free port (not ${port}).`,
    );
  }
}

export const INFLUXD_PID_FILE = 'influxd.pid';

export class InfluxdSupervisor {
  private readonly server: LocalInfluxd;
  private readonly backoff: { initialMs: number; maxMs: number; stableMs: number };
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private delayMs: number;
  private startedAt = 0;
  /** Restarts since start(). */
  restarts = 0;

  constructor(private readonly opts: InfluxdSupervisorOptions) {
    this.backoff = opts.backoff ?? { initialMs: 1_000, maxMs: 30_000, stableMs: 60_000 };
    this.delayMs = this.backoff.initialMs;
    this.server = new LocalInfluxd({ ...opts, onUnexpectedExit: (code, signal) => this.died(code, signal) });
  }

  get url(): string {
    return this.server.url;
  }

  get pid(): number | undefined {
    return this.server.pid;
  }

  get pidFile(): string {
    return join(this.opts.dataDir, INFLUXD_PID_FILE);
  }

  private get configPath(): string {
    return join(this.opts.dataDir, 'influxdb.conf');
  }

  async start(): Promise<void> {
    await this.stopOrphan();
    if (await this.server.ping()) throw new ForeignInfluxdError(this.server.url, this.opts.httpPort);
    await this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.server.stop();
    rmSync(this.pidFile, { force: true });
  }

  private async launch(): Promise<void> {
    await this.server.start();
    this.startedAt = Date.now();
    writeFileSync(this.pidFile, `${this.server.pid}\n`);
  }

  private died(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    // A run that lasted starts the backoff over; a crash loop doubles it.
    if (Date.now() - this.startedAt >= this.backoff.stableMs) this.delayMs = this.backoff.initialMs;
    this.opts.log.warn(`local InfluxDB exited (${signal ?? `code ${code}`}); restarting it in ${this.delayMs} ms (readings are spooled meanwhile)`);
    this.schedule();
  }

  private schedule(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.timer = null;
    if (this.stopping) return;
    try {
      await this.launch();
    } catch (err) {
      if (this.stopping) return;
      this.opts.log.error(`local InfluxDB did not restart: ${(err as Error).message}; next attempt in ${this.delayMs} ms`);
      this.schedule();
      return;
    }
    if (this.stopping) {
      await this.server.stop();
      return;
    }
    this.restarts++;
    this.opts.onRestart?.();
    this.opts.log.log(`local InfluxDB restarted (pid ${this.server.pid}, restart ${this.restarts})`);
  }

  /** Stops an influxd a previous GridProof on this data folder left running (it was SIGKILLed). */
  private async stopOrphan(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (Number.isInteger(pid) && pid > 0 && this.isOurInfluxd(pid)) {
      this.opts.log.warn(`stopping the local InfluxDB a previous GridProof left running (pid ${pid})`);
      await terminate(pid);
    }
    rmSync(this.pidFile, { force: true });
  }

  /** True if `pid` runs influxd with our config file (its command line says so). */
  private isOurInfluxd(pid: number): boolean {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false;
    }
    const config = argv.indexOf('-config');
    return basename(argv[0] ?? '') === 'influxd' && config >= 0 && argv[config + 1] === this.configPath;
  }
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
async function terminate(pid: number): Promise<void> {
  const alive = () => {
    try {
      // A zombie (dead, not yet reaped by whoever adopted it) counts as gone.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] !== 'Z';
    } catch {
      return false;
    }
  };
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive()) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  while (alive()) await new Promise((r) => setTimeout(r, 50));
}

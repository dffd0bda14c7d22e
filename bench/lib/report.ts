import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

/** The facts every benchmark prints first: machine, versions. */
export function machineReport(): string {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0];
    } catch {
      return 'not installed';
    }
  };
  return [
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node ${process.version}; ${version('influxd', ['version'])}; mosquitto ${version('mosquitto', ['-h']).replace(/^mosquitto version /, '')}`,
  ].join('\n');
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

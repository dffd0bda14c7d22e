import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The facts every benchmark prints first: machine, versions. */
export function machineReport(): string {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0];
    } catch (err) {
      // `mosquitto -h` prints its version but exits non-zero.
      const out = (err as { stdout?: Buffer }).stdout?.toString().trim();
      return out ? out.split('\n')[0] : 'not installed';
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

/**
 * Replaces (or appends) one benchmark's section of docs/benchmarks.md, between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so each script owns its figures only.
 */
export function updateDocSection(root: string, name: string, markdown: string): string {
  const file = join(root, 'docs', 'benchmarks.md');
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  const next = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  return file;
}

/** A Markdown table from a header row and rows. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

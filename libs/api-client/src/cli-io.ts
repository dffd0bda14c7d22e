import { InvalidArgumentError } from 'commander';

/** Where CLI commands print; tests pass their own to capture it. */
export interface CliIo {
  out(text: string): void;
}

export const stdoutIo: CliIo = { out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`) };

export function parseNumberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number`);
  return n;
}

/** Fixed-width text table for humans; --json is the stable format for scripts. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

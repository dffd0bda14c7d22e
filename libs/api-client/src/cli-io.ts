import { Writable } from 'node:stream';
import { InvalidArgumentError } from 'commander';

/**
 * Where every CLI command prints: `out` and `err` for lines the user reads, the raw streams for
 * commands that stream a file (a scored CSV) or draw a progress bar, and the environment a
 * command reads its configuration from. Tests pass `memoryIo()` to capture what a command prints.
 */
export interface CliIo {
  /** Text for stdout; a newline is added unless the text ends with one. */
  out(text: string): void;
  /** Text for stderr (problems, notes); a newline is added unless the text ends with one. */
  err(text: string): void;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** A `CliIo` on two streams (process.stdout and process.stderr for the real command). */
export function streamIo(stdout: Writable, stderr: Writable & { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): CliIo {
  return { out: (text) => stdout.write(line(text)), err: (text) => stderr.write(line(text)), stdout, stderr, env };
}

/** The real terminal. */
export const processIo: CliIo = streamIo(process.stdout, process.stderr);

/** A `CliIo` that keeps what a command prints: `out`/`err` calls as entries, stream writes appended. */
export interface MemoryIo extends CliIo {
  /** Each `out()` call's text as given, then anything written to `stdout`. */
  readonly outLines: string[];
  readonly errLines: string[];
  /** Everything that reached stdout / stderr, in order. */
  outText(): string;
  errText(): string;
}

export function memoryIo(env: NodeJS.ProcessEnv = process.env): MemoryIo {
  const outLines: string[] = [];
  const errLines: string[] = [];
  let outText = '';
  let errText = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const stdout = sink((s) => (outText += s));
  const stderr = sink((s) => (errText += s));
  return {
    outLines,
    errLines,
    out: (text) => {
      outLines.push(text);
      outText += line(text);
    },
    err: (text) => {
      errLines.push(text);
      errText += line(text);
    },
    stdout,
    stderr,
    env,
    outText: () => outText,
    errText: () => errText,
  };
}

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

/**
 * Progress of a long run on stderr, at most once per `everyMs`: on a terminal one line rewritten
 * in place; forced onto a pipe or a log (`--progress`), one line per report.
 */
export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
}

export class Progress {
  private lastAt = 0;
  private readonly startedAt = performance.now();
  private wrote = false;

  constructor(
    private readonly label: string,
    private readonly sink: ProgressSink | null,
    /** Input size in bytes when known (a file), for a percentage. */
    private readonly totalBytes: number | null = null,
    private readonly everyMs = 1000,
  ) {}

  tick(rows: number, bytes: number, extra = ''): void {
    if (!this.sink) return;
    const now = performance.now();
    if (now - this.lastAt < this.everyMs) return;
    this.lastAt = now;
    this.report(rows, bytes, extra, false);
  }

  done(rows: number, bytes: number, extra = ''): void {
    if (!this.sink || !this.wrote) return;
    this.report(rows, bytes, extra, true);
  }

  private report(rows: number, bytes: number, extra: string, last: boolean): void {
    const s = (performance.now() - this.startedAt) / 1000;
    const pct = this.totalBytes ? ` (${Math.min(100, (100 * bytes) / this.totalBytes).toFixed(0)} %)` : '';
    const rate = s > 0 ? `, ${Math.round(rows / s).toLocaleString('en-US')} rows/s` : '';
    const text = `${this.label}: ${rows.toLocaleString('en-US')} rows${pct}${rate}${extra ? `, ${extra}` : ''}`;
    this.wrote = true;
    this.sink!.write(this.sink!.isTTY ? `\r${text}${last ? '\n' : ''}` : `${text}\n`);
  }
}

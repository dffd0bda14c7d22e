export interface AnchorServiceOptions {
  intervalMs: number;
  maxRecords: number;
  /** Wait after a window ends before sealing it: covers writes still in flight to InfluxDB. */
  settleMs: number;
  maxBackfillMs: number;
  maxFutureSkewMs: number;
  confirmations: number;
  dropTimeoutMs: number;
  /** How often windows are checked for sealing and the chain for backlog. */
  tickMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

export interface AnchorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentAnchorLogger: AnchorLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

import type { KeyEventRecord } from '@gridproof/telemetry';

/**
 * Where the registry commits key events so that they become leaves of the log (the anchoring
 * lib implements it over the leaf journal). The registry appends the event's row, then commits
 * the event here, then commits its SQL transaction: an event is in the log before it takes
 * effect, and a change whose log commit fails is rolled back. (A crash between the two commits
 * leaves an event in the log that SQL does not hold: the audit names it.)
 */
export interface KeyEventLog {
  /** The time to stamp an event with: the log's receive clock (never inside a sealed window). */
  now(): number;
  /** Appends the events to the log durably (fsynced) before resolving. */
  commit(records: readonly KeyEventRecord[]): Promise<void>;
}

/**
 * Text that came off the wire (device ids a client claims, topics, metric names, rejection
 * details quoting a payload) as it may appear in a log line.
 *
 * Escaped as \uXXXX: C0 and C1 control characters and DEL (Unicode category Cc: newlines that
 * forge extra log lines, ESC and CSI that start ANSI terminal sequences), the line and
 * paragraph separators U+2028/U+2029, and the bidirectional overrides and isolates
 * U+202A-U+202E, U+2066-U+2069 that reorder what a reader sees (CVE-2021-42574). Backslashes
 * are doubled so an escape in the log always means the broker wrote it. Clipped, so one
 * message cannot write megabytes of log. Issue #13, finding 7.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

export const LOG_TEXT_MAX = 200;

export function logSafe(value: string, max = LOG_TEXT_MAX): string {
  const clipped = value.length > max ? `${value.slice(0, max)}…` : value;
  return clipped.replace(UNSAFE, (c) => (c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** A device id or user name for a log line: escaped, clipped to 64 characters, in quotes; "(none)" when empty. */
export function logSafeName(value: string | undefined | null): string {
  if (!value) return '(none)';
  return `"${logSafe(value, 64).replace(/"/g, '\\"')}"`;
}

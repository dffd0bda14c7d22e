import { logSafe, logSafeName } from './log-safe';

describe('logSafe', () => {
  it('escapes newlines, ANSI escapes, C1 controls, line separators and bidi overrides', () => {
    const forged = 'temp\n[Nest] 1 - ERROR forged line\u001b[31mred\u009b2J\u2028x\u202eevil';
    const safe = logSafe(forged);
    expect(safe).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    expect(safe).toBe('temp\\u000a[Nest] 1 - ERROR forged line\\u001b[31mred\\u009b2J\\u2028x\\u202eevil');
  });

  it('doubles backslashes, so an escape in the log is always the broker\'s', () => {
    expect(logSafe('a\\u000ab')).toBe('a\\\\u000ab');
  });

  it('clips long text and leaves ordinary text alone', () => {
    expect(logSafe('x'.repeat(1_000))).toHaveLength(201);
    expect(logSafe('ac_power_w (Ünïcode ok)')).toBe('ac_power_w (Ünïcode ok)');
  });

  it('quotes names, and says (none) for a missing one', () => {
    expect(logSafeName('inv"1\n')).toBe('"inv\\"1\\u000a"');
    expect(logSafeName(undefined)).toBe('(none)');
  });
});

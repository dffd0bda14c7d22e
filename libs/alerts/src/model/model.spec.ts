import { parseDuration } from './duration';
import { fingerprintOf } from './labels';
import { compileMatchers, matchesAll, parseMatcher } from './matchers';
import { recurrenceActive } from './recurrence';

describe('parseMatcher', () => {
  it('parses the four Alertmanager operators', () => {
    expect(parseMatcher('site="north-1"')).toEqual({ name: 'site', op: '=', value: 'north-1' });
    expect(parseMatcher('severity!="info"')).toEqual({ name: 'severity', op: '!=', value: 'info' });
    expect(parseMatcher('site=~"north-.*"')).toEqual({ name: 'site', op: '=~', value: 'north-.*' });
    expect(parseMatcher("kind!~'offline|tampering'")).toEqual({ name: 'kind', op: '!~', value: 'offline|tampering' });
  });

  it('anchors regexes and treats a missing label as empty', () => {
    const m = compileMatchers(['site=~"north"', 'device!="x"']);
    expect(matchesAll(m, { site: 'north' })).toBe(true);
    expect(matchesAll(m, { site: 'north-2' })).toBe(false);
    expect(matchesAll(compileMatchers(['kind=""']), {})).toBe(true);
  });
});

describe('fingerprintOf', () => {
  it('is the same for the same labels in any order and differs per device', () => {
    expect(fingerprintOf({ device: 'a', kind: 'offline' })).toBe(fingerprintOf({ kind: 'offline', device: 'a' }));
    expect(fingerprintOf({ device: 'a', kind: 'offline' })).not.toBe(fingerprintOf({ device: 'b', kind: 'offline' }));
  });
});

describe('parseDuration', () => {
  it('reads Prometheus-style durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
  });
});

describe('recurrenceActive', () => {
  // 2025-03-04 is a Tuesday; Berlin is UTC+1 in March before the DST change.
  const tue = (hhmmUtc: string) => Date.parse(`2025-03-04T${hhmmUtc}:00Z`);

  it('opens a weekly window in its own timezone', () => {
    const window = { days: ['tue' as const], start: '02:00', end: '04:00', timezone: 'Europe/Berlin' };
    expect(recurrenceActive(window, tue('00:59'))).toBe(false);
    expect(recurrenceActive(window, tue('01:00'))).toBe(true);
    expect(recurrenceActive(window, tue('03:00'))).toBe(false);
  });

  it('runs a window past midnight into the next day', () => {
    const window = { days: ['mon' as const], start: '22:00', end: '05:00', timezone: 'UTC' };
    expect(recurrenceActive(window, tue('04:59'))).toBe(true);
    expect(recurrenceActive(window, tue('05:00'))).toBe(false);
    expect(recurrenceActive(window, tue('23:00'))).toBe(false);
  });
});

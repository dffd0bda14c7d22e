import { parseTimestamp } from './timestamps';

describe('parseTimestamp', () => {
  const noon = Date.UTC(2025, 0, 31, 12, 0, 0);

  it('honours an explicit offset: Z, ±HH:MM, ±HHMM and ±HH', () => {
    expect(parseTimestamp('2025-01-31T12:00:00Z')).toBe(noon);
    expect(parseTimestamp('2025-01-31T13:00:00+01:00')).toBe(noon);
    expect(parseTimestamp('2025-01-31T07:30:00-0430')).toBe(noon);
    expect(parseTimestamp('2025-01-31 14:00+02')).toBe(noon);
  });

  it('reads a timestamp without an offset as UTC, whatever the machine zone (Date.parse would not)', () => {
    expect(parseTimestamp('2025-01-31T12:00:00')).toBe(noon);
    expect(parseTimestamp('2025-01-31 12:00:00')).toBe(noon);
    expect(parseTimestamp('2025-01-31')).toBe(Date.UTC(2025, 0, 31));
  });

  it('keeps fractions of a second, with a dot or a comma', () => {
    expect(parseTimestamp('2025-01-31T12:00:00.250Z')).toBe(noon + 250);
    expect(parseTimestamp('2025-01-31T12:00:00,5Z')).toBe(noon + 500);
  });

  it('reads Unix seconds, milliseconds, microseconds and nanoseconds by magnitude, or in the unit given', () => {
    expect(parseTimestamp('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000.5')).toBe(1_700_000_000_500);
    expect(parseTimestamp('1700000000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000000000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('600', 's')).toBe(600_000);
    expect(parseTimestamp('1700000000', 'ms')).toBe(1_700_000_000);
  });

  it('refuses what it would have to guess or what is no date', () => {
    for (const bad of ['yesterday', '01/02/2025', '2025-13-01', '2025-02-30T00:00:00Z', '2025-01-31T25:00:00Z', '2025-01-31T12:00:00+25:00', '', 'NaN']) {
      expect(parseTimestamp(bad)).toBeNull();
    }
  });
});

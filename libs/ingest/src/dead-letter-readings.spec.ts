import { telemetryLine } from '@gridproof/influx';
import { deadLetteredReadings } from './dead-letter-readings';

describe(deadLetteredReadings.name, () => {
  const tags = { device: 'inv 1,a', site: 's', type: 'pv-inverter' };
  const record = (seq: number, sig: string | null) => ({ v: 1 as const, device: 'inv 1,a', ts: 1_700_000_000_000 + seq, seq, readings: { ac_power_w: 5, note: 'rx=9i 1' }, sig, rx: 1_700_000_000_500 + seq });

  it('reads device, seq, ts and rx of every telemetry line, signed or not', () => {
    const body = [telemetryLine('energy', tags, record(7, 'c2ln+/==')), telemetryLine('energy', tags, record(8, null))].join('\n');
    expect(deadLetteredReadings(body)).toEqual([
      { device: 'inv 1,a', seq: 7, ts: 1_700_000_000_007, rx: 1_700_000_000_507 },
      { device: 'inv 1,a', seq: 8, ts: 1_700_000_000_008, rx: 1_700_000_000_508 },
    ]);
  });

  it('skips lines that are not telemetry points', () => {
    expect(deadLetteredReadings('gp_ingest accepted=1i 1\nnot a line')).toEqual([]);
  });
});

import type { IngestRecord } from '@gridproof/telemetry';
import { escapeTag, pointLine, quoteString, readTelemetryLineKey, telemetryLine } from './line-protocol';

const record = (over: Partial<IngestRecord> = {}): IngestRecord => ({
  v: 1,
  device: 'evc-1',
  ts: 1763683200000,
  seq: 42,
  readings: { power_w: 7200, status: 'Charging' },
  sig: 'c2ln+/==',
  rx: 1763683200123,
  ...over,
});

describe('telemetryLine', () => {
  it('writes measurement = family, tags device/site/type, metrics as floats or strings, seq and rx as integers, sig as string, time in ms', () => {
    expect(telemetryLine('charging', { device: 'evc-1', site: 'depot-3', type: 'ev-charger' }, record())).toBe(
      'charging,device=evc-1,site=depot-3,type=ev-charger power_w=7200,status="Charging",seq=42i,rx=1763683200123i,sig="c2ln+/==" 1763683200000',
    );
  });

  it('omits sig when the message was not signed', () => {
    expect(telemetryLine('charging', { device: 'evc-1', site: 's', type: 'ev-charger' }, record({ sig: null }))).not.toMatch(/sig=/);
  });

  it('escapes commas, equals signs and spaces in tag values and quotes and backslashes in strings', () => {
    expect(escapeTag('roof, north=1')).toBe('roof\\,\\ north\\=1');
    expect(quoteString('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
    const line = telemetryLine('energy', { device: 'inv-1', site: 'roof, north=1', type: 'pv-inverter' }, record({ device: 'inv-1' }));
    expect(line.startsWith('energy,device=inv-1,site=roof\\,\\ north\\=1,type=pv-inverter ')).toBe(true);
  });

  it('is deterministic, so a replayed point is identical to the original', () => {
    const tags = { device: 'evc-1', site: 's', type: 'ev-charger' };
    expect(telemetryLine('charging', tags, record())).toBe(telemetryLine('charging', tags, record()));
  });
});

describe('readTelemetryLineKey', () => {
  it('reads measurement, device, seq and ts back from a telemetry line', () => {
    const line = telemetryLine('energy', { device: 'inv.a_1', site: 'a b,c', type: 'pv-inverter' }, record({ device: 'inv.a_1', readings: { ac_power_w: 1 } }));
    expect(readTelemetryLineKey(line)).toEqual({ measurement: 'energy', device: 'inv.a_1', seq: 42, ts: 1763683200000 });
    const spaced = telemetryLine('charging', { device: 'evc-1', site: 's', type: 'ev-charger' }, record({ ts: 1763683200999, readings: { status: 'Charging now ' } }));
    expect(readTelemetryLineKey(spaced)).toMatchObject({ seq: 42, ts: 1763683200999 });
  });

  it('returns null for a line that is not a telemetry point', () => {
    expect(readTelemetryLineKey('gp_ingest accepted=1i 1')).toBeNull();
  });
});

describe('pointLine', () => {
  it('writes sorted tags, typed fields and skips non-finite numbers', () => {
    expect(pointLine('gp_rejections', { reason: 'not_json', a: 'x' }, { count: { int: 3 }, rate: 1.5, bad: NaN, note: 'ok', flag: true }, 1000)).toBe(
      'gp_rejections,a=x,reason=not_json count=3i,rate=1.5,note="ok",flag=true 1000',
    );
  });
});

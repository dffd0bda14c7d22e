import type { AlertView } from './api-types';
import { parseMatcherLines, previewSilence, silenceStatus } from './silence-preview';

const open = (id: string, labels: Record<string, string>, severity: 'critical' | 'warning' = 'warning') => ({ id, labels, severity }) as AlertView;
const alerts = [
  open('1', { alertname: 'ConnectorOverTemp', site: 'north-1', device: 'evc-1' }, 'critical'),
  open('2', { alertname: 'InverterOverTemp', site: 'north-1', device: 'inv-1' }),
  open('3', { alertname: 'ConnectorOverTemp', site: 'north-12', device: 'evc-9' }),
];
const ids = (lines: string) => {
  const p = previewSilence(parseMatcherLines(lines), alerts);
  return p.ok ? p.matches.map((a) => a.id) : p.error;
};

describe('silence preview', () => {
  it("selects what the server's matchers select: anchored regexes, severity as a label", () => {
    expect(ids('site="north-1"')).toEqual(['1', '2']);
    expect(ids('site=~"north"')).toEqual([]);
    expect(ids('site=~"north-1.*"\nalertname="ConnectorOverTemp"')).toEqual(['1', '3']);
    expect(ids('site="north-1"\nseverity!="critical"')).toEqual(['2']);
  });

  it('refuses a silence that would mute everything, and names a bad matcher', () => {
    expect(ids('site=~".*"')).toMatch(/mute everything/);
    expect(ids('site north')).toMatch(/invalid matcher 'site north'/);
    expect(ids('   \n')).toMatch(/at least one matcher/);
  });

  it('tells pending, active and expired silences apart', () => {
    const s = (startsAt: number, endsAt: number) => ({ id: 's', matchers: [], startsAt, endsAt, createdBy: 'x', comment: 'c', recurrence: null, createdAt: 0 });
    expect(silenceStatus(s(0, 10), 5)).toBe('active');
    expect(silenceStatus(s(6, 10), 5)).toBe('pending');
    expect(silenceStatus(s(0, 5), 5)).toBe('expired');
  });
});

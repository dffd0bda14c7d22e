import { Counter, Gauge, Registry } from 'prom-client';
import { METRIC } from '@gridproof/metrics';
import type { RunningGridProof } from './bootstrap';
import { StatusLine } from './status-line';

describe(StatusLine.name, () => {
  it('shows redeliveries (duplicates) apart from rejections', async () => {
    const registry = new Registry();
    const registers = [registry];
    new Gauge({ name: METRIC.devicesOnline, help: 'x', registers }).set(3);
    new Counter({ name: METRIC.ingestAccepted, help: 'x', registers }).inc(120);
    const rejected = new Counter({ name: METRIC.ingestRejected, help: 'x', labelNames: ['reason'], registers });
    rejected.inc({ reason: 'duplicate' }, 5);
    rejected.inc({ reason: 'bad_signature' }, 2);
    new Counter({ name: METRIC.ingestDuplicates, help: 'x', registers }).inc(5);
    new Gauge({ name: METRIC.spoolRecords, help: 'x', registers }).set(0);
    const running = { app: { get: () => registry } } as unknown as RunningGridProof;
    const line = await new StatusLine(running).line();
    expect(line).toContain('devices online 3');
    expect(line).toContain('accepted 120');
    expect(line).toContain('rejected 2 | redeliveries 5');
  });
});

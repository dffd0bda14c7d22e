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

  it('on a terminal, erases itself before any other output, so a log line is never glued onto it', async () => {
    const registry = new Registry();
    const running = { app: { get: () => registry } } as unknown as RunningGridProof;
    const screen: string[] = [];
    const stream = (name: string) => ({ isTTY: true, write: (chunk: unknown) => screen.push(`${name}:${String(chunk)}`) > 0 });
    const out = stream('out');
    const err = stream('err');
    const status = new StatusLine(running, { out: out as never, err: err as never });
    status.start(3_600_000);
    try {
      await status.print();
      err.write('[Nest] a log line\n');
      out.write('another line\n');
      await status.print();
    } finally {
      status.stop();
    }
    expect(screen[0]).toMatch(/^out:\r\x1b\[2Kdevices online 0/);
    // The log line comes after an erase of the status line, and only one erase per status line.
    expect(screen.slice(1, 4)).toEqual(['out:\r\x1b[2K', 'err:[Nest] a log line\n', 'out:another line\n']);
    expect(screen[4]).toMatch(/^out:\r\x1b\[2Kdevices online/);
    expect(screen[5]).toBe('out:\n');
    // stop() gives the streams their own write back.
    out.write('after');
    expect(screen[6]).toBe('out:after');
  });
});

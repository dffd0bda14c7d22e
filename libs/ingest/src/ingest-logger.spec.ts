import { RateLimitedLog } from './ingest-logger';

describe(RateLimitedLog.name, () => {
  it('logs the first line per key, holds back the rest of the interval and then says how many it held back', () => {
    let now = 0;
    const lines: string[] = [];
    const log = new RateLimitedLog((m) => lines.push(m), 10_000, () => now);
    log.log('not_json', 'a');
    log.log('not_json', 'b');
    log.log('schema', 'c');
    now = 5_000;
    log.log('not_json', 'd');
    now = 10_000;
    log.log('not_json', 'e');
    expect(lines).toEqual(['a', 'c', 'e (2 more like it in the last 10 s not logged)']);
  });
});

import { IngestCounters } from './ingest-stats';

describe(IngestCounters.name, () => {
  it('counts a duplicate (a harmless redelivery) apart from the rejections, and every reason by reason', () => {
    const c = new IngestCounters();
    c.addRejected('duplicate');
    c.addRejected('duplicate');
    c.addRejected('bad_signature');
    expect(c.rejected).toBe(1);
    expect(c.duplicates).toBe(2);
    expect(c.byReason.duplicate).toBe(2);
    expect(c.byReason.bad_signature).toBe(1);
  });
});

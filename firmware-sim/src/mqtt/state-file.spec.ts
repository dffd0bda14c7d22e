import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimStateFile } from './state-file';

describe(SimStateFile.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gp-sim-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the reserved timestamp on a periodic flush, so a run restarted after a crash resumes after all it may have sent', () => {
    const path = join(dir, 'state.json');
    const run = SimStateFile.open(path);
    run.noteSent(1_000);
    run.flush({ withLastTs: true, reserveUntil: 61_000 });
    // Published after that flush, then the process dies without another write.
    run.noteSent(30_000);
    expect(SimStateFile.open(path).lastTs).toBe(61_000);
  });

  it('stores the exact newest timestamp on a clean stop, and the newest sent when it is past the reservation', () => {
    const path = join(dir, 'state.json');
    const run = SimStateFile.open(path);
    run.noteSent(1_000);
    run.flush({ withLastTs: true, reserveUntil: 61_000 });
    run.noteSent(30_000);
    run.flush({ withLastTs: true });
    expect(SimStateFile.open(path).lastTs).toBe(30_000);
    run.noteSent(90_000);
    run.flush({ withLastTs: true, reserveUntil: 61_000 });
    expect(SimStateFile.open(path).lastTs).toBe(90_000);
  });
});

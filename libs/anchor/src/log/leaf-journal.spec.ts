import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyEventRecord } from '@gridproof/telemetry';
import { LeafJournal } from './leaf-journal';

const event = (id: number, rx: number): KeyEventRecord => ({ kind: 'key-event', v: 1, id, device: 'meter-01', event: 'rotated', publicKey: 'k'.repeat(43) + '=', requireSignature: true, at: rx, rx });

describe(LeafJournal.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gp-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('commits key events durably: told to a listener set later, and read back after a restart if their window is unsealed', async () => {
    const journal = await LeafJournal.open(dir, 0);
    await journal.appendKeyEvents([event(1, 1_000), event(2, 5_000)]);
    const told: KeyEventRecord[] = [];
    journal.onCommit({ readings: () => undefined, keyEvents: (r) => told.push(...r) });
    expect(told.map((e) => e.id)).toEqual([1, 2]);
    await journal.close();

    // Sealed up to 2 000: only the second is recovered; key events are not telemetry to rewrite.
    const reopened = await LeafJournal.open(dir, 2_000);
    expect(reopened.recoveredKeyEvents()).toEqual([event(2, 5_000)]);
    expect(reopened.recovered()).toEqual([]);
    await reopened.close();
  });
});

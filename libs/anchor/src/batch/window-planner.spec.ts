import { ReceiveClock } from './receive-clock';
import type { IndexedLeaf } from '../records/leaf-index';

let nextSeq = 0;
const leaf = (rx: number, ts = rx, device = 'd'): IndexedLeaf => ({ device, seq: ++nextSeq, ts, rx, leaf: Buffer.alloc(32) });
import { WindowPlanner } from './window-planner';

describe(WindowPlanner.name, () => {
  it('opens consecutive half-open windows on interval boundaries, with no gap', () => {
    const p = new WindowPlanner(1_000, 100, 5_000, 5_200);
    for (const t of [6_000, 7_000, 8_100]) p.advanceTo(t);
    const ws = p.open.map((w) => [w.start, w.end]);
    expect(ws).toEqual([
      [5_000, 6_000],
      [6_000, 7_000],
      [7_000, 8_000],
      [8_000, 9_000],
    ]);
  });

  it('covers a downtime with one window instead of one per interval', () => {
    const p = new WindowPlanner(1_000, 100, 5_000, 60_500);
    expect(p.open.map((w) => [w.start, w.end])).toEqual([[5_000, 60_000]]);
  });

  it('cuts a full window at the rx of the next later record, never splitting one millisecond', () => {
    const p = new WindowPlanner(1_000, 3, 0, 10);
    for (const rx of [10, 20, 30, 30]) p.add(leaf(rx));
    expect(p.open).toHaveLength(1);
    p.add(leaf(31));
    expect(p.open.map((w) => [w.start, w.end, w.seen])).toEqual([
      [0, 31, 4],
      [31, 1_000, 1],
    ]);
  });

  it('counts a record committed twice (journal recovery, then seen again) once', () => {
    const p = new WindowPlanner(1_000, 100, 0, 10);
    const l = leaf(20);
    expect(p.add(l)).toBe(true);
    expect(p.add({ ...l })).toBe(true);
    expect(p.open[0].seen).toBe(1);
    expect([...p.open[0].leaves.values()]).toEqual([l]);
  });

  it('reports a record whose window is already sealed as late', () => {
    const p = new WindowPlanner(1_000, 100, 0, 10);
    p.advanceTo(2_500);
    expect(p.due(2_500, 200)).toMatchObject({ start: 0, end: 1_000 });
    p.shift();
    expect(p.add(leaf(999))).toBe(false);
    expect(p.add(leaf(1_000))).toBe(true);
  });
});

describe(ReceiveClock.name, () => {
  it('never hands out a time below the open window start', () => {
    let wall = 500;
    const clock = new ReceiveClock(() => wall);
    clock.raiseFloor(1_000);
    expect(clock.now()).toBe(1_000);
    wall = 1_200;
    expect(clock.now()).toBe(1_200);
  });

  it('notes a dead-lettered record in the window of its rx, and refuses one whose window is sealed', () => {
    const p = new WindowPlanner(1_000, 100, 0, 10);
    p.add(leaf(500, 400));
    expect(p.deadLetter({ device: 'd', seq: 1, ts: 300, rx: 1_500 })).toBe(true);
    expect(p.open.map((w) => [w.start, w.deadLettered.size, w.minTs])).toEqual([
      [0, 0, 400],
      [1_000, 1, 300],
    ]);
    p.due(2_500, 0);
    p.shift();
    expect(p.deadLetter({ device: 'd', seq: 2, ts: 300, rx: 999 })).toBe(false);
  });
});

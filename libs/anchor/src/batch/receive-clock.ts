/**
 * The clock the ingest pipeline stamps rx with. It never hands out a time below the start of
 * the open batch window, so a record can never be stamped into a window that a size cut has
 * already ended, nor into a sealed one if the wall clock steps back (NTP): batch windows stay
 * half-open and unambiguous. The anchoring service raises the floor as windows advance.
 */
export class ReceiveClock {
  private floor = 0;

  constructor(private readonly wallClock: () => number = Date.now) {}

  now(): number {
    const t = this.wallClock();
    return t < this.floor ? this.floor : t;
  }

  raiseFloor(t: number): void {
    if (t > this.floor) this.floor = t;
  }

  get floorMs(): number {
    return this.floor;
  }
}

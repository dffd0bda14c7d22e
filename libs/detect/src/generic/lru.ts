/**
 * Least-recently-used order as an intrusive doubly linked list. The detectors touch one entry
 * per metric of every reading; keeping a Map in recency order costs a delete and a set per
 * touch (and the Map's table is rebuilt as deleted slots pile up), while relinking an entry
 * that carries its own links costs two pointer updates and allocates nothing.
 */
export class LruEntry {
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;
}

export class LruList<E extends LruEntry> {
  /** Least recently used first. */
  private head: E | null = null;
  private tail: E | null = null;
  size = 0;

  /** Adds a new entry as the most recently used. */
  push(e: E): void {
    this.link(e);
    this.size++;
  }

  /** Makes an entry of this list the most recently used. */
  touch(e: E): void {
    if (e === this.tail) return;
    this.unlink(e);
    this.link(e);
  }

  /** Removes and returns the least recently used entry (null when empty). */
  shift(): E | null {
    const e = this.head;
    if (!e) return null;
    this.unlink(e);
    this.size--;
    return e;
  }

  private link(e: E): void {
    e.lruPrev = this.tail;
    e.lruNext = null;
    if (this.tail) this.tail.lruNext = e;
    else this.head = e;
    this.tail = e;
  }

  private unlink(e: E): void {
    if (e.lruPrev) e.lruPrev.lruNext = e.lruNext;
    else this.head = e.lruNext as E | null;
    if (e.lruNext) e.lruNext.lruPrev = e.lruPrev;
    else this.tail = e.lruPrev as E | null;
    e.lruPrev = e.lruNext = null;
  }
}

/**
 * Mean and covariance of the rows of the last `windowMs` of device time, in bounded memory.
 *
 * The window is cut into `blocks` time blocks; each block keeps its count, mean and centred
 * cross-products (upper triangle), updated per row by Welford's method. A block leaves the
 * window as a whole once its last row is older than the window, and the window's moments are
 * the blocks' merged by Chan, Golub & LeVeque's pairwise formula (1979): M2 = M2a + M2b +
 * δδᵀ·na·nb/n. Memory is (blocks + 1)·d(d + 3)/2 numbers whatever the row rate; the window's
 * edge is exact to one block (1/blocks of the window).
 */
export class WindowMoments {
  private readonly tri: number;
  private readonly blockMs: number;
  /** Closed blocks, oldest first (a small array: at most blocks + 1). */
  private readonly closed: Block[] = [];
  private open: Block;
  /** Merged moments, written by merge(). */
  readonly mean: Float64Array;
  /** Centred cross-products, upper triangle row-major (i ≤ j). */
  readonly m2: Float64Array;
  n = 0;
  private readonly diff: Float64Array;

  constructor(
    readonly columns: number,
    readonly windowMs: number,
    readonly blocks: number,
  ) {
    this.tri = (columns * (columns + 1)) / 2;
    this.blockMs = windowMs / blocks;
    this.open = this.newBlock(NaN);
    this.mean = new Float64Array(columns);
    this.m2 = new Float64Array(this.tri);
    this.diff = new Float64Array(columns);
  }

  /** Index of (i, j), i ≤ j, in the upper triangle. */
  index(i: number, j: number): number {
    return i * this.columns - (i * (i - 1)) / 2 + (j - i);
  }

  /**
   * Adds one row at time ts. Returns true when that row closed a block (the window moved by
   * one block: the moment to refit a model on it).
   */
  add(ts: number, x: ArrayLike<number>): boolean {
    const b = this.open;
    if (!(b.start === b.start)) b.start = ts;
    b.n++;
    const d = this.columns;
    for (let i = 0; i < d; i++) {
      const delta = x[i] - b.mean[i];
      this.diff[i] = delta;
      b.mean[i] += delta / b.n;
    }
    // M2 += δ(x − mean_new)ᵀ, which is symmetric: δ_i·δ_j·(n − 1)/n.
    const w = (b.n - 1) / b.n;
    let k = 0;
    for (let i = 0; i < d; i++) {
      const di = this.diff[i] * w;
      for (let j = i; j < d; j++) b.m2[k++] += di * this.diff[j];
    }
    b.end = ts;
    if (ts - b.start < this.blockMs) return false;
    this.closed.push(b);
    this.open = this.newBlock(NaN);
    // Blocks whose last row is older than the window leave it.
    while (this.closed.length && this.closed[0].end <= ts - this.windowMs) this.closed.shift();
    return true;
  }

  /** Merges the closed blocks and the open one into mean, m2 and n. */
  merge(): void {
    this.mean.fill(0);
    this.m2.fill(0);
    this.n = 0;
    for (const b of this.closed) this.mergeBlock(b);
    this.mergeBlock(this.open);
  }

  /** Device time the closed blocks span (the window is full once this reaches windowMs). */
  get spanMs(): number {
    return this.closed.length ? this.closed[this.closed.length - 1].end - this.closed[0].start : 0;
  }

  private mergeBlock(b: Block): void {
    if (b.n === 0) return;
    const n = this.n + b.n;
    const f = (this.n * b.n) / n;
    const d = this.columns;
    for (let i = 0; i < d; i++) this.diff[i] = b.mean[i] - this.mean[i];
    let k = 0;
    for (let i = 0; i < d; i++) {
      const di = this.diff[i] * f;
      for (let j = i; j < d; j++, k++) this.m2[k] += b.m2[k] + di * this.diff[j];
    }
    for (let i = 0; i < d; i++) this.mean[i] += (this.diff[i] * b.n) / n;
    this.n = n;
  }

  private newBlock(start: number): Block {
    return { start, end: start, n: 0, mean: new Float64Array(this.columns), m2: new Float64Array(this.tri) };
  }
}

interface Block {
  start: number;
  end: number;
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

/**
 * Stuck values: a sensor repeating exactly the same value for longer than this stream usually
 * does. Compares the current run of identical values with the decayed distribution of completed
 * runs (log2 bins), with a geometric prior from the stream's own repeat rate.
 */
const RUN_BINS = 32;

export class StuckTracker {
  private prev = NaN;
  /** Length of the current run of identical values. */
  run = 0;
  /** The last step's tail probability. */
  p = 1;
  private readonly runs = new Float64Array(RUN_BINS);
  private runTotal = 0;
  private repeatRate = 0.1;
  private readings = 0;
  private changes = 0;

  /**
   * Tail probability that a run of identical values gets as long as the current one. Returns
   * the tracker itself (p and run), valid until its next step: nothing is allocated per reading.
   */
  step(x: number): { readonly p: number; readonly run: number } {
    this.readings++;
    const repeated = x === this.prev;
    let p = 1;
    if (repeated) {
      this.run++;
    } else {
      if (this.run > 0) this.record(this.run);
      if (this.readings > 1) this.changes++;
      this.run = 1;
      this.prev = x;
    }
    // A stream that has (almost) never changed is constant by nature, not stuck.
    if (this.run >= 3 && this.changes >= 20) {
      const r = this.run;
      const b = bin(r);
      let above = 0;
      for (let i = b + 1; i < RUN_BINS; i++) above += this.runs[i];
      // Inside the bin assume runs spread evenly between 2^(b-1)+1 and 2^b.
      const lo = b === 0 ? 1 : 2 ** (b - 1) + 1;
      const hi = 2 ** b;
      above += this.runs[b] * (hi === lo ? 1 : (hi - r + 1) / (hi - lo + 1));
      const prior = Math.pow(this.repeatRate, r - 1);
      const m = 20;
      p = Math.max(1e-300, Math.min(1, (above + m * prior) / (this.runTotal + m)));
    }
    const alpha = Math.max(1 / 4096, 1 / (this.readings + 20));
    // Do not learn from a run that is already unusual: a stuck sensor must not teach that repeats are normal.
    if (p > 1e-3) this.repeatRate += alpha * ((repeated ? 1 : 0) - this.repeatRate);
    this.p = p;
    return this;
  }

  private record(length: number): void {
    const decay = Math.pow(2, -1 / 2000);
    for (let i = 0; i < RUN_BINS; i++) this.runs[i] *= decay;
    this.runTotal = this.runTotal * decay + 1;
    this.runs[bin(length)] += 1;
  }
}

function bin(run: number): number {
  return Math.min(RUN_BINS - 1, Math.ceil(Math.log2(run)));
}

/**
 * Turning p-values into figures and combining them.
 *
 * The unclipped figure of a p-value is −log10 p ("nlp"): 3 ⇔ one in a thousand, 6 ⇔ one in a
 * million. It keeps ranking rows beyond the [0, 1] score's ceiling.
 *
 * Several p-values about one reading (evidence kinds of a metric, metrics of a row, the
 * multivariate statistics) are combined with the Cauchy combination test (ACAT; Liu & Xie,
 * JASA 2020): T = mean of tan((½ − p_i)π), p = ½ − arctan(T)/π. Its p is valid under arbitrary
 * dependence between the p-values in the tail that matters (small p), which the metrics of one
 * device certainly have; for small p it behaves like the harmonic mean of the p-values, so one
 * very small p dominates (as Bonferroni's min-p) while several moderately small ones add up.
 */

/**
 * p-values above ½ count as ½: their term is 0 (a truncated Cauchy combination). Untruncated,
 * tan((½ − p)π) → −∞ as p → 1, so a few quiet metrics veto clear evidence from one: with 38
 * metrics at p ≈ 0.99 (term −31.8 each) a metric at p = 1e-4 left the row at p ≈ 0.9. The
 * truncation only raises terms that are ≤ 0, so it can only make the combined p smaller, and
 * only where it is above ½ for each of them; the small-p tail, where alarms are decided, keeps
 * its Cauchy form (each term's tail ≈ 1/(πt)).
 */
const P_CAP = 0.5;
/** Below this, tan((½ − p)π) is computed as 1/(pπ) (the two agree to 1e-30; the tangent loses digits). */
const P_SMALL = 1e-15;

export function nlpOf(p: number): number {
  return -Math.log10(Math.max(p, 1e-300));
}

/** The Cauchy statistic's term of one p-value. */
export function cauchyTerm(p: number): number {
  if (!(p < P_CAP)) p = P_CAP;
  if (p < P_SMALL) return 1 / (Math.max(p, 1e-300) * Math.PI);
  return Math.tan((0.5 - p) * Math.PI);
}

/** The combined p-value of a Cauchy statistic: T is the weighted mean of the terms. */
export function cauchyP(t: number): number {
  // ½ − arctan(T)/π = arctan(1/T)/π for T > 0, which keeps its digits when T is large.
  const p = t > 0 ? Math.atan(1 / t) / Math.PI : 0.5 - Math.atan(t) / Math.PI;
  return Math.min(1, Math.max(p, 1e-300));
}

/** ACAT of p-values with equal weights. */
export function acat(ps: ArrayLike<number>, count = ps.length): number {
  if (count <= 0) return 1;
  let t = 0;
  for (let i = 0; i < count; i++) t += cauchyTerm(ps[i]);
  return cauchyP(t / count);
}

/**
 * Accumulates an ACAT without an array (the hot path adds one p-value at a time). Also keeps
 * the smallest p-value and its tag, which says what drove the combination.
 */
export class CauchyCombiner {
  private sum = 0;
  count = 0;
  pMin = 1;
  /** The tag given with the smallest p-value (−1 when none was given). */
  top = -1;

  reset(): this {
    this.sum = 0;
    this.count = 0;
    this.pMin = 1;
    this.top = -1;
    return this;
  }

  add(p: number, tag = -1): void {
    this.sum += cauchyTerm(p);
    if (this.count++ === 0 || p < this.pMin) {
      this.pMin = p;
      this.top = tag;
    }
  }

  get p(): number {
    return this.count ? cauchyP(this.sum / this.count) : 1;
  }
}

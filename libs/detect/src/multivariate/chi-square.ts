/**
 * Normal scores of χ² statistics, so that statistics with different degrees of freedom (a
 * subspace model refitted with another number of components) share one calibration.
 * Wilson & Hilferty (1931): (X/ν)^(1/3) is close to normal with mean 1 − 2/(9ν) and variance
 * 2/(9ν) for X ~ χ²_ν.
 */
export function wilsonHilferty(x: number, dof: number): number {
  if (!(x > 0) || !(dof > 0)) return -10;
  const v = 2 / (9 * dof);
  return (Math.cbrt(x / dof) - (1 - v)) / Math.sqrt(v);
}

/**
 * Splits `pool` base units among weights exactly (Hamilton's largest-remainder method):
 *   share_i = floor(pool × w_i / W)  — then the remainder r = pool − Σ share_i (0 ≤ r < n)
 *   goes one base unit each to the r entries with the largest fractional part
 *   (pool × w_i mod W), ties by key ascending (byte order).
 * Σ share_i = pool always: no base unit is created or lost. With no positive weight nothing is
 * split and the whole pool is returned as `unallocated`.
 */
export function splitExactly(pool: bigint, entries: ReadonlyArray<{ key: string; weight: bigint }>): { shares: Map<string, bigint>; unallocated: bigint } {
  if (pool < 0n) throw new RangeError('the pool cannot be negative');
  const shares = new Map<string, bigint>();
  let total = 0n;
  for (const e of entries) {
    if (e.weight < 0n) throw new RangeError(`weight of ${e.key} is negative`);
    total += e.weight;
  }
  if (total === 0n) return { shares, unallocated: pool };
  let given = 0n;
  const rest: Array<{ key: string; frac: bigint }> = [];
  for (const e of entries) {
    if (e.weight === 0n) continue;
    const product = pool * e.weight;
    const share = product / total;
    shares.set(e.key, share);
    given += share;
    rest.push({ key: e.key, frac: product % total });
  }
  let remainder = pool - given;
  rest.sort((a, b) => (a.frac === b.frac ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.frac > b.frac ? -1 : 1));
  for (let i = 0; remainder > 0n; i++, remainder--) shares.set(rest[i].key, shares.get(rest[i].key)! + 1n);
  return { shares, unallocated: 0n };
}

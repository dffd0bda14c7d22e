/** The raw InfluxDB line-protocol write ceiling: batches of 5,000 points, 4 requests in flight. */
export async function measureInfluxCeiling(url: string, db: string, points: number): Promise<{ pointsPerSec: number; verified: number }> {
  await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' });
  const batch = 5_000;
  const t0 = Date.now() - points;
  const batches: string[] = [];
  for (let start = 0; start < points; start += batch) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(points, start + batch); i++) {
      const dev = `m-${i % 1000}`;
      lines.push(
        `energy,device=${dev},site=s-${i % 20},type=smart-meter power_w=${1200 + (i % 50)},voltage_v=230.1,current_a=5.2,frequency_hz=50.01,power_factor=0.97,energy_import_kwh=${1000 + i / 1000},energy_export_kwh=12.5,seq=${i}i ${t0 + i}`,
      );
    }
    batches.push(lines.join('\n'));
  }
  const start = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++];
      const res = await fetch(`${url}/write?db=${db}&precision=ms`, { method: 'POST', body });
      if (res.status !== 204) throw new Error(`write failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const ms = Date.now() - start;
  const q = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent('SELECT count(seq) FROM energy')}`);
  const json = (await q.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }> }> };
  const verified = json.results[0].series?.[0].values[0][1] ?? 0;
  return { pointsPerSec: (points * 1000) / ms, verified };
}

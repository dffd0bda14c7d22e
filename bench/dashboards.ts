/**
 * `npm run bench:dashboards`: the figures docs/operators.md quotes for the dashboards, measured
 * on the panel-query test's data (dashboards/src/testing/seed.ts: firmware-sim's ten-device
 * fleet, three simulated hours) in a fresh InfluxDB with GridProof's schema:
 *  - the energy board's performance ratio per inverter, from each inverter's registered kWp,
 *    against the former query that assumed one 10 kW rating for all;
 *  - points a one-metric query reads for the seeded hours from raw points and from the rollup.
 */
import { FAMILIES } from '@gridproof/telemetry';
import { InfluxTelemetryStore, META_RETENTION_POLICY, rollupBackfillQuery } from '@gridproof/influx';
import { startTestInfluxd } from '@gridproof/testing';
import { buildSeed } from '../dashboards/src/testing/seed';
import { table } from './lib/report';

type Raw = { results: Array<{ error?: string; series?: Array<{ tags?: Record<string, string>; values: unknown[][] }> }> };

async function main(): Promise<void> {
  const influxd = await startTestInfluxd();
  try {
    const store = new InfluxTelemetryStore({ url: influxd.url, database: 'bench_dashboards', retention: 'INF', rollupRetention: 'INF', rollupInterval: '5m' });
    await store.ensureSchema();
    const seed = buildSeed();
    for (let i = 0; i < seed.lines.length; i += 5_000) await store.writeLines(seed.lines.slice(i, i + 5_000).join('\n'));
    await store.writeLines(seed.metaLines.join('\n'), { retentionPolicy: META_RETENTION_POLICY });
    const step = 300_000;
    for (const family of FAMILIES) await store.execute(rollupBackfillQuery(store.database, family, '5m', Math.floor(seed.from / step) * step, Math.ceil(seed.to / step) * step + step));
    const range = `time >= ${seed.from}ms AND time <= ${seed.lastChargingAt}ms`;
    const byDevice = async (q: string) => {
      const raw = (await store.queryRaw(q)) as Raw;
      if (raw.results[0]?.error) throw new Error(raw.results[0].error);
      return new Map((raw.results[0]?.series ?? []).map((s) => [s.tags?.device ?? '', Number(s.values[0]![1])]));
    };
    const registered = await byDevice(
      `SELECT sum("ac_power_w") / (sum("irradiance_wm2") * last("rated_power_kwp")) * 100 FROM "autogen"."energy", "${META_RETENTION_POLICY}"."energy" WHERE "type" = 'pv-inverter' AND ${range} GROUP BY "device"`,
    );
    const assumed = await byDevice(`SELECT sum("ac_power_w") / (sum("irradiance_wm2") * 10) * 100 FROM "energy" WHERE "type" = 'pv-inverter' AND ${range} GROUP BY "device"`);
    console.log('Performance ratio over the seeded hours (energy.json "Performance ratio")');
    console.log(
      table(
        ['inverter', 'registered kWp', 'PR, registered kWp', 'PR, one 10 kW for all'],
        [...registered.keys()].sort().map((d) => [d, String(seed.nameplates[d]?.rated_power_kwp), `${registered.get(d)!.toFixed(1)} %`, `${assumed.get(d)!.toFixed(1)} %`]),
      ),
    );
    const points = async (rp: string) => [...(await byDevice(`SELECT count("power_w") FROM "${rp}"."energy" WHERE ${range} GROUP BY "device"`)).values()].reduce((a, b) => a + b, 0);
    console.log(`\npoints read by SELECT mean("power_w") … over the seeded hours: raw ${await points('autogen')}, rollup ${await points('rollup')} (5m)`);
  } finally {
    await influxd.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
